/* dp_pmtu: answer probes and report acks (RX thread), report EMSGSIZE (TX thread); see dp_pmtu.h.
 * Probes are sent by the JS thread (bh_dp_send_probe, dp_ops.c).
 *
 *   answer:     len >= 6 -> seal {id, size} (subtype PROBE_ACK) with the peer's current key ->
 *               sendto the peer's endpoint (counted in the RX block: txDatagrams/txBytes, or
 *               udp_send_failed)
 *   ack:        len >= 6 -> event 'probe-ack' {peer, id, size} */
#include "dp_pmtu.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../core/bh_wire.h"
#include "dp_frag.h"

void bh_dp_probe_answer(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len, uint64_t now) {
  uint8_t out[BH_DATA_HDR + BH_PROBE_HDR + BH_TAG];
  if (len < BH_PROBE_HDR) {
    BH_DROP(&dp->ctr_rx, BAD_SIZE);
    return;
  }
  if (!p->current || !bh_keypair_usable(p->current, now) || p->ep.len == 0) {
    BH_DROP(&dp->ctr_rx, NO_SESSION);
    return;
  }
  long r = bh_keypair_seal(p->current, dp->aead_rx, BH_SUB_PROBE_ACK, pt, BH_PROBE_HDR, out, now);
  if (r < 0) {
    BH_DROP(&dp->ctr_rx, KEY_EXPIRED);
    return;
  }
  ssize_t w;
  do w = sendto(dp->udp_fd, out, (size_t)r, MSG_DONTWAIT, &p->ep.u.sa, p->ep.len);
  while (w < 0 && errno == EINTR);
  if (w != r) {
    BH_DROP(&dp->ctr_rx, UDP_SEND_FAILED);
    return;
  }
  BH_COUNT(&dp->ctr_rx, TX_DATAGRAMS, 1);
  BH_COUNT(&dp->ctr_rx, TX_BYTES, (uint64_t)r);
  atomic_fetch_add_explicit(&p->tx_bytes, (uint64_t)r, memory_order_relaxed);
}

void bh_dp_probe_ack(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len) {
  if (len < BH_PROBE_HDR) {
    BH_DROP(&dp->ctr_rx, BAD_SIZE);
    return;
  }
  bh_event ev = {.type = BH_EV_PROBE_ACK, .peer = p->id};
  bh_dp_emit(dp, &ev, pt, BH_PROBE_HDR);
}

void bh_dp_mtu_exceeded(bh_dp *dp, bh_counters *ctr, bh_peer *p, uint64_t now) {
  BH_DROP(ctr, UDP_MSGSIZE);
  uint64_t last = atomic_load_explicit(&p->last_msgsize_ns, memory_order_relaxed);
  if (last && now - last < 1000000000ULL) return;
  atomic_store_explicit(&p->last_msgsize_ns, now, memory_order_relaxed);
  bh_event ev = {.type = BH_EV_MTU_EXCEEDED, .peer = p->id};
  bh_dp_emit(dp, &ev, NULL, 0);
}
