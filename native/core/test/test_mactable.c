/* bh_mactable: learn/lookup/move, aging and sweep, capacity policy and counters,
 * forget_port, foreach, randomized stress against a reference model. */
#include <stdlib.h>
#include <string.h>

#include "../bh_eth.h"
#include "../bh_mactable.h"
#include "test.h"

#define AGE 1000ULL

static void mac_of(uint32_t i, uint8_t m[6]) {
  m[0] = 0x02; /* locally administered unicast */
  m[1] = 0x42;
  m[2] = (uint8_t)(i >> 24);
  m[3] = (uint8_t)(i >> 16);
  m[4] = (uint8_t)(i >> 8);
  m[5] = (uint8_t)i;
}

TEST(mt_bad_args) {
  CHECK(bh_mactable_new(0, AGE) == NULL);
  CHECK(bh_mactable_new(10, 0) == NULL);
  CHECK(bh_mactable_new(0xffffffffu, AGE) == NULL);
  bh_mactable_free(NULL);
  bh_mactable *t = bh_mactable_new(1, AGE);
  CHECK(t != NULL);
  CHECK_EQ(bh_mactable_capacity(t), 1);
  CHECK(bh_mactable_slots(t) >= 2);
  bh_mactable_free(t);
  t = bh_mactable_new(4096, AGE);
  CHECK(bh_mactable_slots(t) >= 4096 + 2048 && (bh_mactable_slots(t) & (bh_mactable_slots(t) - 1)) == 0);
  bh_mactable_free(t);
}

TEST(mt_learn_lookup_move) {
  bh_mactable *t = bh_mactable_new(16, AGE);
  uint8_t a[6], b[6], bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mc[6] = {0x33, 0x33, 0, 0, 0, 1}, z[6] = {0};
  bh_port p = 999;
  mac_of(1, a);
  mac_of(2, b);
  CHECK_EQ(bh_mactable_lookup(t, a, 0, &p), 0);
  CHECK_EQ(bh_mactable_learn(t, a, 5, 10), BH_LEARN_NEW);
  CHECK_EQ(bh_mactable_learn(t, a, 5, 20), BH_LEARN_REFRESHED);
  CHECK_EQ(bh_mactable_lookup(t, a, 20, &p), 1);
  CHECK_EQ(p, 5);
  CHECK_EQ(bh_mactable_lookup(t, b, 20, &p), 0);
  CHECK_EQ(bh_mactable_learn(t, a, BH_PORT_LOCAL, 30), BH_LEARN_MOVED);
  CHECK_EQ(bh_mactable_lookup(t, a, 30, &p), 1);
  CHECK_EQ(p, BH_PORT_LOCAL);
  CHECK_EQ(bh_mactable_learn(t, bc, 1, 30), BH_LEARN_IGNORED);
  CHECK_EQ(bh_mactable_learn(t, mc, 1, 30), BH_LEARN_IGNORED);
  CHECK_EQ(bh_mactable_learn(t, z, 1, 30), BH_LEARN_IGNORED);
  CHECK_EQ(bh_mactable_size(t), 1);
  bh_mactable_counters c = bh_mactable_counters_get(t);
  CHECK_EQ(c.learned, 1);
  CHECK_EQ(c.moved, 1);
  CHECK_EQ(c.full, 0);
  CHECK_EQ(c.aged, 0);
  bh_mactable_free(t);
}

