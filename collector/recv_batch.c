#include "recv_batch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/log.h"

/* A slot whose datagram was larger than this is given back to the kernel after the batch. */
#define SLOT_KEEP (64u << 10)

struct recv_batch {
    char *slots;
    size_t slot_bytes;
    int count;
    struct mmsghdr msgs[RECV_BATCH_MAX];
    struct iovec iov[RECV_BATCH_MAX];
};

struct recv_batch *recv_batch_new(size_t slot_bytes)
{
    struct recv_batch *b = xcalloc(1, sizeof *b);
    b->slot_bytes = slot_bytes;
    b->slots = mmap(NULL, slot_bytes * RECV_BATCH_MAX, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (b->slots == MAP_FAILED)
        log_fatal("cannot map %zu bytes for receiving", slot_bytes * RECV_BATCH_MAX);
    for (int i = 0; i < RECV_BATCH_MAX; i++) {
        b->iov[i].iov_base = b->slots + (size_t)i * slot_bytes;
        b->iov[i].iov_len = slot_bytes;
    }
    return b;
}

void recv_batch_free(struct recv_batch *b)
{
    if (b == NULL)
        return;
    munmap(b->slots, b->slot_bytes * RECV_BATCH_MAX);
    free(b);
}

static void give_back_large(struct recv_batch *b)
{
    for (int i = 0; i < b->count; i++) {
        size_t len = b->msgs[i].msg_len;
        if (len > SLOT_KEEP)
            madvise(b->slots + (size_t)i * b->slot_bytes + SLOT_KEEP,
                    (len < b->slot_bytes ? len : b->slot_bytes) - SLOT_KEEP, MADV_DONTNEED);
    }
}

int recv_batch_read(struct recv_batch *b, int fd, int dontwait)
{
    give_back_large(b);
    b->count = 0;
    memset(b->msgs, 0, sizeof b->msgs);
    for (int i = 0; i < RECV_BATCH_MAX; i++) {
        b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
        b->msgs[i].msg_hdr.msg_iovlen = 1;
    }
    /* MSG_TRUNC: msg_len is the datagram's full length, so that an oversized one is seen. */
    int n = recvmmsg(fd, b->msgs, RECV_BATCH_MAX,
                     MSG_TRUNC | (dontwait ? MSG_DONTWAIT : MSG_WAITFORONE), NULL);
    if (n > 0)
        b->count = n;
    return n;
}

const char *recv_batch_get(const struct recv_batch *b, int i, ssize_t *len)
{
    *len = (ssize_t)b->msgs[i].msg_len;
    return b->slots + (size_t)i * b->slot_bytes;
}
