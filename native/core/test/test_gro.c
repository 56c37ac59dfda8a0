/* bh_gro: segments produced by bh_tso from a super-frame merge back into one super-frame whose
 * headers are right (IP length and header checksum, TCP flags, pseudo-header sum, virtio header),
 * whose payload is the original, and whose completed checksum verifies independently; runs stop
 * at another flow, a gap, a bad checksum, PSH, a short segment, or the 64 KiB limit; ineligible
 * frames (SYN, padding, IP options, fragments, non-TCP) do not start a run. */
#include <string.h>

#include "../bh_gro.h"
#include "../bh_tso.h"
#include "test.h"
#include "test_csum.h"

#define SLOT 1600
static uint8_t super[70000], seg[80][SLOT], out[70000];
static uint16_t seg_len[80];

/* Ethernet + IPv4/IPv6 + TCP (doff 8, timestamps) + payload, flags ACK|PSH; returns the length. */
static size_t build(uint8_t *f, int v6, size_t payload) {
  memset(f, 0, 100);
  memset(f, 0x02, 6);
  memset(f + 6, 0x04, 6);
  f[12] = v6 ? 0x86 : 0x08, f[13] = v6 ? 0xdd : 0x00;
  uint8_t *ip = f + 14;
  size_t ihl = v6 ? 40 : 20;
  if (v6) {
    ip[0] = 0x60, ip[6] = 6, ip[7] = 64;
    for (int i = 0; i < 32; i++) ip[8 + i] = (uint8_t)(0x20 + i);
  } else {
    ip[0] = 0x45, ip[4] = 0x11, ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
    ip[12] = 198, ip[13] = 18, ip[15] = 1, ip[16] = 198, ip[17] = 18, ip[19] = 2;
  }
  uint8_t *tcp = ip + ihl;
  tcp[0] = 0x9c, tcp[1] = 0x40, tcp[3] = 0x50, tcp[4] = 0x10, tcp[11] = 9, tcp[12] = 8 << 4, tcp[13] = 0x18;
  tcp[14] = 0x01, tcp[20] = 1, tcp[21] = 1, tcp[22] = 8, tcp[23] = 10, tcp[24] = 0x77;
  for (size_t i = 0; i < payload; i++) tcp[32 + i] = (uint8_t)(i * 11 + (i >> 9));
  return 14 + ihl + 32 + payload;
}

/* Segments `payload` bytes at mss with bh_tso; returns the count. */
static unsigned segment(int v6, size_t payload, uint16_t mss, size_t *len_out) {
  size_t len = build(super, v6, payload);
  *len_out = len;
  size_t l4 = 14 + (v6 ? 40 : 20);
  bh_vnet_hdr h = {.gso_type = v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4, .gso_size = mss, .flags = 0,
                   .csum_start = (uint16_t)l4, .csum_offset = 16};
  bh_tso_plan plan;
  if (bh_tso_prepare(&h, super, len, SLOT, 0, &plan) != BH_TSO_OK || plan.segments > 80) return 0;
  return bh_tso_emit(&h, super, len, &plan, 0, 80, &seg[0][0], SLOT, seg_len);
}

/* Runs segments [0, n) through one GRO run; returns the number merged; out = the super-frame. */
static unsigned merge(unsigned n, size_t *out_len, bh_vnet_hdr *vh) {
  bh_gro_run r;
  if (!bh_gro_begin(&r, seg[0], seg_len[0])) return 0;
  size_t o = seg_len[0];
  unsigned k = 1;
  for (; k < n; k++) {
    size_t off = 0;
    if (!bh_gro_append(&r, seg[k], seg_len[k], &off)) break;
    memcpy(out + o, seg[k] + off, seg_len[k] - off);
    o += seg_len[k] - off;
  }
  size_t total = bh_gro_end(&r, vh);
  memcpy(out, seg[0], seg_len[0]); /* the head after its rewrite */
  CHECK_EQ(total, o);
  *out_len = total;
  return k;
}

static void round_trip(int v6, size_t payload, uint16_t mss) {
  size_t len = 0, got = 0;
  unsigned n = segment(v6, payload, mss, &len);
  CHECK(n >= 2);
  bh_vnet_hdr vh;
  unsigned k = merge(n, &got, &vh);
  CHECK_EQ(k, n);
  CHECK_EQ(got, len);
  size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20);
  CHECK_EQ(vh.flags, BH_VNET_F_NEEDS_CSUM);
  CHECK_EQ(vh.gso_type, v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4);
  CHECK_EQ(vh.gso_size, mss);
  CHECK_EQ(vh.csum_start, l4);
  CHECK_EQ(vh.csum_offset, 16);
  CHECK_EQ(vh.hdr_len, l4 + 32);
  CHECK(memcmp(out + l4 + 32, super + l4 + 32, payload) == 0);
  CHECK_EQ(out[l4 + 13], 0x18); /* PSH of the last segment restored */
  if (v6) {
    CHECK_EQ(rd16(out + l3 + 4), 32 + payload);
  } else {
    CHECK_EQ(rd16(out + l3 + 2), 20 + 32 + payload);
    CHECK_EQ(fold(sum16(out + l3, 20, 0)), 0);
  }
  /* the field holds the pseudo-header sum: completing it gives a valid checksum */
  uint32_t ps = v6 ? sum16(out + l3 + 8, 32, 0) : sum16(out + l3 + 12, 8, 0);
  ps += 6 + (uint32_t)(32 + payload);
  uint16_t want = (uint16_t)~fold(ps);
  CHECK_EQ(rd16(out + l4 + 16), want);
  bh_tso_csum_complete(&vh, out, got);
  CHECK_EQ(fold(sum16(out + l4, 32 + payload, ps)), 0);
}

