/* bh_neigh: learn_local / apply -> probe the slot of the IP -> (absent or aged: insert, reclaiming
 * aged slots when full) or (present: the sequence-number rules of bh_neigh.h) -> counters.
 * The slots live in the shared open-addressing table (bh_htab.h: SipHash home slot keyed by the
 * seed, linear probing, backward-shift deletion). */
#include "bh_neigh.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bh_htab.h"

#define MAX_CAPACITY (1u << 22)
#define RECLAIM_BUDGET 64 /* slots scanned for aged entries when an insert finds the table full */

typedef struct {
  uint32_t hash; /* bh_htab: 0 = empty */
  bh_neigh_entry e;
} slot;

struct bh_neigh {
  bh_htab h;
  uint64_t local_age_ns, remote_age_ns;
  bh_neigh_counters c;
  bh_neigh_aged_fn on_aged; /* bh_neigh_on_aged */
  void *on_aged_ctx;
};

/* SipHash input: addr[16] || family (17 bytes). */
static uint32_t ip_hash(const bh_neigh *t, const bh_ipaddr *ip) {
  uint8_t b[17];
  memcpy(b, ip->addr, 16);
  b[16] = ip->family;
  return bh_htab_hash(&t->h, b, sizeof b);
}

static slot *at(const bh_neigh *t, uint32_t i) { return bh_htab_slot(&t->h, i); }

bh_ipaddr bh_ipaddr_v4(const uint8_t a[4]) {
  bh_ipaddr ip = {.family = 4};
  memcpy(ip.addr, a, 4);
  return ip;
}

bh_ipaddr bh_ipaddr_v6(const uint8_t a[16]) {
  bh_ipaddr ip = {.family = 6};
  memcpy(ip.addr, a, 16);
  return ip;
}

/* Normalised key (v4 tail zeroed); 0 when the address can never be a neighbor. */
static int key_of(const bh_ipaddr *in, bh_ipaddr *k) {
  static const uint8_t zero[16] = {0};
  if (!in) return 0;
  *k = (bh_ipaddr){.family = in->family};
  if (in->family == 4) {
    memcpy(k->addr, in->addr, 4);
    return in->addr[0] != 0 && in->addr[0] < 224; /* not 0/8, multicast, 240/4, broadcast */
  }
  if (in->family == 6) {
    memcpy(k->addr, in->addr, 16);
    return in->addr[0] != 0xff && memcmp(in->addr, zero, 16) != 0; /* not multicast, not :: */
  }
  return 0;
}

static int mac_ok(const uint8_t *m) {
  return m && !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) != 0;
}

static int aged(const bh_neigh *t, const slot *s, uint64_t now_ns) {
  if (s->e.origin == BH_NEIGH_ORIGIN_STATIC) return 0;
  uint64_t age = s->e.site == BH_PORT_LOCAL ? t->local_age_ns : t->remote_age_ns;
  return age && now_ns > s->e.last_seen_ns && now_ns - s->e.last_seen_ns >= age;
}

bh_neigh *bh_neigh_new(uint32_t capacity, uint64_t local_age_ns, uint64_t remote_age_ns, uint64_t seed) {
  if (capacity > MAX_CAPACITY || local_age_ns == 0) return NULL;
  bh_neigh *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  if (bh_htab_init(&t->h, capacity, sizeof(slot), seed) < 0) {
    free(t);
    return NULL;
  }
  t->local_age_ns = local_age_ns;
  t->remote_age_ns = remote_age_ns;
  return t;
}

void bh_neigh_free(bh_neigh *t) {
  if (!t) return;
  bh_htab_free(&t->h);
  free(t);
}

static uint32_t probe(const bh_neigh *t, const bh_ipaddr *k, uint32_t hash, int *found) {
  return bh_htab_probe(&t->h, hash, k, offsetof(slot, e.ip), sizeof *k, found);
}

/* Removes the aged entry at i (reported to the on_aged hook first; counted). */
static void delete_aged(bh_neigh *t, uint32_t i) {
  if (t->on_aged) t->on_aged(t->on_aged_ctx, &at(t, i)->e);
  bh_htab_delete(&t->h, i);
  t->c.aged++;
}

struct sweep_ctx { bh_neigh *t; uint64_t now_ns; };
static int sweep_aged(void *ctx, void *p) {
  struct sweep_ctx *c = ctx;
  slot *s = p;
  if (!aged(c->t, s, c->now_ns)) return 0;
  if (c->t->on_aged) c->t->on_aged(c->t->on_aged_ctx, &s->e); /* reported before the removal */
  c->t->c.aged++;
  return 1;
}

static uint32_t sweep(bh_neigh *t, uint64_t now_ns, uint32_t budget) {
  struct sweep_ctx c = {t, now_ns};
  return bh_htab_sweep(&t->h, budget, sweep_aged, &c);
}

/* Finds the slot for k: *found = 1 for a live entry; an aged one is removed first (counted) so
 * the caller sees it as absent. Returns UINT32_MAX when absent and the table is full. */
