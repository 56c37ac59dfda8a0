/* bh_mactable: open addressing with linear probing over a power-of-two slot array (about 1.5x
 * the entry capacity, so probe chains stay short even when full). The home slot comes from
 * SipHash-1-3 keyed by the seed, so remote hosts cannot cheaply build colliding MACs.
 * Deletion is backward-shift (no tombstones): every chain stays contiguous. */
#include "bh_mactable.h"

#include <stdlib.h>

#define USED (1ULL << 48) /* key = mac (48 bits) | USED; key 0 = empty slot */
#define MAX_CAPACITY (1u << 24)
#define RECLAIM_BUDGET 64 /* slots scanned for aged entries when a learn finds the table full */

typedef struct {
  uint64_t key;
  uint64_t last_seen_ns;
  uint32_t hash;
  bh_port port;
} slot;

struct bh_mactable {
  slot *slots;
  uint32_t mask, count, capacity, cursor;
  uint64_t age_ns, k0, k1;
  bh_mactable_counters c;
};

/* ---- SipHash-1-3 of one 64-bit word (the 6-byte MAC, length 6) ---- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                    \
  do {                                                                                              \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                       \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                          \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                          \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                       \
  } while (0)

static uint32_t mac_hash(const bh_mactable *t, uint64_t mac48) {
  uint64_t v0 = t->k0 ^ 0x736f6d6570736575ULL, v1 = t->k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = t->k0 ^ 0x6c7967656e657261ULL, v3 = t->k1 ^ 0x7465646279746573ULL;
  uint64_t m = mac48 | (6ULL << 56);
  v3 ^= m; SIPROUND; v0 ^= m;
  v2 ^= 0xff; SIPROUND; SIPROUND; SIPROUND;
  uint64_t h = v0 ^ v1 ^ v2 ^ v3;
  return (uint32_t)(h ^ (h >> 32));
}

static uint64_t mac_key(const uint8_t m[6]) {
  return (uint64_t)m[0] | (uint64_t)m[1] << 8 | (uint64_t)m[2] << 16 | (uint64_t)m[3] << 24 |
         (uint64_t)m[4] << 32 | (uint64_t)m[5] << 40;
}

static void key_mac(uint64_t k, uint8_t m[6]) {
  for (int i = 0; i < 6; i++) m[i] = (uint8_t)(k >> (8 * i));
}

static int aged(const bh_mactable *t, const slot *s, uint64_t now_ns) {
  return now_ns > s->last_seen_ns && now_ns - s->last_seen_ns >= t->age_ns;
}

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bh_mactable *bh_mactable_new_seeded(uint32_t capacity, uint64_t age_ns, uint64_t seed) {
  if (capacity == 0 || capacity > MAX_CAPACITY || age_ns == 0) return NULL;
  uint64_t want = (uint64_t)capacity + capacity / 2 + 1, n = 8;
  while (n < want) n <<= 1;
  bh_mactable *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->slots = calloc((size_t)n, sizeof(slot));
  if (!t->slots) {
    free(t);
    return NULL;
  }
  t->mask = (uint32_t)(n - 1);
  t->capacity = capacity;
  t->age_ns = age_ns;
  t->k0 = splitmix(&seed);
  t->k1 = splitmix(&seed);
  return t;
}

bh_mactable *bh_mactable_new(uint32_t capacity, uint64_t age_ns) {
  return bh_mactable_new_seeded(capacity, age_ns, 0x6272696467656864ULL);
}

void bh_mactable_free(bh_mactable *t) {
  if (!t) return;
  free(t->slots);
  free(t);
}

/* Index of the slot holding key, or the empty slot that ends its chain (*found = 0). */
static uint32_t probe(const bh_mactable *t, uint64_t key, uint32_t hash, int *found) {
  uint32_t i = hash & t->mask;
  for (;;) {
    const slot *s = &t->slots[i];
    if (s->key == key) {
      *found = 1;
      return i;
    }
    if (s->key == 0) {
      *found = 0;
      return i;
    }
    i = (i + 1) & t->mask; /* terminates: load factor < 1 guarantees an empty slot */
  }
}

