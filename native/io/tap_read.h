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
 * pipeline's length check (tap_frame_oversize against the configured maximum). */
#ifndef BH_TAP_READ_H
#define BH_TAP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bh_tso.h"

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
  uint8_t scratch[BH_VNET_HDR_LEN + BH_TSO_MAX_INPUT + 1];
} bh_tap_reader;

/* offload: BH_TAP_OFFLOAD_* bits (tap_linux.h); gro: merge writes when offloads are on. NULL on ENOMEM */
bh_tap_reader *bh_tap_reader_new(int offload, int gro);
void bh_tap_reader_free(bh_tap_reader *r);

/* Reads up to max frames into slots frames + k * stride (stride bytes each; a frame that fills
 * its slot was longer), lengths into len[k]. Returns the number of slots filled; *failed = 1 on
 * a persistent read error. A zero-length read (EOF of the test socketpair) fills one slot of
 * length 0 and ends the batch. */
unsigned bh_tap_read_batch(struct bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                           unsigned max, int *failed);

#endif
