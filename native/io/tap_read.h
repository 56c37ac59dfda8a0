/* tap_read: the one TAP read of the data plane, shared by the direct TX thread (dp_tx.c) and the
 * fair-queue reader (dp_read.c). Fills a batch of frame slots from the TAP (or test socketpair).
 *
 *   plain TAP:    read() one frame per slot until EAGAIN or the batch is full
 *   offload TAP (IFF_VNET_HDR, tap_linux.h): read() virtio_net_hdr + frame (up to 64 KiB) into a
 *     scratch buffer -> bh_tso_prepare -> bh_tso_emit the segments (or the completed frame) into
 *     the slots; a super-frame with more segments than slots left stays pending and its rest
 *     opens the next batch (no loss, order kept)
 * Drops counted here go to dp->ctr_tap (the reading thread is its only writer):
 * tap_offload_bad (malformed header/frame), tap_frame_oversize (a result larger than a slot),
 * tap_frame_short (shorter than the header). Over-long frames that fit a slot are left to the
 * pipeline's length check (tap_frame_oversize against the configured maximum).
 *
 * Batched reads (options.tapReader, tap_uring.h): with io_uring one submit reads a chain of up to
 * BH_BATCH frames (offload: BH_TAP_URING_OFFLOAD_CHAIN, each into its own stage buffer) in TAP
 * order; the chain length adapts (doubles when a chain came back full, else shrinks to the frames
 * found + 1). Stage results not handed out yet (a super-frame filled the batch) open the next
 * batch, like pending segments. io_uring unavailable or failing: the read() loop, for good. */
#ifndef BH_TAP_READ_H
#define BH_TAP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bh_tso.h"
#include "tap_uring.h"

struct bh_dp;

typedef struct bh_tap_reader {
  int offload; /* frames carry a virtio_net_hdr (set once, before the threads start) */
  int gro;     /* offload and gro asked (bh_dp_config.tap_gro_off not set): tap_write.h merges TCP segments */
  int gro_udp; /* gro and the kernel takes UDP_L4 writes: also same-flow UDP datagrams (bh_gro.h) */
  /* a super-frame whose segments did not all fit the last batch */
  bh_vnet_hdr hdr;
  bh_tso_plan plan;
  uint32_t next_segment, pending; /* pending: segments still to emit */
  size_t len;                     /* frame bytes in scratch (after the header) */
  uint8_t *pend_frame;            /* the pending super-frame: scratch + header, or a stage buffer's frame */
  /* io_uring batched reads (NULL uring: the read() loop) */
  struct bh_tap_uring *uring;
  unsigned chain, chain_max; /* adaptive chain length, its bound */
  uint8_t *stage;            /* offload: chain_max stage buffers of BH_TAP_STAGE bytes (mmap, touched lazily) */
  int32_t staged_res[BH_TAP_URING_DEPTH];
  unsigned staged_next, staged_n; /* offload: chain results still to hand out */
  int staged_more;                /* the chain came back full: read on after handing them out */
  uint8_t scratch[BH_VNET_HDR_LEN + BH_TSO_MAX_INPUT + 1];
} bh_tap_reader;

#define BH_TAP_STAGE (((size_t)BH_VNET_HDR_LEN + BH_TSO_MAX_INPUT + 1 + 63) & ~(size_t)63)
#define BH_TAP_URING_OFFLOAD_CHAIN 32 /* 32 stage buffers: 2 MiB of address space, pages touched as used */

/* offload: BH_TAP_OFFLOAD_* bits (tap_linux.h); gro: merge writes when offloads are on; fd /
 * is_socket: the TAP (or test socketpair end) read; mode: BH_TAP_READER_* (dp_base.h). READ never calls
 * io_uring_setup. NULL with *err: -ENOMEM, or (mode IO_URING) io_uring_queue_init's -errno.
 * AUTO without io_uring: the read() loop, its -errno in *why (0 when io_uring runs). */
bh_tap_reader *bh_tap_reader_new(int offload, int gro, int fd, int is_socket, int mode, int *err, int *why);
void bh_tap_reader_free(bh_tap_reader *r);

/* Reads up to max frames into slots frames + k * stride (stride bytes each; a frame that fills
 * its slot was longer), lengths into len[k]. Returns the number of slots filled; *failed = 1 on
 * a persistent read error. A zero-length read (EOF of the test socketpair) fills one slot of
 * length 0 and ends the batch. */
unsigned bh_tap_read_batch(struct bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                           unsigned max, int *failed);

#endif
