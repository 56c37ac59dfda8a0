/* dp_tx: the transmit pipeline, TAP -> peers (dp_tx.c; its flow comment has the steps). The
 * direct path's thread body, the RX thread's inline drain, and the hooks the queued path's
 * sender (dp_send.c, dp_qos.c) uses to run the same per-frame pipeline on dequeued frames. */
#ifndef BH_DP_TX_H
#define BH_DP_TX_H

#include <stdint.h>

#include "dp_base.h"

struct bh_tx_state *bh_dp_tx_state_new(void); /* the TX batch buffers; free() */
/* The RX thread's state for relayed frames (counts into dp->ctr_rx); free() */
struct bh_tx_state *bh_dp_tx_relay_state_new(bh_dp *dp);
/* Hub relay, RX thread, no lock held (dp_tx.c): to[i] = the target peer, or BH_PORT_LOCAL for
 * every peer except from[i]; tos[i] the outer TOS (NULL: 0). Frames may be modified in place (MSS
 * clamp). Returns the datagram bytes sent and *datagrams their count. */
uint64_t bh_dp_tx_relay(bh_dp *dp, struct bh_tx_state *s, uint8_t *const *frame, const uint16_t *len,
                        const bh_port *from, const bh_port *to, const uint8_t *tos, unsigned n, uint64_t now,
                        uint32_t *datagrams);
void *bh_dp_tx_main(void *arg);               /* bh-tx on the direct path (arg: bh_dp) */
/* Called by the RX thread after a light batch of TAP writes (direct path only): if the TX thread is
 * not draining, read and send at once what those writes produced on the TAP. A host's reply (an
 * echo reply, a TCP ACK, an ARP answer) is queued on the TAP before the write returns, and the
 * TX thread that it wakes usually sleeps on the other vCPU: on this VM a cross-vCPU wake-up of an
 * idle vCPU costs ~125 us against ~18 us on the same one (docs/BENCHMARKS.md, idle RTT). */
void bh_dp_tx_drain_inline(bh_dp *dp);
/* The light path (dp_path.h), on the RX thread: read and send TAP batches until the TAP is drained
 * or a large batch switched to the pipeline. Returns the frames read; *failed on a persistent
 * read error (the caller backs off). */
unsigned bh_dp_tx_drain_light(bh_dp *dp, int *failed);

/* For the queued path's sender: fill slot i of the TX batch, then run the pipeline on n. */
void bh_dp_tx_put(struct bh_tx_state *s, unsigned i, const uint8_t *frame, uint32_t len, uint8_t outer_tos);
void bh_dp_tx_process(bh_dp *dp, struct bh_tx_state *s, unsigned n, uint64_t now);

#endif
