/* dp_pmtu: path MTU probes (transport subtypes 4 and 5, docs/INTERNALS.md 1c).
 *
 *   JS thread:  bh_dp_send_probe(peer, size, id) -> one subtype-4 packet padded so the IP packet is
 *               exactly `size` bytes (DF, like every tunnel datagram); false when the kernel refuses
 *               it (EMSGSIZE: larger than the local interface MTU) or there is no session
 *   TX thread:  a data send refused with EMSGSIZE -> udp_msgsize + 'mtu-exceeded' (<= 1/s/peer)
 *   RX thread:  authenticated subtype 4 -> answer subtype 5 {id u32, size u16} to the peer (small,
 *               so it crosses whatever the reverse path MTU is); subtype 5 -> 'probe-ack' event
 * Probe plaintext: id u32 LE, size u16 LE, zero padding. Ack plaintext: id u32 LE, size u16 LE.
 * The JS thread's send is bh_dp_send_probe (dp_ops.h); this file is the data threads' side. */
#ifndef BH_DP_PMTU_H
#define BH_DP_PMTU_H

#include <stddef.h>
#include <stdint.h>

#include "dp_base.h"

#define BH_PROBE_HDR 6
#define BH_PROBE_MAX_PT BH_CONTROL_MAX /* largest probe plaintext: path MTU 1522 + 32 + 28 */

/* RX thread, peers read lock held: an authenticated probe from p (answered at once). */
void bh_dp_probe_answer(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len, uint64_t now);
/* TX thread: a datagram to p was refused with EMSGSIZE: udp_msgsize, and 'mtu-exceeded' at most
 * once per second per peer (the control plane re-confirms its path MTU at once). */
void bh_dp_mtu_exceeded(bh_dp *dp, bh_counters *ctr /* the sending thread's block */, bh_peer *p, uint64_t now);
/* RX thread: an authenticated probe ack from p ('probe-ack' event). */
void bh_dp_probe_ack(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len);

#endif
