/* bh_mss: MSS clamping of IPv4/IPv6 SYNs (tagged or not, with other options, MSS at an odd
 * offset); checksums verified from scratch; non-SYN, small MSS and malformed options untouched. */
#include <string.h>

#include "../bh_mss.h"
#include "test.h"
#include "test_csum.h"

/* Builds Ethernet [+tags] + IP + TCP(flags, options) + payload; returns the frame length. */
static size_t build(uint8_t *f, int v6, int tags, uint8_t flags, const uint8_t *opts, size_t olen, size_t payload) {
  memset(f, 0, 2000);
  size_t off = 12;
  for (int t = 0; t < tags; t++) {
    f[off] = t == 0 && tags == 2 ? 0x88 : 0x81;
    f[off + 1] = t == 0 && tags == 2 ? 0xa8 : 0x00;
    f[off + 3] = 10;
    off += 4;
  }
  f[off] = v6 ? 0x86 : 0x08;
  f[off + 1] = v6 ? 0xdd : 0x00;
  off += 2;
  uint8_t *ip = f + off;
  size_t ihl = v6 ? 40 : 20, tlen = 20 + olen + payload;
  if (v6) {
    ip[0] = 0x60;
    ip[4] = (uint8_t)(tlen >> 8);
    ip[5] = (uint8_t)tlen;
    ip[6] = 6;
    ip[7] = 64;
    for (int i = 0; i < 32; i++) ip[8 + i] = (uint8_t)(0x20 + i * 3);
  } else {
    ip[0] = 0x45;
    ip[2] = (uint8_t)((ihl + tlen) >> 8);
    ip[3] = (uint8_t)(ihl + tlen);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 11;
    ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 21;
    uint16_t c = fold(sum16(ip, 20, 0));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
  }
  uint8_t *tcp = ip + ihl;
  tcp[0] = 0x9c; tcp[1] = 0x40; tcp[2] = 0x00; tcp[3] = 0x50;
  tcp[4] = 0x12; tcp[5] = 0x34; tcp[6] = 0x56; tcp[7] = 0x78;
  tcp[12] = (uint8_t)(((20 + olen) / 4) << 4);
  tcp[13] = flags;
  tcp[14] = 0xfa; tcp[15] = 0xf0;
  memcpy(tcp + 20, opts, olen);
  for (size_t i = 0; i < payload; i++) tcp[20 + olen + i] = (uint8_t)(i * 13 + 1);
  uint16_t c = tcp_verify(ip, v6, tcp, tlen); /* checksum field is 0 here: this is the checksum */
  tcp[16] = (uint8_t)(c >> 8);
  tcp[17] = (uint8_t)c;
  return off + ihl + tlen;
}

static size_t l3_off(int tags) { return 14 + 4 * (size_t)tags; }

/* after a clamp: IPv4 header checksum still right, TCP checksum right, MSS as expected */
static void check_frame(const uint8_t *f, int v6, int tags, size_t mss_at, uint16_t want) {
  const uint8_t *ip = f + l3_off(tags);
  size_t ihl = v6 ? 40 : 20;
  size_t tlen = v6 ? (size_t)(ip[4] << 8 | ip[5]) : (size_t)(ip[2] << 8 | ip[3]) - 20;
  if (!v6) CHECK_EQ(fold(sum16(ip, 20, 0)), 0);
  CHECK_EQ(tcp_verify(ip, v6, ip + ihl, tlen), 0);
  CHECK_EQ(f[mss_at] << 8 | f[mss_at + 1], want);
}

static const uint8_t OPT_MSS_ONLY[] = {2, 4, 0x05, 0xb4};                                  /* 1460 */
static const uint8_t OPT_LINUX[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7}; /* MSS, SACK-perm, TS, NOP, WS */
static const uint8_t OPT_ODD[] = {1, 2, 4, 0x05, 0xb4, 1, 1, 1};                           /* MSS at odd offset */

TEST(mss_clamps_ipv4_ipv6_tagged) {
  uint8_t f[2000];
  for (int v6 = 0; v6 <= 1; v6++)
    for (int tags = 0; tags <= 2; tags++)
      for (int which = 0; which < 3; which++) {
        const uint8_t *o = which == 0 ? OPT_MSS_ONLY : which == 1 ? OPT_LINUX : OPT_ODD;
        size_t ol = which == 0 ? sizeof OPT_MSS_ONLY : which == 1 ? sizeof OPT_LINUX : sizeof OPT_ODD;
        for (int synack = 0; synack <= 1; synack++) {
          size_t n = build(f, v6, tags, synack ? 0x12 : 0x02, o, ol, synack ? 0 : 7);
          size_t ihl = v6 ? 40 : 20;
          size_t mss_at = l3_off(tags) + ihl + 20 + (which == 2 ? 3 : 2);
          size_t max_frame = 1300;
          uint16_t want = (uint16_t)(max_frame - l3_off(tags) - ihl - 20);
          CHECK_EQ(bh_mss_clamp(f, n, max_frame), BH_MSS_CLAMPED);
          check_frame(f, v6, tags, mss_at, want);
          /* idempotent: a second pass finds it small enough */
          CHECK_EQ(bh_mss_clamp(f, n, max_frame), BH_MSS_UNTOUCHED);
        }
      }
}

