/* bh_neigh: keys and invalid input, the sequence-number rules (move, stale, conflict, announce,
 * weak traffic evidence, quarantine, static), proxy lookups, aging and the incremental sweep,
 * capacity policy, forget_site/remove/foreach, and a randomized run against a reference model. */
#include <stdlib.h>
#include <string.h>

#include "../bh_neigh.h"
#include "test.h"

#define LAGE 1000ULL  /* local entries age after 1000 ns */
#define RAGE 5000ULL  /* remote entries age after 5000 ns */

static bh_ipaddr ip4(uint32_t i) {
  uint8_t a[4] = {198, (uint8_t)(18 + ((i >> 16) & 1)), (uint8_t)(i >> 8), (uint8_t)i};
  return bh_ipaddr_v4(a);
}

static bh_ipaddr ip6(uint32_t i) {
  uint8_t a[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
                   (uint8_t)(i >> 8), (uint8_t)i};
  return bh_ipaddr_v6(a);
}

static void mac_of(uint32_t i, uint8_t m[6]) {
  m[0] = 0x02, m[1] = 0x42, m[2] = (uint8_t)(i >> 24), m[3] = (uint8_t)(i >> 16), m[4] = (uint8_t)(i >> 8);
  m[5] = (uint8_t)i;
}

static bh_neigh_result learn(bh_neigh *t, bh_ipaddr ip, const uint8_t *mac, uint8_t origin, int announce,
                             uint64_t now, bh_neigh_entry *after) {
  bh_neigh_seen s = {.ip = ip, .mac = mac, .origin = origin, .announce = (uint8_t)announce};
  return bh_neigh_learn_local(t, &s, now, NULL, after);
}

static bh_neigh_result apply(bh_neigh *t, bh_ipaddr ip, const uint8_t *mac, bh_port site, uint32_t seq,
                             uint64_t now, bh_neigh_entry *after) {
  bh_neigh_entry e = {.ip = ip, .origin = BH_NEIGH_ORIGIN_PEER, .site = site, .seq = seq};
  memcpy(e.mac, mac, 6);
  return bh_neigh_apply(t, &e, now, NULL, after);
}

TEST(neigh_bad_args) {
  CHECK(bh_neigh_new(0, LAGE, 0, 1) == NULL);
  CHECK(bh_neigh_new(10, 0, 0, 1) == NULL);
  CHECK(bh_neigh_new((1u << 22) + 1, LAGE, 0, 1) == NULL);
  bh_neigh_free(NULL);
  bh_neigh *t = bh_neigh_new(1, LAGE, 0, 1);
  CHECK(t != NULL);
  CHECK_EQ(bh_neigh_capacity(t), 1);
  CHECK(bh_neigh_slots(t) >= 2);
  bh_neigh_free(t);
  t = bh_neigh_new(4096, LAGE, 0, 1);
  CHECK(bh_neigh_slots(t) >= 6144 && (bh_neigh_slots(t) & (bh_neigh_slots(t) - 1)) == 0);
  bh_neigh_free(t);
}

