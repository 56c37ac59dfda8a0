/* bh_l2filter: the 802.1 link-local block (every address), each isolation preset on and off, only
 * its own flag drops, untagged / 802.1Q / QinQ, IPv4 options and fragments, IPv6 extension-header
 * chains (RA guard evasion, RFC 7113), truncation everywhere. */
#include <string.h>

#include "../bh_l2filter.h"
#include "test.h"

static const uint8_t SRC[6] = {0x02, 0, 0, 0, 0, 1};

/* Ethernet header with `tags` VLAN tags (0..2); returns the L3 offset. */
static size_t eth(uint8_t *f, const uint8_t *dst, uint16_t type, int tags) {
  static const uint8_t uc[6] = {0x02, 0, 0, 0, 0, 2};
  memcpy(f, dst ? dst : uc, 6);
  memcpy(f + 6, SRC, 6);
  size_t off = 12;
  for (int i = 0; i < tags; i++) {
    uint16_t tpid = (tags == 2 && i == 0) ? 0x88a8 : 0x8100;
    f[off] = (uint8_t)(tpid >> 8), f[off + 1] = (uint8_t)tpid, f[off + 2] = 0, f[off + 3] = (uint8_t)(10 + i);
    off += 4;
  }
  f[off] = (uint8_t)(type >> 8), f[off + 1] = (uint8_t)type;
  return off + 2;
}

/* IPv4 + UDP (or another protocol with 8 zero bytes); returns the frame length. */
static size_t v4(uint8_t *f, int tags, uint8_t proto, const uint8_t dst[4], uint16_t sport, uint16_t dport) {
  size_t l3 = eth(f, NULL, 0x0800, tags);
  uint8_t *ip = f + l3;
  memset(ip, 0, 28);
  ip[0] = 0x45, ip[3] = 28, ip[8] = 1, ip[9] = proto;
  ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = 1;
  memcpy(ip + 16, dst, 4);
  ip[20] = (uint8_t)(sport >> 8), ip[21] = (uint8_t)sport, ip[22] = (uint8_t)(dport >> 8), ip[23] = (uint8_t)dport;
  ip[25] = 8;
  return l3 + 28;
}

/* IPv6 with an optional chain of extension headers (types in ext[], 8 bytes each, fragment
 * headers with offset 0), then `nh` with 8 bytes of upper-layer data. */
static size_t v6(uint8_t *f, int tags, const uint8_t *ext, int next, uint8_t nh, const uint8_t dst[16],
                 const uint8_t l4[8]) {
  size_t l3 = eth(f, NULL, 0x86dd, tags);
  uint8_t *ip = f + l3;
  memset(ip, 0, 40);
  ip[0] = 0x60, ip[7] = 255;
  ip[8] = 0x20, ip[9] = 0x01, ip[11] = 2, ip[23] = 1;
  memcpy(ip + 24, dst, 16);
  size_t off = 40;
  uint8_t *prev_nh = ip + 6;
  for (int i = 0; i < next; i++) {
    *prev_nh = ext[i];
    memset(ip + off, 0, 8);
    prev_nh = ip + off;
    off += 8;
  }
  *prev_nh = nh;
  memcpy(ip + off, l4, 8);
  off += 8;
  ip[4] = (uint8_t)((off - 40) >> 8), ip[5] = (uint8_t)(off - 40);
  return l3 + off;
}

static bh_l2f_reason check(uint32_t iso, const uint8_t *f, size_t len) {
  bh_l2filter_config c = {iso};
  bh_l2f_reason r = (bh_l2f_reason)99;
  bh_l2f_verdict v = bh_l2filter_check(&c, f, len, &r);
  CHECK_EQ(v, r == BH_L2F_OK ? BH_L2F_PASS : BH_L2F_DROP);
  return r;
}