TEST(mt_aging) {
  bh_mactable *t = bh_mactable_new(16, AGE);
  uint8_t a[6], b[6];
  bh_port p;
  mac_of(1, a);
  mac_of(2, b);
  bh_mactable_learn(t, a, 1, 100);
  bh_mactable_learn(t, b, 2, 100);
  CHECK_EQ(bh_mactable_lookup(t, a, 100 + AGE - 1, &p), 1);
  CHECK_EQ(bh_mactable_lookup(t, a, 100 + AGE, &p), 0); /* aged: removed on lookup */
  CHECK_EQ(bh_mactable_size(t), 1);
  CHECK_EQ(bh_mactable_counters_get(t).aged, 1);
  /* refresh keeps an entry alive */
  CHECK_EQ(bh_mactable_learn(t, b, 2, 100 + AGE - 1), BH_LEARN_REFRESHED);
  CHECK_EQ(bh_mactable_lookup(t, b, 100 + 2 * AGE - 2, &p), 1);
  /* an aged but unswept entry relearned on another port counts as new, not moved */
  CHECK_EQ(bh_mactable_learn(t, b, 3, 100 + 3 * AGE), BH_LEARN_NEW);
  bh_mactable_counters c = bh_mactable_counters_get(t);
  CHECK_EQ(c.moved, 0);
  CHECK_EQ(c.aged, 2);
  CHECK_EQ(c.learned, 3);
  bh_mactable_free(t);
}

TEST(mt_expire_sweep) {
  bh_mactable *t = bh_mactable_new(100, AGE);
  uint8_t m[6];
  for (uint32_t i = 0; i < 100; i++) {
    mac_of(i, m);
    CHECK_EQ(bh_mactable_learn(t, m, 1, i < 50 ? 0 : 500), BH_LEARN_NEW);
  }
  uint32_t slots = bh_mactable_slots(t), removed = 0, calls = 0;
  CHECK_EQ(bh_mactable_expire(t, AGE - 1, slots), 0);
  /* budget 7 per call: a full sweep needs about slots/7 calls; never more removed than budget */
  while (calls < slots) {
    uint32_t r = bh_mactable_expire(t, AGE, 7);
    CHECK(r <= 7);
    removed += r;
    calls++;
  }
  CHECK_EQ(removed, 50);
  CHECK_EQ(bh_mactable_size(t), 50);
  CHECK_EQ(bh_mactable_counters_get(t).aged, 50);
  for (uint32_t i = 0; i < 100; i++) {
    bh_port p;
    mac_of(i, m);
    CHECK_EQ(bh_mactable_lookup(t, m, AGE, &p), i >= 50);
  }
  CHECK_EQ(bh_mactable_expire(t, 500 + AGE, 0), 0);
  CHECK_EQ(bh_mactable_expire(t, 500 + AGE, slots * 2), 50);
  CHECK_EQ(bh_mactable_size(t), 0);
  bh_mactable_free(t);
}

TEST(mt_full) {
  bh_mactable *t = bh_mactable_new(8, AGE);
  uint8_t m[6];
  bh_port p;
  for (uint32_t i = 0; i < 8; i++) {
    mac_of(i, m);
    CHECK_EQ(bh_mactable_learn(t, m, (bh_port)(i + 1), 0), BH_LEARN_NEW);
  }
  mac_of(100, m);
  CHECK_EQ(bh_mactable_learn(t, m, 1, 10), BH_LEARN_FULL);
  CHECK_EQ(bh_mactable_learn(t, m, 1, 11), BH_LEARN_FULL);
  CHECK_EQ(bh_mactable_lookup(t, m, 11, &p), 0);
  CHECK_EQ(bh_mactable_size(t), 8);
  for (uint32_t i = 0; i < 8; i++) { /* existing entries untouched */
    mac_of(i, m);
    CHECK_EQ(bh_mactable_lookup(t, m, 12, &p), 1);
    CHECK_EQ(p, i + 1);
    CHECK_EQ(bh_mactable_learn(t, m, (bh_port)(i + 1), 12), BH_LEARN_REFRESHED); /* refresh while full is fine */
  }
  bh_mactable_counters c = bh_mactable_counters_get(t);
  CHECK_EQ(c.full, 2);
  CHECK_EQ(c.learned, 8);
  /* once entries have aged, a new MAC reuses their room */
  mac_of(100, m);
  CHECK_EQ(bh_mactable_learn(t, m, 9, 12 + AGE), BH_LEARN_NEW);
  CHECK(bh_mactable_size(t) <= 8);
  CHECK_EQ(bh_mactable_lookup(t, m, 12 + AGE, &p), 1);
  CHECK_EQ(p, 9);
  CHECK(bh_mactable_counters_get(t).aged >= 1);
  bh_mactable_free(t);
}

