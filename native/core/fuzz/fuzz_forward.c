/* Target: the switching decisions on every frame (bh_eth_parse with 802.1Q/802.1ad tags,
 * bh_forward_from_tap / _from_peer / the hub's _from_peer_relay_view learning into a small MAC
 * table, storm classification). Input: records of 1 op byte + a length-prefixed frame.
 * Invariants: the L3 offset lies inside the frame, known actions, a unicast goes to a peer port,
 * a relay never goes back to the sending peer nor to the TAP port, the table stays within its
 * capacity. */
#include "../bh_eth.h"
#include "../bh_forward.h"
#include "../bh_storm.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  fz_in in = {d, n};
  bh_mactable *t = bh_mactable_new_seeded(8, 1000000, 1);
  if (!t) abort();
  uint64_t now = 0;
  while (in.n) {
    uint8_t op = fz_u8(&in);
    const uint8_t *fr;
    size_t len = fz_record(&in, &fr);
    now += (uint64_t)(op >> 2) * 100000;
    bh_eth_info e;
    if (bh_eth_parse(fr, len, &e) == 0) FUZZ_ASSERT(e.l3_offset <= len && e.vlan_tagged <= 2);
    if (op & 1) {
      bh_port p = 0;
      bh_fwd_action a = bh_forward_from_tap(t, fr, len, now, &p);
      FUZZ_ASSERT(a <= BH_FWD_DROP_INVALID);
      if (a == BH_FWD_UNICAST) FUZZ_ASSERT(p != BH_PORT_LOCAL);
    } else if (op & 8) { /* at a hub: from spoke 1..3 */
      bh_port from = (bh_port)(((op >> 4) & 3) % 3 + 1), p = 0;
      bh_frame v;
      bh_frame_parse(fr, len, &v);
      bh_fwd_action a = bh_forward_from_peer_relay_view(t, from, &v, now, 1, &p, NULL);
      FUZZ_ASSERT(a == BH_FWD_UNICAST || a == BH_FWD_DROP_INVALID || a == BH_FWD_RELAY || a == BH_FWD_RELAY_FLOOD);
      if (a == BH_FWD_RELAY) FUZZ_ASSERT(p != from && p != BH_PORT_LOCAL);
      if (a == BH_FWD_RELAY_FLOOD) FUZZ_ASSERT(v.l2_ok);
    } else {
      bh_fwd_action a = bh_forward_from_peer(t, (bh_port)(op & 6), fr, len, now);
      FUZZ_ASSERT(a == BH_FWD_UNICAST || a == BH_FWD_DROP_INVALID);
    }
    if (len >= 6) FUZZ_ASSERT((unsigned)bh_storm_classify(fr, op & 2) < BH_STORM_CLASSES);
    bh_mactable_expire(t, now, 4);
    FUZZ_ASSERT(bh_mactable_size(t) <= bh_mactable_capacity(t));
  }
  bh_mactable_free(t);
  return 0;
}
