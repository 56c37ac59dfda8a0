/* Target: the partial-failover per-frame decisions (bh_fo_from_tap / bh_fo_from_peer: L2 filter,
 * quarantine, ARP/ND learning and proxy answers, probe answers) with a fresh neighbor table per
 * input. Input: 1 config byte (proxy ARP/ND, isolation bits, learn prefix), then records of
 * 1 op byte + a length-prefixed frame: from the LAN, from the peer, a peer entry for the frame's
 * target (so proxy answers happen), or a probe. Invariants: known verdicts and drop codes; an
 * answer fits the caller's buffer and parses back as an ARP reply or a solicited NA. */
#include "../bh_arp.h"
#include "../bh_failover.h"
#include "../bh_nd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static const uint8_t probe_mac[6] = {0x02, 0xbb, 0, 0, 0, 1};
  fz_in in = {d, n};
  uint8_t cfg = fz_u8(&in);
  bh_neigh *t = bh_neigh_new(32, 5000000, 0, 3);
  if (!t) abort();
  bh_fo f;
  bh_fo_init(&f, t, probe_mac);
  f.cfg.proxy_arp = cfg & 1, f.cfg.proxy_nd = (cfg >> 1) & 1, f.cfg.l2f.isolate = (cfg >> 2) & 0xf;
  if (cfg & 0x40) {
    uint8_t net[4] = {198, 18, 0, 0};
    bh_ipaddr p = bh_ipaddr_v4(net);
    FUZZ_ASSERT(bh_prefixset_add(&f.cfg.learn, &p, 15) == 0);
  }
  uint64_t now = 1;
  uint8_t reply[BH_FO_REPLY_MAX + 8];
  while (in.n) {
    uint8_t op = fz_u8(&in);
    const uint8_t *fr;
    size_t len = fz_record(&in, &fr);
    now += (uint64_t)(op >> 3) * 100000000;
    switch (op & 7) {
      case 0: case 1: case 2: {
        bh_fo_result r;
        size_t cap = (op & 1) ? BH_FO_REPLY_MAX : 40; /* sometimes too small for any answer */
        bh_fo_from_tap(&f, fr, len, now, reply, cap, &r);
        FUZZ_ASSERT(r.verdict <= BH_FO_PROBE_ANSWER);
        if (r.verdict == BH_FO_DROP) FUZZ_ASSERT(r.drop < BH_L2F_REASONS || r.drop == BH_FO_DROP_QUARANTINED);
        if (r.verdict == BH_FO_ANSWERED) {
          FUZZ_ASSERT(r.reply_len > 0 && r.reply_len <= cap);
          bh_arp_info a;
          bh_nd_info nd;
          int arp = bh_arp_parse(reply, r.reply_len, &a) == BH_ARP_OK && a.op == BH_ARP_OP_REPLY;
          int na = bh_nd_parse(reply, r.reply_len, &nd) == BH_ND_OK && nd.type == BH_ND_NA;
          FUZZ_ASSERT(arp || na);
        }
        break;
      }
      case 3: {
        int drop = bh_fo_from_peer(&f, fr, len);
        FUZZ_ASSERT(drop == 0 || drop < BH_L2F_REASONS || drop == BH_FO_DROP_QUARANTINED);
        break;
      }
      case 4: case 5: { /* the peer announces the target of this frame (ARP tpa or ND target) */
        bh_arp_info a;
        bh_nd_info nd;
        bh_neigh_entry e = {.origin = BH_NEIGH_ORIGIN_PEER, .site = 1, .seq = op >> 5};
        e.mac[0] = 0x02, e.mac[5] = op;
        if (bh_arp_parse(fr, len, &a) == BH_ARP_OK) e.ip = bh_ipaddr_v4(a.tpa);
        else if (bh_nd_parse(fr, len, &nd) == BH_ND_OK) e.ip = bh_ipaddr_v6(nd.target);
        else break;
        (void)bh_neigh_apply(t, &e, now, NULL, NULL);
        if (op & 1) (void)bh_neigh_set_flags(t, &e.ip, BH_NEIGH_F_QUARANTINE, 0);
        break;
      }
      case 6: { /* a probe for the frame's first bytes as an address */
        uint8_t a[16] = {0};
        memcpy(a, fr, len < 16 ? len : 16);
        bh_ipaddr ip = (op & 8) ? bh_ipaddr_v6(a) : bh_ipaddr_v4(a);
        size_t pl = bh_fo_build_probe(&f, &ip, now, reply, (op & 0x10) ? sizeof reply : 20);
        FUZZ_ASSERT(pl <= sizeof reply);
        break;
      }
      default: bh_fo_expire_probes(&f, now); break;
    }
    FUZZ_ASSERT(f.n_probes <= BH_FO_PROBES && bh_neigh_size(t) <= bh_neigh_capacity(t));
  }
  bh_neigh_free(t);
  return 0;
}
