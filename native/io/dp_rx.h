/* dp_rx: the receive pipeline, peers -> TAP (dp_rx.c; its flow comment has the steps). */
#ifndef BH_DP_RX_H
#define BH_DP_RX_H

#include "dp_base.h"

struct bh_rx_state *bh_dp_rx_state_new(void); /* the RX batch buffers; free() */
void *bh_dp_rx_main(void *arg);               /* bh-rx (arg: bh_dp) */

#endif
