/* bh_tso: TCP segmentation of IPv4/IPv6 super-frames (with and without an 802.1Q tag): exact
 * headers per segment (IP length, ID, checksum; TCP seq, flags), checksums recomputed here from
 * scratch with a plain byte-wise sum, payload reassembles to the original; partial output
 * (caller short of slots); NEEDS_CSUM completion of a non-GSO UDP frame; malformed input
 * rejected with the right error and nothing written past the slots. */
#include <stdlib.h>
#include <string.h>

#include "../bh_tso.h"
#include "test.h"
#include "test_csum.h"

#define SEQ0 0xfffff000u /* wraps during the test */

/* Ethernet [+tag] + IP + TCP(doff 8: 12 bytes of options) + payload, with the TCP checksum field
 * holding the pseudo-header sum as the kernel leaves it (NEEDS_CSUM). Returns the frame length. */
static size_t build_gso(uint8_t *f, int v6, int tag, size_t payload, uint8_t flags) {
  memset(f, 0, 128);
  memset(f, 0x02, 6);
  memset(f + 6, 0x04, 6);
  size_t off = 12;
  if (tag == 2) { /* 802.1ad outer tag */
    f[12] = 0x88, f[13] = 0xa8, f[14] = 0x00, f[15] = 7;
    off = 16;
  }
  if (tag) {
    f[off] = 0x81, f[off + 1] = 0, f[off + 2] = 0x00, f[off + 3] = 42;
    off += 4;
  }
  f[off] = v6 ? 0x86 : 0x08, f[off + 1] = v6 ? 0xdd : 0x00;
  uint8_t *ip = f + off + 2;
  size_t ihl = v6 ? 40 : 20, tcp_len = 32 + payload;
  if (v6) {
    ip[0] = 0x60, ip[6] = 6, ip[7] = 64;
    for (int i = 0; i < 32; i++) ip[8 + i] = (uint8_t)(0x20 + i * 3);
  } else {
    ip[0] = 0x45, ip[4] = 0xab, ip[5] = 0xcd, ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
    ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = 11;
    ip[16] = 198, ip[17] = 18, ip[18] = 0, ip[19] = 21;
    /* total length and header checksum deliberately left 0: GSO frames may carry anything */
  }
  uint8_t *tcp = ip + ihl;
  tcp[0] = 0x9c, tcp[1] = 0x40, tcp[2] = 0x00, tcp[3] = 0x50;
  tcp[4] = (uint8_t)(SEQ0 >> 24), tcp[5] = (uint8_t)(SEQ0 >> 16), tcp[6] = (uint8_t)(SEQ0 >> 8), tcp[7] = (uint8_t)SEQ0;
  tcp[11] = 7; /* ack */
  tcp[12] = 8 << 4;
  tcp[13] = flags;
  tcp[14] = 0xfa, tcp[15] = 0xf0;
  tcp[20] = 1, tcp[21] = 1, tcp[22] = 8, tcp[23] = 10; /* NOP NOP timestamps */
  for (int i = 0; i < 8; i++) tcp[24 + i] = (uint8_t)(i + 1);
  for (size_t i = 0; i < payload; i++) tcp[32 + i] = (uint8_t)(i * 7 + i / 251);
  return (size_t)(tcp - f) + tcp_len;
}

#define SLOT 1600
static uint8_t in[70000], slots[64][SLOT];

