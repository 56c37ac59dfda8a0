/* bh_qos_classify: inner frame -> egress band (see bh_qos_classify.h for the order of the rules). */
#include "bh_qos_classify.h"

#include <stddef.h>

const char *const bh_qos_band_names[BH_QOS_BANDS] = {"network-control", "realtime", "interactive", "best-effort",
                                                      "bulk"};

#define ET_IPV4 0x0800
#define ET_ARP 0x0806
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_IPV6 0x86dd
#define ET_SLOW 0x8809
#define ET_PAE 0x888e
#define ET_LLDP 0x88cc
#define MAX_EXT_HEADERS 8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

bh_qos_band bh_qos_band_of_dscp(uint8_t dscp) {
  switch (dscp) {
    case 48: case 56:                  /* CS6, CS7 */
      return BH_QOS_NETWORK_CONTROL;
    case 46: case 44: case 40:         /* EF, VOICE-ADMIT, CS5 */
      return BH_QOS_REALTIME;
    case 32: case 34: case 36: case 38: /* CS4, AF41-43 */
    case 24: case 26: case 28: case 30: /* CS3, AF31-33 */
      return BH_QOS_INTERACTIVE;
    case 8: case 1:                    /* CS1, LE (RFC 8622) */
      return BH_QOS_BULK;
    default:
      return BH_QOS_BEST_EFFORT;
  }
}

bh_qos_band bh_qos_band_of_pcp(uint8_t pcp) {
  switch (pcp & 7) {
    case 6: case 7: return BH_QOS_NETWORK_CONTROL;
    case 5: return BH_QOS_REALTIME;
    case 4: return BH_QOS_INTERACTIVE;
    case 1: return BH_QOS_BULK;
    default: return BH_QOS_BEST_EFFORT;
  }
}

static int rule_match(const bh_qos_rules *rules, uint8_t proto, uint16_t sport, uint16_t dport, bh_qos_band *out) {
  if (!rules) return 0;
  for (uint32_t i = 0; i < rules->n && i < BH_QOS_MAX_RULES; i++) {
    const bh_qos_rule *r = &rules->rule[i];
    int proto_ok = r->proto == proto || (r->proto == BH_QOS_PROTO_TCP_UDP && (proto == 6 || proto == 17));
    if (!proto_ok) continue;
    if ((sport >= r->port_from && sport <= r->port_to) || (dport >= r->port_from && dport <= r->port_to)) {
      *out = r->band < BH_QOS_BANDS ? (bh_qos_band)r->band : BH_QOS_BEST_EFFORT;
      return 1;
    }
  }
  return 0;
}

/* Protocols whose first 4 bytes are source and destination port. */
static int has_ports(uint8_t proto) { return proto == 6 || proto == 17 || proto == 132 || proto == 136 || proto == 33; }

/* The band of an IP packet at p (n bytes) with DSCP dscp and L4 at l4 (NULL: none / not first fragment). */
static bh_qos_band ip_band(const bh_qos_rules *rules, uint8_t proto, const uint8_t *l4, size_t l4_len,
                           bh_qos_band by_mark) {
  bh_qos_band b;
  if (l4 && has_ports(proto) && l4_len >= 4 && rule_match(rules, proto, be16(l4), be16(l4 + 2), &b)) return b;
  return by_mark;
}

static bh_qos_band ipv4(const bh_qos_rules *rules, const uint8_t *p, size_t n, int pcp) {
  if (n < 20 || (p[0] >> 4) != 4) return pcp > 0 ? bh_qos_band_of_pcp((uint8_t)pcp) : BH_QOS_BEST_EFFORT;
  size_t ihl = (size_t)(p[0] & 15) * 4;
  uint8_t dscp = p[1] >> 2;
  bh_qos_band mark = pcp > 0 ? bh_qos_band_of_pcp((uint8_t)pcp) : bh_qos_band_of_dscp(dscp);
  if (ihl < 20 || ihl > n) return mark;
  int first_fragment = (be16(p + 6) & 0x1fff) == 0;
  return ip_band(rules, p[9], first_fragment ? p + ihl : NULL, n - ihl, mark);
}

static bh_qos_band ipv6(const bh_qos_rules *rules, const uint8_t *p, size_t n, int pcp) {
  if (n < 40 || (p[0] >> 4) != 6) return pcp > 0 ? bh_qos_band_of_pcp((uint8_t)pcp) : BH_QOS_BEST_EFFORT;
  uint8_t dscp = (uint8_t)(((p[0] & 15) << 2) | (p[1] >> 6));
  bh_qos_band mark = pcp > 0 ? bh_qos_band_of_pcp((uint8_t)pcp) : bh_qos_band_of_dscp(dscp);
  uint8_t nh = p[6];
  size_t off = 40;
  for (int k = 0; k < MAX_EXT_HEADERS; k++) {
    if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination options */
      if (off + 8 > n) return mark;
      nh = p[off];
      off += ((size_t)p[off + 1] + 1) * 8;
    } else if (nh == 44) { /* fragment: ports only in the first one */
      if (off + 8 > n) return mark;
      if ((be16(p + off + 2) & 0xfff8) != 0) return mark;
      nh = p[off];
      off += 8;
    } else {
      break;
    }
  }
  if (off > n) return mark;
  if (nh == 58 && off < n && p[off] >= 133 && p[off] <= 137) return BH_QOS_NETWORK_CONTROL; /* RS RA NS NA redirect */
  return ip_band(rules, nh, p + off, n - off, mark);
}

bh_qos_band bh_qos_classify(const bh_qos_rules *rules, const uint8_t *f, uint32_t len) {
  if (!f || len < 14) return BH_QOS_BEST_EFFORT;
  if (f[0] == 0x01 && f[1] == 0x80 && f[2] == 0xc2 && f[3] == 0 && f[4] == 0 && (f[5] & 0xf0) == 0)
    return BH_QOS_NETWORK_CONTROL; /* IEEE link-local: STP, LACP, 802.1X, LLDP */
  size_t off = 12;
  int pcp = -1;
  uint16_t et = be16(f + off);
  for (int tags = 0; (et == ET_VLAN || et == ET_QINQ) && tags < 2; tags++) {
    if (off + 6 > len) return BH_QOS_BEST_EFFORT;
    if (pcp < 0) pcp = f[off + 2] >> 5;
    off += 4;
    et = be16(f + off);
  }
  off += 2;
  switch (et) {
    case ET_ARP: case ET_SLOW: case ET_PAE: case ET_LLDP:
      return BH_QOS_NETWORK_CONTROL;
    case ET_IPV4:
      return ipv4(rules, f + off, len - off, pcp);
    case ET_IPV6:
      return ipv6(rules, f + off, len - off, pcp);
    default:
      return pcp > 0 ? bh_qos_band_of_pcp((uint8_t)pcp) : BH_QOS_BEST_EFFORT;
  }
}