TEST(gro_round_trip_ipv4_ipv6) {
  round_trip(0, 20000, 1448);
  round_trip(1, 20000, 1448);
  round_trip(0, 1448 * 3, 1448); /* exact multiple: the last segment is full */
  round_trip(1, 3001, 1000);
}

TEST(gro_stops_where_it_must) {
  size_t len, got;
  bh_vnet_hdr vh;
  unsigned n = segment(0, 14480, 1448, &len); /* 10 segments */
  CHECK_EQ(n, 10);
  /* a gap: segment 4 missing */
  memcpy(seg[4], seg[5], SLOT), seg_len[4] = seg_len[5];
  CHECK_EQ(merge(n, &got, &vh), 4);
  n = segment(0, 14480, 1448, &len);
  seg[3][14 + 20 + 40] ^= 1; /* corrupt payload: bad checksum */
  CHECK_EQ(merge(n, &got, &vh), 3);
  n = segment(0, 14480, 1448, &len);
  seg[2][14 + 20 + 13] |= 0x08; /* PSH in the middle: appended, closes the run */
  { /* recompute its checksum so only the flag matters */
    uint8_t *t = seg[2] + 34;
    t[16] = t[17] = 0;
    uint16_t c = fold(sum16(t, seg_len[2] - 34, sum16(seg[2] + 26, 8, 0) + 6 + (uint32_t)(seg_len[2] - 34)));
    t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
  }
  CHECK_EQ(merge(n, &got, &vh), 3);
  n = segment(0, 14480, 1448, &len);
  seg[5][30] ^= 0xff; /* another destination address (IP checksum irrelevant, TCP checksum now bad too) */
  CHECK_EQ(merge(n, &got, &vh), 5);
  /* at most BH_GRO_MAX_SEGMENTS per run: 70 segments of 500 bytes */
  n = segment(0, 500 * 70, 500, &len);
  CHECK_EQ(n, 70);
  CHECK_EQ(merge(n, &got, &vh), BH_GRO_MAX_SEGMENTS);
  /* the largest run stays below 64 KiB: 45 x 1448 + 52 header bytes = 65212 */
  n = segment(1, 1448 * 45, 1448, &len);
  CHECK_EQ(merge(n, &got, &vh), 45);
}

TEST(gro_ineligible_frames) {
  size_t len;
  bh_gro_run r;
  unsigned n = segment(0, 5000, 1448, &len);
  CHECK(n == 4);
  bh_vnet_hdr vh;
  CHECK_EQ(bh_gro_begin(&r, seg[3], seg_len[3]), 0); /* the last segment has PSH */
  CHECK_EQ(bh_gro_end(&r, &vh), 0);
  uint8_t f[SLOT];
  memcpy(f, seg[0], seg_len[0]);
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0] + 1), 0); /* padding / length mismatch */
  f[14 + 9] = 17;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0]), 0); /* not TCP */
  memcpy(f + 4, seg[0], 12); /* an 802.1Q tag in front of the same packet */
  f[16] = 0x81, f[17] = 0, f[18] = 0, f[19] = 5;
  memcpy(f + 20, seg[0] + 12, seg_len[0] - 12);
  CHECK_EQ(bh_gro_begin(&r, f + 4, seg_len[0] + 4), 0); /* tagged: never merged */
  memcpy(f, seg[0], seg_len[0]);
  f[14 + 6] |= 0x20;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0]), 0); /* IP fragment */
  memcpy(f, seg[0], seg_len[0]);
  f[14] = 0x46;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0]), 0); /* IP options */
  for (size_t cut = 0; cut < 60; cut++) CHECK_EQ(bh_gro_begin(&r, seg[0], cut), 0);
  CHECK_EQ(bh_gro_begin(&r, seg[0], seg_len[0]), 1);
  size_t off = 0;
  CHECK_EQ(bh_gro_append(&r, seg[0], seg_len[0], &off), 0); /* a duplicate: wrong sequence */
  CHECK_EQ(bh_gro_end(&r, &vh), seg_len[0]);
  CHECK_EQ(vh.gso_type, 0); /* a run of one: written as it is */
}

void suite_gro(void) {
  RUN(gro_round_trip_ipv4_ipv6);
  RUN(gro_stops_where_it_must);
  RUN(gro_ineligible_frames);
}
