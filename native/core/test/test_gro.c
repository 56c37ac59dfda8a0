/* bh_gro: segments produced by bh_tso from a super-frame merge back into one super-frame whose
 * headers are right (IP length and header checksum, TCP flags, pseudo-header sum, virtio header),
 * whose payload is the original, and whose completed checksum verifies independently; runs stop
 * at another flow, a gap, a bad checksum, PSH, a short segment, or the 64 KiB limit; ineligible
 * frames (SYN, padding, IP options, fragments, non-TCP) do not start a run.
 * UDP runs (udp = 1): the UDP_L4 super-frame, split the way the kernel splits it (an independent
 * reference below: gso_size pieces, consecutive IPv4 IDs, lengths, checksums computed from
 * scratch), gives back exactly the datagrams that went in; UDP never merges with udp = 0, nor
 * across another flow, an ID gap, a larger datagram, a bad or absent checksum. */
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
  if (!bh_gro_begin(&r, seg[0], seg_len[0], 0)) return 0;
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
  CHECK_EQ(bh_gro_begin(&r, seg[3], seg_len[3], 0), 0); /* the last segment has PSH */
  CHECK_EQ(bh_gro_end(&r, &vh), 0);
  uint8_t f[SLOT];
  memcpy(f, seg[0], seg_len[0]);
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0] + 1, 0), 0); /* padding / length mismatch */
  f[14 + 9] = 17;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0], 0), 0); /* not TCP */
  memcpy(f + 4, seg[0], 12); /* an 802.1Q tag in front of the same packet */
  f[16] = 0x81, f[17] = 0, f[18] = 0, f[19] = 5;
  memcpy(f + 20, seg[0] + 12, seg_len[0] - 12);
  CHECK_EQ(bh_gro_begin(&r, f + 4, seg_len[0] + 4, 0), 0); /* tagged: never merged */
  memcpy(f, seg[0], seg_len[0]);
  f[14 + 6] |= 0x20;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0], 0), 0); /* IP fragment */
  memcpy(f, seg[0], seg_len[0]);
  f[14] = 0x46;
  CHECK_EQ(bh_gro_begin(&r, f, seg_len[0], 0), 0); /* IP options */
  for (size_t cut = 0; cut < 60; cut++) CHECK_EQ(bh_gro_begin(&r, seg[0], cut, 0), 0);
  CHECK_EQ(bh_gro_begin(&r, seg[0], seg_len[0], 0), 1);
  size_t off = 0;
  CHECK_EQ(bh_gro_append(&r, seg[0], seg_len[0], &off), 0); /* a duplicate: wrong sequence */
  CHECK_EQ(bh_gro_end(&r, &vh), seg_len[0]);
  CHECK_EQ(vh.gso_type, 0); /* a run of one: written as it is */
}

/* Ethernet + IPv4/IPv6 + UDP datagram k of a flow: IPv4 ID 0xfffe + k (wraps), payload
 * pattern k, a valid checksum. Returns the length. */
static size_t build_udp(uint8_t *f, int v6, size_t payload, unsigned k) {
  memset(f, 0, 14 + 40 + 8);
  memset(f, 0x02, 6);
  memset(f + 6, 0x04, 6);
  f[12] = v6 ? 0x86 : 0x08, f[13] = v6 ? 0xdd : 0x00;
  uint8_t *ip = f + 14;
  size_t ihl = v6 ? 40 : 20, ulen = 8 + payload;
  uint32_t ps;
  if (v6) {
    ip[0] = 0x60, ip[1] = 0x0a, ip[3] = 0x42, ip[4] = (uint8_t)(ulen >> 8), ip[5] = (uint8_t)ulen, ip[6] = 17, ip[7] = 64;
    for (int i = 0; i < 32; i++) ip[8 + i] = (uint8_t)(0x20 + i);
    ps = sum16(ip + 8, 32, 0);
  } else {
    uint16_t id = (uint16_t)(0xfffe + k), tot = (uint16_t)(20 + ulen);
    ip[0] = 0x45, ip[1] = 0xb8, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
    ip[6] = 0x40, ip[8] = 64, ip[9] = 17;
    ip[12] = 198, ip[13] = 18, ip[15] = 1, ip[16] = 198, ip[17] = 18, ip[19] = 2;
    uint16_t c = fold(sum16(ip, 20, 0));
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    ps = sum16(ip + 12, 8, 0);
  }
  uint8_t *u = ip + ihl;
  u[0] = 0x13, u[1] = 0xc4, u[2] = 0x14, u[3] = 0x51, u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
  for (size_t i = 0; i < payload; i++) u[8 + i] = (uint8_t)(i * 7 + k * 31 + 1);
  uint16_t c = fold(sum16(u, ulen, ps + 17 + (uint32_t)ulen));
  if (c == 0) c = 0xffff;
  u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
  return 14 + ihl + ulen;
}

