/* bh_mactable: bounded MAC learning table with aging (open addressing, linear probing,
 * backward-shift deletion, seeded keyed hash). All memory is allocated once in _new.
 * Not thread-safe: callers lock. */
#ifndef BH_MACTABLE_H
#define BH_MACTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t bh_port; /* 0 = local side (the TAP), 1..65535 = peer id */
#define BH_PORT_LOCAL 0

typedef struct bh_mactable bh_mactable;
typedef struct { uint64_t learned, moved, full, aged; } bh_mactable_counters;
typedef enum {
  BH_LEARN_REFRESHED = 0,
  BH_LEARN_NEW = 1,
  BH_LEARN_MOVED = 2,
  BH_LEARN_FULL = 3,
  BH_LEARN_IGNORED = 4
} bh_learn_result;

/* capacity = max live entries (1 .. 1<<24); age_ns > 0. NULL on bad args or OOM. */
bh_mactable *bh_mactable_new(uint32_t capacity, uint64_t age_ns);
/* Same with a caller-chosen hash seed (use random bytes so the hash cannot be steered). */
bh_mactable *bh_mactable_new_seeded(uint32_t capacity, uint64_t age_ns, uint64_t seed);
void bh_mactable_free(bh_mactable *t);

/* group/zero MAC -> IGNORED; table full -> FULL (counted, existing entries untouched;
 * an aged entry may be reused). */
bh_learn_result bh_mactable_learn(bh_mactable *t, const uint8_t mac[6], bh_port port, uint64_t now_ns);
/* 1 = found and not aged (*port set), 0 = unknown or aged. */
int bh_mactable_lookup(bh_mactable *t, const uint8_t mac[6], uint64_t now_ns, bh_port *port);
/* Incremental sweep: scans at most `budget` slots per call (resuming where the last call
 * stopped); returns entries removed (counted as aged). */
uint32_t bh_mactable_expire(bh_mactable *t, uint64_t now_ns, uint32_t budget);
void bh_mactable_forget_port(bh_mactable *t, bh_port port);
uint32_t bh_mactable_size(const bh_mactable *t);
uint32_t bh_mactable_capacity(const bh_mactable *t);
/* Number of hash slots (for sizing expire budgets: a full sweep is this many slots). */
uint32_t bh_mactable_slots(const bh_mactable *t);
bh_mactable_counters bh_mactable_counters_get(const bh_mactable *t);

/* Visits every stored entry (aged-but-not-yet-swept ones included; compare last_seen_ns).
 * fn must not modify the table. */
typedef void (*bh_mactable_visit)(void *ctx, const uint8_t mac[6], bh_port port, uint64_t last_seen_ns);
void bh_mactable_foreach(const bh_mactable *t, bh_mactable_visit fn, void *ctx);

#endif
