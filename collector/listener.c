/* Binding, permissions and systemd socket activation for the collector socket. */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/group.h"
#include "lib/log.h"

#define SD_LISTEN_FDS_START 3
#define RCVBUF_BYTES (8 * 1024 * 1024)

/* systemd passes sockets as fds 3.. with LISTEN_PID/LISTEN_FDS; they are ours only when
 * LISTEN_PID is our pid. */
static int systemd_socket(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
        return -1;
    long n = strtol(fds, NULL, 10);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (n < 1)
        return -1;
    if (n > 1)
        log_warn("systemd passed %ld sockets; using the first", n);
    return SD_LISTEN_FDS_START;
}

static int check_inherited(int fd, struct listener *l)
{
    int type = 0;
    socklen_t tl = sizeof type;
    struct sockaddr_un sa;
    socklen_t sl = sizeof sa;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sun_family != AF_UNIX) {
        log_error("socket from systemd (fd %d) is not an AF_UNIX datagram socket", fd);
        return -1;
    }
    if (sl > offsetof(struct sockaddr_un, sun_path) && sa.sun_path[0] != '\0')
        bcopy_str(l->path, sizeof l->path, sa.sun_path);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Refuses a live collector's socket; removes a stale one. */
static int clear_old_socket(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : (log_error("cannot stat socket=%s error=\"%m\"", path), -1);
    if (!S_ISSOCK(st.st_mode)) {
        log_error("socket=%s exists and is not a socket; refusing to replace it", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int rc = connect(probe, (struct sockaddr *)&sa, sizeof sa);
    int err = errno;
    close(probe);
    if (rc == 0) {
        log_error("another collector is live on socket=%s; refusing to start", path);
        return -1;
    }
    if (err != ECONNREFUSED) {
        errno = err;
        log_error("cannot probe socket=%s error=\"%m\"; refusing to start", path);
        return -1;
    }
    if (unlink(path) != 0) {
        log_error("cannot remove stale socket=%s error=\"%m\"", path);
        return -1;
    }
    log_info("removed stale socket=%s", path);
    return 0;
}

static int ensure_parent_dir(const char *path)
{
    char *copy = xstrdup(path);
    char *dir = dirname(copy);
    int rc = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_error("cannot create socket directory dir=%s error=\"%m\"", dir);
        rc = -1;
    }
    free(copy);
    return rc;
}

static int bind_socket(struct listener *l, const struct config *cfg, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        log_error("socket path is too long (max %zu bytes): %s", sizeof sa.sun_path - 1, path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (ensure_parent_dir(path) != 0 || clear_old_socket(path) != 0)
        return -1;

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_error("socket() failed error=\"%m\"");
        return -1;
    }
    mode_t old = umask(0177); /* created 0600; opened up to socket_mode only after chown */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0) {
        log_error("cannot bind socket=%s error=\"%m\"", path);
        close(fd);
        return -1;
    }
    if (cfg->socket_group[0] != '\0') {
        gid_t gid;
        const char *why = NULL;
        if (group_resolve(cfg->socket_group, &gid, &why) != 0 ||
            chown(path, (uid_t)-1, gid) != 0) {
            log_error("cannot give socket=%s to group=%s error=\"%s\"", path, cfg->socket_group,
                      why ? why : strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
    }
    if (chmod(path, (mode_t)cfg->socket_mode) != 0) {
        log_error("cannot chmod socket=%s error=\"%m\"", path);
        close(fd);
        unlink(path);
        return -1;
    }
    l->fd = fd;
    bcopy_str(l->path, sizeof l->path, path);
    return 0;
}

int listener_open(struct listener *l, const struct config *cfg, const char *path)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    int fd = systemd_socket();
    if (fd >= 0) {
        if (check_inherited(fd, l) != 0)
            return -1;
        l->fd = fd;
        l->from_systemd = 1;
    } else if (bind_socket(l, cfg, path) != 0) {
        return -1;
    }
    int rcvbuf = RCVBUF_BYTES;
    if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
        setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return 0;
}

void listener_stop_intake(struct listener *l)
{
    /* A shut-down receiver makes sendto() fail (EPIPE) rather than queue. An inherited
     * socket is left alone: systemd keeps it and its queue for the next start. */
    if (!l->from_systemd && l->fd >= 0)
        shutdown(l->fd, SHUT_RD);
}

void listener_close(struct listener *l)
{
    if (l->fd < 0)
        return;
    close(l->fd);
    if (!l->from_systemd && l->path[0] != '\0')
        unlink(l->path);
    l->fd = -1;
}
