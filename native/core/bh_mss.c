/* bh_mss: find the TCP SYN's MSS option behind Ethernet/VLAN/IP and lower it (bh_mss.h).
 *
 *   l2: skip up to two tags -> l3 offset; IPv4: version 4, ihl >= 5, protocol 6, fragment offset 0,
 *   total length within the frame; IPv6: version 6, next header 6, payload length within the frame
 *   -> TCP: doff >= 5 and within the segment, SYN set -> walk options -> clamp + RFC 1624 update */
#include "bh_mss.h"

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), 16-bit one's complement arithmetic. */
static uint16_t csum_update(uint16_t hc, uint16_t m, uint16_t m2) {
  uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static inline uint16_t swap16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

bh_mss_result bh_mss_clamp(uint8_t *f, size_t len, size_t max_frame) {
  if (!f || len < 14) return BH_MSS_UNTOUCHED;
  size_t off = 12;
  uint16_t et = be16(f + off);
  for (int tags = 0; (et == 0x8100 || et == 0x88a8) && tags < 2; tags++) {
    off += 4;
    if (len < off + 2) return BH_MSS_UNTOUCHED;
    et = be16(f + off);
  }
  off += 2; /* l3 */
  size_t ip_hdr, tcp, end;
  if (et == 0x0800) {
    if (len < off + 20 || f[off] >> 4 != 4) return BH_MSS_UNTOUCHED;
    ip_hdr = (size_t)(f[off] & 0x0f) * 4;
    size_t total = be16(f + off + 2);
    if (ip_hdr < 20 || f[off + 9] != 6 || (be16(f + off + 6) & 0x1fff) != 0) return BH_MSS_UNTOUCHED;
    if (total < ip_hdr || off + total > len) return BH_MSS_UNTOUCHED;
    tcp = off + ip_hdr;
    end = off + total;
  } else if (et == 0x86dd) {
    if (len < off + 40 || f[off] >> 4 != 6 || f[off + 6] != 6) return BH_MSS_UNTOUCHED;
    ip_hdr = 40;
    tcp = off + 40;
    end = tcp + be16(f + off + 4);
    if (end > len) return BH_MSS_UNTOUCHED;
  } else {
    return BH_MSS_UNTOUCHED;
  }
  if (end < tcp + 20) return BH_MSS_UNTOUCHED;
  if (!(f[tcp + 13] & 0x02)) return BH_MSS_UNTOUCHED; /* not SYN */
  size_t doff = (size_t)(f[tcp + 12] >> 4) * 4;
  if (doff < 20 || tcp + doff > end) return BH_MSS_MALFORMED;
  if (max_frame < off + ip_hdr + 20 + 1) return BH_MSS_UNTOUCHED; /* nonsense limit */
  size_t limit = max_frame - off - ip_hdr - 20;
  if (limit > 0xffff) limit = 0xffff;
  for (size_t o = tcp + 20; o < tcp + doff;) {
    uint8_t kind = f[o];
    if (kind == 0) break;
    if (kind == 1) {
      o++;
      continue;
    }
    if (o + 1 >= tcp + doff) return BH_MSS_MALFORMED;
    size_t olen = f[o + 1];
    if (olen < 2 || o + olen > tcp + doff) return BH_MSS_MALFORMED;
    if (kind == 2) {
      if (olen != 4) return BH_MSS_MALFORMED;
      uint16_t mss = be16(f + o + 2);
      if (mss <= limit) return BH_MSS_UNTOUCHED;
      uint16_t nmss = (uint16_t)limit, ck = be16(f + tcp + 16);
      int odd = ((o + 2 - tcp) & 1) != 0; /* the field straddles two checksum words */
      uint16_t nck = odd ? csum_update(ck, swap16(mss), swap16(nmss)) : csum_update(ck, mss, nmss);
      f[o + 2] = (uint8_t)(nmss >> 8);
      f[o + 3] = (uint8_t)nmss;
      f[tcp + 16] = (uint8_t)(nck >> 8);
      f[tcp + 17] = (uint8_t)nck;
      return BH_MSS_CLAMPED;
    }
    o += olen;
  }
  return BH_MSS_UNTOUCHED;
}
