/* bh_htab: see bh_htab.h. */
#include "bh_htab.h"

#include <stdlib.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                    \
  do {                                                                                              \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                       \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                          \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                          \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                       \
  } while (0)

uint32_t bh_htab_hash(const bh_htab *t, const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t v0 = t->k0 ^ 0x736f6d6570736575ULL, v1 = t->k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = t->k0 ^ 0x6c7967656e657261ULL, v3 = t->k1 ^ 0x7465646279746573ULL;
  size_t full = len & ~(size_t)7;
  for (size_t off = 0; off < full; off += 8) {
    uint64_t m = 0;
    for (int i = 7; i >= 0; i--) m = m << 8 | p[off + (size_t)i];
    v3 ^= m;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t m = (uint64_t)len << 56;
  for (size_t i = 0; i < (len & 7); i++) m |= (uint64_t)p[full + i] << (8 * i);
  v3 ^= m;
  SIPROUND;
  v0 ^= m;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  uint64_t h = v0 ^ v1 ^ v2 ^ v3;
  return (uint32_t)(h ^ (h >> 32)) | BH_HTAB_USED;
}

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int bh_htab_init(bh_htab *t, uint32_t capacity, size_t stride, uint64_t seed) {
  *t = (bh_htab){0};
  if (capacity == 0 || capacity > BH_HTAB_MAX_CAPACITY || stride < sizeof(uint32_t)) return -1;
  uint64_t want = (uint64_t)capacity + capacity / 2 + 1, n = 8;
  while (n < want) n <<= 1;
  if (!(t->slots = calloc((size_t)n, stride))) return -1;
  t->stride = stride;
  t->mask = (uint32_t)(n - 1);
  t->capacity = capacity;
  t->k0 = splitmix(&seed);
  t->k1 = splitmix(&seed);
  return 0;
}

void bh_htab_free(bh_htab *t) {
  free(t->slots);
  t->slots = NULL;
}

void *bh_htab_insert(bh_htab *t, uint32_t i, const void *entry) {
  void *s = bh_htab_slot(t, i);
  memcpy(s, entry, t->stride);
  t->count++;
  return s;
}

void bh_htab_delete(bh_htab *t, uint32_t hole) {
  uint32_t j = hole;
  for (;;) {
    j = (j + 1) & t->mask;
    uint32_t h = bh_htab_slot_hash(t, j);
    if (h == 0) break;
    uint32_t home = h & t->mask;
    /* the entry at j may move to the hole iff its home is not cyclically within (hole, j] */
    int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      memcpy(bh_htab_slot(t, hole), bh_htab_slot(t, j), t->stride);
      hole = j;
    }
  }
  memset(bh_htab_slot(t, hole), 0, t->stride);
  t->count--;
}

uint32_t bh_htab_sweep(bh_htab *t, uint32_t budget, bh_htab_expired_fn expired, void *ctx) {
  uint32_t removed = 0;
  while (budget-- > 0) {
    if (bh_htab_slot_hash(t, t->cursor) != 0 && expired(ctx, bh_htab_slot(t, t->cursor))) {
      bh_htab_delete(t, t->cursor); /* a later entry may now sit at cursor: look again */
      removed++;
      continue;
    }
    t->cursor = (t->cursor + 1) & t->mask;
  }
  return removed;
}
