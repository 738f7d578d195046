/* dgram_bench: load generator and reference receiver for the collector benchmarks.
 *   dgram_bench sink SOCKET SECONDS            bind SOCKET, recv-and-discard; print count
 *   dgram_bench blast SOCKET SECONDS FILE...   blocking sends, round-robin; print sent
 *       (with no FILE: every datagram distinct, see make_distinct; with DGRAM_DISTINCT=domains
 *       in the environment, successful sessions each to a domain not seen before)
 *   dgram_bench paced SOCKET RATE SECONDS FILE...
 *       non-blocking sends (as libtlsrpt) at RATE per second, evenly spaced by spinning on
 *       the clock; print sent and lost (EAGAIN: the receiver's queue was full)
 *   dgram_bench distinct SOCKET COUNT
 *       blocking sends of COUNT datagrams with distinct failure details (for memory tests)
 * Output is one line of key=value pairs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct payload {
    char *data;
    size_t len;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct payload *load(char **files, int n)
{
    struct payload *p = calloc((size_t)n, sizeof *p);
    for (int i = 0; i < n; i++) {
        int fd = open(files[i], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            perror(files[i]);
            exit(2);
        }
        p[i].data = malloc((size_t)st.st_size + 1);
        p[i].len = (size_t)read(fd, p[i].data, (size_t)st.st_size);
        close(fd);
    }
    return p;
}

static struct sockaddr_un addr(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    return sa;
}

static int sender(void)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sndbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    return fd;
}

static int cmd_sink(const char *path, double seconds)
{
    struct sockaddr_un sa = addr(path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("bind");
        return 1;
    }
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static char buf[1 << 20];
    unsigned long n = 0;
    double start = 0, end = now_s() + seconds + 30;
    while (now_s() < end) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0)
            continue;
        if (n++ == 0) {
            start = now_s();
            end = start + seconds;
        }
    }
    printf("received=%lu seconds=%.2f rate=%.0f\n", n, now_s() - start, n / (now_s() - start));
    unlink(path);
    return 0;
}

static unsigned long distinct_seq;
static size_t make_distinct(char *buf, size_t size, unsigned long i);
static size_t make_new_domain(char *buf, size_t size, unsigned long i);
static int new_domains; /* DGRAM_DISTINCT=domains */

/* The payload for send number k: the files round-robin, or a fresh distinct datagram. */
static const char *payload_for(unsigned long k, struct payload *p, int np, char *tmp, size_t *len)
{
    if (np == 0) {
        *len = new_domains ? make_new_domain(tmp, 1024, distinct_seq++)
                           : make_distinct(tmp, 1024, distinct_seq++);
        return tmp;
    }
    *len = p[k % (unsigned long)np].len;
    return p[k % (unsigned long)np].data;
}

