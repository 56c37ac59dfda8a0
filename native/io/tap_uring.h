/* tap_uring: one io_uring submit reads up to n TAP frames in TAP order (tap_read.c's batched reader).
 *
 * A chain of n hard-linked (IOSQE_IO_HARDLINK) READ SQEs (RECV on the test socketpair), each into
 * its own buffer, submitted and waited for with one io_uring_enter. Links run one after the
 * other, so buffer k holds the frame dequeued after buffer k-1's: the TAP order. A plain
 * IOSQE_IO_LINK chain is cut by a short read, and every TAP frame is shorter than its buffer:
 * measured on 6.18, such a chain read one frame per submit. Each read is non-blocking (RWF_NOWAIT for the
 * TAP, MSG_DONTWAIT for the socket): an empty queue completes with -EAGAIN at once instead of
 * arming a poll (the TAP file supports nowait, so O_NONBLOCK alone would arm one), and no read
 * stays armed between calls: the ring belongs to the bh_tap_reader and is used by whichever
 * thread holds tap_drain_lock (no IORING_SETUP_SINGLE_ISSUER).
 * A hard link is not cut by -EAGAIN either: the reads after the queue ran empty run too (cheap;
 * the adaptive chain length keeps them few) and may find a frame that arrived meanwhile, so the
 * results can hold a gap (-EAGAIN) followed by frames; buffer order is still TAP order and
 * nothing is read that is not reported (-ECANCELED: a read that was not issued). */
#ifndef BH_TAP_URING_H
#define BH_TAP_URING_H

#include <stdint.h>
#include <sys/uio.h>

typedef struct bh_tap_uring bh_tap_uring;

#define BH_TAP_URING_DEPTH 64 /* the longest chain (BH_BATCH) */

/* 0 and *out, or -errno of io_uring_queue_init (ENOSYS, EPERM: seccomp or kernel.io_uring_disabled) */
int bh_tap_uring_new(int fd, int is_socket, bh_tap_uring **out);
void bh_tap_uring_free(bh_tap_uring *u);

/* Reads into buf[k] (cap[k] bytes), k < n <= BH_TAP_URING_DEPTH; res[k] = bytes or -errno
 * (-EAGAIN: queue empty at that point, -ECANCELED: chain cut before it). Returns n, or fewer
 * when only part of the chain was submitted (res holds those; the ring is then not to be used
 * again: the caller falls back to read()), or -errno when the submit failed (nothing read). */
int bh_tap_uring_read(bh_tap_uring *u, uint8_t *const *buf, const uint32_t *cap, unsigned n, int32_t *res);

#endif
