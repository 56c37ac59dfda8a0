/* bh_frame: the view every per-frame decision reads. Truncated Ethernet and tags, 802.1Q, QinQ,
 * a third tag, IPv4 (padding, IHL, fragments), IPv6 (padding, extension header chains, fragments,
 * too many or truncated extension headers), non-IP. */
#include <string.h>

#include "../bh_frame.h"
#include "test.h"

/* dst, src, then `ntags` (tpid, tci) pairs and the ethertype; returns the L3 offset. */
static size_t eth(uint8_t *f, const uint16_t *tags, int ntags, uint16_t type) {
  static const uint8_t mac[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  memcpy(f, mac, 12);
  size_t off = 12;
  for (int i = 0; i < 2 * ntags; i++, off += 2) f[off] = (uint8_t)(tags[i] >> 8), f[off + 1] = (uint8_t)tags[i];
  f[off] = (uint8_t)(type >> 8), f[off + 1] = (uint8_t)type;
  return off + 2;
}

/* IPv4 header (IHL 5) + `payload` bytes, protocol proto; returns the packet length. */
static size_t ip4(uint8_t *ip, uint8_t proto, size_t payload, uint16_t frag) {
  memset(ip, 0, 20 + payload);
  ip[0] = 0x45;
  ip[2] = (uint8_t)((20 + payload) >> 8), ip[3] = (uint8_t)(20 + payload);
  ip[6] = (uint8_t)(frag >> 8), ip[7] = (uint8_t)frag;
  ip[8] = 64, ip[9] = proto;
  return 20 + payload;
}

/* IPv6 header with next header nh and payload length plen. */
static void ip6(uint8_t *ip, uint8_t nh, size_t plen) {
  memset(ip, 0, 40);
  ip[0] = 0x60;
  ip[4] = (uint8_t)(plen >> 8), ip[5] = (uint8_t)plen;
  ip[6] = nh, ip[7] = 64;
}

TEST(frame_truncated) {
  uint8_t f[64] = {0};
  bh_frame v;
  eth(f, NULL, 0, 0x0800);
  CHECK_EQ(bh_frame_parse(f, 13, &v), -1);
  CHECK_EQ(v.l2_ok, 0);
  CHECK(v.frame == f && v.len == 13); /* kept: the L2 filter reads the destination of a short frame */
  CHECK_EQ(v.ip_version, 0);
  uint16_t tag[] = {0x8100, 100};
  eth(f, tag, 1, 0x0800);
  CHECK_EQ(bh_frame_parse(f, 17, &v), -1); /* the tag's ethertype is cut off */
  CHECK_EQ(bh_frame_parse(f, 18, &v), 0);  /* header only */
  CHECK_EQ(v.ip_version, 0);
  CHECK_EQ(bh_frame_parse(NULL, 60, &v), -1);
}

TEST(frame_ipv4_untagged_padding) {
  uint8_t f[64] = {0};
  size_t l3 = eth(f, NULL, 0, 0x0800);
  ip4(f + l3, 17, 8, 0); /* 28-byte packet in a 60-byte frame: 18 bytes of Ethernet padding */
  bh_frame v;
  CHECK_EQ(bh_frame_parse(f, 60, &v), 0);
  CHECK_EQ(v.l2_ok, 1);
  CHECK_EQ(v.eth.l3_offset, 14);
  CHECK_EQ(v.outer_tpid, 0);
  CHECK_EQ(v.ip_version, 4);
  CHECK_EQ(v.ip_proto, 17);
  CHECK_EQ(v.ip_flags, BH_FRAME_L4);
  CHECK_EQ(v.l3_len, 28);
  CHECK_EQ(v.l4_offset, 34);
  CHECK_EQ(v.l4_len, 8);
  CHECK(bh_frame_l3(&v) == f + 14);
}

TEST(frame_ipv4_vlan_options_fragments) {
  uint8_t f[128] = {0};
  uint16_t tag[] = {0x8100, 0x2064};
  size_t l3 = eth(f, tag, 1, 0x0800);
  ip4(f + l3, 6, 40, 0);
  f[l3] = 0x46; /* IHL 6: 4 bytes of options; the TCP header moves */
  bh_frame v;
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.outer_tpid, 0x8100);
  CHECK_EQ(v.eth.vlan_tci, 0x2064);
  CHECK_EQ(v.eth.l3_offset, 18);
  CHECK_EQ(v.l4_offset, 18 + 24);
  CHECK_EQ(v.l4_len, 36);
  /* a later fragment: the protocol is known, the upper-layer header is not there */
  ip4(f + l3, 17, 40, 0x00b9);
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_version, 4);
  CHECK_EQ(v.ip_proto, 17);
  CHECK_EQ(v.ip_flags, BH_FRAME_LATER_FRAGMENT);
  CHECK_EQ(v.l4_offset, 0);
  /* the first fragment (MF set, offset 0) has it */
  ip4(f + l3, 17, 40, 0x2000);
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_L4);
  /* not IPv4 after all: short, wrong version, IHL below 20 or beyond the packet */
  CHECK_EQ(bh_frame_parse(f, l3 + 19, &v), 0);
  CHECK_EQ(v.ip_version, 0);
  f[l3] = 0x65;
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_version, 0);
  f[l3] = 0x44;
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_version, 0);
  f[l3] = 0x4f; /* 60-byte header in a 60-byte packet: valid, no payload */
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_version, 4);
  CHECK_EQ(v.l4_len, 0);
  f[l3 + 3] = 40; /* total length 40 < IHL 60 */
  CHECK_EQ(bh_frame_parse(f, l3 + 60, &v), 0);
  CHECK_EQ(v.ip_version, 0);
}

