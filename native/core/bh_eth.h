/* bh_eth: Ethernet II header parsing (with up to two 802.1Q/802.1ad tags) and MAC helpers.
 * Pure: no allocation, no I/O. Pointers in bh_eth_info point into the caller's frame. */
#ifndef BH_ETH_H
#define BH_ETH_H

#include <stddef.h>
#include <stdint.h>

#define BH_ETH_HLEN 14
#define BH_MAC_LEN 6

#define BH_ETHERTYPE_IPV4 0x0800
#define BH_ETHERTYPE_ARP 0x0806
#define BH_ETHERTYPE_VLAN 0x8100  /* 802.1Q */
#define BH_ETHERTYPE_QINQ 0x88A8  /* 802.1ad S-tag */
#define BH_ETHERTYPE_IPV6 0x86DD

typedef struct {
  const uint8_t *dst;
  const uint8_t *src;
  uint16_t ethertype;   /* inner type after up to 2 VLAN tags */
  uint16_t vlan_tci;    /* TCI of the outer (first) tag, 0 if untagged */
  uint8_t vlan_tagged;  /* number of tags seen: 0, 1 or 2 */
  uint16_t l3_offset;   /* offset of the L3 header within the frame */
} bh_eth_info;

/* 0 ok, -1 too short / truncated tag. */
int bh_eth_parse(const uint8_t *frame, size_t len, bh_eth_info *out);

static inline int bh_mac_is_group(const uint8_t *mac) { return mac[0] & 1; } /* broadcast or multicast */
int bh_mac_is_zero(const uint8_t *mac);
void bh_mac_format(const uint8_t mac[6], char out[18]); /* "aa:bb:cc:dd:ee:ff" + NUL */

#endif
