/* dp_send: the sender of the queued transmit path (dp_send.c; dp_fq.h has the picture): its
 * thread body and its start / join (the path's state is dp_fq.h). */
#ifndef BH_DP_SEND_H
#define BH_DP_SEND_H

#include "dp_base.h"

void *bh_dp_send_main(void *arg);     /* bh-send (arg: bh_dp) */
int bh_dp_fq_start_sender(bh_dp *dp); /* 0 or -errno; after the reader started */
void bh_dp_fq_join_sender(bh_dp *dp); /* after `stopping` was set and wake_fd written */

#endif
