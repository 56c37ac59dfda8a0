/* dp: a data-plane instance's life cycle (dp.c): bh_dp_create (opens fds, allocates every
 * stage's state) -> bh_dp_start (threads: dp_tx.h or dp_read.h + dp_send.h, and dp_rx.h) ->
 * bh_dp_stop (join, close, wipe keys; idempotent) -> bh_dp_destroy. The instance itself and the
 * helpers shared by the stages are dp_base.h; the JS thread's operations are dp_ops.h. */
#ifndef BH_DP_H
#define BH_DP_H

#include "dp_base.h"

/* Returns NULL and sets *err (negative errno) and *step (what failed) on failure. */
bh_dp *bh_dp_create(const bh_dp_config *cfg, int *err, const char **step);
void bh_dp_set_notify(bh_dp *dp, bh_notify_fn fn, void *ctx); /* before start */
int bh_dp_start(bh_dp *dp, const char **step);                 /* 0 or -errno */
void bh_dp_stop(bh_dp *dp);                                     /* idempotent */
void bh_dp_destroy(bh_dp *dp);                                  /* stops first */

#endif
