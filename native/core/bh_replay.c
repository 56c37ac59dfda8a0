/* bh_replay: RFC 6479 sliding window, same algorithm as Linux WireGuard's counter_validate():
 * a ring of 128 64-bit words; `greatest` holds the highest accepted counter + 1; moving the
 * window forward clears the words it skips over (at most the whole ring). */
#include "bh_replay.h"

#include <string.h>

#define WORDS (BH_REPLAY_BITS / 64)

void bh_replay_init(bh_replay *r) { memset(r, 0, sizeof(*r)); }

int bh_replay_check(bh_replay *r, uint64_t counter) {
  if (r->greatest >= BH_REJECT_AFTER_MESSAGES + 1 || counter >= BH_REJECT_AFTER_MESSAGES) return 0;
  counter++; /* 1-based internally so that greatest == 0 means "nothing seen" */
  if (counter + BH_REPLAY_WINDOW < r->greatest) return 0; /* too old */
  uint64_t index = counter >> 6;
  if (counter > r->greatest) {
    uint64_t cur = r->greatest >> 6;
    uint64_t top = index - cur;
    if (top > WORDS) top = WORDS;
    for (uint64_t i = 1; i <= top; i++) r->bitmap[(cur + i) & (WORDS - 1)] = 0;
    r->greatest = counter;
  }
  uint64_t *word = &r->bitmap[index & (WORDS - 1)];
  uint64_t bit = 1ULL << (counter & 63);
  if (*word & bit) return 0; /* duplicate */
  *word |= bit;
  return 1;
}
