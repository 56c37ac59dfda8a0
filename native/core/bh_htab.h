/* bh_htab: the bounded open-addressing hash table under bh_mactable and bh_neigh. Linear probing
 * over a power-of-two slot array (about 1.5x the entry capacity, so probe chains stay short even
 * when full); the home slot comes from SipHash-1-3 keyed by a seed, so remote hosts cannot
 * cheaply build colliding keys; deletion is backward-shift (no tombstones): every chain stays
 * contiguous. All memory is allocated once in _init. Not thread-safe: callers lock.
 *
 * Slots are the caller's struct, `stride` bytes each, whose first member is `uint32_t hash`:
 * 0 = empty, else bh_htab_hash() (which sets bit 31, so a used slot never reads 0). The key is
 * key_len bytes at key_off inside the slot, compared with memcmp; the hash input is whatever
 * bytes the caller hashes (the same key must always give the same bytes). */
#ifndef BH_HTAB_H
#define BH_HTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BH_HTAB_USED 0x80000000u
#define BH_HTAB_MAX_CAPACITY (1u << 24)

typedef struct {
  uint8_t *slots;
  size_t stride;
  uint32_t mask, count, capacity, cursor;
  uint64_t k0, k1;
} bh_htab;

/* capacity 1 .. BH_HTAB_MAX_CAPACITY; stride >= 4. 0, or -1 on bad arguments or OOM. */
int bh_htab_init(bh_htab *t, uint32_t capacity, size_t stride, uint64_t seed);
void bh_htab_free(bh_htab *t);
/* SipHash-1-3 of data[0..len) under the table's key, folded to 32 bits, with BH_HTAB_USED set. */
uint32_t bh_htab_hash(const bh_htab *t, const void *data, size_t len);

static inline void *bh_htab_slot(const bh_htab *t, uint32_t i) { return t->slots + (size_t)i * t->stride; }
static inline uint32_t bh_htab_slot_hash(const bh_htab *t, uint32_t i) {
  uint32_t h;
  memcpy(&h, bh_htab_slot(t, i), sizeof h);
  return h;
}

/* Index of the slot holding key (*found = 1), or the empty slot that ends its chain (*found = 0).
 * Inline so a constant key_len compiles to a plain compare. Terminates: the load factor < 1. */
static inline uint32_t bh_htab_probe(const bh_htab *t, uint32_t hash, const void *key, size_t key_off, size_t key_len,
                                     int *found) {
  uint32_t i = hash & t->mask;
  for (;;) {
    const uint8_t *s = (const uint8_t *)bh_htab_slot(t, i);
    uint32_t h;
    memcpy(&h, s, sizeof h);
    if (h == 0) {
      *found = 0;
      return i;
    }
    if (h == hash && memcmp(s + key_off, key, key_len) == 0) {
      *found = 1;
      return i;
    }
    i = (i + 1) & t->mask;
  }
}

/* Fills the empty slot i (from a probe that did not find the key) with `entry` (stride bytes,
 * its hash member already set) and counts it. The caller checked count < capacity. */
void *bh_htab_insert(bh_htab *t, uint32_t i, const void *entry);
/* Removes slot i: later members of its chain shift back into the hole (re-examine i after). */
void bh_htab_delete(bh_htab *t, uint32_t i);

/* Incremental sweep: visits at most `budget` slots from where the last call stopped; a used slot
 * for which expired(ctx, slot) returns 1 is deleted (expired may report it first). Returns the
 * number deleted. */
typedef int (*bh_htab_expired_fn)(void *ctx, void *slot);
uint32_t bh_htab_sweep(bh_htab *t, uint32_t budget, bh_htab_expired_fn expired, void *ctx);

#endif