TEST(mt_forget_port) {
  bh_mactable *t = bh_mactable_new(300, AGE);
  uint8_t m[6];
  bh_port p;
  for (uint32_t i = 0; i < 300; i++) {
    mac_of(i, m);
    bh_mactable_learn(t, m, (bh_port)(i % 3), 0);
  }
  bh_mactable_forget_port(t, 1);
  CHECK_EQ(bh_mactable_size(t), 200);
  for (uint32_t i = 0; i < 300; i++) {
    mac_of(i, m);
    int f = bh_mactable_lookup(t, m, 0, &p);
    CHECK_EQ(f, i % 3 != 1);
    if (f) CHECK_EQ(p, i % 3);
  }
  bh_mactable_forget_port(t, 1);
  CHECK_EQ(bh_mactable_size(t), 200);
  bh_mactable_free(t);
}

struct visit_ctx {
  uint32_t n, bad;
  uint64_t port_sum;
};
static void visit(void *ctx, const uint8_t mac[6], bh_port port, uint64_t last_seen_ns) {
  struct visit_ctx *v = ctx;
  uint32_t i = (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5];
  v->n++;
  v->port_sum += port;
  if (mac[0] != 0x02 || mac[1] != 0x42 || port != i % 7 || last_seen_ns != i * 3) v->bad++;
}

TEST(mt_foreach) {
  bh_mactable *t = bh_mactable_new(50, AGE * 1000);
  uint8_t m[6];
  uint64_t sum = 0;
  for (uint32_t i = 0; i < 50; i++) {
    mac_of(i, m);
    bh_mactable_learn(t, m, (bh_port)(i % 7), i * 3);
    sum += i % 7;
  }
  struct visit_ctx v = {0, 0, 0};
  bh_mactable_foreach(t, visit, &v);
  CHECK_EQ(v.n, 50);
  CHECK_EQ(v.bad, 0);
  CHECK(v.port_sum == sum);
  bh_mactable_free(t);
}

/* Random learn/lookup/forget/expire against a plain array model. */
#define MODEL_N 2000
static bh_mactable_counters random_vs_model(uint32_t cap, int nmacs, uint64_t seed) {
  bh_mactable *t = bh_mactable_new_seeded(cap, AGE, seed);
  static uint64_t seen[MODEL_N];
  static int port[MODEL_N], live[MODEL_N];
  memset(live, 0, sizeof live);
  unsigned long long s = 88172645463325252ULL;
  uint64_t now = 1;
  uint32_t mismatches = 0;
  for (int step = 0; step < 200000; step++) {
    now += bh_t_rand(&s) % 3;
    uint32_t i = (uint32_t)(bh_t_rand(&s) % (unsigned)nmacs);
    uint8_t m[6];
    mac_of(i, m);
    int op = (int)(bh_t_rand(&s) % 100);
    int is_live = live[i] && now - seen[i] < AGE;
    if (op < 50) {
      bh_port pt = (bh_port)(bh_t_rand(&s) % 4);
      bh_learn_result r = bh_mactable_learn(t, m, pt, now);
      if (r == BH_LEARN_FULL) {
        if (is_live) mismatches++;
      } else {
        if (is_live && r != (port[i] == pt ? BH_LEARN_REFRESHED : BH_LEARN_MOVED)) mismatches++;
        if (!is_live && r != BH_LEARN_NEW) mismatches++;
        live[i] = 1, seen[i] = now, port[i] = pt;
      }
    } else if (op < 90) {
      bh_port p = 0;
      int f = bh_mactable_lookup(t, m, now, &p);
      if (f != is_live || (f && p != port[i])) mismatches++;
      if (!is_live) live[i] = 0;
    } else if (op < 99) {
      bh_mactable_expire(t, now, 16);
    } else {
      bh_port fp = (bh_port)(bh_t_rand(&s) % 4);
      bh_mactable_forget_port(t, fp);
      for (int k = 0; k < nmacs; k++)
        if (port[k] == fp) live[k] = 0;
    }
    if (bh_mactable_size(t) > cap) mismatches++;
  }
  CHECK_EQ(mismatches, 0);
  bh_mactable_counters c = bh_mactable_counters_get(t);
  bh_mactable_free(t);
  return c;
}