static void check_segments(int v6, int tag, size_t payload, uint16_t mss, uint8_t flags) {
  size_t len = build_gso(in, v6, tag, payload, flags);
  size_t l3 = 14 + 4 * (size_t)tag, l4 = l3 + (v6 ? 40 : 20), hdrs = l4 + 32;
  bh_vnet_hdr h = {.flags = BH_VNET_F_NEEDS_CSUM, .gso_type = v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4,
                   .hdr_len = (uint16_t)hdrs, .gso_size = mss, .csum_start = (uint16_t)l4, .csum_offset = 16};
  bh_tso_plan plan;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_OK);
  unsigned want = (unsigned)((payload + mss - 1) / mss);
  CHECK_EQ(plan.segments, want);
  if (plan.segments != want || want > 64) return;
  uint16_t lens[64];
  memset(slots, 0xee, sizeof slots);
  /* in two calls, as a driver short of slots would */
  unsigned a = bh_tso_emit(&h, in, len, &plan, 0, 3, &slots[0][0], SLOT, lens);
  unsigned b = bh_tso_emit(&h, in, len, &plan, a, 64, &slots[a][0], SLOT, lens + a);
  CHECK_EQ(a, want < 3 ? want : 3);
  CHECK_EQ(a + b, want);
  for (unsigned k = 0; k < want; k++) {
    const uint8_t *s = slots[k], *ip = s + l3, *tcp = s + l4;
    size_t piece = k + 1 < want ? mss : payload - (size_t)k * mss;
    CHECK_EQ(lens[k], hdrs + piece);
    CHECK(memcmp(s, in, l3) == 0); /* Ethernet header and tag unchanged */
    if (v6) {
      CHECK_EQ(rd16(ip + 4), 32 + piece);
      CHECK(memcmp(ip + 6, in + l3 + 6, 34) == 0);
    } else {
      CHECK_EQ(rd16(ip + 2), 20 + 32 + piece);
      CHECK_EQ(rd16(ip + 4), (0xabcd + k) & 0xffff);
      CHECK_EQ(fold(sum16(ip, 20, 0)), 0); /* header checksum valid */
      CHECK_EQ(ip[6], 0x40);
    }
    CHECK_EQ(rd32(tcp + 4), (uint32_t)(SEQ0 + k * mss));
    CHECK_EQ(rd32(tcp + 8), 7);
    uint8_t want_flags = flags;
    if (k + 1 < want) want_flags &= (uint8_t)~0x09;
    if (k > 0) want_flags &= (uint8_t)~0x80;
    CHECK_EQ(tcp[13], want_flags);
    CHECK(memcmp(tcp + 20, in + l4 + 20, 12) == 0); /* options copied */
    CHECK_EQ(tcp_verify(ip, v6, tcp, 32 + piece), 0);
    CHECK(memcmp(s + hdrs, in + hdrs + (size_t)k * mss, piece) == 0);
    CHECK_EQ(s[lens[k]], 0xee); /* nothing written past the frame */
  }
}

TEST(tso_segments_ipv4_ipv6_tagged) {
  for (int v6 = 0; v6 < 2; v6++)
    for (int tag = 0; tag < 3; tag++) {
      check_segments(v6, tag, 64000, 1448, 0x18 | 0x01 | 0x80); /* ACK PSH FIN CWR */
      check_segments(v6, tag, 1448 * 3, 1448, 0x10);            /* exact multiple */
      check_segments(v6, tag, 1001, 1448, 0x18);                /* one short segment */
      check_segments(v6, tag, 5000, 536, 0x10 | 0x40);          /* ECE kept everywhere */
      check_segments(v6, tag, 777, 1, 0x18);                    /* gso_size 1: 777 > 64 -> only counted */
    }
}

TEST(tso_odd_payload_checksums) {
  for (size_t p = 1; p < 40; p++) check_segments(p & 1, 0, p * 37 + 3, (uint16_t)(100 + p), 0x18);
}

/* Known answer: a 2-segment IPv4 super-frame; the second segment's headers byte for byte. */
TEST(tso_known_answer_ipv4) {
  size_t len = build_gso(in, 0, 0, 20, 0x19);
  bh_vnet_hdr h = {.flags = 1, .gso_type = BH_VNET_GSO_TCPV4, .gso_size = 12, .csum_start = 34, .csum_offset = 16};
  bh_tso_plan plan;
  uint16_t lens[2];
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_OK);
  CHECK_EQ(bh_tso_emit(&h, in, len, &plan, 0, 2, &slots[0][0], SLOT, lens), 2);
  CHECK_EQ(lens[0], 14 + 20 + 32 + 12);
  CHECK_EQ(lens[1], 14 + 20 + 32 + 8);
  static const uint8_t want_ip[20] = {0x45, 0, 0, 60, 0xab, 0xce, 0x40, 0, 64, 6, 0, 0,
                                      198, 18, 0, 11, 198, 18, 0, 21};
  uint8_t ip[20];
  memcpy(ip, slots[1] + 14, 20);
  uint16_t hc = rd16(ip + 10);
  ip[10] = ip[11] = 0;
  CHECK(memcmp(ip, want_ip, 20) == 0);
  /* independent header checksum of want_ip: sum words by hand */
  uint32_t s = 0x4500 + 60 + 0xabce + 0x4000 + 0x4006 + 0xc612 + 0x000b + 0xc612 + 0x0015;
  CHECK_EQ(hc, fold(s));
  const uint8_t *tcp = slots[1] + 34;
  CHECK_EQ(rd32(tcp + 4), SEQ0 + 12);
  CHECK_EQ(tcp[13], 0x19); /* last segment keeps FIN|PSH */
  CHECK_EQ(slots[0][34 + 13], 0x10);
}

