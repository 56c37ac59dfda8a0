/* dp_failover: the partial-failover hooks of the data plane (docs/INTERNALS.md section 5.3) around
 * the pure core bh_failover (native/core/bh_failover.h), plus the operations of the JS thread.
 *
 *   TX (dp_tx.c process_batch, mac_lock held), per frame parsed once into a view (bh_frame.h,
 *   before the lock), replacing bh_forward_from_tap:
 *     bh_fo_from_tap_view: DROP (l2_* / iso_* / quarantined) | ANSWERED (reply queued for the TAP) |
 *       PROBE_ANSWER ('probe-answer' event) -> BH_DP_FWD_FILTERED; 'neigh' events
 *     -> bh_forward_from_tap_view (MAC table full: 'mac-table-full', at most once per 10 s)
 *     -> FLOOD: bh_storm_admit(to tunnel, broadcast | multicast | unknown unicast) -> storm_*
 *   TX after unlock: bh_dp_fo_tx_flush writes the queued proxy replies to the TAP
 *   RX (dp_rx.c process_views, mac_lock held), replacing bh_forward_from_peer:
 *     the frame parsed once (bh_frame.h) -> bh_fo_from_peer_view (l2_* / iso_* / quarantined)
 *     -> bh_forward_from_peer_view
 *     -> group or not locally known destination: bh_storm_admit(from tunnel) -> storm_*
 *     -> at a hub, a relayed flood (RELAY_FLOOD) also bh_storm_admit(to tunnel): refused -> LAN only
 *   TAP loop (tap_loop.c, every 100 ms, mac_lock held): neighbor aging sweep with a budget
 *     ('neigh-gone' per aged entry), pending probes time out; loop guard: the hold expired ->
 *     'loop' cleared event; every 500 ms a loop probe is built and, after unlock,
 *     bh_dp_fo_tap_io writes it to the TAP (the local LAN only).
 *   Loop guard (bh_loopguard) on both paths, before everything else: a loop probe from the TAP is
 *     consumed (another appliance's: 'loop' detected event, flooding into the tunnel blocked:
 *     FLOOD -> loop_blocked until the hold expires); one from the tunnel is dropped.
 *
 * Locking: the neighbor table, the core's config/quarantine set/probes and both storm buckets
 * are under dp->mac_lock (one lock per batch on each data thread; for the JS thread's operations
 * dp_ops.c takes it briefly per call, this file takes no lock). The TX storm instance serves the
 * thread that runs process_batch and, at a hub, the RX thread's relayed floods; RX: the RX
 * thread; all under mac_lock, and the JS thread reconfigures them under the same lock. */
#ifndef BH_DP_FAILOVER_H
#define BH_DP_FAILOVER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bh_failover.h"
#include "../core/bh_forward.h"
#include "../core/bh_frame.h"
#include "../core/bh_loopguard.h"
#include "../core/bh_storm.h"
#include "dp_base.h"

#define BH_DP_FWD_FILTERED 4 /* a bh_fwd_action value: dropped (counted) or consumed by failover */
#define BH_NEIGH_CAPACITY_DEFAULT 4096
#define BH_NEIGH_AGE_DEFAULT_NS (300ULL * 1000000000ULL)
#define BH_MAC_FULL_EVENT_INTERVAL_NS (10ULL * 1000000000ULL)

#define BH_LOOP_PROBE_INTERVAL_NS (500ULL * 1000000ULL)
#define BH_LOOP_HOLD_NS (1500ULL * 1000000ULL) /* three probe intervals without a foreign probe */

/* Event payloads (bh_event.data, native byte order; decoded by native/napi/failover.c). */
typedef struct {
  uint8_t detected; /* 1 detected, 0 cleared */
  uint8_t mac[6];   /* the other appliance's probe MAC (detected) */
} bh_fo_loop_event;

typedef struct {
  bh_ipaddr ip;
  uint8_t mac[6];
  uint8_t how, router, result;
  uint32_t seq;
} bh_fo_neigh_event;

typedef struct bh_dp_fo bh_dp_fo;

/* Created with the data plane (dp.c). capacity 0 / age 0 = defaults. NULL on ENOMEM. */
bh_dp_fo *bh_dp_fo_new(bh_dp *dp, uint32_t neigh_capacity, uint64_t neigh_age_ns, uint64_t seed);
void bh_dp_fo_free(bh_dp_fo *fo);