TEST(neigh_keys_and_invalid_input) {
  bh_neigh *t = bh_neigh_new(64, LAGE, 0, 7);
  uint8_t m[6], group[6] = {0x01, 0, 0x5e, 0, 0, 1}, zero[6] = {0};
  bh_neigh_entry e;
  mac_of(1, m);
  CHECK_EQ(learn(t, ip4(1), m, BH_NEIGH_ORIGIN_ARP, 0, 10, &e), BH_NEIGH_NEW);
  CHECK_EQ(e.site, BH_PORT_LOCAL);
  CHECK_EQ(e.seq, 0);
  CHECK_EQ(e.origin, BH_NEIGH_ORIGIN_ARP);
  CHECK_EQ(e.last_seen_ns, 10);
  /* an IPv6 address with the same leading bytes is a different key */
  bh_ipaddr v6like = {.family = 6};
  memcpy(v6like.addr, ip4(1).addr, 4);
  CHECK_EQ(bh_neigh_lookup(t, &v6like, 10, &e), 0);
  /* garbage after the 4 IPv4 bytes is ignored */
  bh_ipaddr dirty = ip4(1);
  memset(dirty.addr + 4, 0xab, 12);
  CHECK_EQ(bh_neigh_lookup(t, &dirty, 10, &e), 1);
  CHECK(memcmp(e.mac, m, 6) == 0);
  CHECK_EQ(learn(t, ip6(1), m, BH_NEIGH_ORIGIN_ND, 0, 10, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_size(t), 2);
  /* invalid: MACs, addresses, family, origin */
  CHECK_EQ(learn(t, ip4(2), group, BH_NEIGH_ORIGIN_ARP, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, ip4(2), zero, BH_NEIGH_ORIGIN_ARP, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, ip4(2), NULL, BH_NEIGH_ORIGIN_ARP, 0, 10, NULL), BH_NEIGH_IGNORED);
  const uint8_t bad4[][4] = {{0, 0, 0, 0}, {0, 1, 2, 3}, {224, 0, 0, 1}, {239, 1, 1, 1}, {240, 0, 0, 1},
                             {255, 255, 255, 255}};
  for (size_t i = 0; i < sizeof bad4 / sizeof bad4[0]; i++)
    CHECK_EQ(learn(t, bh_ipaddr_v4(bad4[i]), m, BH_NEIGH_ORIGIN_ARP, 0, 10, NULL), BH_NEIGH_IGNORED);
  uint8_t any6[16] = {0}, mc6[16] = {0xff, 0x02};
  mc6[15] = 1;
  CHECK_EQ(learn(t, bh_ipaddr_v6(any6), m, BH_NEIGH_ORIGIN_ND, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, bh_ipaddr_v6(mc6), m, BH_NEIGH_ORIGIN_ND, 0, 10, NULL), BH_NEIGH_IGNORED);
  bh_ipaddr fam = ip4(3);
  fam.family = 5;
  CHECK_EQ(learn(t, fam, m, BH_NEIGH_ORIGIN_ARP, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, ip4(3), m, BH_NEIGH_ORIGIN_PEER, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, ip4(3), m, BH_NEIGH_ORIGIN_STATIC, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(learn(t, ip4(3), m, 0, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(bh_neigh_learn_local(t, NULL, 10, NULL, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(apply(t, bh_ipaddr_v4(bad4[2]), m, 1, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(apply(t, ip4(3), group, 1, 0, 10, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(bh_neigh_apply(t, NULL, 10, NULL, NULL), BH_NEIGH_IGNORED);
  CHECK_EQ(bh_neigh_lookup(t, NULL, 10, &e), 0);
  CHECK_EQ(bh_neigh_size(t), 2);
  CHECK_EQ(bh_neigh_counters_get(t).ignored, 19);
  CHECK(strcmp(bh_neigh_result_name(BH_NEIGH_CONFLICT), "conflict") == 0);
  CHECK(strcmp(bh_neigh_result_name((bh_neigh_result)42), "unknown") == 0);
  bh_neigh_free(t);
}

TEST(neigh_sequence_rules_apply) {
  bh_neigh *t = bh_neigh_new(64, LAGE, 0, 7);
  uint8_t a[6], b[6];
  bh_neigh_entry before, after;
  mac_of(1, a);
  mac_of(2, b);
  bh_ipaddr h = ip4(9);
  CHECK_EQ(apply(t, h, a, 1, 5, 0, &after), BH_NEIGH_NEW);
  CHECK_EQ(after.site, 1);
  CHECK_EQ(after.seq, 5);
  CHECK_EQ(apply(t, h, a, 1, 4, 1, &after), BH_NEIGH_STALE);      /* lower: ignored */
  CHECK_EQ(after.seq, 5);
  CHECK_EQ(after.last_seen_ns, 0);                                 /* not even refreshed */
  CHECK_EQ(apply(t, h, a, 1, 5, 2, &after), BH_NEIGH_REFRESHED);  /* equal, same site and MAC */
  CHECK_EQ(after.last_seen_ns, 2);
  CHECK_EQ(apply(t, h, a, 2, 5, 3, &after), BH_NEIGH_CONFLICT);   /* equal from another site */
  CHECK_EQ(after.site, 1);
  CHECK_EQ(apply(t, h, b, 1, 5, 3, &after), BH_NEIGH_CONFLICT);   /* equal, another MAC */
  CHECK(memcmp(after.mac, a, 6) == 0);
  CHECK_EQ(apply(t, h, a, 2, 6, 4, &after), BH_NEIGH_MOVED);      /* higher wins */
  CHECK_EQ(after.site, 2);
  CHECK_EQ(apply(t, h, b, 2, 7, 5, &after), BH_NEIGH_MAC_CHANGED);
  CHECK(memcmp(after.mac, b, 6) == 0);
  bh_neigh_entry in = {.ip = h, .origin = BH_NEIGH_ORIGIN_PEER, .flags = BH_NEIGH_F_ROUTER, .site = 2, .seq = 8};
  memcpy(in.mac, b, 6);
  CHECK_EQ(bh_neigh_apply(t, &in, 6, &before, &after), BH_NEIGH_UPDATED);
  CHECK_EQ(before.seq, 7);
  CHECK_EQ(after.seq, 8);
  CHECK_EQ(after.flags, BH_NEIGH_F_ROUTER);
  CHECK_EQ(apply(t, h, a, BH_PORT_LOCAL, 0xffffffffu, 7, &after), BH_NEIGH_MOVED); /* to the local site */
  CHECK_EQ(after.site, BH_PORT_LOCAL);
  bh_neigh_counters c = bh_neigh_counters_get(t);
  CHECK_EQ(c.learned, 1);
  CHECK_EQ(c.stale, 1);
  CHECK_EQ(c.conflicts, 2);
  CHECK_EQ(c.moved, 2);
  CHECK_EQ(c.mac_changed, 1);
  bh_neigh_free(t);
}

TEST(neigh_sequence_rules_local_learning) {
  bh_neigh *t = bh_neigh_new(64, LAGE, 0, 7);
  uint8_t a[6], b[6], c[6];
  bh_neigh_entry before, after;
  mac_of(1, a);
  mac_of(2, b);
  mac_of(3, c);
  bh_ipaddr h = ip4(9);
  /* the host lives at peer 1 with seq 3; it appears here (traffic with the same MAC): moves, seq 4 */
  CHECK_EQ(apply(t, h, a, 1, 3, 0, NULL), BH_NEIGH_NEW);
  bh_neigh_seen s = {.ip = h, .mac = a, .origin = BH_NEIGH_ORIGIN_TRAFFIC};
  CHECK_EQ(bh_neigh_learn_local(t, &s, 1, &before, &after), BH_NEIGH_MOVED);
  CHECK_EQ(before.site, 1);
  CHECK_EQ(before.seq, 3);
  CHECK_EQ(after.site, BH_PORT_LOCAL);
  CHECK_EQ(after.seq, 4);
  CHECK_EQ(after.origin, BH_NEIGH_ORIGIN_TRAFFIC);
  /* the peer's old advertisement (seq 3) is now stale; its next move (seq 5) wins */
  CHECK_EQ(apply(t, h, a, 1, 3, 2, NULL), BH_NEIGH_STALE);
  CHECK_EQ(apply(t, h, a, 1, 4, 2, NULL), BH_NEIGH_CONFLICT); /* same seq from the other site */
  CHECK_EQ(apply(t, h, a, 1, 5, 2, NULL), BH_NEIGH_MOVED);
  /* remote entry, ordinary traffic from another MAC (a router forwarding for h): ignored */
  CHECK_EQ(learn(t, h, b, BH_NEIGH_ORIGIN_TRAFFIC, 0, 3, &after), BH_NEIGH_IGNORED);
  CHECK_EQ(after.site, 1);
  /* remote entry, ordinary ARP from another MAC: conflict, entry unchanged */
  CHECK_EQ(learn(t, h, b, BH_NEIGH_ORIGIN_ARP, 0, 4, &after), BH_NEIGH_CONFLICT);
  CHECK(after.site == 1 && after.seq == 5 && memcmp(after.mac, a, 6) == 0);
  CHECK_EQ(learn(t, h, b, BH_NEIGH_ORIGIN_ND, 0, 4, NULL), BH_NEIGH_CONFLICT);
  /* remote entry, gratuitous ARP from another MAC: updates at once */
  CHECK_EQ(learn(t, h, b, BH_NEIGH_ORIGIN_ARP, 1, 5, &after), BH_NEIGH_MOVED);
  CHECK(after.site == BH_PORT_LOCAL && after.seq == 6 && memcmp(after.mac, b, 6) == 0);
  /* local entry: ARP from another MAC changes the MAC (seq + 1); traffic does not */
  CHECK_EQ(learn(t, h, c, BH_NEIGH_ORIGIN_TRAFFIC, 0, 6, &after), BH_NEIGH_IGNORED);
  CHECK(memcmp(after.mac, b, 6) == 0);
  CHECK_EQ(learn(t, h, c, BH_NEIGH_ORIGIN_ARP, 0, 6, &after), BH_NEIGH_MAC_CHANGED);
  CHECK(after.seq == 7 && memcmp(after.mac, c, 6) == 0);
  /* refresh keeps seq; traffic does not downgrade the origin */
  CHECK_EQ(learn(t, h, c, BH_NEIGH_ORIGIN_TRAFFIC, 0, 7, &after), BH_NEIGH_REFRESHED);
  CHECK(after.seq == 7 && after.origin == BH_NEIGH_ORIGIN_ARP && after.last_seen_ns == 7);
  /* ND: the Router flag follows the latest NA; unsolicited NA moves at once like a GARP */
  bh_ipaddr r = ip6(1);
  bh_neigh_seen na = {.ip = r, .mac = a, .origin = BH_NEIGH_ORIGIN_ND, .router = 1};
  CHECK_EQ(bh_neigh_learn_local(t, &na, 8, NULL, &after), BH_NEIGH_NEW);
  CHECK_EQ(after.flags, BH_NEIGH_F_ROUTER);
  na.router = 0;
  CHECK_EQ(bh_neigh_learn_local(t, &na, 9, NULL, &after), BH_NEIGH_REFRESHED);
  CHECK_EQ(after.flags, 0);
  CHECK_EQ(apply(t, r, a, 1, 1, 10, NULL), BH_NEIGH_MOVED);
  na.mac = b, na.announce = 1, na.router = 1;
  CHECK_EQ(bh_neigh_learn_local(t, &na, 11, NULL, &after), BH_NEIGH_MOVED);
  CHECK(after.site == BH_PORT_LOCAL && after.seq == 2 && after.flags == BH_NEIGH_F_ROUTER);
  bh_neigh_free(t);
}

TEST(neigh_quarantine_and_static) {
  bh_neigh *t = bh_neigh_new(64, LAGE, 0, 7);
  uint8_t a[6], b[6];
  bh_neigh_entry after;
  mac_of(1, a);
  mac_of(2, b);
  bh_ipaddr h = ip4(9), s = ip4(10);
  CHECK_EQ(apply(t, h, a, 1, 2, 0, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &h, 0, &after), 1);
  CHECK_EQ(bh_neigh_set_flags(t, &h, BH_NEIGH_F_QUARANTINE, 0), 1);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &h, 0, &after), 0);                  /* not proxied */
  CHECK_EQ(learn(t, h, a, BH_NEIGH_ORIGIN_ARP, 1, 1, &after), BH_NEIGH_IGNORED); /* not moved */
  CHECK_EQ(learn(t, h, b, BH_NEIGH_ORIGIN_ARP, 1, 1, &after), BH_NEIGH_IGNORED);
  CHECK(after.site == 1 && after.seq == 2);
  CHECK_EQ(apply(t, h, a, 1, 3, 2, &after), BH_NEIGH_UPDATED); /* the control plane still can */
  CHECK_EQ(after.flags, BH_NEIGH_F_QUARANTINE);                 /* and the quarantine stays */
  CHECK_EQ(bh_neigh_proxy_lookup(t, &h, 2, NULL), 0);
  CHECK_EQ(bh_neigh_set_flags(t, &h, 0, BH_NEIGH_F_QUARANTINE), 1);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &h, 2, &after), 1);
  CHECK_EQ(bh_neigh_set_flags(t, &s, BH_NEIGH_F_QUARANTINE, 0), 0);    /* absent */
  /* static: never aged, never changed by learning */
  bh_neigh_entry st = {.ip = s, .origin = BH_NEIGH_ORIGIN_STATIC, .site = BH_PORT_LOCAL};
  memcpy(st.mac, a, 6);
  CHECK_EQ(bh_neigh_apply(t, &st, 0, NULL, NULL), BH_NEIGH_NEW);
  CHECK_EQ(learn(t, s, b, BH_NEIGH_ORIGIN_ARP, 1, 1, &after), BH_NEIGH_IGNORED);
  CHECK(memcmp(after.mac, a, 6) == 0);
  CHECK_EQ(bh_neigh_lookup(t, &s, 1000000000ULL, &after), 1);
  CHECK_EQ(bh_neigh_expire(t, 1000000000ULL, bh_neigh_slots(t)), 0);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &s, 5, &after), 0); /* local: not proxied */
  bh_neigh_free(t);
}

TEST(neigh_proxy_and_aging) {
  bh_neigh *t = bh_neigh_new(64, LAGE, RAGE, 7);
  uint8_t a[6];
  bh_neigh_entry e;
  mac_of(1, a);
  bh_ipaddr l = ip4(1), r = ip4(2), u = ip4(3);
  CHECK_EQ(learn(t, l, a, BH_NEIGH_ORIGIN_ARP, 0, 100, NULL), BH_NEIGH_NEW);
  CHECK_EQ(apply(t, r, a, 3, 0, 100, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &l, 100, &e), 0); /* lives here: the host answers itself */
  CHECK_EQ(bh_neigh_proxy_lookup(t, &u, 100, &e), 0); /* unknown */
  memset(&e, 0, sizeof e);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &r, 100, &e), 1);
  CHECK(memcmp(e.mac, a, 6) == 0 && e.site == 3);
  /* local entries age after LAGE, remote after RAGE */
  CHECK_EQ(bh_neigh_lookup(t, &l, 100 + LAGE - 1, &e), 1);
  CHECK_EQ(bh_neigh_lookup(t, &l, 100 + LAGE, &e), 0);
  CHECK_EQ(bh_neigh_size(t), 1);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &r, 100 + RAGE - 1, &e), 1);
  CHECK_EQ(bh_neigh_touch(t, &r, 100 + RAGE - 1), 1);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &r, 100 + 2 * RAGE - 2, &e), 1);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &r, 100 + 2 * RAGE - 1, &e), 0);
  CHECK_EQ(bh_neigh_touch(t, &r, 0), 0);
  CHECK_EQ(bh_neigh_size(t), 0);
  CHECK_EQ(bh_neigh_counters_get(t).aged, 2);
  /* time going backwards never ages anything */
  CHECK_EQ(learn(t, l, a, BH_NEIGH_ORIGIN_ARP, 0, 5000, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_lookup(t, &l, 10, &e), 1);
  /* an aged entry that is learned again starts afresh (seq 0, NEW) */
  CHECK_EQ(apply(t, r, a, 3, 9, 5000, NULL), BH_NEIGH_NEW);
  CHECK_EQ(learn(t, r, a, BH_NEIGH_ORIGIN_ARP, 0, 5000 + RAGE, &e), BH_NEIGH_NEW);
  CHECK(e.seq == 0 && e.site == BH_PORT_LOCAL);
  bh_neigh_free(t);
  /* remote_age 0: remote entries never age */
  t = bh_neigh_new(64, LAGE, 0, 7);
  CHECK_EQ(apply(t, r, a, 3, 0, 0, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_proxy_lookup(t, &r, 1ULL << 62, &e), 1);
  bh_neigh_free(t);
}

TEST(neigh_incremental_sweep) {
  bh_neigh *t = bh_neigh_new(200, LAGE, RAGE, 7);
  uint8_t m[6];
  for (uint32_t i = 0; i < 200; i++) {
    mac_of(i, m);
    if (i % 2)
      CHECK_EQ(learn(t, ip4(i), m, BH_NEIGH_ORIGIN_ARP, 0, 0, NULL), BH_NEIGH_NEW);
    else
      CHECK_EQ(apply(t, ip6(i), m, 1, 0, 0, NULL), BH_NEIGH_NEW);
  }
  CHECK_EQ(bh_neigh_size(t), 200);
  /* at LAGE only the 100 local entries are due; budget-sized steps (a budget unit is one slot
   * scanned or one entry removed) find them all within slots + removals units */
  uint32_t slots = bh_neigh_slots(t), removed = 0;
  for (uint32_t calls = 0; calls < (slots + 100 + 15) / 16; calls++) {
    uint32_t got = bh_neigh_expire(t, LAGE, 16);
    CHECK(got <= 16);
    removed += got;
  }
  CHECK_EQ(removed, 100);
  CHECK_EQ(bh_neigh_size(t), 100);
  CHECK_EQ(bh_neigh_expire(t, LAGE, 0), 0); /* budget 0 scans nothing */
  CHECK_EQ(bh_neigh_expire(t, RAGE, slots + 100), 100); /* one call: every slot + every removal */
  CHECK_EQ(bh_neigh_size(t), 0);
  CHECK_EQ(bh_neigh_counters_get(t).aged, 200);
  bh_neigh_free(t);
}

TEST(neigh_capacity) {
  bh_neigh *t = bh_neigh_new(8, LAGE, 0, 7);
  uint8_t m[6];
  bh_neigh_entry e;
  mac_of(1, m);
  for (uint32_t i = 0; i < 8; i++) CHECK_EQ(learn(t, ip4(i + 1), m, BH_NEIGH_ORIGIN_ARP, 0, i * 100, NULL), BH_NEIGH_NEW);
  CHECK_EQ(learn(t, ip4(100), m, BH_NEIGH_ORIGIN_ARP, 0, 750, &e), BH_NEIGH_FULL);
  CHECK_EQ(e.seq, 0);
  CHECK_EQ(apply(t, ip4(101), m, 1, 0, 750, NULL), BH_NEIGH_FULL);
  CHECK_EQ(bh_neigh_counters_get(t).full, 2);
  CHECK_EQ(bh_neigh_lookup(t, &(bh_ipaddr){0}, 750, &e), 0); /* family 0: never a key */
  /* existing entries are untouched and can still be refreshed */
  for (uint32_t i = 0; i < 8; i++) {
    bh_ipaddr ip = ip4(i + 1);
    CHECK_EQ(bh_neigh_lookup(t, &ip, 750, NULL), 1);
  }
  CHECK_EQ(learn(t, ip4(8), m, BH_NEIGH_ORIGIN_ARP, 0, 760, NULL), BH_NEIGH_REFRESHED);
  /* at 1000 the first entry (seen at 0) is aged: the insert reclaims its slot */
  CHECK_EQ(learn(t, ip4(100), m, BH_NEIGH_ORIGIN_ARP, 0, 1000, NULL), BH_NEIGH_NEW);
  CHECK_EQ(bh_neigh_size(t), 8);
  bh_ipaddr first = ip4(1);
  CHECK_EQ(bh_neigh_lookup(t, &first, 1000, &e), 0);
  CHECK_EQ(bh_neigh_counters_get(t).aged, 1);
  bh_neigh_free(t);
}

struct visit { int n, remote; };
static void count_visit(void *ctx, const bh_neigh_entry *e) {
  struct visit *v = ctx;
  v->n++;
  v->remote += e->site != BH_PORT_LOCAL;
}

TEST(neigh_forget_remove_foreach) {
  bh_neigh *t = bh_neigh_new(64, LAGE, 0, 7);
  uint8_t m[6];
  mac_of(1, m);
  for (uint32_t i = 0; i < 30; i++) {
    bh_ipaddr ip = ip4(i + 1);
    if (i % 3 == 0) CHECK_EQ(learn(t, ip, m, BH_NEIGH_ORIGIN_ARP, 0, 0, NULL), BH_NEIGH_NEW);
    else CHECK_EQ(apply(t, ip, m, (bh_port)(i % 3), 0, 0, NULL), BH_NEIGH_NEW);
  }
  struct visit v = {0, 0};
  bh_neigh_foreach(t, count_visit, &v);
  CHECK_EQ(v.n, 30);
  CHECK_EQ(v.remote, 20);
  bh_neigh_forget_site(t, 2);
  CHECK_EQ(bh_neigh_size(t), 20);
  bh_ipaddr one = ip4(1), two = ip4(2);
  CHECK_EQ(bh_neigh_remove(t, &one), 1);
  CHECK_EQ(bh_neigh_remove(t, &one), 0);
  CHECK_EQ(bh_neigh_remove(t, NULL), 0);
  CHECK_EQ(bh_neigh_lookup(t, &two, 0, NULL), 1); /* site 1 kept, out pointer optional */
  CHECK_EQ(bh_neigh_size(t), 19);
  CHECK_EQ(bh_neigh_counters_get(t).removed, 11);
  v = (struct visit){0, 0};
  bh_neigh_foreach(t, count_visit, &v);
  CHECK_EQ(v.n, 19);
  bh_neigh_free(t);
}

/* Reference model of the apply rules over a small key space (no aging, room for all keys). */
TEST(neigh_random_vs_model) {
  enum { KEYS = 64, OPS = 20000 };
  struct { int present; uint8_t mac; bh_port site; uint32_t seq; } model[KEYS];
  memset(model, 0, sizeof model);
  bh_neigh *t = bh_neigh_new(KEYS, 1ULL << 62, 0, 99); /* nothing ages here */
  unsigned long long r = 12345;
  for (int op = 0; op < OPS; op++) {
    uint32_t k = (uint32_t)(bh_t_rand(&r) % KEYS);
    bh_ipaddr ip = k % 2 ? ip4(k) : ip6(k);
    uint64_t x = bh_t_rand(&r);
    if (x % 10 == 0) {
      CHECK_EQ(bh_neigh_remove(t, &ip), model[k].present);
      model[k].present = 0;
      continue;
    }
    uint8_t mi = (uint8_t)(x >> 8) % 3, m[6];
    bh_port site = (bh_port)((x >> 16) % 3);
    uint32_t seq = (uint32_t)((x >> 24) % 6);
    mac_of(mi, m);
    bh_neigh_result want, got = apply(t, ip, m, site, seq, (uint64_t)op, NULL);
    if (!model[k].present) want = BH_NEIGH_NEW;
    else if (seq < model[k].seq) want = BH_NEIGH_STALE;
    else if (seq == model[k].seq && (site != model[k].site || mi != model[k].mac)) want = BH_NEIGH_CONFLICT;
    else if (seq == model[k].seq) want = BH_NEIGH_REFRESHED;
    else if (site != model[k].site) want = BH_NEIGH_MOVED;
    else if (mi != model[k].mac) want = BH_NEIGH_MAC_CHANGED;
    else want = BH_NEIGH_UPDATED;
    CHECK_EQ(got, want);
    if (want != BH_NEIGH_STALE && want != BH_NEIGH_CONFLICT)
      model[k].present = 1, model[k].mac = mi, model[k].site = site, model[k].seq = seq;
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < KEYS; k++) {
    bh_ipaddr ip = k % 2 ? ip4(k) : ip6(k);
    bh_neigh_entry e;
    int found = bh_neigh_lookup(t, &ip, OPS, &e);
    CHECK_EQ(found, model[k].present);
    if (found) {
      uint8_t m[6];
      mac_of(model[k].mac, m);
      CHECK(memcmp(e.mac, m, 6) == 0 && e.site == model[k].site && e.seq == model[k].seq);
      n++;
    }
  }
  CHECK_EQ(bh_neigh_size(t), n);
  bh_neigh_free(t);
}

void suite_neigh(void) {
  RUN(neigh_bad_args);
  RUN(neigh_keys_and_invalid_input);
  RUN(neigh_sequence_rules_apply);
  RUN(neigh_sequence_rules_local_learning);
  RUN(neigh_quarantine_and_static);
  RUN(neigh_proxy_and_aging);
  RUN(neigh_incremental_sweep);
  RUN(neigh_capacity);
  RUN(neigh_forget_remove_foreach);
  RUN(neigh_random_vs_model);
}