/* Non-GSO UDP frame with a partial checksum (pseudo-header sum in the field) gets it completed. */
TEST(tso_completes_partial_checksum) {
  uint8_t f[200];
  memset(f, 0, sizeof f);
  f[12] = 0x08;
  uint8_t *ip = f + 14, *udp = ip + 20;
  size_t ulen = 8 + 101;
  ip[0] = 0x45, ip[3] = (uint8_t)(20 + ulen), ip[8] = 64, ip[9] = 17;
  ip[12] = 198, ip[13] = 18, ip[15] = 1, ip[16] = 198, ip[17] = 19, ip[19] = 2;
  udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x00, udp[3] = 0x35, udp[5] = (uint8_t)ulen;
  for (size_t i = 0; i < 101; i++) udp[8 + i] = (uint8_t)(i * 31);
  uint32_t ps = sum16(ip + 12, 8, 0) + 17 + (uint32_t)ulen;
  while (ps >> 16) ps = (ps & 0xffff) + (ps >> 16);
  udp[6] = (uint8_t)(ps >> 8), udp[7] = (uint8_t)ps; /* not inverted: as the kernel leaves it */
  size_t len = 14 + 20 + ulen;
  bh_vnet_hdr h = {.flags = BH_VNET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
  bh_tso_plan plan;
  uint16_t l = 0;
  CHECK_EQ(bh_tso_prepare(&h, f, len, SLOT, 0, &plan), BH_TSO_OK);
  CHECK_EQ(plan.segments, 1);
  CHECK_EQ(bh_tso_emit(&h, f, len, &plan, 0, 4, &slots[0][0], SLOT, &l), 1);
  CHECK_EQ(l, len);
  const uint8_t *o = slots[0] + 34;
  uint32_t v = sum16(slots[0] + 14 + 12, 8, 0) + 17 + (uint32_t)ulen;
  CHECK_EQ(fold(sum16(o, ulen, v)), 0);
  CHECK(rd16(o + 6) != 0);
  /* without NEEDS_CSUM: a plain copy */
  h.flags = 0;
  CHECK_EQ(bh_tso_prepare(&h, f, len, SLOT, 0, &plan), BH_TSO_OK);
  CHECK_EQ(bh_tso_emit(&h, f, len, &plan, 0, 1, &slots[1][0], SLOT, &l), 1);
  CHECK(memcmp(slots[1], f, len) == 0);
}

TEST(tso_rejects_malformed) {
  size_t len = build_gso(in, 0, 0, 3000, 0x10);
  bh_tso_plan plan;
  bh_vnet_hdr ok = {.flags = 1, .gso_type = BH_VNET_GSO_TCPV4, .gso_size = 1448, .csum_start = 34, .csum_offset = 16};
  bh_vnet_hdr h = ok;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_OK);
  h.gso_size = 0;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_HDR);
  h = ok, h.gso_type = BH_VNET_GSO_UDP;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_HDR);
  h = ok, h.gso_type = BH_VNET_GSO_TCPV6; /* announced v6, frame is v4 */
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_FRAME);
  h = ok, h.csum_start = 30;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_HDR);
  h = ok, h.flags = 0x10;
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_HDR);
  h = ok, h.gso_size = 1600; /* a segment would not fit the slot */
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_TOO_BIG);
  h = ok;
  for (size_t cut = 0; cut < 14 + 20 + 32 + 1; cut++) /* truncated: headers or no payload */
    CHECK(bh_tso_prepare(&h, in, cut, SLOT, 0, &plan) != BH_TSO_OK);
  in[34 + 12] = 4 << 4; /* TCP doff < 5 */
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_FRAME);
  len = build_gso(in, 0, 0, 3000, 0x10);
  in[14 + 6] = 0x20; /* IP fragment (MF) */
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_FRAME);
  len = build_gso(in, 0, 0, 3000, 0x10);
  in[14 + 9] = 17; /* not TCP */
  CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, 0, &plan), BH_TSO_BAD_FRAME);
  bh_vnet_hdr plain = {.flags = 1, .csum_start = 100, .csum_offset = 60};
  CHECK_EQ(bh_tso_prepare(&plain, in, 150, SLOT, 0, &plan), BH_TSO_BAD_HDR);
  plain.flags = 0;
  CHECK_EQ(bh_tso_prepare(&plain, in, SLOT + 1, SLOT, 0, &plan), BH_TSO_TOO_BIG);
}

