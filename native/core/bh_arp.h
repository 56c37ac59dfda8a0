/* bh_arp: ARP (RFC 826, IPv4 over Ethernet) frames, untagged or behind one VLAN tag.
 * Parse a frame into its fields and kind (request, reply, gratuitous, RFC 5227 probe or
 * announcement); build the frames the proxy needs: a reply on behalf of a remote host, a
 * gratuitous ARP (request and reply form) and an RFC 5227 probe.
 * Pure: no allocation, no I/O; output goes to caller-owned buffers. bh_vlan is shared with bh_nd. */
#ifndef BH_ARP_H
#define BH_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "bh_frame.h"

#define BH_ARP_LEN 28         /* ARP body for IPv4 over Ethernet */
#define BH_ARP_FRAME_MAX 46   /* 14 + 4 (one tag) + 28; frames are not padded to 60 */

/* One VLAN tag as found on the wire (tpid 0x8100 or 0x88A8); tpid 0 = untagged. */
typedef struct { uint16_t tpid, tci; } bh_vlan;

enum { BH_ARP_OP_REQUEST = 1, BH_ARP_OP_REPLY = 2 };

typedef enum {
  BH_ARP_OK = 0,
  BH_ARP_NOT_ARP = -1,     /* not an ARP frame (ethertype), not an error */
  BH_ARP_TRUNCATED = -2,   /* shorter than its headers */
  BH_ARP_BAD_HEADER = -3,  /* htype/ptype/hlen/plen other than Ethernet/IPv4/6/4 */
  BH_ARP_BAD_OP = -4,      /* opcode other than request/reply */
  BH_ARP_BAD_SENDER = -5,  /* sender MAC is zero, multicast or broadcast */
  BH_ARP_TOO_MANY_TAGS = -6 /* more than one VLAN tag */
} bh_arp_status;

typedef struct {
  bh_vlan vlan;
  const uint8_t *eth_dst, *eth_src; /* point into the frame */
  uint16_t op;
  uint8_t sha[6], tha[6];          /* sender / target hardware address */
  uint8_t spa[4], tpa[4];          /* sender / target protocol address (network order) */
  uint8_t is_gratuitous;   /* spa == tpa != 0.0.0.0 (request or reply form) */
  uint8_t is_probe;        /* RFC 5227 probe: request, spa == 0.0.0.0 */
  uint8_t is_announcement; /* RFC 5227 announcement: request, spa == tpa != 0.0.0.0 */
  uint8_t eth_src_mismatch; /* Ethernet source differs from sha (proxies, bridges; informational) */
} bh_arp_info;

/* Shared with bh_nd: writes dst, src, [tpid tci], ethertype; returns the header length (14 or 18). */
size_t bh_vlan_put_eth_header(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], bh_vlan vlan,
                              uint16_t ethertype);

/* From the frame view (bh_frame.h; the frame parsed once), or from the frame itself. */
bh_arp_status bh_arp_parse_view(const bh_frame *v, bh_arp_info *out);
bh_arp_status bh_arp_parse(const uint8_t *frame, size_t len, bh_arp_info *out);
const char *bh_arp_status_name(bh_arp_status s);

/* May a proxy answer this frame on behalf of the owner of tpa? Only an ordinary request:
 * probes (the owner itself must answer, RFC 5227 conflict detection), gratuitous frames and
 * replies are never answered. */
int bh_arp_wants_proxy_answer(const bh_arp_info *req);

/* The frame builders return the frame length, or 0 when out_cap is too small (or the request
 * is not answerable). Frames keep the request's VLAN tag; no padding is added. */

/* RFC 826 reply to `req` on behalf of the remote host that owns req->tpa:
 * Ethernet src = host_mac, dst = req->sha; ARP sender = host_mac/req->tpa, target = req->sha/req->spa. */
size_t bh_arp_build_reply(const bh_arp_info *req, const uint8_t host_mac[6], uint8_t *out, size_t out_cap);

/* Gratuitous ARP for mac/ip, broadcast (RFC 5944 section 4.6 / RFC 5227 announcement):
 * request form: op 1, tha 00:00:00:00:00:00; reply form: op 2, tha = mac. spa = tpa = ip. */
size_t bh_arp_build_garp(const uint8_t mac[6], const uint8_t ip[4], bh_vlan vlan, int reply_form, uint8_t *out,
                         size_t out_cap);

/* RFC 5227 probe for target_ip, broadcast: op 1, sha = sender_mac, spa 0.0.0.0, tha 0, tpa = target_ip. */
size_t bh_arp_build_probe(const uint8_t sender_mac[6], const uint8_t target_ip[4], bh_vlan vlan, uint8_t *out,
                          size_t out_cap);

#endif
