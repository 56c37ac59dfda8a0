/* bh_eth: Ethernet II parsing with up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88A8). */
#include "bh_eth.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int is_vlan_tpid(uint16_t t) { return t == BH_ETHERTYPE_VLAN || t == BH_ETHERTYPE_QINQ; }

int bh_eth_parse(const uint8_t *frame, size_t len, bh_eth_info *out) {
  if (!frame || len < BH_ETH_HLEN) return -1;
  size_t off = 12;
  uint16_t type = be16(frame + off);
  uint16_t tci = 0;
  uint8_t tags = 0;
  off += 2;
  while (tags < 2 && is_vlan_tpid(type)) {
    if (len < off + 4) return -1; /* truncated tag */
    if (tags == 0) tci = be16(frame + off);
    type = be16(frame + off + 2);
    off += 4;
    tags++;
  }
  out->dst = frame;
  out->src = frame + BH_MAC_LEN;
  out->ethertype = type;
  out->vlan_tci = tci;
  out->vlan_tagged = tags;
  out->l3_offset = (uint16_t)off;
  return 0;
}

int bh_mac_is_zero(const uint8_t *mac) {
  return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

void bh_mac_format(const uint8_t mac[6], char out[18]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 6; i++) {
    out[i * 3] = hex[mac[i] >> 4];
    out[i * 3 + 1] = hex[mac[i] & 15];
    out[i * 3 + 2] = i < 5 ? ':' : '\0';
  }
}