/* Reference split of a UDP_L4 super-frame (as the kernel's inet_gso_segment/__udp_gso_segment
 * do it); checks each piece against seg[first + i]. Returns the number of pieces. */
static unsigned split_udp_and_compare(const uint8_t *sf, size_t len, const bh_vnet_hdr *vh, int v6, unsigned first) {
  size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), hdrs = l4 + 8, total = len - hdrs;
  /* the partial checksum: the pseudo-header sum over the super-frame's own UDP length */
  uint32_t ps = (v6 ? sum16(sf + l3 + 8, 32, 0) : sum16(sf + l3 + 12, 8, 0)) + 17 + (uint32_t)(len - l4);
  CHECK_EQ(rd16(sf + l4 + 6), (uint16_t)~fold(ps));
  CHECK_EQ(rd16(sf + l4 + 4), len - l4);
  uint8_t piece[SLOT];
  unsigned n = 0;
  for (size_t off = 0; off < total; off += vh->gso_size, n++) {
    size_t pl = total - off < vh->gso_size ? total - off : vh->gso_size, plen = hdrs + pl;
    memcpy(piece, sf, hdrs);
    memcpy(piece + hdrs, sf + hdrs + off, pl);
    uint8_t *ip = piece + l3, *u = piece + l4;
    if (v6) {
      ip[4] = (uint8_t)((8 + pl) >> 8), ip[5] = (uint8_t)(8 + pl);
    } else {
      uint16_t id = (uint16_t)(rd16(sf + l3 + 4) + n), tot = (uint16_t)(plen - l3);
      ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id, ip[10] = ip[11] = 0;
      uint16_t c = fold(sum16(ip, 20, 0));
      ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    }
    u[4] = (uint8_t)((8 + pl) >> 8), u[5] = (uint8_t)(8 + pl), u[6] = u[7] = 0;
    uint32_t pps = (v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0)) + 17 + (uint32_t)(8 + pl);
    uint16_t c = fold(sum16(u, 8 + pl, pps));
    if (c == 0) c = 0xffff;
    u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
    CHECK_EQ(plen, seg_len[first + n]);
    CHECK(memcmp(piece, seg[first + n], plen) == 0);
  }
  return n;
}

/* Datagrams [0, n) through GRO runs with udp = 1; each run's super-frame is split by the
 * reference and compared with its inputs. Returns the number of runs. */
static unsigned udp_runs(unsigned n, int v6) {
  static uint8_t keep[80][SLOT];
  memcpy(keep, seg, sizeof keep); /* bh_gro_end rewrites the head */
  unsigned runs = 0;
  for (unsigned i = 0; i < n; runs++) {
    bh_gro_run r;
    if (!bh_gro_begin(&r, seg[i], seg_len[i], 1)) {
      i++;
      continue;
    }
    size_t o = seg_len[i];
    unsigned j = i + 1;
    for (size_t off = 0; j < n && bh_gro_append(&r, seg[j], seg_len[j], &off); j++) {
      memcpy(out + o, seg[j] + off, seg_len[j] - off);
      o += seg_len[j] - off;
    }
    bh_vnet_hdr vh;
    size_t total = bh_gro_end(&r, &vh);
    CHECK_EQ(total, o);
    memcpy(out, seg[i], seg_len[i]);
    memcpy(seg, keep, sizeof keep);
    if (j - i > 1) {
      size_t l4 = 14 + (v6 ? 40 : 20);
      CHECK_EQ(vh.gso_type, BH_VNET_GSO_UDP_L4);
      CHECK_EQ(vh.flags, BH_VNET_F_NEEDS_CSUM);
      CHECK_EQ(vh.csum_start, l4);
      CHECK_EQ(vh.csum_offset, 6);
      CHECK_EQ(vh.hdr_len, l4 + 8);
      CHECK_EQ(vh.gso_size, seg_len[i] - l4 - 8);
      CHECK_EQ(split_udp_and_compare(out, total, &vh, v6, i), j - i);
      /* and the kernel's completion of the partial sum gives a valid checksum over the whole */
      bh_tso_csum_complete(&vh, out, total);
      uint32_t ps = (v6 ? sum16(out + 14 + 8, 32, 0) : sum16(out + 14 + 12, 8, 0)) + 17 + (uint32_t)(total - l4);
      CHECK_EQ(fold(sum16(out + l4, total - l4, ps)), 0);
    } else {
      CHECK_EQ(vh.gso_type, 0);
    }
    i = j;
  }
  return runs;
}