TEST(mss_checksum_many_values) {
  /* every limit from 500 to 1460 with the MSS at an odd and an even offset */
  uint8_t f[2000];
  for (int which = 0; which < 3; which += 2)
    for (size_t max_frame = 554; max_frame < 1514; max_frame += 7) {
      const uint8_t *o = which == 0 ? OPT_MSS_ONLY : OPT_ODD;
      size_t ol = which == 0 ? sizeof OPT_MSS_ONLY : sizeof OPT_ODD;
      size_t n = build(f, 0, 0, 0x02, o, ol, 0);
      CHECK_EQ(bh_mss_clamp(f, n, max_frame), BH_MSS_CLAMPED);
      check_frame(f, 0, 0, 14 + 20 + 20 + (which == 2 ? 3 : 2), (uint16_t)(max_frame - 54));
    }
}

TEST(mss_leaves_others_alone) {
  uint8_t f[2000], g[2000];
  size_t n;
  /* not SYN (ACK) */
  n = build(f, 0, 0, 0x10, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  memcpy(g, f, n);
  CHECK_EQ(bh_mss_clamp(f, n, 1300), BH_MSS_UNTOUCHED);
  CHECK(memcmp(f, g, n) == 0);
  /* MSS already small */
  n = build(f, 1, 1, 0x02, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  memcpy(g, f, n);
  CHECK_EQ(bh_mss_clamp(f, n, 9000), BH_MSS_UNTOUCHED);
  CHECK(memcmp(f, g, n) == 0);
  /* no MSS option */
  static const uint8_t nomss[] = {1, 1, 4, 2};
  n = build(f, 0, 0, 0x02, nomss, sizeof nomss, 0);
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_UNTOUCHED);
  /* UDP */
  n = build(f, 0, 0, 0x02, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  f[14 + 9] = 17;
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_UNTOUCHED);
  /* IPv4 non-first fragment */
  n = build(f, 0, 0, 0x02, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  f[14 + 7] = 10;
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_UNTOUCHED);
  /* not IP, short frames, truncated */
  memset(f, 0, 64);
  f[12] = 0x08; f[13] = 0x06;
  CHECK_EQ(bh_mss_clamp(f, 64, 600), BH_MSS_UNTOUCHED);
  CHECK_EQ(bh_mss_clamp(f, 10, 600), BH_MSS_UNTOUCHED);
  n = build(f, 0, 0, 0x02, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  CHECK_EQ(bh_mss_clamp(f, n - 1, 600), BH_MSS_UNTOUCHED); /* IP total beyond the frame */
}

TEST(mss_malformed_options) {
  uint8_t f[2000];
  static const uint8_t zero_len[] = {3, 0, 2, 4, 0x05, 0xb4, 0, 0};
  static const uint8_t overrun[] = {1, 1, 1, 8};
  static const uint8_t bad_mss_len[] = {2, 3, 0x05, 0xb4};
  size_t n = build(f, 0, 0, 0x02, zero_len, sizeof zero_len, 0);
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_MALFORMED);
  n = build(f, 0, 0, 0x02, overrun, sizeof overrun, 0);
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_MALFORMED);
  n = build(f, 0, 0, 0x02, bad_mss_len, sizeof bad_mss_len, 0);
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_MALFORMED);
  /* data offset beyond the segment */
  n = build(f, 0, 0, 0x02, OPT_MSS_ONLY, sizeof OPT_MSS_ONLY, 0);
  f[14 + 20 + 12] = 0xf0;
  CHECK_EQ(bh_mss_clamp(f, n, 600), BH_MSS_MALFORMED);
  /* random garbage never crashes */
  unsigned long long seed = 99;
  for (int i = 0; i < 20000; i++) {
    n = build(f, (int)(i & 1), (int)(i % 3), 0x02, OPT_LINUX, sizeof OPT_LINUX, 0);
    size_t at = bh_t_rand(&seed) % n;
    f[at] = (uint8_t)bh_t_rand(&seed);
    (void)bh_mss_clamp(f, n - bh_t_rand(&seed) % 8, 64 + bh_t_rand(&seed) % 2000);
  }
}

void suite_mss(void) {
  RUN(mss_clamps_ipv4_ipv6_tagged);
  RUN(mss_checksum_many_values);
  RUN(mss_leaves_others_alone);
  RUN(mss_malformed_options);
}
