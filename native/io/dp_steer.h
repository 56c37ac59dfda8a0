/* dp_steer: the JS thread's operation on the data plane's socket for the multi-tenant provider
 * (udp_steer.h; docs/INTERNALS.md section 9). */
#ifndef BH_DP_STEER_H
#define BH_DP_STEER_H

#include "dp_base.h"
#include "udp_steer.h"

/* Attaches the steering program to this data plane's socket (the group's program). Returns 0,
 * -ESRCH when the data plane is stopped, -EINVAL without reuse_port, or -errno from the kernel. */
int bh_dp_set_steering(bh_dp *dp, uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS]);

#endif
