/* The sendmail command as a transport. */
#include "sendmail.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"

#define ARGV_MAX 64

extern char **environ;

int sendmail_argv(const char *command, const char *from, const char *rcpt, char ***argv_out,
                  char *err, size_t errsize)
{
    char **argv = xcalloc(ARGV_MAX + 1, sizeof *argv);
    size_t n = 0;
    const char *p = command;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        if (n == ARGV_MAX) {
            snprintf(err, errsize, "[delivery] sendmail_command has more than %d words", ARGV_MAX);
            sendmail_argv_free(argv);
            return -1;
        }
        struct buf w = BUF_INIT;
        while (*p && *p != ' ' && *p != '\t') {
            if (strncmp(p, "{from}", 6) == 0) {
                buf_puts(&w, from);
                p += 6;
            } else if (strncmp(p, "{rcpt}", 6) == 0) {
                buf_puts(&w, rcpt);
                p += 6;
            } else {
                buf_putc(&w, *p++);
            }
        }
        argv[n++] = buf_steal(&w);
    }
    if (n == 0) {
        snprintf(err, errsize, "[delivery] sendmail_command is empty");
        sendmail_argv_free(argv);
        return -1;
    }
    *argv_out = argv;
    return 0;
}

void sendmail_argv_free(char **argv)
{
    if (argv == NULL)
        return;
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

void sendmail_send(const struct config *cfg, const char *from, const char *rcpt, const char *msg,
                   size_t len, struct attempt_result *res)
{
    char **argv = NULL, err[256];
    if (sendmail_argv(cfg->sendmail_command, from, rcpt, &argv, err, sizeof err) != 0) {
        attempt_set(res, OUTCOME_TEMPFAIL, "%s", err);
        return;
    }
    /* LF line ends on the pipe: the MTA writes CRLF on the wire again (DKIM relaxed body
     * canonicalisation is computed over CRLF lines, so the signature survives). */
    struct buf lf = BUF_INIT;
    buf_reserve(&lf, len);
    for (size_t i = 0; i < len; i++)
        if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
            buf_putc(&lf, msg[i]);

    int in[2] = {-1, -1}, errp[2] = {-1, -1};
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
        attempt_set(res, OUTCOME_TEMPFAIL, "pipe: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawnattr_t attr;
    sigset_t def;
    posix_spawnattr_init(&attr);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE); /* we ignore SIGPIPE; the command gets the default back */
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        attempt_set(res, OUTCOME_TEMPFAIL, "cannot run %s: %s", argv[0], strerror(rc));
        pid = -1;
        goto out;
    }
    close(in[0]);
    close(errp[1]);
    in[0] = errp[1] = -1;
    fcntl(in[1], F_SETFL, O_NONBLOCK);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char output[400];
    size_t olen = 0, wpos = 0;
    int timed_out = 0, write_failed = 0;
    while (errp[0] >= 0) {
        struct pollfd pf[2] = {{errp[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
        int nfds = in[1] >= 0 ? 2 : 1;
        long left = cfg->timeout_ms - ms_since(&t0);
        if (left <= 0) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(pf, (nfds_t)nfds, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
            break;
        if (nfds == 2 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in[1], lf.data + wpos, lf.len - wpos);
            if (w > 0)
                wpos += (size_t)w;
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                wpos = lf.len; /* EPIPE: the command did not read the whole message */
                write_failed = 1;
            }
            if (wpos == lf.len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char tmp[512];
            ssize_t r = read(errp[0], tmp, sizeof tmp);
            if (r <= 0) {
                close(errp[0]);
                errp[0] = -1;
            } else if (olen < sizeof output - 1) {
                size_t k = (size_t)r < sizeof output - 1 - olen ? (size_t)r : sizeof output - 1 - olen;
                memcpy(output + olen, tmp, k);
                olen += k;
            }
        }
    }
    output[olen] = '\0';
    for (size_t i = 0; i < olen; i++)
        if (output[i] == '\n' || output[i] == '\r')
            output[i] = ' ';
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (timed_out)
        attempt_set(res, OUTCOME_TEMPFAIL, "%s timed out after %ld ms", argv[0], cfg->timeout_ms);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && in[1] < 0 && !write_failed)
        attempt_set(res, OUTCOME_SENT, "%s exited 0%s%s", argv[0], olen ? ": " : "", output);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        attempt_set(res, OUTCOME_TEMPFAIL, "%s exited before reading the message", argv[0]);
    else if (WIFEXITED(status) && (WEXITSTATUS(status) == 65 || WEXITSTATUS(status) == 67 ||
                                   WEXITSTATUS(status) == 68))
        attempt_set(res, OUTCOME_PERMFAIL, "%s exited %d: %s", argv[0], WEXITSTATUS(status), output);
    else if (WIFEXITED(status))
        attempt_set(res, OUTCOME_TEMPFAIL, "%s exited %d: %s", argv[0], WEXITSTATUS(status), output);
    else
        attempt_set(res, OUTCOME_TEMPFAIL, "%s killed by signal %d", argv[0],
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    buf_free(&lf);
    sendmail_argv_free(argv);
}
