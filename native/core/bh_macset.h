/* bh_macset: a small bounded set of MAC addresses (the quarantine set of the data plane).
 * Fixed capacity BH_MACSET_CAP, linear scan (64 entries fit in six cache lines; the data plane
 * checks it only while it is non-empty). Full: add fails (the caller reports it).
 * Pure: caller-owned struct, no allocation, not thread-safe. */
#ifndef BH_MACSET_H
#define BH_MACSET_H

#include <stdint.h>

#define BH_MACSET_CAP 64

typedef struct {
  uint32_t count;
  uint8_t mac[BH_MACSET_CAP][6];
} bh_macset;

void bh_macset_init(bh_macset *s);
/* 1 added, 0 already present, -1 full. */
int bh_macset_add(bh_macset *s, const uint8_t mac[6]);
/* 1 removed, 0 absent. Order is not kept (the last entry fills the hole). */
int bh_macset_remove(bh_macset *s, const uint8_t mac[6]);
int bh_macset_contains(const bh_macset *s, const uint8_t mac[6]);

#endif
