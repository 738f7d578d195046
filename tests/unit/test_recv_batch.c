/* collector/recv_batch.c: one recvmmsg takes every queued datagram, in order, each whole in
 * its own slot, a 0-byte datagram included; a datagram longer than a slot reports its full
 * length (the collector counts it as truncated); a large one in the middle of a batch does
 * not disturb its neighbours; with nothing queued a non-blocking read fails with EAGAIN. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/recv_batch.h"
#include "unit.h"

#define SLOT (128u << 10)

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    int sndbuf = 4 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct recv_batch *b = recv_batch_new(SLOT);

    /* small, large (past the 64 KiB kept per slot), empty, longer than a slot, small */
    size_t lens[] = {5, 100000, 0, SLOT + 1000, 7};
    size_t n = sizeof lens / sizeof lens[0];
    char *payload = malloc(SLOT + 1000);
    int sent = 1;
    for (size_t i = 0; i < n; i++) {
        memset(payload, 'a' + (int)i, lens[i]);
        sent &= send(sv[0], payload, lens[i], 0) == (ssize_t)lens[i];
    }
    UNIT_CHECK("recv_batch: queued", sent, "send failed: %s", strerror(errno));

    int got = recv_batch_read(b, sv[1], 0);
    UNIT_CHECK("recv_batch: one call takes all", got == (int)n, "got %d of %zu", got, n);
    for (int i = 0; i < got && i < (int)n; i++) {
        ssize_t len;
        const char *d = recv_batch_get(b, i, &len);
        size_t kept = lens[i] < SLOT ? lens[i] : SLOT;
        int same = len == (ssize_t)lens[i];
        for (size_t j = 0; same && j < kept; j++)
            same = d[j] == 'a' + i;
        char name[64];
        snprintf(name, sizeof name, "recv_batch: datagram %d of %zu bytes", i, lens[i]);
        UNIT_CHECK(name, same, "length %zd, want %zu, or bytes differ", len, lens[i]);
    }

    /* The next batch reuses the slots (the large one's pages given back): contents fresh. */
    sent = send(sv[0], "second", 6, 0) == 6 && send(sv[0], "batch", 5, 0) == 5;
    got = recv_batch_read(b, sv[1], 0);
    ssize_t l0 = -1, l1 = -1;
    const char *d0 = got == 2 ? recv_batch_get(b, 0, &l0) : NULL;
    const char *d1 = got == 2 ? recv_batch_get(b, 1, &l1) : NULL;
    UNIT_CHECK("recv_batch: second batch", sent && got == 2 && l0 == 6 && l1 == 5 &&
               memcmp(d0, "second", 6) == 0 && memcmp(d1, "batch", 5) == 0,
               "got %d (%zd, %zd)", got, l0, l1);

    errno = 0;
    got = recv_batch_read(b, sv[1], 1);
    UNIT_CHECK("recv_batch: nothing queued, dontwait", got == -1 && errno == EAGAIN,
               "got %d errno %d", got, errno);

    recv_batch_free(b);
    free(payload);
    close(sv[0]);
    close(sv[1]);
    return unit_status();
}
