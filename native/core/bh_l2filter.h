/* bh_l2filter: frames that must not cross the tunnel. Always: IEEE 802.1 link-local destinations
 * 01:80:C2:00:00:00..0F (STP, pause, LACP/slow protocols, 802.1X, LLDP, the rest of the reserved
 * block): they belong to one physical link, and bridging them joins two sites' spanning trees and
 * link aggregations. Optionally (isolation presets, each off by default): DHCP server replies,
 * VRRP, HSRP and IPv6 Router Advertisements, so each site keeps its own DHCP server and first-hop
 * router. Untagged or behind up to two VLAN tags; IPv6 extension headers are followed.
 * Pure: no allocation, no I/O. Returns a verdict and a reason code for counters. */
#ifndef BH_L2FILTER_H
#define BH_L2FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "bh_frame.h"

#define BH_L2F_ISOLATE_DHCP 1u /* IPv4 UDP 67 -> 68, DHCPv6 UDP 547 -> 546 */
#define BH_L2F_ISOLATE_VRRP 2u /* IP protocol 112, IPv4 and IPv6 */
#define BH_L2F_ISOLATE_HSRP 4u /* UDP 1985 to 224.0.0.2 (v1) / 224.0.0.102 (v2); UDP 2029 to ff02::66 */
#define BH_L2F_ISOLATE_RA 8u   /* ICMPv6 type 134 */

typedef struct {
  uint32_t isolate; /* BH_L2F_ISOLATE_* bits; 0 = only the link-local block is filtered */
} bh_l2filter_config;

typedef enum { BH_L2F_PASS = 0, BH_L2F_DROP = 1 } bh_l2f_verdict;

typedef enum {
  BH_L2F_OK = 0,          /* passes */
  BH_L2F_STP,             /* 01:80:C2:00:00:00 bridge group (STP/RSTP/MSTP BPDUs) */
  BH_L2F_PAUSE,           /* ...:01 MAC control (802.3x pause, PFC) */
  BH_L2F_SLOW_PROTOCOLS,  /* ...:02 LACP, marker, 802.3ah OAM */
  BH_L2F_PAE,             /* ...:03 802.1X port access entity (also nearest non-TPMR bridge) */
  BH_L2F_LLDP,            /* ...:0E LLDP, PTP peer delay */
  BH_L2F_LINK_LOCAL,      /* ...:04..0D, 0F: rest of the reserved block */
  BH_L2F_DHCP4_SERVER,
  BH_L2F_DHCP6_SERVER,
  BH_L2F_VRRP4,
  BH_L2F_VRRP6,
  BH_L2F_HSRP4,
  BH_L2F_HSRP6,
  BH_L2F_RA,
  BH_L2F_V6_UNPARSED,     /* an IPv6 preset is on and the header chain cannot be followed to the
                             upper-layer header (truncated, more than 8 extension headers): such a
                             frame could hide an RA (RFC 7113), so it is dropped */
  BH_L2F_REASONS
} bh_l2f_reason;

/* reason (optional) is set to BH_L2F_OK when the frame passes. Frames too short for an Ethernet
 * header pass (the data plane's own length checks drop them). The view is the frame parsed once
 * (bh_frame_parse); the frame form parses it itself. */
bh_l2f_verdict bh_l2filter_check_view(const bh_l2filter_config *cfg, const bh_frame *v, bh_l2f_reason *reason);
bh_l2f_verdict bh_l2filter_check(const bh_l2filter_config *cfg, const uint8_t *frame, size_t len,
                                 bh_l2f_reason *reason);
const char *bh_l2filter_reason_name(bh_l2f_reason r);

#endif
