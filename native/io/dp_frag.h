/* dp_frag: the data plane's glue to bh_frag (tunnel fragmentation, transport subtype 3).
 *
 *   TX (dp_tx.c seal step): frame + 32 bytes of transport overhead > the peer's UDP payload
 *      budget (path MTU - IP header - 8) -> bh_frag_plan -> n fragments of equal size, each its
 *      own AEAD packet (own counter: authenticated and replay-checked like any other)
 *   RX (dp_rx.c, after authentication): subtype 3 -> the peer's bh_reasm (allocated at its first
 *      fragment, bounded: BH_REASM_FRAMES frames / BH_REASM_BYTES, BH_REASM_TIMEOUT_NS) ->
 *      a complete frame continues on the normal from-peer path (forward + TAP write)
 *   The path MTU is per peer (setPathMtu from the control plane); 0 = not set: no tunnel
 *   fragmentation (the daemon always sets one: pinned, discovered, or its safe default 1280). */
#ifndef BH_DP_FRAG_H
#define BH_DP_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bh_frag.h"
#include "../core/bh_wire.h"
#include "dp_base.h"

#define BH_PMTU_MIN 576
#define BH_PMTU_MAX 65535
#define BH_REASM_FRAMES 32
#define BH_REASM_BYTES 65536
#define BH_REASM_TIMEOUT_NS 500000000ULL
#define BH_FRAG_OVERHEAD (BH_DATA_HDR + BH_FRAG_HDR + BH_TAG)

/* UDP payload budget towards p: path MTU - IP header (20, or 40 for a native IPv6 endpoint) - 8. */
size_t bh_dp_udp_budget(const bh_peer *p);

/* RX thread, peers read lock held: one authenticated fragment plaintext from p. Returns the
 * frame length written to out when the frame is complete, else 0 (pending, or a counted drop). */
size_t bh_dp_frag_receive(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len, uint64_t now, uint8_t *out,
                          size_t cap);
/* RX thread: drop timed-out partial frames of every peer (takes the peers read lock). */
void bh_dp_frag_expire(bh_dp *dp, uint64_t now);

#endif
