/* bh_mss: TCP MSS clamping of SYN / SYN-ACK segments inside an Ethernet frame, so TCP sessions
 * across the tunnel pick segments that fit the path MTU without tunnel fragmentation.
 * Pure: the frame is rewritten in place, nothing else is touched.
 *
 *   Ethernet (up to two 802.1Q/802.1ad tags) -> IPv4 (protocol 6, first fragment) or IPv6 (next
 *   header 6 directly; extension headers are not walked) -> TCP with SYN -> options: the first MSS
 *   option (kind 2, length 4) above the limit is lowered to it, the TCP checksum updated
 *   incrementally (RFC 1624, also for an MSS at an odd offset). The limit follows from
 *   max_frame, the largest inner frame that crosses unfragmented:
 *   mss = max_frame - Ethernet header (with its tags) - IP header - 20. */
#ifndef BH_MSS_H
#define BH_MSS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  BH_MSS_UNTOUCHED = 0, /* not TCP SYN, no MSS option, or the MSS is already small enough */
  BH_MSS_CLAMPED = 1,   /* MSS lowered, checksum updated */
  BH_MSS_MALFORMED = 2  /* a TCP SYN whose header or options overrun the frame: left alone */
} bh_mss_result;

bh_mss_result bh_mss_clamp(uint8_t *frame, size_t len, size_t max_frame);

#endif
