/* bh_nd: IPv6 Neighbor Discovery (RFC 4861) Neighbor Solicitation / Advertisement frames,
 * untagged or behind one VLAN tag: strict parse (hop limit 255, ICMPv6 checksum, code 0, option
 * lengths, DAD rules), and the frames a proxy sends: a solicited NA on behalf of a remote host,
 * an unsolicited NA (mobility announcement) and a DAD-style NS (probe). Also the IPv4/IPv6 source
 * address of ordinary traffic frames, for learning.
 * Pure: no allocation, no I/O; output goes to caller-owned buffers. */
#ifndef BH_ND_H
#define BH_ND_H

#include <stddef.h>
#include <stdint.h>

#include "bh_arp.h" /* bh_vlan, bh_vlan_put_eth_header */
#include "bh_frame.h"

#define BH_ND_NS 135
#define BH_ND_NA 136
#define BH_ND_FLAG_ROUTER 0x80    /* NA flags, first byte after the checksum */
#define BH_ND_FLAG_SOLICITED 0x40
#define BH_ND_FLAG_OVERRIDE 0x20
#define BH_ND_NA_FRAME_LEN 86     /* 14 + 40 + 24 + 8 (target link-layer option); +4 with a tag */
#define BH_ND_NS_DAD_FRAME_LEN 78 /* 14 + 40 + 24, no option; +4 with a tag */
#define BH_ND_FRAME_MAX 90

typedef enum {
  BH_ND_OK = 0,
  BH_ND_NOT_ND = -1,        /* not IPv6 / not ICMPv6 NS or NA (extension headers are not walked) */
  BH_ND_TRUNCATED = -2,     /* shorter than its headers, or IPv6 payload length beyond the frame */
  BH_ND_BAD_IP6 = -3,       /* version != 6 or payload length 0 (jumbogram) */
  BH_ND_BAD_HOP_LIMIT = -4, /* hop limit != 255: not from the link (RFC 4861 7.1) */
  BH_ND_BAD_CHECKSUM = -5,
  BH_ND_BAD_CODE = -6,      /* ICMP code != 0 */
  BH_ND_BAD_OPTION = -7,    /* zero-length, overrunning, or link-layer option of length != 1 */
  BH_ND_BAD_TARGET = -8,    /* multicast target */
  BH_ND_BAD_SOURCE = -9,    /* multicast source; NA from the unspecified address */
  BH_ND_BAD_DAD = -10,      /* NS from :: not to a solicited-node group, or with a source LL option */
  BH_ND_BAD_NA = -11,       /* NA to a multicast destination with the Solicited flag */
  BH_ND_TOO_MANY_TAGS = -12 /* more than one VLAN tag */
} bh_nd_status;

typedef struct {
  bh_vlan vlan;
  const uint8_t *eth_dst, *eth_src; /* point into the frame */
  uint8_t type;                      /* BH_ND_NS or BH_ND_NA */
  uint8_t flags;                     /* NA: R/S/O bits as on the wire; NS: 0 */
  uint8_t src[16], dst[16], target[16];
  uint8_t has_sll, has_tll;          /* source / target link-layer address options (first of each) */
  uint8_t sll[6], tll[6];
  uint8_t is_dad;                    /* NS from :: (duplicate address detection): never proxied */
} bh_nd_info;

/* From the frame view (bh_frame.h; the frame parsed once), or from the frame itself. */
bh_nd_status bh_nd_parse_view(const bh_frame *v, bh_nd_info *out);
bh_nd_status bh_nd_parse(const uint8_t *frame, size_t len, bh_nd_info *out);
const char *bh_nd_status_name(bh_nd_status s);

/* ICMPv6 checksum (RFC 4443 2.3, pseudo-header of RFC 8200 8.1) of `icmp` as it is, including
 * whatever its checksum field holds: build with the field zeroed and store the result; a received
 * message is valid when this returns 0. */
uint16_t bh_icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp, size_t len);

/* May a proxy answer this NS? Not DAD (RFC 4861 7.2.3/RFC 4862: DAD must reach the real owner). */
int bh_nd_wants_proxy_answer(const bh_nd_info *ns);

/* Builders return the frame length or 0 (buffer too small / not answerable); hop limit 255.
 * Solicited NA answering `ns` for the remote host that owns ns->target:
 *   Ethernet src = host_mac, dst = the NS's source LL option (else its Ethernet source), same tag;
 *   IPv6 src = ns->target, dst = ns->src; flags S|O (+R when router); target LL option = host_mac. */
size_t bh_nd_build_na_reply(const bh_nd_info *ns, const uint8_t host_mac[6], int router, uint8_t *out,
                            size_t out_cap);
/* Unsolicited NA (RFC 4861 7.2.6) for mac/ip: to ff02::1 (33:33:00:00:00:01), flags O (+R). */
size_t bh_nd_build_unsolicited_na(const uint8_t mac[6], const uint8_t ip[16], int router, bh_vlan vlan,
                                  uint8_t *out, size_t out_cap);
/* DAD-style probe NS (RFC 4862 5.4.2) asking who holds `target`: from ::, to its solicited-node
 * group ff02::1:ffXX:XXXX (33:33:ff:XX:XX:XX), no option; the owner answers with an NA to ff02::1. */
size_t bh_nd_build_dad_ns(const uint8_t sender_mac[6], const uint8_t target[16], bh_vlan vlan, uint8_t *out,
                          size_t out_cap);

/* Source of an ordinary IPv4/IPv6 frame (at most two VLAN tags), for learning. Returns 1 with
 * *out filled when the header is well-formed and the source is learnable (unicast source MAC;
 * IPv4 source not 0/8, 127/8, multicast, 240/4 or broadcast; IPv6 source not ::, ::1 or
 * multicast), else 0. addr points into the frame (4 or 16 bytes). */
typedef struct {
  const uint8_t *src_mac, *addr;
  uint8_t family; /* 4 or 6 */
} bh_ip_source;
int bh_ip_source_view(const bh_frame *v, bh_ip_source *out);
int bh_ip_source_parse(const uint8_t *frame, size_t len, bh_ip_source *out);

#endif
