/* Receiving several datagrams with one system call (recvmmsg): under load the receiver pays
 * one kernel entry per batch rather than one per datagram. */
#ifndef TLSRPT_RECV_BATCH_H
#define TLSRPT_RECV_BATCH_H

#include <stddef.h>
#include <sys/types.h>

#define RECV_BATCH_MAX 32

struct recv_batch;

/* Each datagram of a batch has its own buffer of slot_bytes (address space only: pages are
 * taken as datagrams fill them, and given back after a large one). */
struct recv_batch *recv_batch_new(size_t slot_bytes);
void recv_batch_free(struct recv_batch *b);

/* Waits for the first datagram as the socket's SO_RCVTIMEO allows (not at all with
 * dontwait), then takes what else is queued, up to RECV_BATCH_MAX. Returns how many (>= 1),
 * or -1 with errno (EAGAIN: nothing came). */
int recv_batch_read(struct recv_batch *b, int fd, int dontwait);

/* Datagram i of the last read; *len is its full length, which may exceed slot_bytes (then
 * only slot_bytes were kept). */
const char *recv_batch_get(const struct recv_batch *b, int i, ssize_t *len);

#endif
