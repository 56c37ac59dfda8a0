/* bh_l2filter: destination in 01:80:C2:00:00:0X -> drop (always). Else, with presets on, from the
 * frame view (bh_frame.h): IPv4 (first fragment only) or IPv6 (extension headers followed, at
 * most 8) -> protocol 112 (VRRP) / UDP ports (DHCP, HSRP) / ICMPv6 134 (RA) -> drop or pass. */
#include "bh_l2filter.h"

#include <string.h>

#include "bh_frame.h"

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

static bh_l2f_reason check_v4(uint32_t iso, const bh_frame *v) {
  const uint8_t *ip = bh_frame_l3(v);
  if (v->ip_proto == PROTO_VRRP) return (iso & BH_L2F_ISOLATE_VRRP) ? BH_L2F_VRRP4 : BH_L2F_OK;
  if (v->ip_proto != PROTO_UDP || !(v->ip_flags & BH_FRAME_L4) || v->l4_len < 8) return BH_L2F_OK;
  const uint8_t *udp = v->frame + v->l4_offset;
  uint16_t sport = be16(udp), dport = be16(udp + 2);
  if ((iso & BH_L2F_ISOLATE_DHCP) && sport == 67 && dport == 68) return BH_L2F_DHCP4_SERVER;
  if ((iso & BH_L2F_ISOLATE_HSRP) && dport == 1985 && ip[16] == 224 && ip[17] == 0 && ip[18] == 0 &&
      (ip[19] == 2 || ip[19] == 102))
    return BH_L2F_HSRP4;
  return BH_L2F_OK;
}

static bh_l2f_reason check_v6(uint32_t iso, const bh_frame *v) {
  static const uint8_t hsrp6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66};
  if (v->ip_flags & BH_FRAME_LATER_FRAGMENT) return BH_L2F_OK; /* no upper-layer header */
  if (v->ip_flags & BH_FRAME_V6_UNPARSED) return BH_L2F_V6_UNPARSED;
  const uint8_t *l4 = v->frame + v->l4_offset;
  size_t l4len = v->l4_len;
  uint8_t nh = v->ip_proto;
  if (nh == PROTO_VRRP) return (iso & BH_L2F_ISOLATE_VRRP) ? BH_L2F_VRRP6 : BH_L2F_OK;
  if (nh == PROTO_ICMPV6 && (iso & BH_L2F_ISOLATE_RA)) {
    if (l4len < 1) return BH_L2F_V6_UNPARSED;
    return l4[0] == 134 ? BH_L2F_RA : BH_L2F_OK;
  }
  if (nh == PROTO_UDP && (iso & (BH_L2F_ISOLATE_DHCP | BH_L2F_ISOLATE_HSRP))) {
    if (l4len < 8) return BH_L2F_V6_UNPARSED;
    uint16_t sport = be16(l4), dport = be16(l4 + 2);
    if ((iso & BH_L2F_ISOLATE_DHCP) && sport == 547 && dport == 546) return BH_L2F_DHCP6_SERVER;
    if ((iso & BH_L2F_ISOLATE_HSRP) && dport == 2029 && memcmp(bh_frame_l3(v) + 24, hsrp6, 16) == 0)
      return BH_L2F_HSRP6;
  }
  return BH_L2F_OK;
}

bh_l2f_verdict bh_l2filter_check_view(const bh_l2filter_config *cfg, const bh_frame *v, bh_l2f_reason *reason) {
  bh_l2f_reason r = BH_L2F_OK;
  if (v->frame && v->len >= BH_ETH_HLEN) r = link_local(v->frame);
  uint32_t iso = cfg ? cfg->isolate : 0;
  if (r == BH_L2F_OK && iso) {
    if (v->ip_version == 4) r = check_v4(iso, v);
    if (v->ip_version == 6 && (iso & V6_PRESETS)) r = check_v6(iso, v);
  }
  if (reason) *reason = r;
  return r == BH_L2F_OK ? BH_L2F_PASS : BH_L2F_DROP;
}

bh_l2f_verdict bh_l2filter_check(const bh_l2filter_config *cfg, const uint8_t *frame, size_t len,
                                 bh_l2f_reason *reason) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_l2filter_check_view(cfg, &v, reason);
}

const char *bh_l2filter_reason_name(bh_l2f_reason r) {
  static const char *const names[BH_L2F_REASONS] = {
      "ok",         "l2_stp",     "l2_pause",   "l2_slow_protocols", "l2_pae",         "l2_lldp",
      "l2_link_local", "iso_dhcp4_server", "iso_dhcp6_server", "iso_vrrp4", "iso_vrrp6", "iso_hsrp4",
      "iso_hsrp6",  "iso_ra",     "iso_v6_unparsed"};
  return (unsigned)r < BH_L2F_REASONS ? names[r] : "unknown";
}