static const uint8_t ALLNODES6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t HSRP6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66};
static const uint8_t DHCP6_ALL[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
static const uint8_t BCAST4[4] = {255, 255, 255, 255}, HSRP1[4] = {224, 0, 0, 2}, HSRP2[4] = {224, 0, 0, 102};
static const uint8_t VRRP_GRP[4] = {224, 0, 0, 18}, OSPF[4] = {224, 0, 0, 5};
static const uint8_t RA[8] = {134, 0, 0, 0, 64, 0, 0, 0}, RS[8] = {133}, NS[8] = {135};
static const uint8_t UDP_547_546[8] = {0x02, 0x23, 0x02, 0x22, 0, 8, 0, 0}, UDP_546_547[8] = {0x02, 0x22, 0x02, 0x23, 0, 8};
static const uint8_t UDP_2029[8] = {0x07, 0xed, 0x07, 0xed, 0, 8, 0, 0}, ZERO8[8] = {0};

TEST(l2f_link_local_block) {
  uint8_t f[64] = {0};
  const bh_l2f_reason want[16] = {BH_L2F_STP, BH_L2F_PAUSE, BH_L2F_SLOW_PROTOCOLS, BH_L2F_PAE,
                                  BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL,
                                  BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL,
                                  BH_L2F_LINK_LOCAL, BH_L2F_LINK_LOCAL, BH_L2F_LLDP, BH_L2F_LINK_LOCAL};
  for (int tags = 0; tags <= 2; tags++) {
    for (int i = 0; i < 16; i++) {
      uint8_t dst[6] = {0x01, 0x80, 0xc2, 0, 0, (uint8_t)i};
      eth(f, dst, i == 0 ? 0x0026 : 0x88cc, tags); /* 802.3 length field or LLDP */
      CHECK_EQ(check(0, f, 60), want[i]);
      CHECK_EQ(check(0xf, f, 60), want[i]);
    }
  }
  const uint8_t pass[][6] = {{0x01, 0x80, 0xc2, 0, 0, 0x10}, {0x01, 0x80, 0xc2, 0, 0, 0x20},
                             {0x01, 0x80, 0xc2, 0, 1, 0x00}, {0x01, 0x80, 0xc3, 0, 0, 0x00},
                             {0x03, 0x80, 0xc2, 0, 0, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
    eth(f, pass[i], 0x0800, 0);
    CHECK_EQ(check(0, f, 60), BH_L2F_OK);
  }
  /* too short for an Ethernet header: passes (the data plane drops it by length) */
  uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};
  eth(f, stp, 0x0026, 0);
  CHECK_EQ(check(0, f, 13), BH_L2F_OK);
  CHECK_EQ(check(0, f, 14), BH_L2F_STP);
  CHECK_EQ(bh_l2filter_check(NULL, f, 60, NULL), BH_L2F_DROP); /* no config, no reason pointer */
  CHECK_EQ(bh_l2filter_check(NULL, NULL, 60, NULL), BH_L2F_PASS);
}

TEST(l2f_presets_each_only_its_own_flag) {
  uint8_t f[128];
  const uint32_t flags[4] = {BH_L2F_ISOLATE_DHCP, BH_L2F_ISOLATE_VRRP, BH_L2F_ISOLATE_HSRP, BH_L2F_ISOLATE_RA};
  for (int tags = 0; tags <= 2; tags++) {
    struct { size_t len; uint32_t flag; bh_l2f_reason reason; } fr[16];
    uint8_t frames[16][128];
    int n = 0;
#define ADD(expr, fl, rs) (fr[n].len = (expr), fr[n].flag = (fl), fr[n].reason = (rs), memcpy(frames[n], f, sizeof f), n++)
    ADD(v4(f, tags, 17, BCAST4, 67, 68), BH_L2F_ISOLATE_DHCP, BH_L2F_DHCP4_SERVER);
    ADD(v4(f, tags, 17, BCAST4, 68, 67), 0, BH_L2F_OK);   /* client -> server */
    ADD(v4(f, tags, 17, BCAST4, 67, 67), 0, BH_L2F_OK);   /* relay -> server */
    ADD(v6(f, tags, NULL, 0, 17, DHCP6_ALL, UDP_547_546), BH_L2F_ISOLATE_DHCP, BH_L2F_DHCP6_SERVER);
    ADD(v6(f, tags, NULL, 0, 17, DHCP6_ALL, UDP_546_547), 0, BH_L2F_OK);
    ADD(v4(f, tags, 112, VRRP_GRP, 0, 0), BH_L2F_ISOLATE_VRRP, BH_L2F_VRRP4);
    ADD(v6(f, tags, NULL, 0, 112, ALLNODES6, ZERO8), BH_L2F_ISOLATE_VRRP, BH_L2F_VRRP6);
    ADD(v4(f, tags, 17, HSRP1, 1985, 1985), BH_L2F_ISOLATE_HSRP, BH_L2F_HSRP4);
    ADD(v4(f, tags, 17, HSRP2, 1985, 1985), BH_L2F_ISOLATE_HSRP, BH_L2F_HSRP4);
    ADD(v4(f, tags, 17, OSPF, 1985, 1985), 0, BH_L2F_OK);  /* port 1985 to another group */
    ADD(v6(f, tags, NULL, 0, 17, HSRP6, UDP_2029), BH_L2F_ISOLATE_HSRP, BH_L2F_HSRP6);
    ADD(v6(f, tags, NULL, 0, 17, ALLNODES6, UDP_2029), 0, BH_L2F_OK);
    ADD(v6(f, tags, NULL, 0, 58, ALLNODES6, RA), BH_L2F_ISOLATE_RA, BH_L2F_RA);
    ADD(v6(f, tags, NULL, 0, 58, ALLNODES6, RS), 0, BH_L2F_OK);
    ADD(v6(f, tags, NULL, 0, 58, ALLNODES6, NS), 0, BH_L2F_OK);
    ADD(v4(f, tags, 6, BCAST4, 67, 68), 0, BH_L2F_OK);     /* TCP with DHCP-like ports */
#undef ADD
    for (int i = 0; i < n; i++) {
      CHECK_EQ(check(0, frames[i], fr[i].len), BH_L2F_OK); /* presets off by default */
      for (int k = 0; k < 4; k++) {
        bh_l2f_reason want = fr[i].flag == flags[k] ? fr[i].reason : BH_L2F_OK;
        CHECK_EQ(check(flags[k], frames[i], fr[i].len), want);
      }
      CHECK_EQ(check(0xf, frames[i], fr[i].len), fr[i].reason);
    }
  }
}

TEST(l2f_ipv4_options_fragments_truncation) {
  uint8_t f[128];
  size_t len = v4(f, 1, 17, BCAST4, 67, 68);
  size_t l3 = 18;
  /* first fragment with More Fragments: still dropped; a later fragment has no UDP header */
  f[l3 + 6] = 0x20;
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, f, len), BH_L2F_DHCP4_SERVER);
  f[l3 + 6] = 0x00, f[l3 + 7] = 0x10;
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, f, len), BH_L2F_OK);
  f[l3 + 7] = 0;
  /* IHL 6 (4 bytes of options): the UDP header moves */
  uint8_t g[128];
  memcpy(g, f, l3);
  memcpy(g + l3, f + l3, 20);
  g[l3] = 0x46, g[l3 + 3] = 32;
  memset(g + l3 + 20, 1, 4);
  memcpy(g + l3 + 24, f + l3 + 20, 8);
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, g, len + 4), BH_L2F_DHCP4_SERVER);
  /* every truncation passes (cannot be a complete DHCP reply) and never crashes */
  for (size_t k = 0; k < len; k++) CHECK_EQ(check(0xf, f, k), BH_L2F_OK);
  /* total length shorter than the UDP header: the padding is not read as ports */
  f[l3 + 3] = 20;
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, f, 60), BH_L2F_OK);
  f[l3 + 3] = 28;
  f[l3] = 0x44; /* IHL below 5 */
  CHECK_EQ(check(0xf, f, len), BH_L2F_OK);
  f[l3] = 0x65; /* version 6 in an IPv4 ethertype */
  CHECK_EQ(check(0xf, f, len), BH_L2F_OK);
}

