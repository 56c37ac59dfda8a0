/* bh_forward: learning-switch decision. From the TAP: learn src as local, then
 * group dst -> flood, known peer -> unicast, known local -> drop, unknown -> flood.
 * From a peer: learn src as that peer, deliver to the TAP; at a hub (relay) also on to the
 * other peers: known unicast to the one peer that has the MAC, flooding to all but the sender. */
#include "bh_forward.h"

static int bad_src(const bh_eth_info *e) { return bh_mac_is_group(e->src) || bh_mac_is_zero(e->src); }

bh_fwd_action bh_forward_from_tap_view(bh_mactable *t, const bh_frame *v, uint64_t now_ns, bh_port *out_port,
                                       bh_learn_result *learn_out) {
  const bh_eth_info *e = &v->eth;
  bh_port p;
  if (learn_out) *learn_out = BH_LEARN_IGNORED;
  if (!v->l2_ok || bad_src(e)) return BH_FWD_DROP_INVALID;
  bh_learn_result r = bh_mactable_learn(t, e->src, BH_PORT_LOCAL, now_ns);
  if (learn_out) *learn_out = r;
  if (bh_mac_is_group(e->dst) || !bh_mactable_lookup(t, e->dst, now_ns, &p)) return BH_FWD_FLOOD;
  if (p == BH_PORT_LOCAL) return BH_FWD_DROP_LOCAL;
  if (out_port) *out_port = p;
  return BH_FWD_UNICAST;
}

bh_fwd_action bh_forward_from_tap(bh_mactable *t, const uint8_t *frame, size_t len, uint64_t now_ns,
                                  bh_port *out_port) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_forward_from_tap_view(t, &v, now_ns, out_port, NULL);
}

bh_fwd_action bh_forward_from_peer_view(bh_mactable *t, bh_port from, const bh_frame *v, uint64_t now_ns,
                                        bh_learn_result *learn_out) {
  if (learn_out) *learn_out = BH_LEARN_IGNORED;
  if (from == BH_PORT_LOCAL || !v->l2_ok || bad_src(&v->eth)) return BH_FWD_DROP_INVALID;
  bh_learn_result r = bh_mactable_learn(t, v->eth.src, from, now_ns);
  if (learn_out) *learn_out = r;
  return BH_FWD_UNICAST;
}

bh_fwd_action bh_forward_from_peer(bh_mactable *t, bh_port from, const uint8_t *frame, size_t len, uint64_t now_ns) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_forward_from_peer_view(t, from, &v, now_ns, NULL);
}

bh_fwd_action bh_forward_from_peer_relay_view(bh_mactable *t, bh_port from, const bh_frame *v, uint64_t now_ns,
                                              int relay, bh_port *out_port, bh_learn_result *learn_out) {
  bh_fwd_action a = bh_forward_from_peer_view(t, from, v, now_ns, learn_out);
  if (a != BH_FWD_UNICAST || !relay) return a;
  bh_port p;
  if (bh_mac_is_group(v->eth.dst) || !bh_mactable_lookup(t, v->eth.dst, now_ns, &p)) return BH_FWD_RELAY_FLOOD;
  if (p == BH_PORT_LOCAL || p == from) return BH_FWD_UNICAST;
  if (out_port) *out_port = p;
  return BH_FWD_RELAY;
}