/* ---- data-thread hooks (mac_lock held unless said otherwise) ---- */
uint8_t bh_dp_fo_from_tap(bh_dp *dp, const bh_frame *v, uint64_t now, bh_port *port); /* v: bh_frame.h */
void bh_dp_fo_tx_flush(bh_dp *dp); /* without mac_lock */
/* relay (the hub): bh_forward_from_peer_relay_view's RELAY (*relay_to) / RELAY_FLOOD, else UNICAST = TAP */
uint8_t bh_dp_fo_from_peer(bh_dp *dp, bh_port from, const uint8_t *frame, size_t len, uint64_t now, int relay,
                           bh_port *relay_to);
void bh_dp_fo_expire(bh_dp *dp, uint64_t now);
void bh_dp_fo_tap_io(bh_dp *dp); /* without mac_lock, on the TAP-loop thread after bh_dp_fo_expire */
void bh_dp_fo_forget_peer(bh_dp *dp, bh_port peer); /* removePeer */

/* ---- JS-thread operations: dp_ops.h is their entry (it takes mac_lock where said) ---- */
typedef struct {
  uint8_t proxy_arp, proxy_nd;
  uint8_t loop_guard; /* send loop probes and act on foreign ones (off until set) */
  uint32_t isolate; /* BH_L2F_ISOLATE_* */
  bh_storm_config storm;
  uint32_t n_prefixes;
  bh_prefix prefixes[BH_PREFIXSET_CAP];
} bh_dp_fo_options;

void bh_dp_fo_default_storm(bh_storm_config *cfg);
/* Without a lock: 0, or -EINVAL (storm rates, prefixes); fills *learn from o->prefixes. */
int bh_dp_fo_check_options(const bh_dp_fo_options *o, bh_prefixset *learn);
void bh_dp_fo_apply_options(bh_dp *dp, const bh_dp_fo_options *o, const bh_prefixset *learn, uint64_t now); /* mac_lock */
/* bh_neigh_apply (+ QUARANTINE flag when frozen); peer != 0 points the MAC-table entry of the
 * MAC at that peer; peer 0 points it back to local if the table had it at a peer. mac_lock held. */
bh_neigh_result bh_dp_fo_set_neighbor(bh_dp *dp, const bh_neigh_entry *in, int frozen, uint64_t now);
int bh_dp_fo_delete_neighbor(bh_dp *dp, const bh_ipaddr *ip); /* mac_lock held */
/* malloc'd snapshot of the live entries with their age in ms (*n entries; NULL when empty).
 * mac_lock held. */
typedef struct {
  bh_neigh_entry e;
  uint64_t age_ms;
} bh_dp_fo_neighbor;
bh_dp_fo_neighbor *bh_dp_fo_neighbors(bh_dp *dp, uint64_t now, uint32_t *n);
int bh_dp_fo_set_quarantine(bh_dp *dp, const uint8_t mac[6], int on); /* mac_lock held; 0, or -ENOSPC when full */
/* Frames onto this site's LAN (the TAP) from the JS thread. The builders return the frame length,
 * 0 when ip is not a unicast host address; build_probe needs mac_lock (it records the probe). */
size_t bh_dp_fo_build_announce(const bh_ipaddr *ip, const uint8_t mac[6], int router, uint8_t *f, size_t cap);
size_t bh_dp_fo_build_probe(bh_dp *dp, const bh_ipaddr *ip, uint64_t now, uint8_t *f, size_t cap);
int bh_dp_fo_js_tap_put(bh_dp *dp, const uint8_t *frame, size_t len); /* without a lock: 0 or -errno */

typedef struct {
  uint32_t neigh_size, neigh_capacity;
  bh_neigh_counters neigh;
  bh_storm_counters storm[BH_STORM_DIRS];
  bh_fo_counters fo;
  uint32_t quarantined_macs;
  uint64_t mac_full_events;
  bh_lg_counters lg;
  uint8_t lg_blocked;
} bh_dp_fo_stats;
void bh_dp_fo_stats_get(bh_dp *dp, bh_dp_fo_stats *out); /* mac_lock held */

#endif
