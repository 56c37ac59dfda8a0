/* bh_arp: parse (kinds, VLAN, hostile input), byte-exact reply / gratuitous / probe frames
 * written out by hand from RFC 826, RFC 5227 and RFC 5944 section 4.6. */
#include <string.h>

#include "../bh_arp.h"
#include "test.h"

static const uint8_t ASKER[6] = {0x02, 0, 0, 0, 0, 0x0a}, HOST[6] = {0x02, 0, 0, 0, 0, 0x14};
static const uint8_t ASKER_IP[4] = {198, 18, 0, 10}, HOST_IP[4] = {198, 18, 0, 20};

/* who-has 198.18.0.20 tell 198.18.0.10, broadcast, untagged */
static const uint8_t REQ[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x06,  /* Ethernet */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                          /* Ethernet/IPv4, request */
    0x02, 0, 0, 0, 0, 0x0a, 198, 18, 0, 10,                                  /* sender */
    0, 0, 0, 0, 0, 0, 198, 18, 0, 20};                                       /* target */

/* the proxy's answer on behalf of HOST: 198.18.0.20 is-at 02:00:00:00:00:14 */
static const uint8_t REPLY[42] = {
    0x02, 0, 0, 0, 0, 0x0a, 0x02, 0, 0, 0, 0, 0x14, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x02, 0, 0, 0, 0, 0x14, 198, 18, 0, 20,
    0x02, 0, 0, 0, 0, 0x0a, 198, 18, 0, 10};

/* insert a VLAN tag (tpid, tci) after the MAC addresses */
static size_t tag(const uint8_t *in, size_t len, uint16_t tpid, uint16_t tci, uint8_t *out) {
  memcpy(out, in, 12);
  out[12] = (uint8_t)(tpid >> 8), out[13] = (uint8_t)tpid, out[14] = (uint8_t)(tci >> 8), out[15] = (uint8_t)tci;
  memcpy(out + 16, in + 12, len - 12);
  return len + 4;
}

TEST(arp_parse_request) {
  bh_arp_info a;
  CHECK_EQ(bh_arp_parse(REQ, sizeof REQ, &a), BH_ARP_OK);
  CHECK_EQ(a.op, BH_ARP_OP_REQUEST);
  CHECK(memcmp(a.sha, ASKER, 6) == 0 && memcmp(a.spa, ASKER_IP, 4) == 0);
  CHECK(memcmp(a.tpa, HOST_IP, 4) == 0);
  CHECK_EQ(a.vlan.tpid, 0);
  CHECK(a.eth_dst == REQ && a.eth_src == REQ + 6);
  CHECK(!a.is_gratuitous && !a.is_probe && !a.is_announcement && !a.eth_src_mismatch);
  CHECK(bh_arp_wants_proxy_answer(&a));
  /* Ethernet padding to 60 bytes (and more) is fine */
  uint8_t padded[1514] = {0};
  memcpy(padded, REQ, sizeof REQ);
  CHECK_EQ(bh_arp_parse(padded, 60, &a), BH_ARP_OK);
  CHECK_EQ(bh_arp_parse(padded, sizeof padded, &a), BH_ARP_OK);
}

TEST(arp_reply_byte_exact) {
  bh_arp_info a;
  uint8_t out[64];
  memset(out, 0xee, sizeof out);
  CHECK_EQ(bh_arp_parse(REQ, sizeof REQ, &a), BH_ARP_OK);
  CHECK_EQ(bh_arp_build_reply(&a, HOST, out, sizeof out), 42);
  CHECK(memcmp(out, REPLY, 42) == 0);
  CHECK_EQ(out[42], 0xee); /* nothing written past the frame */
  CHECK_EQ(bh_arp_build_reply(&a, HOST, out, 41), 0);
  CHECK_EQ(bh_arp_build_reply(&a, HOST, NULL, 64), 0);
  CHECK_EQ(bh_arp_build_reply(NULL, HOST, out, 64), 0);
  /* the reply parses back as a plain reply */
  bh_arp_info r;
  CHECK_EQ(bh_arp_parse(out, 42, &r), BH_ARP_OK);
  CHECK_EQ(r.op, BH_ARP_OP_REPLY);
  CHECK(!bh_arp_wants_proxy_answer(&r));
}

