/* dp_path: the light path and the pipeline (dp_path.c; the decision itself is bh_pathsel.h).
 *
 *   light     the RX thread polls the TAP beside the UDP socket and carries every frame to
 *             completion itself: TAP read -> seal -> sendmmsg, and recvmmsg -> open -> TAP write.
 *             The TX thread sleeps (it still ages the MAC and neighbor tables every 100 ms).
 *   pipeline  the TX thread drains the TAP (dp_tx.c), the RX thread the socket (dp_rx.c), as
 *             before this switch existed; the RX thread still sends the replies of a light
 *             receive itself (the inline drain).
 *
 * Frames keep their order across a switch: whichever thread reads the TAP holds tap_drain_lock
 * from the read until the batch is sent, and only the RX thread reads the socket. A switch
 * stores dp->path and kicks the other thread's eventfd; both threads re-register the TAP in their
 * epoll set from dp->path at the top of their loop, so a frame waiting on the TAP is picked up by
 * the new owner (level-triggered). Counters: txLightFrames / txPipelineFrames (which thread sent
 * a TAP frame), pathToPipeline / pathToLight (automatic switches). */
#ifndef BH_DP_PATH_H
#define BH_DP_PATH_H

#include "dp_base.h"

/* Initial path from cfg (pipeline with the fair queue, whatever the policy). */
void bh_dp_path_init(bh_dp *dp, const bh_dp_config *cfg);
static inline bh_path bh_dp_path_get(const bh_dp *dp) {
  return (bh_path)atomic_load_explicit((atomic_int *)&dp->path, memory_order_acquire);
}
/* RX thread: a batch of n (received datagrams, or TAP frames it read) at now; may switch light -> pipeline. */
void bh_dp_path_rx_note(bh_dp *dp, uint32_t n, uint64_t now);
/* TX thread: a TAP batch of n (0: a wake-up without one) at now; may switch pipeline -> light. */
void bh_dp_path_tx_note(bh_dp *dp, uint32_t n, uint64_t now);
/* JS thread (dp.setDataPath): new policy; both threads are kicked and converge to it. */
void bh_dp_path_set_policy(bh_dp *dp, bh_path_policy pol);
/* Signal / clear a kick eventfd. */
void bh_dp_path_kick(int fd);
void bh_dp_path_clear(int fd);

#endif