TEST(mt_random_vs_model) {
  bh_mactable_counters c = random_vs_model(512, MODEL_N, 0x1234);
  CHECK(c.learned > 0 && c.aged > 0 && c.moved > 0);
}
/* 5 entries in 8 slots: probe chains wrap around the end of the array all the time */
TEST(mt_random_vs_model_tiny) {
  uint64_t full = 0;
  for (uint64_t seed = 0; seed < 20; seed++) full += random_vs_model(5, 12, seed).full;
  CHECK(full > 0);
}

/* Heavy churn: many random MACs; then deletions (by port and by age) keep survivors findable. */
#define MANY_CAP 1000
struct entry {
  uint8_t mac[6];
  bh_port port;
  uint64_t seen;
};
struct collect_ctx {
  struct entry e[MANY_CAP];
  uint32_t n;
};
static void collect(void *ctx, const uint8_t mac[6], bh_port port, uint64_t last_seen_ns) {
  struct collect_ctx *c = ctx;
  if (c->n < MANY_CAP) {
    memcpy(c->e[c->n].mac, mac, 6);
    c->e[c->n].port = port;
    c->e[c->n].seen = last_seen_ns;
  }
  c->n++;
}

TEST(mt_many_random_macs) {
  static struct collect_ctx all;
  bh_mactable *t = bh_mactable_new_seeded(MANY_CAP, AGE, 42);
  unsigned long long s = 7;
  uint8_t m[6];
  uint32_t full = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t r = bh_t_rand(&s);
    memcpy(m, &r, 6);
    m[0] = (uint8_t)((m[0] & 0xfe) | 0x02);
    /* ports 1..3, timestamps 0 or 500 so that half can be aged out later */
    if (bh_mactable_learn(t, m, (bh_port)(1 + (r >> 56) % 3), (r >> 50) & 1 ? 500 : 0) == BH_LEARN_FULL) full++;
    if (bh_mactable_size(t) > MANY_CAP) CHECK(0);
  }
  CHECK_EQ(bh_mactable_size(t), MANY_CAP);
  CHECK(full > 0);
  CHECK_EQ(bh_mactable_counters_get(t).full, full);

  all.n = 0;
  bh_mactable_foreach(t, collect, &all);
  CHECK_EQ(all.n, MANY_CAP);
  bh_mactable_forget_port(t, 2);
  uint32_t bad = 0, kept = 0;
  bh_port p;
  for (uint32_t i = 0; i < all.n; i++) {
    int f = bh_mactable_lookup(t, all.e[i].mac, 500, &p);
    if (f != (all.e[i].port != 2) || (f && p != all.e[i].port)) bad++;
    kept += f;
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(bh_mactable_size(t), kept);
  /* age out the entries seen at 0, with a small budget per call */
  while (bh_mactable_expire(t, AGE, 5) > 0 || bh_mactable_expire(t, AGE, bh_mactable_slots(t)) > 0) {
  }
  for (uint32_t i = 0; i < all.n; i++) {
    int want = all.e[i].port != 2 && all.e[i].seen == 500;
    if (bh_mactable_lookup(t, all.e[i].mac, AGE, &p) != want) bad++;
  }
  CHECK_EQ(bad, 0);
  bh_mactable_free(t);
}

void suite_mactable(void) {
  RUN(mt_bad_args);
  RUN(mt_learn_lookup_move);
  RUN(mt_aging);
  RUN(mt_expire_sweep);
  RUN(mt_full);
  RUN(mt_forget_port);
  RUN(mt_foreach);
  RUN(mt_random_vs_model);
  RUN(mt_random_vs_model_tiny);
  RUN(mt_many_random_macs);
}