TEST(arp_reply_to_sender_hw_address) {
  /* a request relayed with a different Ethernet source: the reply goes to the ARP sender */
  uint8_t f[42];
  memcpy(f, REQ, sizeof f);
  f[11] = 0x77;
  bh_arp_info a;
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(a.eth_src_mismatch);
  uint8_t out[64];
  CHECK_EQ(bh_arp_build_reply(&a, HOST, out, sizeof out), 42);
  CHECK(memcmp(out, REPLY, 42) == 0);
}

TEST(arp_vlan_tag_preserved) {
  uint8_t f[64], want[64], out[64];
  const uint16_t tpids[2] = {0x8100, 0x88a8};
  for (int i = 0; i < 2; i++) {
    size_t n = tag(REQ, sizeof REQ, tpids[i], 0xa00c, f); /* PCP 5, VID 12 */
    bh_arp_info a;
    CHECK_EQ(bh_arp_parse(f, n, &a), BH_ARP_OK);
    CHECK_EQ(a.vlan.tpid, tpids[i]);
    CHECK_EQ(a.vlan.tci, 0xa00c);
    CHECK(memcmp(a.tpa, HOST_IP, 4) == 0);
    size_t wn = tag(REPLY, sizeof REPLY, tpids[i], 0xa00c, want);
    CHECK_EQ(bh_arp_build_reply(&a, HOST, out, sizeof out), wn);
    CHECK(memcmp(out, want, wn) == 0);
    CHECK_EQ(bh_arp_build_reply(&a, HOST, out, wn - 1), 0);
    for (size_t k = 0; k < n; k++) CHECK(bh_arp_parse(f, k, &a) == BH_ARP_TRUNCATED);
  }
  /* two tags: not handled by the proxy */
  uint8_t q[80];
  size_t n = tag(f, tag(REQ, sizeof REQ, 0x8100, 5, f), 0x88a8, 7, q);
  bh_arp_info a;
  CHECK_EQ(bh_arp_parse(q, n, &a), BH_ARP_TOO_MANY_TAGS);
}

TEST(arp_kinds) {
  uint8_t f[42];
  bh_arp_info a;
  /* RFC 5227 probe: sender IP 0.0.0.0 */
  memcpy(f, REQ, sizeof f);
  memset(f + 28, 0, 4);
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(a.is_probe && !a.is_gratuitous && !a.is_announcement);
  CHECK(!bh_arp_wants_proxy_answer(&a));
  uint8_t out[64];
  CHECK_EQ(bh_arp_build_reply(&a, HOST, out, sizeof out), 0);
  /* announcement / gratuitous request: spa == tpa */
  memcpy(f, REQ, sizeof f);
  memcpy(f + 28, HOST_IP, 4);
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(a.is_gratuitous && a.is_announcement && !a.is_probe);
  CHECK(!bh_arp_wants_proxy_answer(&a));
  /* gratuitous reply */
  f[21] = 2;
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(a.is_gratuitous && !a.is_announcement && !a.is_probe);
  /* a reply with spa 0 is not a probe */
  memset(f + 28, 0, 4);
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(!a.is_probe && !a.is_gratuitous);
  /* spa == tpa == 0 is not gratuitous */
  memcpy(f, REQ, sizeof f);
  memset(f + 28, 0, 4);
  memset(f + 38, 0, 4);
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(a.is_probe && !a.is_gratuitous);
  CHECK(!bh_arp_wants_proxy_answer(&a));
  /* request for 0.0.0.0 is not answerable */
  memcpy(f, REQ, sizeof f);
  memset(f + 38, 0, 4);
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_OK);
  CHECK(!bh_arp_wants_proxy_answer(&a));
}