TEST(frame_qinq_ipv6_and_third_tag) {
  uint8_t f[128] = {0};
  uint16_t tags[] = {0x88a8, 10, 0x8100, 20};
  size_t l3 = eth(f, tags, 2, 0x86dd);
  ip6(f + l3, 17, 8);
  bh_frame v;
  CHECK_EQ(bh_frame_parse(f, l3 + 48 + 10, &v), 0); /* 10 bytes of padding after the packet */
  CHECK_EQ(v.outer_tpid, 0x88a8);
  CHECK_EQ(v.eth.vlan_tci, 10);
  CHECK_EQ(v.eth.vlan_tagged, 2);
  CHECK_EQ(v.eth.l3_offset, 22);
  CHECK_EQ(v.ip_version, 6);
  CHECK_EQ(v.ip_proto, 17);
  CHECK_EQ(v.l3_len, 48);
  CHECK_EQ(v.l4_offset, 62);
  CHECK_EQ(v.l4_len, 8);
  /* a third tag is not walked: what follows two tags is not IP */
  uint16_t three[] = {0x88a8, 10, 0x8100, 20, 0x8100, 30};
  l3 = eth(f, three, 3, 0x86dd);
  ip6(f + l3, 17, 8);
  CHECK_EQ(bh_frame_parse(f, l3 + 48, &v), 0);
  CHECK_EQ(v.eth.ethertype, 0x8100);
  CHECK_EQ(v.ip_version, 0);
}

