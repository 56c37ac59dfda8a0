/* bh_eth: untagged, 802.1Q, QinQ, truncation, MAC helpers. */
#include <string.h>

#include "../bh_eth.h"
#include "test.h"

static const uint8_t DST[6] = {0x02, 0, 0, 0, 0, 1}, SRC[6] = {0x02, 0, 0, 0, 0, 2};

static size_t frame(uint8_t *f, const uint16_t *types, int n) {
  memcpy(f, DST, 6);
  memcpy(f + 6, SRC, 6);
  size_t off = 12;
  for (int i = 0; i < n; i++) {
    f[off] = (uint8_t)(types[i] >> 8);
    f[off + 1] = (uint8_t)types[i];
    off += 2;
  }
  return off;
}

TEST(eth_untagged) {
  uint8_t f[64] = {0};
  uint16_t t[] = {0x0806};
  frame(f, t, 1);
  bh_eth_info e;
  CHECK_EQ(bh_eth_parse(f, 60, &e), 0);
  CHECK(e.dst == f && e.src == f + 6);
  CHECK_EQ(e.ethertype, 0x0806);
  CHECK_EQ(e.vlan_tagged, 0);
  CHECK_EQ(e.vlan_tci, 0);
  CHECK_EQ(e.l3_offset, 14);
  CHECK_EQ(bh_eth_parse(f, 14, &e), 0); /* header only is fine */
}

TEST(eth_8021q) {
  uint8_t f[64] = {0};
  uint16_t t[] = {0x8100, 0x2064, 0x0800}; /* PCP 1, VID 100 */
  frame(f, t, 3);
  bh_eth_info e;
  CHECK_EQ(bh_eth_parse(f, 60, &e), 0);
  CHECK_EQ(e.ethertype, 0x0800);
  CHECK_EQ(e.vlan_tagged, 1);
  CHECK_EQ(e.vlan_tci, 0x2064);
  CHECK_EQ(e.l3_offset, 18);
}

TEST(eth_qinq) {
  uint8_t f[64] = {0};
  uint16_t t[] = {0x88a8, 0x000a, 0x8100, 0x0014, 0x86dd};
  frame(f, t, 5);
  bh_eth_info e;
  CHECK_EQ(bh_eth_parse(f, 60, &e), 0);
  CHECK_EQ(e.ethertype, 0x86dd);
  CHECK_EQ(e.vlan_tagged, 2);
  CHECK_EQ(e.vlan_tci, 0x000a); /* outer tag */
  CHECK_EQ(e.l3_offset, 22);
  /* a third tag is not unwrapped: reported as the ethertype */
  uint16_t t3[] = {0x8100, 1, 0x8100, 2, 0x8100, 3, 0x0800};
  frame(f, t3, 7);
  CHECK_EQ(bh_eth_parse(f, 60, &e), 0);
  CHECK_EQ(e.ethertype, 0x8100);
  CHECK_EQ(e.l3_offset, 22);
}

TEST(eth_truncated) {
  uint8_t f[64] = {0};
  bh_eth_info e;
  CHECK_EQ(bh_eth_parse(f, 0, &e), -1);
  CHECK_EQ(bh_eth_parse(f, 13, &e), -1);
  CHECK_EQ(bh_eth_parse(NULL, 60, &e), -1);
  uint16_t t[] = {0x8100, 0x0001, 0x0800};
  frame(f, t, 3);
  CHECK_EQ(bh_eth_parse(f, 14, &e), -1);
  CHECK_EQ(bh_eth_parse(f, 17, &e), -1);
  CHECK_EQ(bh_eth_parse(f, 18, &e), 0);
  uint16_t q[] = {0x88a8, 1, 0x8100, 2, 0x0800};
  frame(f, q, 5);
  CHECK_EQ(bh_eth_parse(f, 21, &e), -1);
  CHECK_EQ(bh_eth_parse(f, 22, &e), 0);
}

TEST(mac_helpers) {
  uint8_t z[6] = {0}, b[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, m[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  uint8_t u[6] = {0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0xf0};
  CHECK(bh_mac_is_zero(z) && !bh_mac_is_zero(u));
  CHECK(bh_mac_is_group(b) && bh_mac_is_group(m) && !bh_mac_is_group(u) && !bh_mac_is_group(z));
  char s[18];
  memset(s, 'x', sizeof s);
  bh_mac_format(u, s);
  CHECK(strcmp(s, "aa:bb:0c:dd:ee:f0") == 0);
}

void suite_eth(void) {
  RUN(eth_untagged);
  RUN(eth_8021q);
  RUN(eth_qinq);
  RUN(eth_truncated);
  RUN(mac_helpers);
}
