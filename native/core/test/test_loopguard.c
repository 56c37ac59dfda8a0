/* bh_loopguard: probes, foreign probes block flooding, hold and clear, own probes, the tunnel. */
#include <string.h>

#include "../bh_loopguard.h"
#include "test.h"

#define MS 1000000ULL

TEST(loopguard_detects_and_clears) {
  static const uint8_t MA[6] = {2, 0, 0, 0, 0, 0xa}, MB[6] = {2, 0, 0, 0, 0, 0xb};
  bh_loopguard a, b;
  bh_lg_init(&a, MA, 0x1111, 1500 * MS);
  bh_lg_init(&b, MB, 0x2222, 1500 * MS);
  uint8_t pa[BH_LG_FRAME_LEN], pb[BH_LG_FRAME_LEN], small[10];
  CHECK_EQ(bh_lg_build_probe(&a, small, sizeof small), 0);
  CHECK_EQ(bh_lg_build_probe(&a, pa, sizeof pa), BH_LG_FRAME_LEN);
  CHECK_EQ(bh_lg_build_probe(&b, pb, sizeof pb), BH_LG_FRAME_LEN);
  CHECK(pa[0] == 0xff && memcmp(pa + 6, MA, 6) == 0 && pa[12] == 0x88 && pa[13] == 0xb5);
  bh_lg_event ev;
  /* no loop: a sees only its own probe (a loop inside its LAN): consumed, not blocked */
  CHECK_EQ(bh_lg_from_tap(&a, pa, sizeof pa, 0, &ev), 1);
  CHECK_EQ(ev, BH_LG_NONE);
  CHECK(!bh_lg_flood_blocked(&a));
  CHECK_EQ(a.c.own_seen, 1);
  /* ordinary frames are not probes */
  uint8_t arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
  CHECK_EQ(bh_lg_from_tap(&a, arp, sizeof arp, 0, &ev), 0);
  /* another user of the ethertype (no magic): bridged as usual, counted */
  uint8_t other[60];
  memcpy(other, pb, sizeof other);
  other[14] = 'X';
  CHECK_EQ(bh_lg_from_tap(&a, other, sizeof other, 0, &ev), 0);
  CHECK_EQ(a.c.malformed, 1);
  CHECK_EQ(bh_lg_from_tap(&a, pb, 20, 0, &ev), 0); /* truncated */
  /* b's probe reaches a's LAN without the tunnel: a loop, detected once */
  CHECK_EQ(bh_lg_from_tap(&a, pb, sizeof pb, 100 * MS, &ev), 1);
  CHECK_EQ(ev, BH_LG_DETECTED);
  CHECK(bh_lg_flood_blocked(&a));
  CHECK(memcmp(a.foreign_mac, MB, 6) == 0);
  CHECK_EQ(bh_lg_from_tap(&a, pb, sizeof pb, 600 * MS, &ev), 1);
  CHECK_EQ(ev, BH_LG_NONE);
  CHECK_EQ(a.c.loops, 1);
  /* held while foreign probes keep coming; cleared hold_ns after the last one */
  CHECK_EQ(bh_lg_tick(&a, 2000 * MS), BH_LG_NONE);
  CHECK(bh_lg_flood_blocked(&a));
  CHECK_EQ(bh_lg_tick(&a, 2100 * MS), BH_LG_CLEARED);
  CHECK(!bh_lg_flood_blocked(&a));
  CHECK_EQ(bh_lg_tick(&a, 9000 * MS), BH_LG_NONE);
  /* the loop comes back: detected again */
  CHECK_EQ(bh_lg_from_tap(&a, pb, sizeof pb, 9000 * MS, &ev), 1);
  CHECK_EQ(ev, BH_LG_DETECTED);
  CHECK_EQ(a.c.loops, 2);
  /* probes never cross the tunnel */
  CHECK_EQ(bh_lg_from_peer(&a, pb, sizeof pb), 1);
  CHECK_EQ(bh_lg_from_peer(&a, arp, sizeof arp), 0);
  CHECK_EQ(a.c.from_peer_dropped, 1);
  /* sequence numbers advance */
  uint8_t p2[BH_LG_FRAME_LEN];
  bh_lg_build_probe(&a, p2, sizeof p2);
  CHECK(memcmp(pa + 26, p2 + 26, 8) != 0);
  CHECK_EQ(a.c.probes_sent, 2);
}

void suite_loopguard(void) { RUN(loopguard_detects_and_clears); }
