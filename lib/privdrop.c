#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int privdrop_to_user(const char *user)
{
    if (user == NULL || *user == '\0')
        return 0;
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        log_error("cannot drop privileges: no such user=%s", user);
        return -1;
    }
    if (geteuid() != 0) {
        if (geteuid() == pw->pw_uid)
            return 0;
        log_error("cannot switch to user=%s: not running as root", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        log_error("cannot switch to user=%s error=\"%m\"", user);
        return -1;
    }
    if (setuid(0) == 0) { /* must be impossible now */
        log_error("privileges could be regained after switching to user=%s", user);
        return -1;
    }
    log_info("dropped privileges user=%s uid=%ld gid=%ld", user, (long)pw->pw_uid,
             (long)pw->pw_gid);
    return 0;
}
