/* bh_storm: classification, config validation, exact token-bucket rates with injected time,
 * independence of directions and classes, idle caps, time going backwards, extreme values. */
#include <stdint.h>
#include <string.h>

#include "../bh_storm.h"
#include "test.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static bh_storm_config all(uint32_t pps, uint32_t burst) {
  bh_storm_config c;
  for (int d = 0; d < BH_STORM_DIRS; d++)
    for (int k = 0; k < 3; k++) c.rate[d][k] = (bh_storm_rate){pps, burst};
  return c;
}

TEST(storm_classify) {
  const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, v4mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
  const uint8_t v6mc[6] = {0x33, 0x33, 0, 0, 0, 1}, stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};
  const uint8_t uc[6] = {0x02, 0, 0, 0, 0, 1}, almost_bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
  CHECK_EQ(bh_storm_classify(bc, 0), BH_STORM_BROADCAST);
  CHECK_EQ(bh_storm_classify(bc, 1), BH_STORM_BROADCAST);
  CHECK_EQ(bh_storm_classify(v4mc, 1), BH_STORM_MULTICAST);
  CHECK_EQ(bh_storm_classify(v6mc, 0), BH_STORM_MULTICAST);
  CHECK_EQ(bh_storm_classify(stp, 0), BH_STORM_MULTICAST);
  CHECK_EQ(bh_storm_classify(almost_bc, 0), BH_STORM_MULTICAST);
  CHECK_EQ(bh_storm_classify(uc, 0), BH_STORM_UNKNOWN_UNICAST);
  CHECK_EQ(bh_storm_classify(uc, 1), BH_STORM_KNOWN_UNICAST);
  CHECK(strcmp(bh_storm_class_name(BH_STORM_UNKNOWN_UNICAST), "unknown_unicast") == 0);
  CHECK(strcmp(bh_storm_class_name(BH_STORM_CLASSES), "unknown") == 0);
}

TEST(storm_config_validation) {
  bh_storm s;
  bh_storm_config c = all(10, 5);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  c.rate[1][2] = (bh_storm_rate){BH_STORM_MAX_PPS + 1, 10};
  CHECK_EQ(bh_storm_init(&s, &c, 0), -1);
  c.rate[1][2] = (bh_storm_rate){5, 0};
  CHECK_EQ(bh_storm_init(&s, &c, 0), -1);
  c.rate[1][2] = (bh_storm_rate){0, 0}; /* unlimited class: fine */
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  CHECK_EQ(bh_storm_init(&s, NULL, 0), -1);
  /* after a rejected config everything is unlimited */
  for (int i = 0; i < 1000; i++) CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_BROADCAST, 0), 1);
  /* out-of-range direction or class: refused, nothing counted */
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_DIRS, BH_STORM_BROADCAST, 0), 0);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_CLASSES, 0), 0);
  CHECK_EQ(s.c[0].passed[0], 1000);
  CHECK_EQ(s.c[0].dropped[0], 0);
}

TEST(storm_exact_rate) {
  bh_storm s;
  bh_storm_config c = all(10, 5);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  /* 1000 packets/s offered for 10 s: burst 5 + 10/s * 10 s = 105 pass */
  uint64_t passed = 0;
  for (uint64_t i = 0; i <= 10000; i++) passed += (uint64_t)bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_BROADCAST, i * MS);
  CHECK_EQ(passed, 105);
  CHECK_EQ(s.c[BH_STORM_TO_TUNNEL].passed[BH_STORM_BROADCAST], 105);
  CHECK_EQ(s.c[BH_STORM_TO_TUNNEL].dropped[BH_STORM_BROADCAST], 10001 - 105);
  /* the other direction and the other classes were untouched: full bursts */
  for (int k = 0; k < 3; k++) {
    bh_storm_dir d = k == 0 ? BH_STORM_FROM_TUNNEL : BH_STORM_TO_TUNNEL;
    int n = 0;
    for (int i = 0; i < 20; i++) n += bh_storm_admit(&s, d, (bh_storm_class)k, 10 * SEC);
    CHECK_EQ(n, 5);
  }
}