TEST(arp_garp_and_probe_byte_exact) {
  static const uint8_t garp_req[42] = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x14, 0x08, 0x06,
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
      0x02, 0, 0, 0, 0, 0x14, 198, 18, 0, 20,
      0, 0, 0, 0, 0, 0, 198, 18, 0, 20};
  static const uint8_t garp_rep[42] = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x14, 0x08, 0x06,
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
      0x02, 0, 0, 0, 0, 0x14, 198, 18, 0, 20,
      0x02, 0, 0, 0, 0, 0x14, 198, 18, 0, 20};
  static const uint8_t probe[42] = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x06,
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
      0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 198, 18, 0, 20};
  const bh_vlan untagged = {0, 0}, v = {0x8100, 0x0064};
  uint8_t out[64], want[64];
  bh_arp_info a;
  CHECK_EQ(bh_arp_build_garp(HOST, HOST_IP, untagged, 0, out, sizeof out), 42);
  CHECK(memcmp(out, garp_req, 42) == 0);
  CHECK_EQ(bh_arp_parse(out, 42, &a), BH_ARP_OK);
  CHECK(a.is_gratuitous && a.is_announcement);
  CHECK_EQ(bh_arp_build_garp(HOST, HOST_IP, untagged, 1, out, sizeof out), 42);
  CHECK(memcmp(out, garp_rep, 42) == 0);
  CHECK_EQ(bh_arp_parse(out, 42, &a), BH_ARP_OK);
  CHECK(a.is_gratuitous && !a.is_announcement && a.op == BH_ARP_OP_REPLY);
  CHECK_EQ(bh_arp_build_probe(ASKER, HOST_IP, untagged, out, sizeof out), 42);
  CHECK(memcmp(out, probe, 42) == 0);
  CHECK_EQ(bh_arp_parse(out, 42, &a), BH_ARP_OK);
  CHECK(a.is_probe);
  /* tagged variants */
  size_t n = tag(garp_rep, 42, 0x8100, 0x0064, want);
  CHECK_EQ(bh_arp_build_garp(HOST, HOST_IP, v, 1, out, sizeof out), n);
  CHECK(memcmp(out, want, n) == 0);
  n = tag(probe, 42, 0x8100, 0x0064, want);
  CHECK_EQ(bh_arp_build_probe(ASKER, HOST_IP, v, out, sizeof out), n);
  CHECK(memcmp(out, want, n) == 0);
  CHECK_EQ(bh_arp_build_probe(ASKER, HOST_IP, v, out, n - 1), 0);
  CHECK_EQ(bh_arp_build_garp(HOST, HOST_IP, v, 0, out, 45), 0);
  CHECK_EQ(BH_ARP_FRAME_MAX, 46);
}

TEST(arp_hostile) {
  uint8_t f[42];
  bh_arp_info a;
  for (size_t n = 0; n < sizeof REQ; n++) CHECK_EQ(bh_arp_parse(REQ, n, &a), BH_ARP_TRUNCATED);
  CHECK_EQ(bh_arp_parse(NULL, 42, &a), BH_ARP_TRUNCATED);
  CHECK_EQ(bh_arp_parse(REQ, 42, NULL), BH_ARP_TRUNCATED);
  struct { size_t off; uint8_t val; bh_arp_status want; } cases[] = {
      {15, 6, BH_ARP_BAD_HEADER},    /* htype 6 (IEEE 802) */
      {14, 1, BH_ARP_BAD_HEADER},    /* htype 0x0101 */
      {16, 0x86, BH_ARP_BAD_HEADER}, /* ptype 0x8600 */
      {17, 0xdd, BH_ARP_BAD_HEADER}, /* ptype 0x08dd */
      {18, 8, BH_ARP_BAD_HEADER},    /* hlen 8 */
      {19, 16, BH_ARP_BAD_HEADER},   /* plen 16 */
      {21, 0, BH_ARP_BAD_OP},
      {21, 3, BH_ARP_BAD_OP},        /* RARP request */
      {20, 1, BH_ARP_BAD_OP},        /* op 0x0101 */
      {22, 0x01, BH_ARP_BAD_SENDER}, /* multicast sender MAC */
      {13, 0x00, BH_ARP_NOT_ARP},    /* ethertype 0x0800 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(f, REQ, sizeof f);
    f[cases[i].off] = cases[i].val;
    CHECK_EQ(bh_arp_parse(f, sizeof f, &a), cases[i].want);
  }
  memcpy(f, REQ, sizeof f);
  memset(f + 22, 0, 6); /* zero sender MAC */
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_BAD_SENDER);
  memset(f + 22, 0xff, 6); /* broadcast sender MAC */
  CHECK_EQ(bh_arp_parse(f, sizeof f, &a), BH_ARP_BAD_SENDER);
  CHECK(strcmp(bh_arp_status_name(BH_ARP_BAD_SENDER), "arp_bad_sender") == 0);
  CHECK(strcmp(bh_arp_status_name((bh_arp_status)-99), "arp_unknown") == 0);
}

void suite_arp(void) {
  RUN(arp_parse_request);
  RUN(arp_reply_byte_exact);
  RUN(arp_reply_to_sender_hw_address);
  RUN(arp_vlan_tag_preserved);
  RUN(arp_kinds);
  RUN(arp_garp_and_probe_byte_exact);
  RUN(arp_hostile);
}