/* Backward-shift deletion: pull later members of the chain into the hole. */
static void delete_at(bh_mactable *t, uint32_t hole) {
  uint32_t j = hole;
  for (;;) {
    j = (j + 1) & t->mask;
    slot *s = &t->slots[j];
    if (s->key == 0) break;
    uint32_t home = s->hash & t->mask;
    /* s may move to the hole iff its home is not cyclically within (hole, j] */
    int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      t->slots[hole] = *s;
      hole = j;
    }
  }
  t->slots[hole] = (slot){0};
  t->count--;
}

static uint32_t sweep(bh_mactable *t, uint64_t now_ns, uint32_t budget) {
  uint32_t removed = 0;
  while (budget-- > 0) {
    slot *s = &t->slots[t->cursor];
    if (s->key && aged(t, s, now_ns)) {
      delete_at(t, t->cursor); /* a later entry may now sit at cursor: look again */
      removed++;
      continue;
    }
    t->cursor = (t->cursor + 1) & t->mask;
  }
  t->c.aged += removed;
  return removed;
}

bh_learn_result bh_mactable_learn(bh_mactable *t, const uint8_t mac[6], bh_port port, uint64_t now_ns) {
  if ((mac[0] & 1) || (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) return BH_LEARN_IGNORED;
  uint64_t key = mac_key(mac) | USED;
  uint32_t hash = mac_hash(t, key & ~USED);
  int found;
  uint32_t i = probe(t, key, hash, &found);
  if (found) {
    slot *s = &t->slots[i];
    bh_learn_result r = BH_LEARN_REFRESHED;
    if (aged(t, s, now_ns)) { /* expired but not swept yet: a fresh learn */
      t->c.aged++;
      t->c.learned++;
      r = BH_LEARN_NEW;
    } else if (s->port != port) {
      t->c.moved++;
      r = BH_LEARN_MOVED;
    }
    s->port = port;
    s->last_seen_ns = now_ns;
    return r;
  }
  if (t->count >= t->capacity) {
    sweep(t, now_ns, RECLAIM_BUDGET); /* may free aged entries (and move slots) */
    if (t->count >= t->capacity) {
      t->c.full++;
      return BH_LEARN_FULL;
    }
    i = probe(t, key, hash, &found);
  }
  t->slots[i] = (slot){.key = key, .last_seen_ns = now_ns, .hash = hash, .port = port};
  t->count++;
  t->c.learned++;
  return BH_LEARN_NEW;
}

int bh_mactable_lookup(bh_mactable *t, const uint8_t mac[6], uint64_t now_ns, bh_port *port) {
  uint64_t key = mac_key(mac) | USED;
  int found;
  uint32_t i = probe(t, key, mac_hash(t, key & ~USED), &found);
  if (!found) return 0;
  if (aged(t, &t->slots[i], now_ns)) {
    delete_at(t, i);
    t->c.aged++;
    return 0;
  }
  if (port) *port = t->slots[i].port;
  return 1;
}

uint32_t bh_mactable_expire(bh_mactable *t, uint64_t now_ns, uint32_t budget) { return sweep(t, now_ns, budget); }

void bh_mactable_forget_port(bh_mactable *t, bh_port port) {
  uint32_t i = 0;
  while (i <= t->mask) {
    slot *s = &t->slots[i];
    if (s->key && s->port == port)
      delete_at(t, i); /* re-examine i */
    else
      i++;
  }
}

uint32_t bh_mactable_size(const bh_mactable *t) { return t->count; }
uint32_t bh_mactable_capacity(const bh_mactable *t) { return t->capacity; }
uint32_t bh_mactable_slots(const bh_mactable *t) { return t->mask + 1; }
bh_mactable_counters bh_mactable_counters_get(const bh_mactable *t) { return t->c; }

void bh_mactable_foreach(const bh_mactable *t, bh_mactable_visit fn, void *ctx) {
  uint8_t mac[6];
  for (uint32_t i = 0; i <= t->mask; i++) {
    const slot *s = &t->slots[i];
    if (!s->key) continue;
    key_mac(s->key, mac);
    fn(ctx, mac, s->port, s->last_seen_ns);
  }
}