static int cmd_blast(const char *path, double seconds, struct payload *p, int np)
{
    struct sockaddr_un sa = addr(path);
    int fd = sender();
    unsigned long sent = 0, errors = 0, k = 0;
    char tmp[1024];
    double start = now_s(), end = start + seconds;
    while (now_s() < end) {
        for (int j = 0; j < 64; j++, k++) {
            size_t len;
            const char *data = payload_for(k, p, np, tmp, &len);
            if (sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
                errors++;
            else
                sent++;
        }
    }
    double el = now_s() - start;
    printf("sent=%lu errors=%lu seconds=%.2f rate=%.0f\n", sent, errors, el, sent / el);
    return 0;
}

static int cmd_paced(const char *path, double rate, double seconds, struct payload *p, int np)
{
    struct sockaddr_un sa = addr(path);
    int fd = sender();
    unsigned long sent = 0, lost = 0, errors = 0, total = (unsigned long)(rate * seconds);
    char tmp[1024];
    double start = now_s(), gap = 1.0 / rate;
    for (unsigned long k = 0; k < total; k++) {
        size_t len;
        const char *data = payload_for(k, p, np, tmp, &len);
        double due = start + (double)k * gap;
        while (now_s() < due)
            ; /* spin: sleeping cannot space sends 20 us apart */
        if (sendto(fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa) >= 0)
            sent++;
        else if (errno == EAGAIN)
            lost++;
        else
            errors++;
    }
    double el = now_s() - start;
    printf("rate_target=%.0f sent=%lu lost=%lu errors=%lu seconds=%.2f rate=%.0f\n", rate, sent,
           lost, errors, el, (sent + lost) / el);
    return 0;
}

/* A realistic failure datagram (STS, certificate-expired, all fields) that differs from every
 * other one: 1000 domains, 250 receiving IPs, and a serial in additional-information. */
static size_t make_distinct(char *buf, size_t size, unsigned long i)
{
    int n = snprintf(buf, size,
                         "{\"dpv\": \"1\",\"d\": \"d%lu.example\",\"pr\": \"v=TLSRPTv1;rua=mailto:"
                         "tlsrpt@d%lu.example\",\"policies\":[{\"policy-type\":2,\"policy-domain\": "
                         "\"d%lu.example\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\","
                         "\"mx: mx.d%lu.example\",\"max_age: 86400\"],\"mx-host\":[\"mx.d%lu.example\"],"
                         "\"failure-details\":[{\"c\":204,\"s\": \"192.0.2.25\",\"n\": "
                         "\"mx.d%lu.example\",\"r\": \"198.51.100.%lu\",\"a\": \"notAfter=serial "
                         "%lu\"}],\"t\":1,\"f\":1}]}",
                         i % 1000, i % 1000, i % 1000, i % 1000, i % 1000, i % 1000, i % 250, i);
    return (size_t)n;
}

/* The common distinct shape of a provider sending to many domains: a successful STS session to
 * a domain no earlier datagram named (a new counter row each, no failure detail). */
static size_t make_new_domain(char *buf, size_t size, unsigned long i)
{
    int n = snprintf(buf, size,
                     "{\"dpv\": \"1\",\"d\": \"n%lu.example\",\"pr\": \"v=TLSRPTv1;rua=mailto:"
                     "tlsrpt@n%lu.example\",\"policies\":[{\"policy-type\":2,\"policy-domain\": "
                     "\"n%lu.example\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\","
                     "\"mx: mx.n%lu.example\",\"max_age: 86400\"],\"mx-host\":[\"mx.n%lu.example\"],"
                     "\"failure-details\":[],\"t\":1,\"f\":0}]}",
                     i, i, i, i, i);
    return (size_t)n;
}

static int cmd_distinct(const char *path, unsigned long count)
{
    struct sockaddr_un sa = addr(path);
    int fd = sender();
    char buf[1024];
    unsigned long sent = 0;
    for (unsigned long i = 0; i < count; i++) {
        size_t n = make_distinct(buf, sizeof buf, i);
        if (sendto(fd, buf, n, 0, (struct sockaddr *)&sa, sizeof sa) >= 0)
            sent++;
    }
    printf("sent=%lu\n", sent);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *shape = getenv("DGRAM_DISTINCT");
    new_domains = shape && strcmp(shape, "domains") == 0;
    if (argc >= 4 && strcmp(argv[1], "sink") == 0)
        return cmd_sink(argv[2], atof(argv[3]));
    if (argc == 4 && strcmp(argv[1], "blast") == 0) /* no files: distinct datagrams */
        return cmd_blast(argv[2], atof(argv[3]), NULL, 0);
    if (argc == 5 && strcmp(argv[1], "paced") == 0)
        return cmd_paced(argv[2], atof(argv[3]), atof(argv[4]), NULL, 0);
    if (argc >= 5 && strcmp(argv[1], "blast") == 0)
        return cmd_blast(argv[2], atof(argv[3]), load(argv + 4, argc - 4), argc - 4);
    if (argc >= 6 && strcmp(argv[1], "paced") == 0)
        return cmd_paced(argv[2], atof(argv[3]), atof(argv[4]), load(argv + 5, argc - 5),
                         argc - 5);
    if (argc == 4 && strcmp(argv[1], "distinct") == 0)
        return cmd_distinct(argv[2], strtoul(argv[3], NULL, 10));
    fprintf(stderr, "usage: see the comment at the top of bench/dgram_bench.c\n");
    return 2;
}