TEST(frame_ipv6_extension_headers) {
  uint8_t f[256] = {0};
  size_t l3 = eth(f, NULL, 0, 0x86dd);
  uint8_t *ip = f + l3, *x = ip + 40;
  /* hop-by-hop (8) -> destination options (16) -> AH (payload len 1: (1+2)*4 = 12) -> ICMPv6 */
  ip6(ip, 0, 8 + 16 + 12 + 8);
  x[0] = 60, x[1] = 0;
  x[8] = 51, x[9] = 1;
  x[24] = 58, x[25] = 1;
  x[36] = 134; /* an RA */
  bh_frame v;
  CHECK_EQ(bh_frame_parse(f, l3 + 40 + 44, &v), 0);
  CHECK_EQ(v.ip_version, 6);
  CHECK_EQ(v.ip_flags, BH_FRAME_L4);
  CHECK_EQ(v.ip_proto, 58);
  CHECK_EQ(v.l4_offset, 14 + 40 + 36);
  CHECK_EQ(v.l4_len, 8);
  /* the chain cut short by the frame: unparsed (an RA could hide behind it) */
  CHECK_EQ(bh_frame_parse(f, l3 + 40 + 20, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_V6_UNPARSED);
  ip6(ip, 0, 8 + 16 + 12 + 8); /* payload length 0 = to the frame's end (a jumbogram's is not walked) */
  ip[4] = ip[5] = 0;
  CHECK_EQ(bh_frame_parse(f, l3 + 40 + 44 + 4, &v), 0);
  CHECK_EQ(v.l4_len, 12);
}

TEST(frame_ipv6_fragments_and_long_chains) {
  uint8_t f[256] = {0};
  size_t l3 = eth(f, NULL, 0, 0x86dd);
  uint8_t *ip = f + l3, *x = ip + 40;
  bh_frame v;
  /* fragment header, offset 0: the first fragment, the upper-layer header follows */
  ip6(ip, 44, 8 + 8);
  x[0] = 17, x[3] = 1; /* M flag */
  CHECK_EQ(bh_frame_parse(f, l3 + 56, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_L4);
  CHECK_EQ(v.ip_proto, 17);
  CHECK_EQ(v.l4_offset, 14 + 48);
  /* offset 8: a later fragment */
  x[2] = 0, x[3] = 0x40;
  CHECK_EQ(bh_frame_parse(f, l3 + 56, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_LATER_FRAGMENT);
  CHECK_EQ(v.l4_offset, 0);
  /* nine destination-options headers: more than the walk follows */
  ip6(ip, 60, 9 * 8 + 8);
  for (int i = 0; i < 9; i++) x[8 * i] = i < 8 ? 60 : 17, x[8 * i + 1] = 0;
  CHECK_EQ(bh_frame_parse(f, l3 + 40 + 80, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_V6_UNPARSED);
  /* eight are followed */
  x[7 * 8] = 17;
  CHECK_EQ(bh_frame_parse(f, l3 + 40 + 80, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_L4);
  CHECK_EQ(v.l4_offset, 14 + 40 + 64);
  /* a header whose length runs past the packet */
  ip6(ip, 60, 16);
  x[0] = 17, x[1] = 3; /* 32 bytes */
  CHECK_EQ(bh_frame_parse(f, l3 + 56, &v), 0);
  CHECK_EQ(v.ip_flags, BH_FRAME_V6_UNPARSED);
  /* short or not version 6: not IPv6 */
  CHECK_EQ(bh_frame_parse(f, l3 + 39, &v), 0);
  CHECK_EQ(v.ip_version, 0);
  ip[0] = 0x40;
  CHECK_EQ(bh_frame_parse(f, l3 + 56, &v), 0);
  CHECK_EQ(v.ip_version, 0);
}

TEST(frame_not_ip) {
  uint8_t f[64] = {0};
  size_t l3 = eth(f, NULL, 0, 0x0806);
  bh_frame v;
  CHECK_EQ(bh_frame_parse(f, 60, &v), 0);
  CHECK_EQ(v.eth.ethertype, 0x0806);
  CHECK_EQ(v.eth.l3_offset, l3);
  CHECK_EQ(v.ip_version, 0);
  CHECK_EQ(v.ip_flags, 0);
}

void suite_frame(void) {
  RUN(frame_truncated);
  RUN(frame_ipv4_untagged_padding);
  RUN(frame_ipv4_vlan_options_fragments);
  RUN(frame_qinq_ipv6_and_third_tag);
  RUN(frame_ipv6_extension_headers);
  RUN(frame_ipv6_fragments_and_long_chains);
  RUN(frame_not_ip);
}
