/* bh_nd: frame -> Ethernet (at most one tag) -> IPv6 header (next header 58, no extension headers)
 * -> ICMPv6 type 135/136 -> hop limit 255 -> checksum -> code 0 -> length -> options -> address
 * rules (RFC 4861 7.1.1 / 7.1.2) -> fields. Builders write Ethernet [+ tag] + IPv6 + ICMPv6 with
 * the checksum computed last. bh_ip_source_parse reads the source of ordinary IPv4/IPv6 frames. */
#include "bh_nd.h"

#include <string.h>

#include "bh_frame.h"

#define IP6_HLEN 40
#define ND_FIXED 24 /* type, code, checksum, flags/reserved, target */
#define OPT_SLL 1
#define OPT_TLL 2

static const uint8_t ALL_NODES[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t UNSPEC[16] = {0};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static int is_multicast6(const uint8_t a[16]) { return a[0] == 0xff; }
static int is_unspecified6(const uint8_t a[16]) { return memcmp(a, UNSPEC, 16) == 0; }
static int is_solicited_node(const uint8_t a[16]) {
  static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  return memcmp(a, pfx, 13) == 0;
}

uint16_t bh_icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp, size_t len) {
  uint64_t sum = 0;
  for (int i = 0; i < 16; i += 2) sum += (uint32_t)be16(src + i) + be16(dst + i);
  sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + 58; /* upper-layer length, next header */
  size_t i = 0;
  for (; i + 1 < len; i += 2) sum += be16(icmp + i);
  if (i < len) sum += (uint32_t)icmp[i] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Options after the fixed part: every option needs length > 0 and must fit (RFC 4861 4.6). */
static bh_nd_status parse_options(const uint8_t *opt, size_t len, bh_nd_info *out) {
  size_t off = 0;
  while (off < len) {
    if (len - off < 2) return BH_ND_BAD_OPTION;
    size_t olen = (size_t)opt[off + 1] * 8;
    if (olen == 0 || olen > len - off) return BH_ND_BAD_OPTION;
    uint8_t type = opt[off];
    if (type == OPT_SLL || type == OPT_TLL) {
      if (olen != 8) return BH_ND_BAD_OPTION; /* Ethernet: 2 + 6 bytes */
      if (type == OPT_SLL && !out->has_sll) out->has_sll = 1, memcpy(out->sll, opt + off + 2, 6);
      if (type == OPT_TLL && !out->has_tll) out->has_tll = 1, memcpy(out->tll, opt + off + 2, 6);
    }
    off += olen;
  }
  return BH_ND_OK;
}

bh_nd_status bh_nd_parse_view(const bh_frame *v, bh_nd_info *out) {
  if (!v->frame || !out || !v->l2_ok) return BH_ND_TRUNCATED;
  const bh_eth_info e = v->eth;
  if (e.ethertype != BH_ETHERTYPE_IPV6) return BH_ND_NOT_ND;
  if (v->len < (size_t)e.l3_offset + IP6_HLEN) return BH_ND_TRUNCATED;
  const uint8_t *ip = bh_frame_l3(v);
  if (ip[6] != 58) return BH_ND_NOT_ND;
  size_t avail = v->len - e.l3_offset - IP6_HLEN, plen = be16(ip + 4);
  const uint8_t *icmp = ip + IP6_HLEN;
  if (avail < 1) return BH_ND_TRUNCATED;
  if (icmp[0] != BH_ND_NS && icmp[0] != BH_ND_NA) return BH_ND_NOT_ND;
  if (e.vlan_tagged > 1) return BH_ND_TOO_MANY_TAGS;
  if ((ip[0] >> 4) != 6 || plen == 0) return BH_ND_BAD_IP6;
  if (plen > avail) return BH_ND_TRUNCATED; /* bytes beyond plen are Ethernet padding */
  if (plen < ND_FIXED) return BH_ND_TRUNCATED;
  if (ip[7] != 255) return BH_ND_BAD_HOP_LIMIT;
  if (bh_icmp6_checksum(ip + 8, ip + 24, icmp, plen) != 0) return BH_ND_BAD_CHECKSUM;
  if (icmp[1] != 0) return BH_ND_BAD_CODE;
  memset(out, 0, sizeof *out);
  bh_nd_status st = parse_options(icmp + ND_FIXED, plen - ND_FIXED, out);
  if (st != BH_ND_OK) return st;
  if (e.vlan_tagged) out->vlan = (bh_vlan){v->outer_tpid, e.vlan_tci};
  out->eth_dst = e.dst;
  out->eth_src = e.src;
  out->type = icmp[0];
  memcpy(out->src, ip + 8, 16);
  memcpy(out->dst, ip + 24, 16);
  memcpy(out->target, icmp + 8, 16);
  if (is_multicast6(out->target)) return BH_ND_BAD_TARGET;
  if (is_multicast6(out->src)) return BH_ND_BAD_SOURCE;
  if (out->type == BH_ND_NS) {
    out->is_dad = (uint8_t)is_unspecified6(out->src);
    if (out->is_dad && (!is_solicited_node(out->dst) || out->has_sll)) return BH_ND_BAD_DAD;
  } else {
    out->flags = icmp[4] & (BH_ND_FLAG_ROUTER | BH_ND_FLAG_SOLICITED | BH_ND_FLAG_OVERRIDE);
    if (is_unspecified6(out->src)) return BH_ND_BAD_SOURCE;
    if (is_multicast6(out->dst) && (out->flags & BH_ND_FLAG_SOLICITED)) return BH_ND_BAD_NA;
  }
  return BH_ND_OK;
}

bh_nd_status bh_nd_parse(const uint8_t *frame, size_t len, bh_nd_info *out) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_nd_parse_view(&v, out);
}

