/* bh_frame: one parse of an Ethernet frame into a view that the per-frame decisions read
 * (bh_l2filter, bh_arp, bh_nd, bh_forward, bh_failover), so the data plane walks a frame's
 * headers once instead of once per decision:
 *
 *   Ethernet (bh_eth_parse: up to two 802.1Q/802.1ad tags) -> IPv4 (IHL, first fragment?) or
 *   IPv6 (extension headers followed, at most 8) -> upper-layer protocol and offset
 *
 * Pure: no allocation, no I/O. Pointers in the view point into the caller's frame, which must
 * outlive it. */
#ifndef BH_FRAME_H
#define BH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bh_eth.h"

#define BH_FRAME_MAX_EXT_HEADERS 8

/* ip_flags */
#define BH_FRAME_L4 1             /* the upper-layer header starts at l4_offset (l4_len bytes) */
#define BH_FRAME_LATER_FRAGMENT 2 /* a non-first fragment: there is no upper-layer header */
#define BH_FRAME_V6_UNPARSED 4    /* the IPv6 header chain cannot be followed (truncated, more than
                                     BH_FRAME_MAX_EXT_HEADERS extension headers) */

typedef struct {
  const uint8_t *frame;
  size_t len;
  uint8_t l2_ok;       /* Ethernet header and tags complete; eth and everything below only then */
  bh_eth_info eth;     /* dst, src, ethertype after the tags, outer TCI, tag count, l3_offset */
  uint16_t outer_tpid; /* 0x8100 or 0x88A8 of the first tag; 0 untagged */
  uint8_t ip_version;  /* 4 or 6 when a well-formed header of that version is there, else 0 */
  uint8_t ip_flags;    /* BH_FRAME_* (with ip_version != 0) */
  uint8_t ip_proto;    /* IPv4 protocol; IPv6 upper-layer next header after the extension headers
                          (without BH_FRAME_L4: the extension header where the walk stopped) */
  uint32_t l3_len;     /* bytes of the IP packet in the frame, Ethernet padding excluded */
  uint32_t l4_offset;  /* from the frame's start (BH_FRAME_L4) */
  uint32_t l4_len;     /* bytes from l4_offset to the end of the IP packet (BH_FRAME_L4) */
} bh_frame;

/* Fills *v (always: frame, len, and l2_ok = 0 when the Ethernet part is incomplete). Returns 0,
 * or -1 when the frame is shorter than its Ethernet header and tags. IPv4: version 4, IHL >= 20
 * and within the packet; the packet ends at its total length when that is shorter than the frame.
 * IPv6: version 6; the packet ends at 40 + payload length when shorter than the frame (0: the
 * frame's end). */
int bh_frame_parse(const uint8_t *frame, size_t len, bh_frame *v);

/* The L3 header (with l2_ok). */
static inline const uint8_t *bh_frame_l3(const bh_frame *v) { return v->frame + v->eth.l3_offset; }

#endif
