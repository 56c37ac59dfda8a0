/* bh_replay: anti-replay sliding window (RFC 6479 style), a port of the algorithm in
 * Linux WireGuard's counter check. Plain struct, no allocation; caller serialises access. */
#ifndef BH_REPLAY_H
#define BH_REPLAY_H

#include <stdint.h>

#define BH_REPLAY_BITS 8192
#define BH_REPLAY_WINDOW (BH_REPLAY_BITS - 64) /* 8128 */
#define BH_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13) - 1) /* WireGuard's REJECT_AFTER_MESSAGES */

typedef struct {
  uint64_t greatest; /* highest accepted counter + 1 (0 = nothing seen yet), as in the kernel */
  uint64_t bitmap[BH_REPLAY_BITS / 64];
} bh_replay;

void bh_replay_init(bh_replay *r);
/* 1 = accept (and mark seen), 0 = reject (too old, duplicate, or >= BH_REJECT_AFTER_MESSAGES). */
int bh_replay_check(bh_replay *r, uint64_t counter);

#endif
