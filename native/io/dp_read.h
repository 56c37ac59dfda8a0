/* dp_read: the TAP reader of the queued transmit path (dp_read.c; dp_fq.h has the picture). */
#ifndef BH_DP_READ_H
#define BH_DP_READ_H

void *bh_dp_read_main(void *arg); /* bh-tx when bh_dp_config.fq or .qos (arg: bh_dp) */

#endif
