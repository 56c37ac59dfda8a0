/* bh_frame: Ethernet (bh_eth_parse) -> IPv4 header | IPv6 header + extension headers -> the
 * upper-layer protocol and where it starts. */
#include "bh_frame.h"

#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void parse_v4(bh_frame *v, const uint8_t *ip, size_t avail) {
  if (avail < 20 || (ip[0] >> 4) != 4) return;
  size_t ihl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
  if (total >= 20 && total < avail) avail = total; /* the rest is Ethernet padding */
  if (ihl < 20 || ihl > avail) return;
  v->ip_version = 4;
  v->ip_proto = ip[9];
  v->l3_len = (uint32_t)avail;
  if ((be16(ip + 6) & 0x1fff) != 0) {
    v->ip_flags = BH_FRAME_LATER_FRAGMENT;
    return;
  }
  v->ip_flags = BH_FRAME_L4;
  v->l4_offset = (uint32_t)(v->eth.l3_offset + ihl);
  v->l4_len = (uint32_t)(avail - ihl);
}

static int is_ext_header(uint8_t nh) { return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51; }

static void parse_v6(bh_frame *v, const uint8_t *ip, size_t avail) {
  if (avail < 40 || (ip[0] >> 4) != 6) return;
  size_t plen = be16(ip + 4);
  if (plen && 40 + plen < avail) avail = 40 + plen; /* the rest is Ethernet padding */
  v->ip_version = 6;
  v->l3_len = (uint32_t)avail;
  uint8_t nh = ip[6];
  size_t off = 40;
  for (int n = 0; is_ext_header(nh); n++) {
    v->ip_proto = nh;
    if (n == BH_FRAME_MAX_EXT_HEADERS || avail - off < 8) {
      v->ip_flags = BH_FRAME_V6_UNPARSED;
      return;
    }
    const uint8_t *h = ip + off;
    if (nh == 44 && (be16(h + 2) & 0xfff8) != 0) {
      v->ip_flags = BH_FRAME_LATER_FRAGMENT;
      return;
    }
    size_t hlen = nh == 44 ? 8 : nh == 51 ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
    if (hlen > avail - off) {
      v->ip_flags = BH_FRAME_V6_UNPARSED;
      return;
    }
    nh = h[0];
    off += hlen;
  }
  v->ip_proto = nh;
  v->ip_flags = BH_FRAME_L4;
  v->l4_offset = (uint32_t)(v->eth.l3_offset + off);
  v->l4_len = (uint32_t)(avail - off);
}

int bh_frame_parse(const uint8_t *frame, size_t len, bh_frame *v) {
  memset(v, 0, sizeof *v);
  v->frame = frame;
  v->len = len;
  if (bh_eth_parse(frame, len, &v->eth) != 0) return -1;
  v->l2_ok = 1;
  if (v->eth.vlan_tagged) v->outer_tpid = be16(frame + 12);
  const uint8_t *ip = frame + v->eth.l3_offset;
  size_t avail = len - v->eth.l3_offset;
  if (v->eth.ethertype == BH_ETHERTYPE_IPV4) parse_v4(v, ip, avail);
  if (v->eth.ethertype == BH_ETHERTYPE_IPV6) parse_v6(v, ip, avail);
  return 0;
}
