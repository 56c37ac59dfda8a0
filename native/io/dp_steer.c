/* dp_steer: see dp_steer.h. The socket is opened at creation and closed by stop(), both on the
 * JS thread, like this call: no lock needed. */
#include "dp_steer.h"

#include <errno.h>

int bh_dp_set_steering(bh_dp *dp, uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS]) {
  if (dp->state == BH_DP_STOPPED || dp->udp_fd < 0) return -ESRCH;
  if (!dp->reuse_port) return -EINVAL;
  return bh_udp_steer_attach(dp->udp_fd, front, slot_pos);
}
