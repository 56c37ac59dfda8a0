/* bh_mactable: MAC -> port with aging over the shared open-addressing table (bh_htab.h: SipHash
 * home slot keyed by the seed, linear probing, backward-shift deletion). */
#include "bh_mactable.h"

#include <stddef.h>
#include <stdlib.h>

#include "bh_htab.h"

#define RECLAIM_BUDGET 64 /* slots scanned for aged entries when a learn finds the table full */

typedef struct {
  uint32_t hash; /* bh_htab: 0 = empty */
  bh_port port;
  uint64_t mac; /* the key: 48 bits, little-endian */
  uint64_t last_seen_ns;
} slot;

struct bh_mactable {
  bh_htab h;
  uint64_t age_ns;
  bh_mactable_counters c;
};

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

bh_mactable *bh_mactable_new_seeded(uint32_t capacity, uint64_t age_ns, uint64_t seed) {
  if (age_ns == 0) return NULL;
  bh_mactable *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  if (bh_htab_init(&t->h, capacity, sizeof(slot), seed) < 0) {
    free(t);
    return NULL;
  }
  t->age_ns = age_ns;
  return t;
}

bh_mactable *bh_mactable_new(uint32_t capacity, uint64_t age_ns) {
  return bh_mactable_new_seeded(capacity, age_ns, 0x6272696467656864ULL);
}

void bh_mactable_free(bh_mactable *t) {
  if (!t) return;
  bh_htab_free(&t->h);
  free(t);
}

static uint32_t probe(const bh_mactable *t, const uint8_t mac[6], uint64_t *key, uint32_t *hash, int *found) {
  *key = mac_key(mac);
  *hash = bh_htab_hash(&t->h, mac, 6);
  return bh_htab_probe(&t->h, *hash, key, offsetof(slot, mac), sizeof *key, found);
}

static slot *at(const bh_mactable *t, uint32_t i) { return bh_htab_slot(&t->h, i); }

struct sweep_ctx { bh_mactable *t; uint64_t now_ns; };
static int sweep_aged(void *ctx, void *s) {
  struct sweep_ctx *c = ctx;
  return aged(c->t, s, c->now_ns);
}

static uint32_t sweep(bh_mactable *t, uint64_t now_ns, uint32_t budget) {
  struct sweep_ctx c = {t, now_ns};
  uint32_t removed = bh_htab_sweep(&t->h, budget, sweep_aged, &c);
  t->c.aged += removed;
  return removed;
}

bh_learn_result bh_mactable_learn(bh_mactable *t, const uint8_t mac[6], bh_port port, uint64_t now_ns) {
  if ((mac[0] & 1) || (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) return BH_LEARN_IGNORED;
  uint64_t key;
  uint32_t hash;
  int found;
  uint32_t i = probe(t, mac, &key, &hash, &found);
  if (found) {
    slot *s = at(t, i);
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
  if (t->h.count >= t->h.capacity) {
    sweep(t, now_ns, RECLAIM_BUDGET); /* may free aged entries (and move slots) */
    if (t->h.count >= t->h.capacity) {
      t->c.full++;
      return BH_LEARN_FULL;
    }
    i = probe(t, mac, &key, &hash, &found);
  }
  slot e = {.hash = hash, .port = port, .mac = key, .last_seen_ns = now_ns};
  bh_htab_insert(&t->h, i, &e);
  t->c.learned++;
  return BH_LEARN_NEW;
}

int bh_mactable_lookup(bh_mactable *t, const uint8_t mac[6], uint64_t now_ns, bh_port *port) {
  uint64_t key;
  uint32_t hash;
  int found;
  uint32_t i = probe(t, mac, &key, &hash, &found);
  if (!found) return 0;
  if (aged(t, at(t, i), now_ns)) {
    bh_htab_delete(&t->h, i);
    t->c.aged++;
    return 0;
  }
  if (port) *port = at(t, i)->port;
  return 1;
}

uint32_t bh_mactable_expire(bh_mactable *t, uint64_t now_ns, uint32_t budget) { return sweep(t, now_ns, budget); }

void bh_mactable_forget_port(bh_mactable *t, bh_port port) {
  uint32_t i = 0;
  while (i <= t->h.mask) {
    slot *s = at(t, i);
    if (s->hash && s->port == port)
      bh_htab_delete(&t->h, i); /* re-examine i */
    else
      i++;
  }
}

uint32_t bh_mactable_size(const bh_mactable *t) { return t->h.count; }
uint32_t bh_mactable_capacity(const bh_mactable *t) { return t->h.capacity; }
uint32_t bh_mactable_slots(const bh_mactable *t) { return t->h.mask + 1; }
bh_mactable_counters bh_mactable_counters_get(const bh_mactable *t) { return t->c; }

void bh_mactable_foreach(const bh_mactable *t, bh_mactable_visit fn, void *ctx) {
  uint8_t mac[6];
  for (uint32_t i = 0; i <= t->h.mask; i++) {
    const slot *s = at(t, i);
    if (!s->hash) continue;
    key_mac(s->mac, mac);
    fn(ctx, mac, s->port, s->last_seen_ns);
  }
}
