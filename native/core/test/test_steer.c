/* bh_steer: the reuseport steering program picks the socket of the receiver index's slot for
 * data, cookie replies and responses; initiations, unknown slots/types and short packets go to
 * the front. Run through bh_steer_run (the kernel's semantics for the opcodes used). */
#include <string.h>

#include "../bh_steer.h"
#include "test.h"

static uint16_t table[BH_STEER_SLOTS];

static void empty(void) {
  for (int s = 0; s < BH_STEER_SLOTS; s++) table[s] = BH_STEER_NONE;
}

static uint32_t steer(const bh_steer_insn *p, int n, uint8_t type, uint32_t idx_at4, uint32_t idx_at8, size_t len) {
  uint8_t pkt[64];
  memset(pkt, 0, sizeof pkt);
  pkt[0] = type;
  for (int i = 0; i < 4; i++) pkt[4 + i] = (uint8_t)(idx_at4 >> (8 * i)), pkt[8 + i] = (uint8_t)(idx_at8 >> (8 * i));
  return bh_steer_run(p, n, pkt, len);
}

TEST(steer_by_slot) {
  bh_steer_insn p[BH_STEER_MAX_INSNS];
  empty();
  table[1] = 2;
  table[2] = 1;
  table[200] = 3;
  int n = bh_steer_build(0, table, p);
  CHECK_EQ(n, 8 + 2 * 3 + 1);
  CHECK_EQ(steer(p, n, 4, 0x01abcdef, 0, 48), 2);    /* data, slot 1 */
  CHECK_EQ(steer(p, n, 4, 0x02000001, 0, 48), 1);    /* data, slot 2 */
  CHECK_EQ(steer(p, n, 4, 0xc8123456, 0, 48), 3);    /* data, slot 200 */
  CHECK_EQ(steer(p, n, 3, 0x02ffffff, 0, 64), 1);    /* cookie reply, slot 2 */
  CHECK_EQ(steer(p, n, 2, 0x01000000, 0x02000005, 64), 1); /* response: index at 8, not 4 */
  CHECK_EQ(steer(p, n, 1, 0x02000000, 0x01000000, 64), 0); /* initiation: front */
  CHECK_EQ(steer(p, n, 4, 0x07000000, 0, 48), 0);    /* unknown slot: front */
  CHECK_EQ(steer(p, n, 4, 0x00000001, 0, 48), 0);    /* slot 0 unused: front */
  CHECK_EQ(steer(p, n, 9, 0x01000000, 0, 48), 0);    /* unknown type: front */
  CHECK_EQ(steer(p, n, 4, 0x01000000, 0, 7), 0);     /* too short for byte 7: 0 like the kernel */
  CHECK_EQ(steer(p, n, 2, 0, 0x01000000, 11), 0);    /* too short for byte 11 */
  CHECK_EQ(steer(p, n, 4, 0x01000000, 0, 0), 0);     /* empty */
}

TEST(steer_front_and_limits) {
  bh_steer_insn p[BH_STEER_MAX_INSNS];
  empty();
  CHECK_EQ(bh_steer_build(BH_STEER_NONE, table, p), -1);
  int n = bh_steer_build(5, table, p);
  CHECK_EQ(steer(p, n, 4, 0x01000000, 0, 48), 5);    /* no slots: everything to the front */
  for (int s = 0; s < BH_STEER_SLOTS; s++) table[s] = (uint16_t)(BH_STEER_SLOTS - 1 - s);
  n = bh_steer_build(7, table, p);
  CHECK(n <= BH_STEER_MAX_INSNS);
  CHECK(n <= 4096); /* BPF_MAXINSNS */
  for (uint32_t s = 0; s < BH_STEER_SLOTS; s++) CHECK_EQ(steer(p, n, 4, s << 24 | 0x123, 0, 48), 255 - s);
  CHECK_EQ(steer(p, n, 1, 0, 0, 164), 7);
}

void suite_steer(void) {
  RUN(steer_by_slot);
  RUN(steer_front_and_limits);
}
