/* bh_tso: segment TCP super-frames and complete partial checksums (bh_tso.h).
 *
 *   prepare: gso_type/flags known? -> NONE: checksum offsets inside the frame, frame fits a slot
 *            -> TCPV4/6: Ethernet [+ tags] -> IP as announced -> TCP header inside the frame ->
 *               payload > 0, MSS = gso_size lowered to fit seg_max, segments = ceil(payload /
 *               MSS), largest segment fits a slot
 *   emit:    per segment: copy headers + payload slice, patch IP length/ID/checksum, TCP seq and
 *            flags, TCP checksum from scratch (pseudo-header + header + payload) */
#include "bh_tso.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

void bh_vnet_hdr_read(const uint8_t *p, bh_vnet_hdr *h) {
  h->flags = p[0];
  h->gso_type = p[1];
  h->hdr_len = le16(p + 2);
  h->gso_size = le16(p + 4);
  h->csum_start = le16(p + 6);
  h->csum_offset = le16(p + 8);
}

void bh_vnet_hdr_write(uint8_t *p, const bh_vnet_hdr *h) {
  const uint16_t v[4] = {h->hdr_len, h->gso_size, h->csum_start, h->csum_offset};
  p[0] = h->flags;
  p[1] = h->gso_type;
  for (int i = 0; i < 4; i++) {
    p[2 + 2 * i] = (uint8_t)v[i];
    p[3 + 2 * i] = (uint8_t)(v[i] >> 8);
  }
}

/* One's complement sum of big-endian 16-bit words. Chained calls: every chunk but the last must
 * have an even length. The sum is byte-order independent (RFC 1071): native 64-bit words are added
 * with end-around carry in four independent chains (about 3x the speed of one 32-bit chain here:
 * this runs over every byte of a TSO super-frame and of each segment GRO verifies), folded to 16
 * bits, and byte-swapped on little-endian hosts. */
static inline uint64_t add_carry(uint64_t a, uint64_t b) {
  uint64_t s = a + b;
  return s + (s < b);
}

uint32_t bh_csum_add(uint32_t sum, const uint8_t *p, size_t n) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, v0, v1, v2, v3;
  for (; n >= 32; p += 32, n -= 32) {
    memcpy(&v0, p, 8);
    memcpy(&v1, p + 8, 8);
    memcpy(&v2, p + 16, 8);
    memcpy(&v3, p + 24, 8);
    a0 = add_carry(a0, v0);
    a1 = add_carry(a1, v1);
    a2 = add_carry(a2, v2);
    a3 = add_carry(a3, v3);
  }
  uint64_t acc = add_carry(add_carry(a0, a1), add_carry(a2, a3));
  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&v0, p, 8);
    acc = add_carry(acc, v0);
  }
  uint64_t tail = 0; /* the last 0..7 bytes, zero-padded: a trailing odd byte is a word's first byte */
  memcpy(&tail, p, n);
  acc = add_carry(acc, tail);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  acc = ((acc & 0xff) << 8) | (acc >> 8);
#endif
  uint32_t s = sum + (uint32_t)acc;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s;
}

uint16_t bh_csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static int prepare_plain(const bh_vnet_hdr *h, size_t len, size_t slot_cap, bh_tso_plan *plan) {
  if (h->flags & BH_VNET_F_NEEDS_CSUM) {
    if ((size_t)h->csum_start + h->csum_offset + 2 > len) return BH_TSO_BAD_HDR;
  }
  if (len > slot_cap) return BH_TSO_TOO_BIG;
  plan->segments = 1;
  return BH_TSO_OK;
}