const char *bh_nd_status_name(bh_nd_status s) {
  switch (s) {
    case BH_ND_OK: return "ok";
    case BH_ND_NOT_ND: return "not_nd";
    case BH_ND_TRUNCATED: return "nd_truncated";
    case BH_ND_BAD_IP6: return "nd_bad_ip6";
    case BH_ND_BAD_HOP_LIMIT: return "nd_bad_hop_limit";
    case BH_ND_BAD_CHECKSUM: return "nd_bad_checksum";
    case BH_ND_BAD_CODE: return "nd_bad_code";
    case BH_ND_BAD_OPTION: return "nd_bad_option";
    case BH_ND_BAD_TARGET: return "nd_bad_target";
    case BH_ND_BAD_SOURCE: return "nd_bad_source";
    case BH_ND_BAD_DAD: return "nd_bad_dad";
    case BH_ND_BAD_NA: return "nd_bad_na";
    case BH_ND_TOO_MANY_TAGS: return "nd_too_many_tags";
  }
  return "nd_unknown";
}

int bh_nd_wants_proxy_answer(const bh_nd_info *ns) { return ns->type == BH_ND_NS && !ns->is_dad; }

/* Ethernet [+ tag] + IPv6 (hop limit 255, next header 58) + ICMPv6 fixed part + optional LL option. */
static size_t put_nd(uint8_t *out, size_t out_cap, const uint8_t eth_dst[6], const uint8_t eth_src[6],
                     bh_vlan vlan, const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint8_t flags,
                     const uint8_t target[16], uint8_t opt_type, const uint8_t opt_mac[6]) {
  size_t icmp_len = ND_FIXED + (opt_type ? 8u : 0u);
  size_t need = (vlan.tpid ? 18u : 14u) + IP6_HLEN + icmp_len;
  if (!out || out_cap < need) return 0;
  uint8_t *ip = out + bh_vlan_put_eth_header(out, eth_dst, eth_src, vlan, BH_ETHERTYPE_IPV6);
  memset(ip, 0, IP6_HLEN + icmp_len);
  ip[0] = 0x60;
  ip[4] = (uint8_t)(icmp_len >> 8);
  ip[5] = (uint8_t)icmp_len;
  ip[6] = 58;
  ip[7] = 255;
  memcpy(ip + 8, src, 16);
  memcpy(ip + 24, dst, 16);
  uint8_t *icmp = ip + IP6_HLEN;
  icmp[0] = type;
  icmp[4] = flags;
  memcpy(icmp + 8, target, 16);
  if (opt_type) {
    icmp[24] = opt_type;
    icmp[25] = 1;
    memcpy(icmp + 26, opt_mac, 6);
  }
  uint16_t ck = bh_icmp6_checksum(src, dst, icmp, icmp_len);
  icmp[2] = (uint8_t)(ck >> 8);
  icmp[3] = (uint8_t)ck;
  return need;
}

