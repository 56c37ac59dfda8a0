#include "../bh_codel.h"
#include "test.h"

#define MS 1000000ULL

TEST(codel_below_target_never_drops) {
  bh_codel c;
  bh_codel_init(&c, 5 * MS, 100 * MS);
  for (uint64_t t = 1; t < 10000; t++) CHECK(!bh_codel_should_drop(&c, 4 * MS, t * MS));
}

TEST(codel_short_burst_above_target_is_tolerated) {
  bh_codel c;
  bh_codel_init(&c, 5 * MS, 100 * MS);
  /* 90 ms above target, then below: no drop (the queue drained within an interval) */
  for (uint64_t t = 0; t < 90; t++) CHECK(!bh_codel_should_drop(&c, 20 * MS, (1000 + t) * MS));
  CHECK(!bh_codel_should_drop(&c, 1 * MS, 1090 * MS));
  for (uint64_t t = 0; t < 90; t++) CHECK(!bh_codel_should_drop(&c, 20 * MS, (2000 + t) * MS));
}

TEST(codel_standing_queue_drops_at_increasing_rate) {
  bh_codel c;
  bh_codel_init(&c, 5 * MS, 100 * MS);
  uint64_t drops[64];
  unsigned n = 0;
  /* one packet every 0.1 ms with a 20 ms sojourn for 2 s */
  for (uint64_t us = 0; us < 2000000 && n < 64; us += 100) {
    uint64_t now = 1000 * MS + us * 1000;
    if (bh_codel_should_drop(&c, 20 * MS, now)) drops[n++] = now;
  }
  CHECK(n >= 10);
  /* the first drop comes one interval after the queue went above target */
  CHECK(drops[0] >= 1100 * MS && drops[0] < 1101 * MS);
  /* then intervals shrink like interval / sqrt(count) */
  CHECK(drops[1] - drops[0] <= 100 * MS + MS);
  CHECK(drops[2] - drops[1] < drops[1] - drops[0]);
  CHECK(drops[9] - drops[8] < 40 * MS);
  /* the queue drains: dropping stops at once */
  uint64_t t = drops[n - 1] + MS;
  CHECK(!bh_codel_should_drop(&c, 1 * MS, t));
  CHECK(c.dropping == 0);
}

TEST(codel_reentry_resumes_near_previous_rate) {
  bh_codel c;
  bh_codel_init(&c, 5 * MS, 100 * MS);
  uint64_t now = 1000 * MS;
  unsigned drops = 0;
  for (; drops < 8; now += MS) drops += (unsigned)bh_codel_should_drop(&c, 20 * MS, now);
  uint32_t count_before = c.count;
  CHECK(!bh_codel_should_drop(&c, 0, now)); /* queue empties briefly */
  now += MS;
  CHECK(!bh_codel_should_drop(&c, 20 * MS, now)); /* above again: a new interval starts */
  now += 101 * MS;
  CHECK(bh_codel_should_drop(&c, 20 * MS, now));
  CHECK(c.count > 1 && c.count <= count_before);
}

void suite_codel(void) {
  RUN(codel_below_target_never_drops);
  RUN(codel_short_burst_above_target_is_tolerated);
  RUN(codel_standing_queue_drops_at_increasing_rate);
  RUN(codel_reentry_resumes_near_previous_rate);
}
