/* dgram_send: sends files as AF_UNIX datagrams, one file = one datagram, the way libtlsrpt
 * sends (unconnected sendto; with -n non-blocking, so a full queue loses the datagram).
 *   dgram_send [-n] [-p USEC] [-r REPEAT] [-k] SOCKET FILE...
 *   -n  MSG_DONTWAIT: EAGAIN counts as lost (as libtlsrpt)
 *   -p  pause between datagrams, microseconds
 *   -r  send the list REPEAT times
 *   -k  keep going after hard errors (default: stop at the first ECONNREFUSED/ENOENT/EPIPE)
 * Prints "sent=N lost=N errors=N" and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(2);
    }
    char *b = malloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, b, (size_t)st.st_size);
    if (n != st.st_size) {
        perror(path);
        exit(2);
    }
    close(fd);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv)
{
    int nonblock = 0, keep = 0, opt;
    long pause_us = 0, repeat = 1;
    while ((opt = getopt(argc, argv, "np:r:k")) != -1) {
        switch (opt) {
        case 'n': nonblock = 1; break;
        case 'p': pause_us = atol(optarg); break;
        case 'r': repeat = atol(optarg); break;
        case 'k': keep = 1; break;
        default:
            fprintf(stderr, "usage: dgram_send [-n] [-p USEC] [-r N] [-k] SOCKET FILE...\n");
            return 2;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: dgram_send [-n] [-p USEC] [-r N] [-k] SOCKET FILE...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *path = argv[optind];
    int nfiles = argc - optind - 1;
    char **data = calloc((size_t)nfiles, sizeof *data);
    size_t *len = calloc((size_t)nfiles, sizeof *len);
    for (int i = 0; i < nfiles; i++)
        data[i] = slurp(argv[optind + 1 + i], &len[i]);

    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sndbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);

    unsigned long sent = 0, lost = 0, errors = 0;
    int stop = 0;
    for (long r = 0; r < repeat && !stop; r++) {
        for (int i = 0; i < nfiles && !stop; i++) {
            ssize_t n = sendto(fd, data[i], len[i], nonblock ? MSG_DONTWAIT : 0,
                               (struct sockaddr *)&sa, sizeof sa);
            if (n == (ssize_t)len[i]) {
                sent++;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                lost++;
            } else {
                if (errors++ == 0)
                    fprintf(stderr, "dgram_send: %s: %s\n", argv[optind + 1 + i], strerror(errno));
                if (!keep && (errno == ECONNREFUSED || errno == ENOENT || errno == EPIPE))
                    stop = 1;
            }
            if (pause_us)
                usleep((useconds_t)pause_us);
        }
    }
    printf("sent=%lu lost=%lu errors=%lu\n", sent, lost, errors);
    for (int i = 0; i < nfiles; i++)
        free(data[i]);
    free(data);
    free(len);
    close(fd);
    return 0;
}
