/* tap_loop: the TAP-draining loop (tap_loop.c) of the direct TX thread (dp_tx.c) or the queued
 * path's reader (dp_read.c). batch_fn reads and handles one batch, returns the number of frames
 * read and sets *failed on a persistent read error; the loop runs until stop. */
#ifndef BH_TAP_LOOP_H
#define BH_TAP_LOOP_H

#include <stdint.h>

#include "dp_base.h"

typedef unsigned (*bh_tap_batch_fn)(bh_dp *dp, void *ctx, uint64_t now_ns, int *failed);
void bh_dp_tap_loop(bh_dp *dp, bh_tap_batch_fn batch_fn, void *ctx);

#endif