static uint32_t find_or_room(bh_neigh *t, const bh_ipaddr *k, uint32_t hash, uint64_t now_ns, int *found) {
  uint32_t i = probe(t, k, hash, found);
  if (*found && aged(t, at(t, i), now_ns)) {
    delete_aged(t, i);
    i = probe(t, k, hash, found);
  }
  if (*found) return i;
  if (t->h.count >= t->h.capacity) {
    sweep(t, now_ns, RECLAIM_BUDGET);
    if (t->h.count >= t->h.capacity) return UINT32_MAX;
    i = probe(t, k, hash, found);
  }
  return i;
}

static void report(const slot *s, bh_neigh_entry *out) {
  if (!out) return;
  if (s)
    *out = s->e;
  else
    memset(out, 0, sizeof *out);
}

static bh_neigh_result insert(bh_neigh *t, uint32_t i, uint32_t hash, const bh_neigh_entry *e, bh_neigh_entry *after) {
  if (i == UINT32_MAX) {
    t->c.full++;
    report(NULL, after);
    return BH_NEIGH_FULL;
  }
  slot entry = {.hash = hash, .e = *e};
  bh_htab_insert(&t->h, i, &entry);
  t->c.learned++;
  report(at(t, i), after);
  return BH_NEIGH_NEW;
}

static bh_neigh_result ignored(bh_neigh *t, const slot *s, bh_neigh_entry *after) {
  t->c.ignored++;
  report(s, after);
  return BH_NEIGH_IGNORED;
}

bh_neigh_result bh_neigh_learn_local(bh_neigh *t, const bh_neigh_seen *seen, uint64_t now_ns, bh_neigh_entry *before,
                                     bh_neigh_entry *after) {
  bh_ipaddr k;
  report(NULL, before);
  if (!seen || !key_of(&seen->ip, &k) || !mac_ok(seen->mac) ||
      (seen->origin != BH_NEIGH_ORIGIN_ARP && seen->origin != BH_NEIGH_ORIGIN_ND &&
       seen->origin != BH_NEIGH_ORIGIN_TRAFFIC))
    return ignored(t, NULL, after);
  int weak = seen->origin == BH_NEIGH_ORIGIN_TRAFFIC && !seen->announce;
  uint32_t hash = ip_hash(t, &k);
  int found;
  uint32_t i = find_or_room(t, &k, hash, now_ns, &found);
  if (!found) {
    bh_neigh_entry e = {.ip = k, .origin = seen->origin, .site = BH_PORT_LOCAL, .last_seen_ns = now_ns};
    memcpy(e.mac, seen->mac, 6);
    if (seen->origin == BH_NEIGH_ORIGIN_ND && seen->router) e.flags |= BH_NEIGH_F_ROUTER;
    return insert(t, i, hash, &e, after);
  }
  slot *s = at(t, i);
  report(s, before);
  int same_mac = memcmp(s->e.mac, seen->mac, 6) == 0;
  int local = s->e.site == BH_PORT_LOCAL;
  if (s->e.origin == BH_NEIGH_ORIGIN_STATIC || (s->e.flags & BH_NEIGH_F_QUARANTINE)) {
    if (local && same_mac) s->e.last_seen_ns = now_ns; /* still alive, nothing else changes */
    return ignored(t, s, after);
  }
  bh_neigh_result r;
  if (same_mac) {
    r = local ? BH_NEIGH_REFRESHED : BH_NEIGH_MOVED; /* same host, appeared here: it moved */
  } else if (weak) {
    return ignored(t, s, after);
  } else if (local || seen->announce) {
    r = local ? BH_NEIGH_MAC_CHANGED : BH_NEIGH_MOVED; /* the host itself says so */
  } else {
    t->c.conflicts++; /* ARP/ND here from another MAC than the live remote entry */
    report(s, after);
    return BH_NEIGH_CONFLICT;
  }
  if (r != BH_NEIGH_REFRESHED) {
    s->e.seq++;
    s->e.site = BH_PORT_LOCAL;
    memcpy(s->e.mac, seen->mac, 6);
    if (r == BH_NEIGH_MOVED) t->c.moved++;
    else t->c.mac_changed++;
  }
  if (seen->origin != BH_NEIGH_ORIGIN_TRAFFIC || r != BH_NEIGH_REFRESHED) s->e.origin = seen->origin;
  if (seen->origin == BH_NEIGH_ORIGIN_ND)
    s->e.flags = (uint8_t)((s->e.flags & ~BH_NEIGH_F_ROUTER) | (seen->router ? BH_NEIGH_F_ROUTER : 0));
  s->e.last_seen_ns = now_ns;
  report(s, after);
  return r;
}

