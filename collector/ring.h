/* A single-producer, single-consumer queue of datagrams, bounded in bytes. The receiver
 * thread copies each datagram in and goes straight back to recv(), so the kernel's queue of
 * about 10 datagrams is emptied at once even when parsing or the CPU stalls for a moment;
 * the parser thread takes them out in order. */
#ifndef TLSRPT_RING_H
#define TLSRPT_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/* capacity in bytes; a record takes its length + 16, rounded up to 8. */
struct ring *ring_new(size_t capacity);
void ring_free(struct ring *r);

/* Copies data in, waiting while the ring is full. flags and stamp (the collector: the time
 * the datagram was received) travel with the record. Returns 1 when it had to wait (the
 * consumer is behind), 0 otherwise. len must be <= capacity / 2. */
int ring_push(struct ring *r, const void *data, size_t len, uint32_t flags, int64_t stamp);
/* No more pushes: the consumer gets what is left, then NULL. */
void ring_close(struct ring *r);

/* The oldest record (waiting for one), or NULL when the ring is closed and empty. The
 * pointer stays valid until ring_pop. While records keep coming the consumer polls every
 * millisecond rather than being woken per record; when idle it blocks. */
const void *ring_peek(struct ring *r, size_t *len, uint32_t *flags, int64_t *stamp);
void ring_pop(struct ring *r);

/* Bytes in use now (for summaries). */
size_t ring_used(struct ring *r);

#endif