TEST(storm_fractional_and_extremes) {
  bh_storm s;
  bh_storm_config c = all(0, 0);
  c.rate[BH_STORM_FROM_TUNNEL][BH_STORM_MULTICAST] = (bh_storm_rate){3, 1};
  CHECK_EQ(bh_storm_init(&s, &c, 1000), 0);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, 1000), 1);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, 1000), 0);
  /* 3/s: one packet needs 333333333.33 ns */
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, 1000 + 333333333), 0);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, 1000 + 333333334), 1);
  /* time going backwards refills nothing */
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, 5), 0);
  /* a very long idle time fills the bucket to the burst, no more, without overflow */
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, UINT64_MAX), 1);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_MULTICAST, UINT64_MAX), 0);
  /* unlimited classes pass everything; known unicast is never limited */
  for (int i = 0; i < 100; i++) CHECK_EQ(bh_storm_admit(&s, BH_STORM_FROM_TUNNEL, BH_STORM_BROADCAST, 0), 1);
  /* maximum rate with the largest burst: 1e8/s, one packet per 10 ns, capped at 2^32-1 */
  c = all(BH_STORM_MAX_PPS, 0xffffffffu);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  s.b[0][0].tokens = 0;
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_BROADCAST, 9), 0);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_BROADCAST, 10), 1);
  CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_BROADCAST, UINT64_MAX), 1);
  CHECK(s.b[0][0].tokens == s.b[0][0].cap - 1000000000ULL);
  c = all(1, 1);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  for (int i = 0; i < 1000; i++) CHECK_EQ(bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_KNOWN_UNICAST, 0), 1);
  CHECK_EQ(s.c[0].passed[BH_STORM_KNOWN_UNICAST], 1000);
  CHECK_EQ(s.c[0].dropped[BH_STORM_KNOWN_UNICAST], 0);
}

TEST(storm_idle_cap_and_reconfigure) {
  bh_storm s;
  bh_storm_config c = all(100, 20);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0);
  int n = 0;
  for (int i = 0; i < 50; i++) n += bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_UNKNOWN_UNICAST, 0);
  CHECK_EQ(n, 20);
  n = 0; /* an hour idle: still only the burst */
  for (int i = 0; i < 50; i++) n += bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_UNKNOWN_UNICAST, 3600 * SEC);
  CHECK_EQ(n, 20);
  /* steady 100/s in 10 ms steps: exactly one per step */
  n = 0;
  for (int i = 1; i <= 100; i++) {
    n += bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_UNKNOWN_UNICAST, 3600 * SEC + (uint64_t)i * 10 * MS);
    n += bh_storm_admit(&s, BH_STORM_TO_TUNNEL, BH_STORM_UNKNOWN_UNICAST, 3600 * SEC + (uint64_t)i * 10 * MS);
  }
  CHECK_EQ(n, 100);
  uint64_t dropped = s.c[0].dropped[BH_STORM_UNKNOWN_UNICAST];
  CHECK_EQ(dropped, 30 + 30 + 100);
  c = all(1000, 1);
  CHECK_EQ(bh_storm_reconfigure(&s, &c, 0), 0); /* counters kept */
  CHECK_EQ(s.c[0].dropped[BH_STORM_UNKNOWN_UNICAST], dropped);
  CHECK_EQ(bh_storm_init(&s, &c, 0), 0); /* counters zeroed */
  CHECK_EQ(s.c[0].dropped[BH_STORM_UNKNOWN_UNICAST], 0);
}

void suite_storm(void) {
  RUN(storm_classify);
  RUN(storm_config_validation);
  RUN(storm_exact_rate);
  RUN(storm_fractional_and_extremes);
  RUN(storm_idle_cap_and_reconfigure);
}
