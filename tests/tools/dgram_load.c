/* dgram_load: sustained, paced load on an AF_UNIX datagram socket, for the crash and fault
 * tests. Sends the files round-robin (one file = one datagram) at RATE datagrams/s until
 * SECONDS have passed, SIGTERM/SIGINT arrives, or the receiver goes away.
 *   dgram_load [-n] [-R RATE] [-d SECONDS] [-c COUNT] [-k] [-u [-s START]] SOCKET FILE...
 *   -n  MSG_DONTWAIT (as libtlsrpt): a full queue loses the datagram (counted as lost);
 *       default: blocking, so every datagram counted as sent is in the receiver's queue
 *   -R  datagrams per second (default 5000; 0 = as fast as the receiver takes them)
 *   -d  seconds to run (default: until a signal or the receiver is gone)
 *   -c  stop after COUNT datagrams were sent (or lost, or failed)
 *   -k  keep going when there is no receiver (ECONNREFUSED/ENOENT): count them as refused,
 *       retry every millisecond (default: stop at the first)
 *   -u  make every datagram unique: the first "@@@@@@@@" in a file is replaced by a
 *       sequence number (8 hex digits), so each datagram adds a new failure detail
 *   -s  first sequence number for -u (default 0), to stay unique across runs
 * Prints one line: "sent=N lost=N refused=N errors=N seconds=F rate=F"; exits 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        perror(path);
        exit(2);
    }
    char *b = malloc((size_t)st.st_size + 1);
    if (b == NULL || fread(b, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
        perror(path);
        exit(2);
    }
    fclose(fp);
    *len = (size_t)st.st_size;
    return b;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: dgram_load [-n] [-R RATE] [-d SECONDS] [-c COUNT] [-k] [-u [-s START]] SOCKET FILE...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int nonblock = 0, keep = 0, unique = 0, opt;
    double rate = 5000, duration = 0;
    unsigned long seq = 0, count = 0;
    while ((opt = getopt(argc, argv, "nR:d:c:kus:")) != -1) {
        switch (opt) {
        case 'n': nonblock = 1; break;
        case 'R': rate = atof(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'c': count = strtoul(optarg, NULL, 10); break;
        case 'k': keep = 1; break;
        case 'u': unique = 1; break;
        case 's': seq = strtoul(optarg, NULL, 0); break;
        default: usage();
        }
    }
    if (argc - optind < 2 || rate < 0 || duration < 0)
        usage();

    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a blocked send ends */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *path = argv[optind];
    int nfiles = argc - optind - 1;
    char **data = calloc((size_t)nfiles, sizeof *data);
    size_t *len = calloc((size_t)nfiles, sizeof *len);
    char **mark = calloc((size_t)nfiles, sizeof *mark);
    for (int i = 0; i < nfiles; i++) {
        data[i] = slurp(argv[optind + 1 + i], &len[i]);
        data[i][len[i]] = '\0';
        mark[i] = unique ? strstr(data[i], "@@@@@@@@") : NULL;
    }

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int sndbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        usage();
    memcpy(addr.sun_path, path, strlen(path) + 1);

    unsigned long sent = 0, lost = 0, refused = 0, errors = 0;
    double start = now_s(), t = start;
    int i = 0;
    while (!stop_requested) {
        t = now_s();
        if ((duration > 0 && t - start >= duration) || (count > 0 && sent + lost + errors >= count))
            break;
        /* Paced: send until the count due by now is reached, then sleep a millisecond. */
        if (rate > 0 && (double)(sent + lost + refused) >= rate * (t - start)) {
            usleep(1000);
            continue;
        }
        if (mark[i] != NULL) {
            char num[9];
            snprintf(num, sizeof num, "%08lx", seq++ & 0xffffffffUL);
            memcpy(mark[i], num, 8);
        }
        ssize_t n = sendto(fd, data[i], len[i], nonblock ? MSG_DONTWAIT : 0,
                           (struct sockaddr *)&addr, sizeof addr);
        if (n == (ssize_t)len[i]) {
            sent++;
            i = (i + 1) % nfiles;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            lost++;
            i = (i + 1) % nfiles;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == ECONNREFUSED || errno == ENOENT || errno == EPIPE)) {
            if (!keep)
                break;
            refused++;
            usleep(1000);
        } else {
            if (errors++ == 0)
                fprintf(stderr, "dgram_load: %s: %s\n", path, strerror(errno));
            i = (i + 1) % nfiles;
        }
    }
    double secs = now_s() - start;
    printf("sent=%lu lost=%lu refused=%lu errors=%lu seconds=%.3f rate=%.0f\n", sent, lost,
           refused, errors, secs, secs > 0 ? (double)sent / secs : 0.0);
    close(fd);
    for (int f = 0; f < nfiles; f++)
        free(data[f]);
    free(data);
    free(len);
    free(mark);
    return 0;
}