int bh_tso_prepare(const bh_vnet_hdr *h, const uint8_t *f, size_t len, size_t slot_cap, size_t seg_max,
                   bh_tso_plan *plan) {
  memset(plan, 0, sizeof *plan);
  if (h->flags & ~(BH_VNET_F_NEEDS_CSUM | BH_VNET_F_DATA_VALID)) return BH_TSO_BAD_HDR;
  uint8_t type = h->gso_type & (uint8_t)~BH_VNET_GSO_ECN;
  if (type == BH_VNET_GSO_NONE) {
    if (h->gso_type & BH_VNET_GSO_ECN) return BH_TSO_BAD_HDR;
    return prepare_plain(h, len, slot_cap, plan);
  }
  if (type != BH_VNET_GSO_TCPV4 && type != BH_VNET_GSO_TCPV6) return BH_TSO_BAD_HDR;
  if (h->gso_size == 0) return BH_TSO_BAD_HDR;
  if (len < 14 || len > BH_TSO_MAX_INPUT) return BH_TSO_BAD_FRAME;
  size_t off = 12; /* the Ethernet type, after up to two 802.1Q / 802.1ad tags */
  uint16_t et = rd16(f + off);
  for (int tags = 0; tags < 2 && (et == 0x8100 || et == 0x88a8); tags++) {
    off += 4;
    if (len < off + 2) return BH_TSO_BAD_FRAME;
    et = rd16(f + off);
  }
  size_t l3 = off + 2;
  size_t l4;
  if (type == BH_VNET_GSO_TCPV4) {
    if (et != 0x0800 || len < l3 + 20 || f[l3] >> 4 != 4 || f[l3 + 9] != 6) return BH_TSO_BAD_FRAME;
    size_t ihl = (size_t)(f[l3] & 0x0f) * 4;
    if (ihl < 20 || (rd16(f + l3 + 6) & 0x3fff) != 0) return BH_TSO_BAD_FRAME; /* no IP fragments */
    l4 = l3 + ihl;
  } else {
    if (et != 0x86dd || len < l3 + 40 || f[l3] >> 4 != 6 || f[l3 + 6] != 6) return BH_TSO_BAD_FRAME;
    l4 = l3 + 40;
  }
  if (len < l4 + 20) return BH_TSO_BAD_FRAME;
  size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
  if (doff < 20 || len < l4 + doff) return BH_TSO_BAD_FRAME;
  if ((h->flags & BH_VNET_F_NEEDS_CSUM) && (h->csum_start != l4 || h->csum_offset != 16)) return BH_TSO_BAD_HDR;
  size_t hdrs = l4 + doff, payload = len - hdrs;
  if (payload == 0) return BH_TSO_BAD_FRAME;
  size_t mss = h->gso_size;
  if (seg_max && hdrs + mss > seg_max && seg_max >= hdrs + BH_TSO_MIN_MSS) mss = seg_max - hdrs;
  size_t first = payload < mss ? payload : mss;
  if (hdrs + first > slot_cap) return BH_TSO_TOO_BIG;
  plan->segments = (uint32_t)((payload + mss - 1) / mss);
  plan->l3 = (uint16_t)l3;
  plan->l4 = (uint16_t)l4;
  plan->hdrs = (uint16_t)hdrs;
  plan->mss = (uint16_t)mss;
  plan->v6 = type == BH_VNET_GSO_TCPV6;
  return BH_TSO_OK;
}

void bh_tso_csum_complete(const bh_vnet_hdr *h, uint8_t *f, size_t len) {
  if (!(h->flags & BH_VNET_F_NEEDS_CSUM) || (size_t)h->csum_start + h->csum_offset + 2 > len) return;
  uint8_t *field = f + h->csum_start + h->csum_offset;
  uint16_t c = bh_csum_fold(bh_csum_add(0, f + h->csum_start, len - h->csum_start));
  wr16(field, c ? c : 0xffff); /* 0xffff: same value in one's complement, and valid for UDP */
}

static void emit_plain(const bh_vnet_hdr *h, const uint8_t *f, size_t len, uint8_t *out) {
  memcpy(out, f, len);
  bh_tso_csum_complete(h, out, len);
}

static void emit_segment(const uint8_t *f, size_t len, const bh_tso_plan *pl, unsigned k, uint8_t *out,
                         uint16_t *out_len) {
  size_t off = (size_t)pl->hdrs + (size_t)k * pl->mss, piece = len - off < pl->mss ? len - off : pl->mss;
  int last = k + 1 == pl->segments;
  memcpy(out, f, pl->hdrs);
  memcpy(out + pl->hdrs, f + off, piece);
  uint8_t *ip = out + pl->l3, *tcp = out + pl->l4;
  size_t tcp_len = pl->hdrs - pl->l4 + piece;
  uint32_t ps;
  if (pl->v6) {
    wr16(ip + 4, (uint16_t)tcp_len);
    ps = bh_csum_add(0, ip + 8, 32);
  } else {
    wr16(ip + 2, (uint16_t)(pl->l4 - pl->l3 + tcp_len));
    wr16(ip + 4, (uint16_t)(rd16(f + pl->l3 + 4) + k));
    wr16(ip + 10, 0);
    wr16(ip + 10, bh_csum_fold(bh_csum_add(0, ip, pl->l4 - pl->l3)));
    ps = bh_csum_add(0, ip + 12, 8);
  }
  uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
  seq += (uint32_t)k * pl->mss;
  tcp[4] = (uint8_t)(seq >> 24);
  tcp[5] = (uint8_t)(seq >> 16);
  tcp[6] = (uint8_t)(seq >> 8);
  tcp[7] = (uint8_t)seq;
  if (!last) tcp[13] &= (uint8_t)~0x09; /* FIN, PSH */
  if (k != 0) tcp[13] &= (uint8_t)~0x80; /* CWR */
  wr16(tcp + 16, 0);
  ps += 6 + (uint32_t)tcp_len; /* pseudo-header: protocol, TCP length (< 64 KiB) */
  wr16(tcp + 16, bh_csum_fold(bh_csum_add(ps, tcp, tcp_len)));
  *out_len = (uint16_t)(pl->hdrs + piece);
}

unsigned bh_tso_emit(const bh_vnet_hdr *h, const uint8_t *f, size_t len, const bh_tso_plan *plan, unsigned first,
                     unsigned max, uint8_t *out, size_t stride, uint16_t *out_len) {
  unsigned n = 0;
  for (unsigned k = first; k < plan->segments && n < max; k++, n++) {
    if (plan->hdrs == 0) {
      emit_plain(h, f, len, out);
      out_len[0] = (uint16_t)len;
    } else {
      emit_segment(f, len, plan, k, out + (size_t)n * stride, &out_len[n]);
    }
  }
  return n;
}