TEST(gro_udp_round_trip) {
  for (int v6 = 0; v6 < 2; v6++) {
    for (unsigned k = 0; k < 10; k++) seg_len[k] = (uint16_t)build_udp(seg[k], v6, k == 9 ? 20 : 64, k);
    CHECK_EQ(udp_runs(10, v6), 1); /* nine of 64 bytes and a shorter last one: one run, IPv4 IDs wrap */
    for (unsigned k = 0; k < 70; k++) seg_len[k] = (uint16_t)build_udp(seg[k], v6, 900, k);
    CHECK_EQ(udp_runs(70, v6), 2); /* 64 datagrams at most per run (and below 64 KiB) */
    for (unsigned k = 0; k < 3; k++) seg_len[k] = (uint16_t)build_udp(seg[k], v6, 1472, k);
    CHECK_EQ(udp_runs(3, v6), 1);
  }
}

TEST(gro_udp_stops_where_it_must) {
  bh_gro_run r;
  for (unsigned k = 0; k < 8; k++) seg_len[k] = (uint16_t)build_udp(seg[k], 0, 64, k);
  CHECK_EQ(bh_gro_begin(&r, seg[0], seg_len[0], 0), 0); /* UDP only when the TAP takes UDP_L4 */
  CHECK_EQ(udp_runs(8, 0), 1);
  seg_len[3] = (uint16_t)build_udp(seg[3], 0, 64, 9); /* an IPv4 ID gap (the kernel would renumber) */
  CHECK_EQ(udp_runs(8, 0), 3);                          /* [0-2] [3] [4-7] */
  for (unsigned k = 0; k < 8; k++) seg_len[k] = (uint16_t)build_udp(seg[k], 0, 64, k);
  seg_len[2] = (uint16_t)build_udp(seg[2], 0, 100, 2); /* larger than the run's size */
  CHECK_EQ(udp_runs(8, 0), 3);                           /* [0-1] [2-3: 3 is shorter, closes] [4-7] */
  seg_len[2] = (uint16_t)build_udp(seg[2], 0, 30, 2); /* shorter: ends the run it joins */
  CHECK_EQ(udp_runs(8, 0), 2);                          /* [0-2] [3-7] */
  seg_len[2] = (uint16_t)build_udp(seg[2], 0, 64, 2);
  seg[4][14 + 20 + 8] ^= 1; /* bad checksum: never merged (it stays a lone frame the host drops) */
  CHECK_EQ(udp_runs(8, 0), 3);
  seg_len[4] = (uint16_t)build_udp(seg[4], 0, 64, 4);
  seg[5][14 + 20 + 1] ^= 1; /* another destination port (checksum now bad too) */
  CHECK_EQ(udp_runs(8, 0), 3);
  seg_len[5] = (uint16_t)build_udp(seg[5], 0, 64, 5);
  seg[6][14 + 20 + 6] = seg[6][14 + 20 + 7] = 0; /* IPv4 without a UDP checksum: left alone */
  CHECK_EQ(udp_runs(8, 0), 3);
  seg_len[6] = (uint16_t)build_udp(seg[6], 0, 64, 6);
  seg[1][15] = 0; /* another TOS (IP checksum is not what GRO checks) */
  CHECK_EQ(udp_runs(8, 0), 3);
  seg_len[1] = (uint16_t)build_udp(seg[1], 0, 64, 1);
  for (unsigned k = 0; k < 4; k++) seg_len[k] = (uint16_t)build_udp(seg[k], 1, 64, k);
  seg[2][14 + 3] ^= 1; /* IPv6: another flow label */
  CHECK_EQ(udp_runs(4, 1), 3);
  /* TCP and UDP never join one run */
  size_t len;
  segment(0, 5000, 1448, &len);
  CHECK_EQ(bh_gro_begin(&r, seg[0], seg_len[0], 1), 1);
  uint8_t u[SLOT];
  size_t ul = build_udp(u, 0, 1448, 0), off = 0;
  CHECK_EQ(bh_gro_append(&r, u, ul, &off), 0);
}

void suite_gro(void) {
  RUN(gro_udp_round_trip);
  RUN(gro_udp_stops_where_it_must);
  RUN(gro_round_trip_ipv4_ipv6);
  RUN(gro_stops_where_it_must);
  RUN(gro_ineligible_frames);
}