TEST(l2f_ipv6_extension_headers) {
  uint8_t f[256];
  const uint8_t hbh_dst[2] = {0, 60}, frag[1] = {44}, rt[1] = {43}, ah[1] = {51};
  size_t len = v6(f, 0, hbh_dst, 2, 58, ALLNODES6, RA);
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_RA);
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, f, len), BH_L2F_OK);
  len = v6(f, 2, frag, 1, 58, ALLNODES6, RA);
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_RA);
  f[22 + 40 + 2] = 0x01; /* fragment offset 32 bytes: a non-first fragment */
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_OK);
  f[22 + 40 + 2] = 0x00, f[22 + 40 + 3] = 0x01; /* M flag only: first fragment */
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_RA);
  len = v6(f, 0, rt, 1, 17, DHCP6_ALL, UDP_547_546);
  CHECK_EQ(check(BH_L2F_ISOLATE_DHCP, f, len), BH_L2F_DHCP6_SERVER);
  /* AH: length in 4-byte units minus 2 (8 bytes = 0) */
  len = v6(f, 0, ah, 1, 112, ALLNODES6, ZERO8);
  CHECK_EQ(check(BH_L2F_ISOLATE_VRRP, f, len), BH_L2F_VRRP6);
  /* a destination-options header of 16 bytes: hdr ext len 1 */
  {
    uint8_t g[256];
    size_t l = v6(g, 0, hbh_dst + 1, 1, 58, ALLNODES6, RA); /* 40 + 8 (dst opts) + 8 (RA) */
    memmove(g + 14 + 56, g + 14 + 48, 8);                   /* make room: RA after 16 bytes */
    memset(g + 14 + 48, 1, 8);
    g[14 + 41] = 1;
    g[14 + 5] = 24;
    CHECK_EQ(check(BH_L2F_ISOLATE_RA, g, l + 8), BH_L2F_RA);
    CHECK_EQ(check(BH_L2F_ISOLATE_RA, g, l), BH_L2F_V6_UNPARSED); /* the RA is cut off */
    g[14 + 41] = 3; /* a 32-byte header in a 24-byte payload */
    CHECK_EQ(check(BH_L2F_ISOLATE_RA, g, l + 8), BH_L2F_V6_UNPARSED);
  }
  /* 8 extension headers are followed, 9 are refused */
  uint8_t many[9] = {0, 60, 60, 60, 60, 60, 60, 60, 60};
  len = v6(f, 0, many, 8, 58, ALLNODES6, RA);
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_RA);
  len = v6(f, 0, many, 9, 58, ALLNODES6, RS);
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_V6_UNPARSED);
  CHECK_EQ(check(0, f, len), BH_L2F_OK); /* presets off: not inspected */
  /* truncation anywhere in the chain */
  len = v6(f, 1, hbh_dst, 2, 58, ALLNODES6, RA);
  for (size_t k = 0; k < len; k++) {
    bh_l2f_reason r = check(BH_L2F_ISOLATE_RA, f, k);
    if (k < 18 + 40) CHECK_EQ(r, BH_L2F_OK);                    /* not even an IPv6 header */
    else if (k <= 18 + 56) CHECK_EQ(r, BH_L2F_V6_UNPARSED);     /* chain or RA type cut off */
    else CHECK_EQ(r, BH_L2F_RA);                                /* the type byte is there */
  }
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, f, len), BH_L2F_RA);
  /* Ethernet padding after the payload is not parsed as headers: a hop-by-hop header announcing
   * ICMPv6 ends the payload; the padding that follows happens to read 134 */
  uint8_t p[256];
  const uint8_t hbh_to_icmp[8] = {58};
  len = v6(p, 0, NULL, 0, 0, ALLNODES6, hbh_to_icmp);
  memset(p + len, 134, 120 - len);
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, p, 120), BH_L2F_V6_UNPARSED);
  p[14 + 40] = 59; /* "no next header": nothing to inspect */
  CHECK_EQ(check(BH_L2F_ISOLATE_RA, p, 120), BH_L2F_OK);
  CHECK(strcmp(bh_l2filter_reason_name(BH_L2F_RA), "iso_ra") == 0);
  CHECK(strcmp(bh_l2filter_reason_name(BH_L2F_STP), "l2_stp") == 0);
  CHECK(strcmp(bh_l2filter_reason_name(BH_L2F_V6_UNPARSED), "iso_v6_unparsed") == 0);
  CHECK(strcmp(bh_l2filter_reason_name(BH_L2F_REASONS), "unknown") == 0);
}

void suite_l2filter(void) {
  RUN(l2f_link_local_block);
  RUN(l2f_presets_each_only_its_own_flag);
  RUN(l2f_ipv4_options_fragments_truncation);
  RUN(l2f_ipv6_extension_headers);
}
