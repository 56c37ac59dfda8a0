/* bh_neigh: learn_local / apply -> probe the slot of the IP -> (absent or aged: insert, reclaiming
 * aged slots when full) or (present: the sequence-number rules of bh_neigh.h) -> counters.
 * Open addressing, linear probing over a power-of-two slot array (about 1.5x the capacity), home
 * slot from SipHash-1-3 keyed by the seed, backward-shift deletion (no tombstones). */
#include "bh_neigh.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CAPACITY (1u << 22)
#define RECLAIM_BUDGET 64 /* slots scanned for aged entries when an insert finds the table full */

typedef struct {
  bh_neigh_entry e;
  uint32_t hash;
  uint8_t used;
} slot;

struct bh_neigh {
  slot *slots;
  uint32_t mask, count, capacity, cursor;
  uint64_t local_age_ns, remote_age_ns, k0, k1;
  bh_neigh_counters c;
  bh_neigh_aged_fn on_aged; /* bh_neigh_on_aged */
  void *on_aged_ctx;
};

/* ---- SipHash-1-3 of the 17-byte key addr[16] || family ---- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                    \
  do {                                                                                              \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                       \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                          \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                          \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                       \
  } while (0)

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static uint32_t ip_hash(const bh_neigh *t, const bh_ipaddr *ip) {
  uint64_t v0 = t->k0 ^ 0x736f6d6570736575ULL, v1 = t->k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = t->k0 ^ 0x6c7967656e657261ULL, v3 = t->k1 ^ 0x7465646279746573ULL;
  uint64_t m[3] = {le64(ip->addr), le64(ip->addr + 8), (uint64_t)ip->family | (17ULL << 56)};
  for (int i = 0; i < 3; i++) {
    v3 ^= m[i];
    SIPROUND;
    v0 ^= m[i];
  }
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  uint64_t h = v0 ^ v1 ^ v2 ^ v3;
  return (uint32_t)(h ^ (h >> 32));
}

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

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

/* Normalised key (v4 tail zeroed); 0 when the address can never be a neighbour. */
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
  if (capacity == 0 || capacity > MAX_CAPACITY || local_age_ns == 0) return NULL;
  uint64_t want = (uint64_t)capacity + capacity / 2 + 1, n = 8;
  while (n < want) n <<= 1;
  bh_neigh *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->slots = calloc((size_t)n, sizeof(slot));
  if (!t->slots) {
    free(t);
    return NULL;
  }
  t->mask = (uint32_t)(n - 1);
  t->capacity = capacity;
  t->local_age_ns = local_age_ns;
  t->remote_age_ns = remote_age_ns;
  t->k0 = splitmix(&seed);
  t->k1 = splitmix(&seed);
  return t;
}

void bh_neigh_free(bh_neigh *t) {
  if (!t) return;
  free(t->slots);
  free(t);
}

static uint32_t probe(const bh_neigh *t, const bh_ipaddr *k, uint32_t hash, int *found) {
  uint32_t i = hash & t->mask;
  for (;;) { /* terminates: load factor < 1 guarantees an empty slot */
    const slot *s = &t->slots[i];
    if (!s->used) {
      *found = 0;
      return i;
    }
    if (s->hash == hash && memcmp(&s->e.ip, k, sizeof *k) == 0) {
      *found = 1;
      return i;
    }
    i = (i + 1) & t->mask;
  }
}

static void delete_at(bh_neigh *t, uint32_t hole) {
  uint32_t j = hole;
  for (;;) {
    j = (j + 1) & t->mask;
    slot *s = &t->slots[j];
    if (!s->used) break;
    uint32_t home = s->hash & t->mask;
    int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      t->slots[hole] = *s;
      hole = j;
    }
  }
  memset(&t->slots[hole], 0, sizeof(slot));
  t->count--;
}

/* Removes the aged entry at i (reported to the on_aged hook first; counted). */
static void delete_aged(bh_neigh *t, uint32_t i) {
  if (t->on_aged) t->on_aged(t->on_aged_ctx, &t->slots[i].e);
  delete_at(t, i);
  t->c.aged++;
}

static uint32_t sweep(bh_neigh *t, uint64_t now_ns, uint32_t budget) {
  uint32_t removed = 0;
  while (budget-- > 0) {
    slot *s = &t->slots[t->cursor];
    if (s->used && aged(t, s, now_ns)) {
      delete_aged(t, t->cursor); /* a later entry may now sit at cursor: look again */
      removed++;
      continue;
    }
    t->cursor = (t->cursor + 1) & t->mask;
  }
  return removed;
}

/* Finds the slot for k: *found = 1 for a live entry; an aged one is removed first (counted) so
 * the caller sees it as absent. Returns UINT32_MAX when absent and the table is full. */
static uint32_t find_or_room(bh_neigh *t, const bh_ipaddr *k, uint32_t hash, uint64_t now_ns, int *found) {
  uint32_t i = probe(t, k, hash, found);
  if (*found && aged(t, &t->slots[i], now_ns)) {
    delete_aged(t, i);
    i = probe(t, k, hash, found);
  }
  if (*found) return i;
  if (t->count >= t->capacity) {
    sweep(t, now_ns, RECLAIM_BUDGET);
    if (t->count >= t->capacity) return UINT32_MAX;
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
  t->slots[i] = (slot){.e = *e, .hash = hash, .used = 1};
  t->count++;
  t->c.learned++;
  report(&t->slots[i], after);
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
  slot *s = &t->slots[i];
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
  slot *s = &t->slots[i];
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
  if (aged(t, &t->slots[i], now_ns)) {
    delete_aged(t, i);
    return NULL;
  }
  return &t->slots[i];
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
  t->slots[i].e.flags = (uint8_t)((t->slots[i].e.flags & ~clear) | set);
  return 1;
}

int bh_neigh_remove(bh_neigh *t, const bh_ipaddr *ip) {
  bh_ipaddr k;
  int found;
  if (!key_of(ip, &k)) return 0;
  uint32_t i = probe(t, &k, ip_hash(t, &k), &found);
  if (!found) return 0;
  delete_at(t, i);
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
  while (i <= t->mask) {
    if (t->slots[i].used && t->slots[i].e.site == site) {
      delete_at(t, i); /* re-examine i */
      t->c.removed++;
    } else {
      i++;
    }
  }
}

uint32_t bh_neigh_size(const bh_neigh *t) { return t->count; }
uint32_t bh_neigh_capacity(const bh_neigh *t) { return t->capacity; }
uint32_t bh_neigh_slots(const bh_neigh *t) { return t->mask + 1; }
bh_neigh_counters bh_neigh_counters_get(const bh_neigh *t) { return t->c; }

const char *bh_neigh_result_name(bh_neigh_result r) {
  static const char *const names[] = {"new", "refreshed", "moved", "mac_changed", "updated",
                                      "stale", "conflict", "full", "ignored"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

void bh_neigh_foreach(const bh_neigh *t, bh_neigh_visit fn, void *ctx) {
  for (uint32_t i = 0; i <= t->mask; i++)
    if (t->slots[i].used) fn(ctx, &t->slots[i].e);
}
