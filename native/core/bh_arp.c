/* bh_arp: frame -> Ethernet (at most one VLAN tag) -> ARP body checks (Ethernet/IPv4, op 1|2,
 * unicast sender) -> fields + kind flags. Builders write Ethernet [+ tag] + 28-byte ARP body. */
#include "bh_arp.h"

#include <string.h>

#include "bh_frame.h"

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO6[6] = {0};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static int ip_is_zero(const uint8_t ip[4]) { return (ip[0] | ip[1] | ip[2] | ip[3]) == 0; }

size_t bh_vlan_put_eth_header(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], bh_vlan vlan,
                              uint16_t ethertype) {
  size_t off = 12;
  memcpy(out, dst, 6);
  memcpy(out + 6, src, 6);
  if (vlan.tpid) {
    put16(out + 12, vlan.tpid);
    put16(out + 14, vlan.tci);
    off = 16;
  }
  put16(out + off, ethertype);
  return off + 2;
}

bh_arp_status bh_arp_parse_view(const bh_frame *v, bh_arp_info *out) {
  if (!v->frame || !out || !v->l2_ok) return BH_ARP_TRUNCATED;
  const bh_eth_info e = v->eth;
  if (e.ethertype != BH_ETHERTYPE_ARP) return BH_ARP_NOT_ARP;
  if (e.vlan_tagged > 1) return BH_ARP_TOO_MANY_TAGS;
  if (v->len < (size_t)e.l3_offset + BH_ARP_LEN) return BH_ARP_TRUNCATED;
  const uint8_t *a = bh_frame_l3(v);
  if (be16(a) != 1 || be16(a + 2) != BH_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4) return BH_ARP_BAD_HEADER;
  uint16_t op = be16(a + 6);
  if (op != BH_ARP_OP_REQUEST && op != BH_ARP_OP_REPLY) return BH_ARP_BAD_OP;
  if (bh_mac_is_group(a + 8) || bh_mac_is_zero(a + 8)) return BH_ARP_BAD_SENDER;
  memset(out, 0, sizeof *out);
  if (e.vlan_tagged) out->vlan = (bh_vlan){v->outer_tpid, e.vlan_tci};
  out->eth_dst = e.dst;
  out->eth_src = e.src;
  out->op = op;
  memcpy(out->sha, a + 8, 6);
  memcpy(out->spa, a + 14, 4);
  memcpy(out->tha, a + 18, 6);
  memcpy(out->tpa, a + 24, 4);
  int same_ip = memcmp(out->spa, out->tpa, 4) == 0;
  out->is_gratuitous = same_ip && !ip_is_zero(out->spa);
  out->is_probe = op == BH_ARP_OP_REQUEST && ip_is_zero(out->spa);
  out->is_announcement = op == BH_ARP_OP_REQUEST && out->is_gratuitous;
  out->eth_src_mismatch = memcmp(e.src, out->sha, 6) != 0;
  return BH_ARP_OK;
}

bh_arp_status bh_arp_parse(const uint8_t *frame, size_t len, bh_arp_info *out) {
  bh_frame v;
  bh_frame_parse(frame, len, &v);
  return bh_arp_parse_view(&v, out);
}

const char *bh_arp_status_name(bh_arp_status s) {
  switch (s) {
    case BH_ARP_OK: return "ok";
    case BH_ARP_NOT_ARP: return "not_arp";
    case BH_ARP_TRUNCATED: return "arp_truncated";
    case BH_ARP_BAD_HEADER: return "arp_bad_header";
    case BH_ARP_BAD_OP: return "arp_bad_op";
    case BH_ARP_BAD_SENDER: return "arp_bad_sender";
    case BH_ARP_TOO_MANY_TAGS: return "arp_too_many_tags";
  }
  return "arp_unknown";
}

int bh_arp_wants_proxy_answer(const bh_arp_info *req) {
  return req->op == BH_ARP_OP_REQUEST && !req->is_probe && !req->is_gratuitous && !ip_is_zero(req->tpa);
}

static size_t put_arp(uint8_t *out, size_t out_cap, const uint8_t eth_dst[6], const uint8_t eth_src[6],
                      bh_vlan vlan, uint16_t op, const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
                      const uint8_t tpa[4]) {
  size_t need = (vlan.tpid ? 18u : 14u) + BH_ARP_LEN;
  if (!out || out_cap < need) return 0;
  size_t off = bh_vlan_put_eth_header(out, eth_dst, eth_src, vlan, BH_ETHERTYPE_ARP);
  uint8_t *a = out + off;
  put16(a, 1);
  put16(a + 2, BH_ETHERTYPE_IPV4);
  a[4] = 6;
  a[5] = 4;
  put16(a + 6, op);
  memcpy(a + 8, sha, 6);
  memcpy(a + 14, spa, 4);
  memcpy(a + 18, tha, 6);
  memcpy(a + 24, tpa, 4);
  return need;
}

size_t bh_arp_build_reply(const bh_arp_info *req, const uint8_t host_mac[6], uint8_t *out, size_t out_cap) {
  if (!req || !bh_arp_wants_proxy_answer(req)) return 0;
  return put_arp(out, out_cap, req->sha, host_mac, req->vlan, BH_ARP_OP_REPLY, host_mac, req->tpa, req->sha,
                 req->spa);
}

size_t bh_arp_build_garp(const uint8_t mac[6], const uint8_t ip[4], bh_vlan vlan, int reply_form, uint8_t *out,
                         size_t out_cap) {
  return put_arp(out, out_cap, BCAST, mac, vlan, reply_form ? BH_ARP_OP_REPLY : BH_ARP_OP_REQUEST, mac, ip,
                 reply_form ? mac : ZERO6, ip);
}

size_t bh_arp_build_probe(const uint8_t sender_mac[6], const uint8_t target_ip[4], bh_vlan vlan, uint8_t *out,
                          size_t out_cap) {
  static const uint8_t zero_ip[4] = {0};
  return put_arp(out, out_cap, BCAST, sender_mac, vlan, BH_ARP_OP_REQUEST, sender_mac, zero_ip, ZERO6, target_ip);
}
