/* tap_write: the data plane's TAP write (the RX thread's last step, dp_rx.c).
 *
 *   plain TAP:    write() per frame
 *   offload TAP:  every write carries a virtio_net_hdr; consecutive in-order TCP segments of one
 *                 flow are merged by bh_gro (native/core/bh_gro.h) and go as ONE TSO super-frame
 *                 (writev: header | first frame with rewritten headers | the others' payloads);
 *                 anything else goes alone behind a zero header
 * A real TAP never blocks (the kernel drops on a full queue). The test socketpair may wait up to
 * BH_TAP_SP_SNDTIMEO_MS for the reader, once per batch and never while stopping.
 * Counters (RX block): tapTxFrames per frame written, tapGroFrames per super-frame written,
 * tap_write_failed per frame lost. */
#ifndef BH_TAP_WRITE_H
#define BH_TAP_WRITE_H

#include <stdint.h>

struct bh_dp;

/* Writes n frames in order. The frames' buffers may be rewritten (a run's first frame). */
void bh_tap_write_batch(struct bh_dp *dp, uint8_t *const *frame, const uint16_t *len, unsigned n);

#endif
