/* bh_macset, bh_prefixset, bh_failover (per-frame decisions: filter, quarantine, learning with
 * events, proxy ARP/ND, probe answers, learn prefixes) and bh_neigh's aged hook. */
#include <stdint.h>
#include <string.h>

#include "../bh_arp.h"
#include "../bh_failover.h"
#include "../bh_macset.h"
#include "../bh_nd.h"
#include "../bh_prefixset.h"
#include "test.h"

#define SEC 1000000000ULL

static const uint8_t BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t H1[6] = {2, 0, 0, 0, 0, 1}, R[6] = {2, 0, 0, 0, 0, 0x20}, PM[6] = {0x06, 0, 0, 0, 0, 0x99};

static bh_ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  uint8_t x[4] = {a, b, c, d};
  return bh_ipaddr_v4(x);
}

static size_t arp_frame(uint8_t *f, const uint8_t *dst, uint16_t op, const uint8_t *sha, bh_ipaddr spa,
                        const uint8_t *tha, bh_ipaddr tpa) {
  memcpy(f, dst, 6);
  memcpy(f + 6, sha, 6);
  f[12] = 0x08, f[13] = 0x06;
  uint8_t *a = f + 14;
  a[0] = 0, a[1] = 1, a[2] = 8, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = (uint8_t)op;
  memcpy(a + 8, sha, 6);
  memcpy(a + 14, spa.addr, 4);
  memcpy(a + 18, tha, 6);
  memcpy(a + 24, tpa.addr, 4);
  return 42;
}

TEST(macset_bounded) {
  bh_macset s;
  bh_macset_init(&s);
  uint8_t m[6] = {2, 0, 0, 0, 0, 0};
  for (int i = 0; i < BH_MACSET_CAP; i++) {
    m[5] = (uint8_t)i;
    CHECK_EQ(bh_macset_add(&s, m), 1);
  }
  CHECK_EQ(bh_macset_add(&s, m), 0);
  m[4] = 1;
  CHECK_EQ(bh_macset_add(&s, m), -1);
  CHECK(!bh_macset_contains(&s, m));
  m[4] = 0, m[5] = 3;
  CHECK_EQ(bh_macset_remove(&s, m), 1);
  CHECK_EQ(bh_macset_remove(&s, m), 0);
  CHECK(!bh_macset_contains(&s, m));
  m[5] = BH_MACSET_CAP - 1; /* moved into the hole */
  CHECK(bh_macset_contains(&s, m));
  CHECK_EQ(s.count, BH_MACSET_CAP - 1);
}

TEST(prefixset_match) {
  bh_prefixset s;
  bh_prefixset_init(&s);
  bh_ipaddr n = v4(198, 18, 0, 0), bad = v4(198, 18, 0, 1);
  CHECK_EQ(bh_prefixset_add(&s, &n, 15), 0);
  CHECK_EQ(bh_prefixset_add(&s, &bad, 15), -1); /* host bits */
  CHECK_EQ(bh_prefixset_add(&s, &n, 33), -1);
  bh_ipaddr in = v4(198, 19, 255, 1), out = v4(198, 20, 0, 1);
  CHECK(bh_prefixset_match(&s, &in));
  CHECK(!bh_prefixset_match(&s, &out));
  uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8};
  bh_ipaddr n6 = bh_ipaddr_v6(a6);
  CHECK_EQ(bh_prefixset_add(&s, &n6, 32), 0);
  a6[15] = 7;
  bh_ipaddr h6 = bh_ipaddr_v6(a6);
  CHECK(bh_prefixset_match(&s, &h6));
  a6[3] = 0xb9;
  h6 = bh_ipaddr_v6(a6);
  CHECK(!bh_prefixset_match(&s, &h6));
  bh_ipaddr all = v4(0, 0, 0, 0);
  CHECK_EQ(bh_prefixset_add(&s, &all, 0), 0);
  CHECK(bh_prefixset_match(&s, &out));
  for (uint32_t i = s.count; i < BH_PREFIXSET_CAP; i++) CHECK_EQ(bh_prefixset_add(&s, &n, 16), 0);
  CHECK_EQ(bh_prefixset_add(&s, &n, 16), -1); /* full */
}

