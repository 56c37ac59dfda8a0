/* bh_failover: the partial-failover decisions for one frame, on top of bh_l2filter, bh_arp,
 * bh_nd, bh_neigh, bh_macset and bh_prefixset. The data plane (native/io/dp_failover.c) calls it
 * for every frame; it tells the caller what to do:
 *
 *   from the LAN (TAP -> tunnel), bh_fo_from_tap:
 *     l2filter (link-local block, isolation presets)          -> DROP (reason = bh_l2f_reason)
 *     source or unicast destination MAC quarantined            -> DROP (BH_FO_DROP_QUARANTINED)
 *     ARP / NS / NA: learn the sender (bh_neigh_learn_local; gratuitous ARP / unsolicited NA are
 *       announcements); ordinary frames: learn the IP source inside the configured learn prefixes,
 *       or, with none configured, when the source is a host already in the neighbor table or lies
 *       in the /24 (IPv4) or /64 (IPv6) of a host learned from ARP/ND on this LAN (auto_learn)
 *       -> out->has_neigh for results new / moved / mac_changed / conflict (a 'neigh' event)
 *     ARP reply to the probe MAC / NA for a pending probe target -> PROBE_ANSWER (consumed)
 *     ARP request / NS (not probe, DAD, gratuitous) for an IP known at another site
 *       -> ANSWERED: the reply is in the caller's buffer; the request does not cross
 *     else PASS (forwarding and storm control follow in the caller)
 *   from the tunnel (tunnel -> TAP), bh_fo_from_peer: l2filter and quarantine only.
 *
 * Pure: no clock, no I/O, no allocation; caller-owned state; not thread-safe (the data plane
 * holds its MAC-table lock around every call). */
#ifndef BH_FAILOVER_H
#define BH_FAILOVER_H

#include <stddef.h>
#include <stdint.h>

#include "bh_frame.h"
#include "bh_l2filter.h"
#include "bh_macset.h"
#include "bh_neigh.h"
#include "bh_prefixset.h"

#define BH_FO_PROBES 16                        /* pending probes; full: the oldest is replaced */
#define BH_FO_PROBE_TIMEOUT_NS 2000000000ULL   /* an answer later than this is not matched */
#define BH_FO_REPLY_MAX 96                     /* >= BH_ARP_FRAME_MAX, BH_ND_FRAME_MAX */
#define BH_FO_DROP_QUARANTINED 64              /* drop code beside the bh_l2f_reason values */
#define BH_FO_AUTO_LEN_V4 24                   /* auto_learn prefix of an ARP-learned IPv4 host */
#define BH_FO_AUTO_LEN_V6 64                   /* and of an ND-learned IPv6 host */

typedef enum { BH_FO_PASS = 0, BH_FO_DROP = 1, BH_FO_ANSWERED = 2, BH_FO_PROBE_ANSWER = 3 } bh_fo_verdict;
typedef enum { BH_FO_HOW_TRAFFIC = 0, BH_FO_HOW_ARP, BH_FO_HOW_ND, BH_FO_HOW_GARP, BH_FO_HOW_UNA } bh_fo_how;

typedef struct {
  uint8_t proxy_arp, proxy_nd;
  bh_l2filter_config l2f;
  bh_prefixset learn; /* traffic learning only inside these; empty = automatic (see auto_learn) */
} bh_fo_config;

typedef struct {
  uint64_t arp_proxied, nd_proxied;
  uint64_t arp_invalid, nd_invalid; /* ARP / ND frames that failed to parse (still forwarded) */
  uint64_t probes_sent, probe_answers, probes_expired, probes_evicted;
  uint64_t quarantined_dropped;
  uint64_t auto_prefixes_full; /* an ARP/ND-learned host's prefix did not fit in auto_learn */
  uint64_t learn_suspended;    /* sightings not learned while learning is suspended (a loop) */
} bh_fo_counters;

typedef struct {
  bh_ipaddr ip;
  uint64_t deadline_ns;
} bh_fo_probe;

typedef struct {
  bh_neigh *neigh; /* borrowed */
  bh_fo_config cfg;
  bh_macset quarantine;
  bh_prefixset auto_learn; /* prefixes of ARP/ND-learned local hosts (bounded; full: counted) */
  uint8_t learn_suspended;  /* set by the caller while a loop joins the sites' LANs: the other
                             * site's hosts are seen here too, so nothing is learned */
  uint8_t probe_mac[6]; /* source of our probes: replies to it are ours */
  uint32_t n_probes;
  bh_fo_probe probe[BH_FO_PROBES];
  bh_fo_counters c;
} bh_fo;

typedef struct {
  uint8_t verdict;    /* bh_fo_verdict */
  uint8_t drop;       /* DROP: a bh_l2f_reason or BH_FO_DROP_QUARANTINED */
  size_t reply_len;   /* ANSWERED: the reply frame's length in the caller's buffer */
  uint8_t has_neigh;  /* a change worth a 'neigh' event: */
  uint8_t how;        /*   bh_fo_how */
  uint8_t router;     /*   NA router flag as seen */
  uint8_t result;     /*   bh_neigh_result */
  bh_ipaddr ip;       /*   the host's IP */
  uint8_t mac[6];     /*   the MAC seen (for a conflict: not the entry's) */
  uint32_t seq;       /*   the entry's seq after learning */
  uint8_t has_probe_answer; /* PROBE_ANSWER: ip / mac of the host that answered */
  bh_ipaddr probe_ip;
  uint8_t probe_mac[6];
} bh_fo_result;

/* Defaults: proxy ARP and ND on, no isolation, no learn prefixes, empty quarantine. */
void bh_fo_init(bh_fo *f, bh_neigh *neigh, const uint8_t probe_mac[6]);

/* From the frame view (bh_frame.h: the data plane parses each frame once), or from the frame. */
void bh_fo_from_tap_view(bh_fo *f, const bh_frame *v, uint64_t now_ns, uint8_t *reply, size_t reply_cap,
                         bh_fo_result *out);
void bh_fo_from_tap(bh_fo *f, const uint8_t *frame, size_t len, uint64_t now_ns, uint8_t *reply, size_t reply_cap,
                    bh_fo_result *out);
/* 0 = pass, else the drop code (as bh_fo_result.drop). */
int bh_fo_from_peer_view(bh_fo *f, const bh_frame *v);
int bh_fo_from_peer(bh_fo *f, const uint8_t *frame, size_t len);

/* The probe frame for ip (RFC 5227 ARP probe / DAD NS from probe_mac), registered as pending
 * until now + BH_FO_PROBE_TIMEOUT_NS (again when already pending). Returns its length, 0 when
 * out_cap is too small or ip is not a unicast address. */
size_t bh_fo_build_probe(bh_fo *f, const bh_ipaddr *ip, uint64_t now_ns, uint8_t *out, size_t out_cap);
/* Drops pending probes past their deadline (counted probes_expired). */
void bh_fo_expire_probes(bh_fo *f, uint64_t now_ns);

/* 1 if ip can be a host's address (probe / announce target): IPv4 not 0.0.0.0, not multicast or
 * class E; IPv6 not :: and not multicast. */
int bh_fo_ip_is_host(const bh_ipaddr *ip);

const char *bh_fo_how_name(bh_fo_how how);

#endif