bh_neigh_result bh_neigh_apply(bh_neigh *t, const bh_neigh_entry *in, uint64_t now_ns, bh_neigh_entry *before,
                               bh_neigh_entry *after) {
  bh_ipaddr k;
  report(NULL, before);
  if (!in || !key_of(&in->ip, &k) || !mac_ok(in->mac)) return ignored(t, NULL, after);
  bh_neigh_entry e = *in;
  e.ip = k;
  e.last_seen_ns = now_ns;
  uint32_t hash = ip_hash(t, &k);
  int found;
  uint32_t i = find_or_room(t, &k, hash, now_ns, &found);
  if (!found) return insert(t, i, hash, &e, after);
  slot *s = at(t, i);
  report(s, before);
  int same_mac = memcmp(s->e.mac, e.mac, 6) == 0, same_site = s->e.site == e.site;
  if (e.seq < s->e.seq) {
    t->c.stale++;
    report(s, after);
    return BH_NEIGH_STALE;
  }
  if (e.seq == s->e.seq && !(same_site && same_mac)) {
    t->c.conflicts++;
    report(s, after);
    return BH_NEIGH_CONFLICT;
  }
  bh_neigh_result r = e.seq == s->e.seq ? BH_NEIGH_REFRESHED
                      : !same_site     ? BH_NEIGH_MOVED
                      : !same_mac      ? BH_NEIGH_MAC_CHANGED
                                       : BH_NEIGH_UPDATED;
  if (r == BH_NEIGH_MOVED) t->c.moved++;
  if (r == BH_NEIGH_MAC_CHANGED) t->c.mac_changed++;
  e.flags = (uint8_t)((e.flags & BH_NEIGH_F_ROUTER) | (s->e.flags & BH_NEIGH_F_QUARANTINE));
  s->e = e;
  report(s, after);
  return r;
}

static slot *find_live(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns) {
  bh_ipaddr k;
  int found;
  if (!key_of(ip, &k)) return NULL;
  uint32_t hash = ip_hash(t, &k), i = probe(t, &k, hash, &found);
  if (!found) return NULL;
  if (aged(t, at(t, i), now_ns)) {
    delete_aged(t, i);
    return NULL;
  }
  return at(t, i);
}

int bh_neigh_lookup(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns, bh_neigh_entry *out) {
  slot *s = find_live(t, ip, now_ns);
  if (s) report(s, out);
  return s != NULL;
}

int bh_neigh_proxy_lookup(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns, bh_neigh_entry *out) {
  slot *s = find_live(t, ip, now_ns);
  if (!s || s->e.site == BH_PORT_LOCAL || (s->e.flags & BH_NEIGH_F_QUARANTINE)) return 0;
  report(s, out);
  return 1;
}

int bh_neigh_touch(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns) {
  slot *s = find_live(t, ip, now_ns);
  if (s) s->e.last_seen_ns = now_ns;
  return s != NULL;
}

int bh_neigh_set_flags(bh_neigh *t, const bh_ipaddr *ip, uint8_t set, uint8_t clear) {
  bh_ipaddr k;
  int found;
  if (!key_of(ip, &k)) return 0;
  uint32_t i = probe(t, &k, ip_hash(t, &k), &found);
  if (!found) return 0;
  at(t, i)->e.flags = (uint8_t)((at(t, i)->e.flags & ~clear) | set);
  return 1;
}

int bh_neigh_remove(bh_neigh *t, const bh_ipaddr *ip) {
  bh_ipaddr k;
  int found;
  if (!key_of(ip, &k)) return 0;
  uint32_t i = probe(t, &k, ip_hash(t, &k), &found);
  if (!found) return 0;
  bh_htab_delete(&t->h, i);
  t->c.removed++;
  return 1;
}

uint32_t bh_neigh_expire(bh_neigh *t, uint64_t now_ns, uint32_t budget) { return sweep(t, now_ns, budget); }

void bh_neigh_on_aged(bh_neigh *t, bh_neigh_aged_fn fn, void *ctx) {
  t->on_aged = fn;
  t->on_aged_ctx = ctx;
}

void bh_neigh_forget_site(bh_neigh *t, bh_port site) {
  uint32_t i = 0;
  while (i <= t->h.mask) {
    if (at(t, i)->hash && at(t, i)->e.site == site) {
      bh_htab_delete(&t->h, i); /* re-examine i */
      t->c.removed++;
    } else {
      i++;
    }
  }
}

uint32_t bh_neigh_size(const bh_neigh *t) { return t->h.count; }
uint32_t bh_neigh_capacity(const bh_neigh *t) { return t->h.capacity; }
uint32_t bh_neigh_slots(const bh_neigh *t) { return t->h.mask + 1; }
bh_neigh_counters bh_neigh_counters_get(const bh_neigh *t) { return t->c; }

const char *bh_neigh_result_name(bh_neigh_result r) {
  static const char *const names[] = {"new", "refreshed", "moved", "mac_changed", "updated",
                                      "stale", "conflict", "full", "ignored"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

void bh_neigh_foreach(const bh_neigh *t, bh_neigh_visit fn, void *ctx) {
  for (uint32_t i = 0; i <= t->h.mask; i++)
    if (at(t, i)->hash) fn(ctx, &at(t, i)->e);
}