size_t bh_nd_build_na_reply(const bh_nd_info *ns, const uint8_t host_mac[6], int router, uint8_t *out,
                            size_t out_cap) {
  if (!ns || !bh_nd_wants_proxy_answer(ns)) return 0;
  uint8_t flags = BH_ND_FLAG_SOLICITED | BH_ND_FLAG_OVERRIDE | (router ? BH_ND_FLAG_ROUTER : 0);
  const uint8_t *eth_dst = ns->has_sll ? ns->sll : ns->eth_src;
  return put_nd(out, out_cap, eth_dst, host_mac, ns->vlan, ns->target, ns->src, BH_ND_NA, flags, ns->target,
                OPT_TLL, host_mac);
}

size_t bh_nd_build_unsolicited_na(const uint8_t mac[6], const uint8_t ip[16], int router, bh_vlan vlan,
                                  uint8_t *out, size_t out_cap) {
  static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
  uint8_t flags = BH_ND_FLAG_OVERRIDE | (router ? BH_ND_FLAG_ROUTER : 0);
  return put_nd(out, out_cap, all_nodes_mac, mac, vlan, ip, ALL_NODES, BH_ND_NA, flags, ip, OPT_TLL, mac);
}

size_t bh_nd_build_dad_ns(const uint8_t sender_mac[6], const uint8_t target[16], bh_vlan vlan, uint8_t *out,
                          size_t out_cap) {
  uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, target[13], target[14], target[15]};
  uint8_t group_mac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
  return put_nd(out, out_cap, group_mac, sender_mac, vlan, UNSPEC, group, BH_ND_NS, 0, target, 0, NULL);
}

static int learnable_v4(const uint8_t a[4]) {
  if (a[0] == 0 || a[0] == 127 || a[0] >= 224) return 0; /* 0/8, loopback, multicast, 240/4 + broadcast */
  return 1;
}

static int learnable_v6(const uint8_t a[16]) {
  static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return !is_unspecified6(a) && !is_multicast6(a) && memcmp(a, loopback, 16) != 0;
}

int bh_ip_source_view(const bh_frame *v, bh_ip_source *out) {
  if (!v->frame || !out || !v->l2_ok) return 0;
  const bh_eth_info e = v->eth;
  if (bh_mac_is_group(e.src) || bh_mac_is_zero(e.src)) return 0;
  const uint8_t *ip = bh_frame_l3(v);
  size_t avail = v->len - e.l3_offset;
  if (e.ethertype == BH_ETHERTYPE_IPV4) {
    if (avail < 20 || (ip[0] >> 4) != 4) return 0;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    if (ihl < 20 || total < ihl || total > avail || !learnable_v4(ip + 12)) return 0;
    *out = (bh_ip_source){.src_mac = e.src, .addr = ip + 12, .family = 4};
    return 1;
  }
  if (e.ethertype == BH_ETHERTYPE_IPV6) {
    if (avail < IP6_HLEN || (ip[0] >> 4) != 6 || (size_t)be16(ip + 4) > avail - IP6_HLEN) return 0;
    if (!learnable_v6(ip + 8)) return 0;
    *out = (bh_ip_source){.src_mac = e.src, .addr = ip + 8, .family = 6};
    return 1;
  }
  return 0;
}

int bh_ip_source_parse(const uint8_t *frame, size_t len, bh_ip_source *out) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_ip_source_view(&v, out);
}
