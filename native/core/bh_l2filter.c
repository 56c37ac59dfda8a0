/* bh_l2filter: destination in 01:80:C2:00:00:0X -> drop (always). Else, with presets on:
 * Ethernet (up to two tags) -> IPv4 (first fragment only) or IPv6 (extension headers followed,
 * at most 8) -> protocol 112 (VRRP) / UDP ports (DHCP, HSRP) / ICMPv6 134 (RA) -> drop or pass. */
#include "bh_l2filter.h"

#include <string.h>

#include "bh_eth.h"

#define MAX_EXT_HEADERS 8
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_VRRP 112
#define V6_PRESETS (BH_L2F_ISOLATE_DHCP | BH_L2F_ISOLATE_VRRP | BH_L2F_ISOLATE_HSRP | BH_L2F_ISOLATE_RA)

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static bh_l2f_reason link_local(const uint8_t *dst) {
  static const uint8_t block[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};
  if (memcmp(dst, block, 5) != 0 || dst[5] > 0x0f) return BH_L2F_OK;
  switch (dst[5]) {
    case 0x00: return BH_L2F_STP;
    case 0x01: return BH_L2F_PAUSE;
    case 0x02: return BH_L2F_SLOW_PROTOCOLS;
    case 0x03: return BH_L2F_PAE;
    case 0x0e: return BH_L2F_LLDP;
    default: return BH_L2F_LINK_LOCAL;
  }
}

static bh_l2f_reason check_v4(uint32_t iso, const uint8_t *ip, size_t avail) {
  if (avail < 20 || (ip[0] >> 4) != 4) return BH_L2F_OK;
  size_t ihl = (size_t)(ip[0] & 15) * 4;
  size_t total = be16(ip + 2);
  if (total >= 20 && total < avail) avail = total; /* ignore Ethernet padding */
  if (ihl < 20 || ihl > avail) return BH_L2F_OK;
  uint8_t proto = ip[9];
  if (proto == PROTO_VRRP) return (iso & BH_L2F_ISOLATE_VRRP) ? BH_L2F_VRRP4 : BH_L2F_OK;
  if (proto != PROTO_UDP || (be16(ip + 6) & 0x1fff) != 0 || avail - ihl < 8) return BH_L2F_OK;
  const uint8_t *udp = ip + ihl;
  uint16_t sport = be16(udp), dport = be16(udp + 2);
  if ((iso & BH_L2F_ISOLATE_DHCP) && sport == 67 && dport == 68) return BH_L2F_DHCP4_SERVER;
  if ((iso & BH_L2F_ISOLATE_HSRP) && dport == 1985 && ip[16] == 224 && ip[17] == 0 && ip[18] == 0 &&
      (ip[19] == 2 || ip[19] == 102))
    return BH_L2F_HSRP4;
  return BH_L2F_OK;
}

static bh_l2f_reason check_v6(uint32_t iso, const uint8_t *ip, size_t avail) {
  static const uint8_t hsrp6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66};
  if (avail < 40 || (ip[0] >> 4) != 6) return BH_L2F_OK;
  size_t plen = be16(ip + 4);
  if (plen && 40 + plen < avail) avail = 40 + plen; /* ignore Ethernet padding */
  uint8_t nh = ip[6];
  size_t off = 40;
  for (int n = 0;; n++) {
    if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51) break; /* upper layer reached */
    if (n == MAX_EXT_HEADERS || avail - off < 8) return BH_L2F_V6_UNPARSED;
    const uint8_t *h = ip + off;
    size_t hlen = nh == 44 ? 8 : nh == 51 ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
    if (nh == 44 && (be16(h + 2) & 0xfff8) != 0) return BH_L2F_OK; /* non-first fragment: no upper header */
    if (hlen > avail - off) return BH_L2F_V6_UNPARSED;
    nh = h[0];
    off += hlen;
  }
  const uint8_t *l4 = ip + off;
  size_t l4len = avail - off;
  if (nh == PROTO_VRRP) return (iso & BH_L2F_ISOLATE_VRRP) ? BH_L2F_VRRP6 : BH_L2F_OK;
  if (nh == PROTO_ICMPV6 && (iso & BH_L2F_ISOLATE_RA)) {
    if (l4len < 1) return BH_L2F_V6_UNPARSED;
    return l4[0] == 134 ? BH_L2F_RA : BH_L2F_OK;
  }
  if (nh == PROTO_UDP && (iso & (BH_L2F_ISOLATE_DHCP | BH_L2F_ISOLATE_HSRP))) {
    if (l4len < 8) return BH_L2F_V6_UNPARSED;
    uint16_t sport = be16(l4), dport = be16(l4 + 2);
    if ((iso & BH_L2F_ISOLATE_DHCP) && sport == 547 && dport == 546) return BH_L2F_DHCP6_SERVER;
    if ((iso & BH_L2F_ISOLATE_HSRP) && dport == 2029 && memcmp(ip + 24, hsrp6, 16) == 0) return BH_L2F_HSRP6;
  }
  return BH_L2F_OK;
}

bh_l2f_verdict bh_l2filter_check(const bh_l2filter_config *cfg, const uint8_t *frame, size_t len,
                                 bh_l2f_reason *reason) {
  bh_l2f_reason r = BH_L2F_OK;
  bh_eth_info e;
  if (frame && len >= BH_ETH_HLEN) r = link_local(frame);
  uint32_t iso = cfg ? cfg->isolate : 0;
  if (r == BH_L2F_OK && iso && bh_eth_parse(frame, len, &e) == 0) {
    const uint8_t *ip = frame + e.l3_offset;
    size_t avail = len - e.l3_offset;
    if (e.ethertype == BH_ETHERTYPE_IPV4) r = check_v4(iso, ip, avail);
    if (e.ethertype == BH_ETHERTYPE_IPV6 && (iso & V6_PRESETS)) r = check_v6(iso, ip, avail);
  }
  if (reason) *reason = r;
  return r == BH_L2F_OK ? BH_L2F_PASS : BH_L2F_DROP;
}

const char *bh_l2filter_reason_name(bh_l2f_reason r) {
  static const char *const names[BH_L2F_REASONS] = {
      "ok",         "l2_stp",     "l2_pause",   "l2_slow_protocols", "l2_pae",         "l2_lldp",
      "l2_link_local", "iso_dhcp4_server", "iso_dhcp6_server", "iso_vrrp4", "iso_vrrp6", "iso_hsrp4",
      "iso_hsrp6",  "iso_ra",     "iso_v6_unparsed"};
  return (unsigned)r < BH_L2F_REASONS ? names[r] : "unknown";
}
