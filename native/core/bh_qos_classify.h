/* bh_qos_classify: which egress band an inner Ethernet frame belongs to (QoS, issue 5).
 *
 *   frame -> up to two 802.1Q/802.1ad tags (PCP of the outer one)
 *     -> ARP, LLDP, 802.1X, slow protocols, STP (LLC to 01:80:c2:00:00:0x), IPv6 ND/RS/RA
 *          (ICMPv6 133-137): NETWORK_CONTROL
 *     -> IPv4 / IPv6 (hop-by-hop, routing, destination options and fragment headers followed,
 *          at most 8): a configured rule on protocol + port range (source OR destination port,
 *          first fragments only) wins
 *     -> else tagged with PCP != 0: PCP 6-7 NETWORK_CONTROL, 5 REALTIME, 4 INTERACTIVE,
 *          1 BULK, 2-3 BEST_EFFORT
 *     -> else DSCP: CS6/CS7 NETWORK_CONTROL, EF/VA/CS5 REALTIME, AF4x/CS4/AF3x/CS3 INTERACTIVE,
 *          CS1/LE BULK, anything else BEST_EFFORT
 *     -> truncated or unparsable IP: BEST_EFFORT (never dropped here)
 * Pure: no state besides the caller's rule table; one flow always maps to one band (the DSCP of
 * a flow's packets is assumed constant), so per-flow order holds inside the FIFO bands. */
#ifndef BH_QOS_CLASSIFY_H
#define BH_QOS_CLASSIFY_H

#include <stdint.h>

typedef enum {
  BH_QOS_NETWORK_CONTROL = 0,
  BH_QOS_REALTIME = 1,
  BH_QOS_INTERACTIVE = 2,
  BH_QOS_BEST_EFFORT = 3,
  BH_QOS_BULK = 4,
  BH_QOS_BANDS = 5
} bh_qos_band;

extern const char *const bh_qos_band_names[BH_QOS_BANDS]; /* "network-control", ... "bulk" */

#define BH_QOS_MAX_RULES 32
#define BH_QOS_PROTO_TCP_UDP 0 /* a rule for both TCP and UDP */

typedef struct {
  uint8_t proto; /* 6 TCP, 17 UDP, 132 SCTP, ... or BH_QOS_PROTO_TCP_UDP */
  uint8_t band;
  uint16_t port_from, port_to; /* inclusive; matches the source or the destination port */
} bh_qos_rule;

typedef struct {
  uint32_t n;
  bh_qos_rule rule[BH_QOS_MAX_RULES];
} bh_qos_rules;

/* The band of a frame (never fails: anything unparsable is BEST_EFFORT). rules may be NULL. */
bh_qos_band bh_qos_classify(const bh_qos_rules *rules, const uint8_t *frame, uint32_t len);
/* The band a DSCP value (0..63) maps to without rules. */
bh_qos_band bh_qos_band_of_dscp(uint8_t dscp);
/* The band a PCP value (1..7) maps to; PCP 0 defers to the DSCP. */
bh_qos_band bh_qos_band_of_pcp(uint8_t pcp);

#endif
