/* bh_replay: port of the Linux WireGuard counter self-test (selftest/counter.c):
 * the numbered T(n, v) sequence and the bulk forward/backward window loops. */
#include <string.h>

#include "../bh_replay.h"
#include "test.h"

static bh_replay r;
static int case_no;

#define T_LIM (BH_REPLAY_WINDOW + 1)
#define T(n, v)                                                                         \
  do {                                                                                  \
    case_no++;                                                                          \
    if (bh_replay_check(&r, (uint64_t)(n)) != (v)) {                                    \
      fprintf(stderr, "    replay case %d: T(%s) expected %d\n", case_no, #n, (int)(v)); \
      bh_t_checks_failed++;                                                             \
    }                                                                                   \
  } while (0)

TEST(replay_kernel_table) {
  bh_replay_init(&r);
  case_no = 0;
  T(0, 1);
  T(1, 1);
  T(1, 0);
  T(9, 1);
  T(8, 1);
  T(7, 1);
  T(7, 0);
  T(T_LIM, 1);
  T(T_LIM - 1, 1);
  T(T_LIM - 1, 0);
  T(T_LIM - 2, 1);
  T(2, 1);
  T(2, 0);
  T(T_LIM + 16, 1);
  T(3, 0);
  T(T_LIM + 16, 0);
  T(T_LIM * 4, 1);
  T(T_LIM * 4 - (T_LIM - 1), 1);
  T(10, 0);
  T(T_LIM * 4 - T_LIM, 0);
  T(T_LIM * 4 - (T_LIM + 1), 0);
  T(T_LIM * 4 - (T_LIM - 2), 1);
  T(T_LIM * 4 + 1 - T_LIM, 0);
  T(0, 0);
  T(BH_REJECT_AFTER_MESSAGES, 0);
  T(BH_REJECT_AFTER_MESSAGES - 1, 1);
  T(BH_REJECT_AFTER_MESSAGES, 0);
  T(BH_REJECT_AFTER_MESSAGES - 1, 0);
  T(BH_REJECT_AFTER_MESSAGES - 2, 1);
  T(BH_REJECT_AFTER_MESSAGES + 1, 0);
  T(BH_REJECT_AFTER_MESSAGES + 2, 0);
  T(BH_REJECT_AFTER_MESSAGES - 2, 0);
  T(BH_REJECT_AFTER_MESSAGES - 3, 1);
  T(0, 0);
  CHECK_EQ(case_no, 34);
}

TEST(replay_forward_fill) {
  bh_replay_init(&r);
  for (uint64_t i = 1; i <= BH_REPLAY_WINDOW; i++) T(i, 1);
  T(0, 1);
  T(0, 0);
  bh_replay_init(&r);
  for (uint64_t i = 2; i <= BH_REPLAY_WINDOW + 1; i++) T(i, 1);
  T(1, 1);
  T(0, 0);
}

TEST(replay_backward_fill) {
  bh_replay_init(&r);
  for (uint64_t i = BH_REPLAY_WINDOW + 1; i-- > 0;) T(i, 1);
  bh_replay_init(&r);
  for (uint64_t i = BH_REPLAY_WINDOW + 2; i-- > 1;) T(i, 1);
  T(0, 0);
  bh_replay_init(&r);
  for (uint64_t i = BH_REPLAY_WINDOW + 1; i-- > 1;) T(i, 1);
  T(BH_REPLAY_WINDOW + 1, 1);
  T(0, 0);
  bh_replay_init(&r);
  for (uint64_t i = BH_REPLAY_WINDOW + 1; i-- > 1;) T(i, 1);
  T(0, 1);
  T(BH_REPLAY_WINDOW + 1, 1);
}

TEST(replay_big_jump_clears_window) {
  bh_replay_init(&r);
  for (uint64_t i = 0; i < 100; i++) T(i, 1);
  T(1000000, 1); /* jump far beyond the ring: all old bits cleared */
  T(1000000 - BH_REPLAY_WINDOW, 1);
  T(1000000 - BH_REPLAY_WINDOW - 1, 0);
  T(999999, 1);
  T(999999, 0);
  T(50, 0);
}

/* A jump of more than the whole ring must clear every word: pick counters whose bit
 * positions alias the ones set before the jump. */
TEST(replay_jump_aliasing) {
  const uint64_t J = (uint64_t)BH_REPLAY_BITS * 100 + 50; /* J+1 aliases old counter 50 */
  bh_replay_init(&r);
  for (uint64_t i = 0; i < 100; i++) T(i, 1);
  T(J, 1);
  T(J - 11, 1); /* aliases old counter 39 */
  T(J - 11, 0);
  T(J + 64, 1); /* forward by one word */
  T(J + 1, 1);
}

void suite_replay(void) {
  RUN(replay_jump_aliasing);
  RUN(replay_kernel_table);
  RUN(replay_forward_fill);
  RUN(replay_backward_fill);
  RUN(replay_big_jump_clears_window);
}