TEST(failover_proxy_arp_and_learning) {
  bh_neigh *t = bh_neigh_new(64, 10 * SEC, 0, 1);
  bh_fo f;
  bh_fo_init(&f, t, PM);
  bh_ipaddr ip_h1 = v4(198, 18, 1, 10), ip_r = v4(198, 18, 1, 20), ip_x = v4(198, 18, 1, 30);
  bh_neigh_entry e = {.ip = ip_r, .site = 1, .seq = 1, .origin = BH_NEIGH_ORIGIN_PEER};
  memcpy(e.mac, R, 6);
  CHECK_EQ(bh_neigh_apply(t, &e, SEC, NULL, NULL), BH_NEIGH_NEW);
  uint8_t fr[64], rep[BH_FO_REPLY_MAX];
  const uint8_t z[6] = {0};
  size_t n = arp_frame(fr, BC, 1, H1, ip_h1, z, ip_r);
  bh_fo_result r;
  bh_fo_from_tap(&f, fr, n, 2 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_ANSWERED);
  CHECK_EQ(r.reply_len, 42);
  uint8_t want[64];
  arp_frame(want, H1, 2, R, ip_r, H1, ip_h1);
  CHECK(memcmp(rep + 6, R, 6) == 0); /* eth src = the remote host */
  memcpy(want + 6, R, 6);
  CHECK(memcmp(rep, want, 42) == 0);
  CHECK(r.has_neigh && r.result == BH_NEIGH_NEW && r.how == BH_FO_HOW_ARP); /* the asker */
  CHECK_EQ(f.c.arp_proxied, 1);
  /* unknown target: pass; proxy off: pass */
  n = arp_frame(fr, BC, 1, H1, ip_h1, z, ip_x);
  bh_fo_from_tap(&f, fr, n, 2 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  CHECK(!r.has_neigh); /* refreshed: no event */
  f.cfg.proxy_arp = 0;
  n = arp_frame(fr, BC, 1, H1, ip_h1, z, ip_r);
  bh_fo_from_tap(&f, fr, n, 2 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  f.cfg.proxy_arp = 1;
  /* frozen: not proxied */
  bh_neigh_set_flags(t, &ip_r, BH_NEIGH_F_QUARANTINE, 0);
  bh_fo_from_tap(&f, fr, n, 2 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  bh_neigh_set_flags(t, &ip_r, 0, BH_NEIGH_F_QUARANTINE);
  /* gratuitous ARP from R here: moves at once, seq + 1 */
  n = arp_frame(fr, BC, 1, R, ip_r, z, ip_r);
  bh_fo_from_tap(&f, fr, n, 3 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  CHECK(r.has_neigh && r.result == BH_NEIGH_MOVED && r.how == BH_FO_HOW_GARP && r.seq == 2);
  /* truncated ARP: counted, passes */
  bh_fo_from_tap(&f, fr, 30, 3 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  CHECK_EQ(f.c.arp_invalid, 1);
  bh_neigh_free(t);
}

TEST(failover_filter_and_quarantine) {
  bh_neigh *t = bh_neigh_new(16, SEC, 0, 2);
  bh_fo f;
  bh_fo_init(&f, t, PM);
  uint8_t fr[60] = {0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x00, 0x26};
  bh_fo_result r;
  uint8_t rep[BH_FO_REPLY_MAX];
  bh_fo_from_tap(&f, fr, sizeof fr, 0, rep, sizeof rep, &r);
  CHECK(r.verdict == BH_FO_DROP && r.drop == BH_L2F_STP);
  CHECK_EQ(bh_fo_from_peer(&f, fr, sizeof fr), BH_L2F_STP);
  memcpy(fr, BC, 6);
  CHECK_EQ(bh_fo_from_peer(&f, fr, sizeof fr), 0);
  bh_macset_add(&f.quarantine, H1);
  CHECK_EQ(bh_fo_from_peer(&f, fr, sizeof fr), BH_FO_DROP_QUARANTINED); /* source */
  memcpy(fr, H1, 6);
  memcpy(fr + 6, R, 6);
  CHECK_EQ(bh_fo_from_peer(&f, fr, sizeof fr), BH_FO_DROP_QUARANTINED); /* unicast destination */
  bh_fo_from_tap(&f, fr, sizeof fr, 0, rep, sizeof rep, &r);
  CHECK(r.verdict == BH_FO_DROP && r.drop == BH_FO_DROP_QUARANTINED);
  CHECK_EQ(f.c.quarantined_dropped, 3);
  bh_neigh_free(t);
}

TEST(failover_probe_answers) {
  bh_neigh *t = bh_neigh_new(16, 10 * SEC, 0, 3);
  bh_fo f;
  bh_fo_init(&f, t, PM);
  bh_ipaddr ip = v4(198, 18, 1, 50), zero = v4(0, 0, 0, 0);
  uint8_t pr[BH_FO_REPLY_MAX], fr[64], rep[BH_FO_REPLY_MAX];
  CHECK_EQ(bh_fo_build_probe(&f, &ip, SEC, pr, sizeof pr), 42);
  bh_arp_info a;
  CHECK(bh_arp_parse(pr, 42, &a) == BH_ARP_OK && a.is_probe && memcmp(a.sha, PM, 6) == 0);
  CHECK_EQ(bh_fo_build_probe(&f, &zero, SEC, pr, sizeof pr), 0);
  size_t n = arp_frame(fr, PM, 2, H1, ip, PM, zero);
  bh_fo_result r;
  bh_fo_from_tap(&f, fr, n, 2 * SEC, rep, sizeof rep, &r);
  CHECK(r.verdict == BH_FO_PROBE_ANSWER && r.has_probe_answer && memcmp(r.probe_mac, H1, 6) == 0);
  CHECK(r.has_neigh && r.result == BH_NEIGH_NEW); /* also learned */
  /* too late: passes (and is forwarded like any reply) */
  bh_fo_from_tap(&f, fr, n, 4 * SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  bh_fo_expire_probes(&f, 4 * SEC);
  CHECK_EQ(f.n_probes, 0);
  CHECK_EQ(f.c.probes_expired, 1);
  /* bounded: the 17th probe replaces the oldest */
  for (int i = 0; i < BH_FO_PROBES + 1; i++) {
    bh_ipaddr x = v4(198, 18, 2, (uint8_t)(i + 1));
    CHECK(bh_fo_build_probe(&f, &x, 5 * SEC + (uint64_t)i, pr, sizeof pr) > 0);
  }
  CHECK_EQ(f.n_probes, BH_FO_PROBES);
  CHECK_EQ(f.c.probes_evicted, 1);
  /* IPv6: DAD NS; the NA to ff02::1 for the target is the answer */
  uint8_t t6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x50};
  bh_ipaddr ip6 = bh_ipaddr_v6(t6);
  n = bh_fo_build_probe(&f, &ip6, 6 * SEC, pr, sizeof pr);
  CHECK_EQ(n, BH_ND_NS_DAD_FRAME_LEN);
  uint8_t na[BH_ND_FRAME_MAX];
  bh_vlan untagged = {0, 0};
  size_t nn = bh_nd_build_unsolicited_na(H1, t6, 0, untagged, na, sizeof na);
  bh_fo_from_tap(&f, na, nn, 6 * SEC + 1, rep, sizeof rep, &r);
  CHECK(r.verdict == BH_FO_PROBE_ANSWER && memcmp(r.probe_ip.addr, t6, 16) == 0);
  CHECK(r.has_neigh && r.how == BH_FO_HOW_UNA);
  bh_neigh_free(t);
}

TEST(failover_nd_proxy_and_prefixes) {
  bh_neigh *t = bh_neigh_new(16, 10 * SEC, 0, 4);
  bh_fo f;
  bh_fo_init(&f, t, PM);
  uint8_t tgt[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x20};
  bh_neigh_entry e = {.ip = bh_ipaddr_v6(tgt), .site = 2, .seq = 1, .origin = BH_NEIGH_ORIGIN_PEER, .flags = BH_NEIGH_F_ROUTER};
  memcpy(e.mac, R, 6);
  bh_neigh_apply(t, &e, SEC, NULL, NULL);
  /* build an NS with the DAD builder, then make it an ordinary NS from a host: too fiddly here;
   * DAD must not be answered */
  uint8_t ns[BH_ND_FRAME_MAX], rep[BH_FO_REPLY_MAX];
  bh_vlan untagged = {0, 0};
  size_t n = bh_nd_build_dad_ns(H1, tgt, untagged, ns, sizeof ns);
  bh_fo_result r;
  bh_fo_from_tap(&f, ns, n, SEC, rep, sizeof rep, &r);
  CHECK_EQ(r.verdict, BH_FO_PASS);
  CHECK(!r.has_neigh);
  CHECK_EQ(f.c.nd_proxied, 0);
  /* traffic learning only inside the prefixes */
  uint8_t ipf[34] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0x08, 0x00, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0,
                     198, 18, 1, 9, 198, 18, 1, 255};
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(!r.has_neigh);
  bh_ipaddr net = v4(198, 18, 1, 0);
  bh_prefixset_add(&f.cfg.learn, &net, 24);
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(r.has_neigh && r.how == BH_FO_HOW_TRAFFIC && r.result == BH_NEIGH_NEW);
  bh_neigh_free(t);
}

/* An untagged IPv4 frame (header only) from mac / ip to 198.18.1.255. */
static void ip_frame(uint8_t f[34], const uint8_t *mac, bh_ipaddr ip) {
  static const uint8_t tmpl[34] = {2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17,
                                   0, 0, 0, 0, 0, 0, 198, 18, 1, 255};
  memcpy(f, tmpl, sizeof tmpl);
  memcpy(f + 6, mac, 6);
  memcpy(f + 26, ip.addr, 4);
}

static const uint8_t ZERO6[6] = {0};

TEST(failover_auto_learning) {
  bh_neigh *t = bh_neigh_new(256, 100 * SEC, 0, 3);
  bh_fo f;
  bh_fo_init(&f, t, PM);
  uint8_t fr[64], ipf[34], rep[BH_FO_REPLY_MAX];
  bh_fo_result r;
  static const uint8_t X[6] = {2, 0, 0, 0, 0, 0x77};
  /* an unknown source outside any learned prefix: not learned (it may be routed) */
  ip_frame(ipf, X, v4(198, 18, 5, 9));
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(!r.has_neigh);
  /* a host ARPs: its /24 becomes learnable from traffic */
  size_t n = arp_frame(fr, BC, BH_ARP_OP_REQUEST, H1, v4(198, 18, 5, 1), ZERO6, v4(198, 18, 5, 2));
  bh_fo_from_tap(&f, fr, n, SEC, rep, sizeof rep, &r);
  CHECK(r.has_neigh && r.result == BH_NEIGH_NEW);
  CHECK_EQ(f.auto_learn.count, 1);
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(r.has_neigh && r.how == BH_FO_HOW_TRAFFIC && r.result == BH_NEIGH_NEW);
  /* a host known at the peer's site, seen here in traffic from its MAC: it moved (the split-brain
   * copy that only talks IP); from another MAC (a router): nothing */
  bh_neigh_entry e = {.ip = v4(198, 18, 7, 7), .origin = BH_NEIGH_ORIGIN_PEER, .site = 1, .seq = 4};
  memcpy(e.mac, X, 6);
  bh_neigh_apply(t, &e, SEC, NULL, NULL);
  ip_frame(ipf, R, v4(198, 18, 7, 7));
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(!r.has_neigh);
  ip_frame(ipf, X, v4(198, 18, 7, 7));
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(r.has_neigh && r.how == BH_FO_HOW_TRAFFIC && r.result == BH_NEIGH_MOVED && r.seq == 5);
  /* learning suspended (a loop): nothing learned, counted */
  f.learn_suspended = 1;
  n = arp_frame(fr, BC, BH_ARP_OP_REQUEST, H1, v4(198, 18, 5, 3), ZERO6, v4(198, 18, 5, 2));
  bh_fo_from_tap(&f, fr, n, SEC, rep, sizeof rep, &r);
  CHECK(!r.has_neigh);
  CHECK_EQ(f.c.learn_suspended, 1);
  f.learn_suspended = 0;
  /* bounded: 64 prefixes, the 65th is counted */
  for (uint8_t i = 0; i < BH_PREFIXSET_CAP + 1; i++) {
    n = arp_frame(fr, BC, BH_ARP_OP_REQUEST, H1, v4(10, i, 0, 1), ZERO6, v4(10, i, 0, 2));
    bh_fo_from_tap(&f, fr, n, SEC, rep, sizeof rep, &r);
  }
  CHECK_EQ(f.auto_learn.count, BH_PREFIXSET_CAP);
  CHECK_EQ(f.c.auto_prefixes_full, 2); /* 198.18.5/24 took one slot */
  /* configured prefixes replace the automatic rule */
  bh_ipaddr net = v4(192, 0, 2, 0);
  bh_prefixset_add(&f.cfg.learn, &net, 24);
  ip_frame(ipf, X, v4(198, 18, 5, 10));
  bh_fo_from_tap(&f, ipf, sizeof ipf, SEC, rep, sizeof rep, &r);
  CHECK(!r.has_neigh);
  bh_neigh_free(t);
}

static int aged_calls;
static void count_aged(void *ctx, const bh_neigh_entry *e) {
  (void)e;
  (*(int *)ctx)++;
}

TEST(neigh_aged_hook) {
  bh_neigh *t = bh_neigh_new(16, SEC, 0, 5);
  bh_neigh_on_aged(t, count_aged, &aged_calls);
  aged_calls = 0;
  for (uint8_t i = 1; i <= 3; i++) {
    bh_neigh_seen s = {.ip = v4(10, 0, 0, i), .mac = H1, .origin = BH_NEIGH_ORIGIN_ARP};
    bh_neigh_learn_local(t, &s, 0, NULL, NULL);
  }
  bh_ipaddr one = v4(10, 0, 0, 1);
  CHECK(!bh_neigh_lookup(t, &one, 2 * SEC, NULL)); /* aged on lookup: reported */
  CHECK_EQ(aged_calls, 1);
  bh_neigh_expire(t, 2 * SEC, 1000);
  CHECK_EQ(aged_calls, 3);
  CHECK_EQ(bh_neigh_counters_get(t).aged, 3);
  bh_neigh_free(t);
}

void suite_failover(void) {
  RUN(macset_bounded);
  RUN(prefixset_match);
  RUN(failover_proxy_arp_and_learning);
  RUN(failover_filter_and_quarantine);
  RUN(failover_probe_answers);
  RUN(failover_nd_proxy_and_prefixes);
  RUN(failover_auto_learning);
  RUN(neigh_aged_hook);
}