/* seg_max: the MSS is lowered so every segment frame fits (a tunnel datagram at the path MTU). */
TEST(tso_mss_lowered_to_fit) {
  for (int v6 = 0; v6 < 2; v6++) {
    size_t payload = 20000, len = build_gso(in, v6, 0, payload, 0x18);
    size_t l4 = 14 + (v6 ? 40 : 20), hdrs = l4 + 32, seg_max = 1440 - 32; /* a 1440-byte tunnel budget */
    bh_vnet_hdr h = {.flags = 1, .gso_type = v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4, .gso_size = 1448,
                     .csum_start = (uint16_t)l4, .csum_offset = 16};
    bh_tso_plan plan;
    CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, seg_max, &plan), BH_TSO_OK);
    size_t mss = seg_max - hdrs;
    CHECK_EQ(plan.mss, mss);
    CHECK_EQ(plan.segments, (payload + mss - 1) / mss);
    uint16_t lens[64];
    unsigned n = bh_tso_emit(&h, in, len, &plan, 0, 64, &slots[0][0], SLOT, lens);
    CHECK_EQ(n, plan.segments);
    size_t total = 0;
    for (unsigned k = 0; k < n; k++) {
      CHECK(lens[k] <= seg_max);
      const uint8_t *tcp = slots[k] + l4;
      CHECK_EQ(rd32(tcp + 4), (uint32_t)(SEQ0 + k * mss));
      CHECK_EQ(tcp_verify(slots[k] + 14, v6, tcp, lens[k] - l4), 0);
      CHECK(memcmp(slots[k] + hdrs, in + hdrs + total, lens[k] - hdrs) == 0);
      total += lens[k] - hdrs;
    }
    CHECK_EQ(total, payload);
    /* a limit below headers + BH_TSO_MIN_MSS is ignored (the frames are fragmented instead) */
    CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, hdrs + 100, &plan), BH_TSO_OK);
    CHECK_EQ(plan.mss, 1448);
    /* a gso_size already below the limit stays */
    h.gso_size = 1000;
    CHECK_EQ(bh_tso_prepare(&h, in, len, SLOT, seg_max, &plan), BH_TSO_OK);
    CHECK_EQ(plan.mss, 1000);
  }
}

TEST(tso_vnet_hdr_round_trip) {
  uint8_t b[BH_VNET_HDR_LEN];
  bh_vnet_hdr h = {.flags = 1, .gso_type = 0x84, .hdr_len = 0x1234, .gso_size = 1448, .csum_start = 54, .csum_offset = 16}, g;
  bh_vnet_hdr_write(b, &h);
  CHECK_EQ(b[4], 1448 & 0xff); /* little-endian */
  CHECK_EQ(b[5], 1448 >> 8);
  bh_vnet_hdr_read(b, &g);
  CHECK(memcmp(&h, &g, sizeof h) == 0);
}

/* bh_csum_add (word-parallel, native order) against the byte-wise reference of test_csum.h: every
 * alignment, every length up to 300 and a few large ones, with and without a carried-in sum, and
 * chained over even-length chunks; 0xff-filled data drives every carry. */
TEST(csum_matches_reference) {
  static uint8_t buf[70000 + 8];
  unsigned long long seed = 42;
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)bh_t_rand(&seed);
  memset(buf + 60000, 0xff, 10008);
  const size_t big[] = {1448, 9000, 65535, 10000};
  for (size_t off = 0; off < 8; off++) {
    for (size_t n = 0; n < 300 + 4; n++) {
      size_t len = n < 300 ? n : big[n - 300];
      const uint8_t *p = (n == 303 ? buf + 60000 : buf) + off;
      CHECK_EQ(bh_csum_fold(bh_csum_add(0, p, len)), fold(sum16(p, len, 0)));
      CHECK_EQ(bh_csum_fold(bh_csum_add(0xfffe, p, len)), fold(sum16(p, len, 0xfffe)));
      size_t cut = (len / 3) & ~(size_t)1;
      CHECK_EQ(bh_csum_fold(bh_csum_add(bh_csum_add(0, p, cut), p + cut, len - cut)), fold(sum16(p, len, 0)));
    }
  }
}

void suite_tso(void) {
  RUN(csum_matches_reference);
  RUN(tso_segments_ipv4_ipv6_tagged);
  RUN(tso_odd_payload_checksums);
  RUN(tso_known_answer_ipv4);
  RUN(tso_completes_partial_checksum);
  RUN(tso_rejects_malformed);
  RUN(tso_mss_lowered_to_fit);
  RUN(tso_vnet_hdr_round_trip);
}
