/* dp_failover: partial-failover hooks of the data threads and the JS-thread operations
 * (see dp_failover.h for the flow and the locking). */
#include "dp_failover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../core/bh_arp.h"
#include "../core/bh_eth.h"
#include "../core/bh_nd.h"
#include "tap_read.h"

#define NEIGH_EXPIRE_BUDGET 1024 /* slots per 100 ms sweep */

struct bh_dp_fo {
  bh_dp *dp; /* for the aged hook's events */
  bh_neigh *neigh;
  uint64_t neigh_age_ns;
  bh_fo core;
  bh_storm storm_tx, storm_rx;
  uint64_t last_full_ns, mac_full_events;
  bh_loopguard lg;
  uint8_t lg_on; /* options.loopGuard */
  uint64_t last_lg_probe_ns;
  /* owned by the TAP-loop thread: a loop probe built under mac_lock, written after it */
  size_t lg_pending;
  uint8_t lg_frame[BH_LG_FRAME_LEN];
  /* owned by the thread running process_batch: proxy replies of the current batch */
  unsigned n_reply;
  uint16_t reply_len[BH_BATCH];
  uint8_t reply[BH_BATCH][BH_FO_REPLY_MAX];
  uint8_t scratch[BH_FO_REPLY_MAX];
};

_Static_assert(BH_DROP_ISO_V6_UNPARSED - BH_DROP_L2_STP == BH_L2F_V6_UNPARSED - BH_L2F_STP,
               "l2_*/iso_* drop reasons follow bh_l2f_reason");
_Static_assert(BH_ARP_FRAME_MAX <= BH_FO_REPLY_MAX && BH_ND_FRAME_MAX <= BH_FO_REPLY_MAX, "reply buffer");

/* The same defaults as the daemon's config (src/config/failover-config.ts DEFAULT_STORM_RATES), so a
 * data plane without a failover section behaves like one with an empty section. */
void bh_dp_fo_default_storm(bh_storm_config *cfg) {
  for (int d = 0; d < BH_STORM_DIRS; d++) {
    cfg->rate[d][BH_STORM_BROADCAST] = (bh_storm_rate){1000, 2000};
    cfg->rate[d][BH_STORM_MULTICAST] = (bh_storm_rate){1000, 2000};
    cfg->rate[d][BH_STORM_UNKNOWN_UNICAST] = (bh_storm_rate){10000, 20000};
  }
}

static void on_aged(void *ctx, const bh_neigh_entry *e) {
  bh_dp_fo *fo = ctx;
  bh_event ev = {.type = BH_EV_NEIGH_GONE};
  if (fo->dp) bh_dp_emit(fo->dp, &ev, (const uint8_t *)&e->ip, sizeof e->ip);
}

bh_dp_fo *bh_dp_fo_new(bh_dp *dp, uint32_t neigh_capacity, uint64_t neigh_age_ns, uint64_t seed) {
  bh_dp_fo *fo = calloc(1, sizeof *fo);
  if (!fo) return NULL;
  fo->dp = dp;
  fo->neigh_age_ns = neigh_age_ns ? neigh_age_ns : BH_NEIGH_AGE_DEFAULT_NS;
  fo->neigh = bh_neigh_new(neigh_capacity ? neigh_capacity : BH_NEIGH_CAPACITY_DEFAULT, fo->neigh_age_ns, 0, seed);
  if (!fo->neigh) {
    free(fo);
    return NULL;
  }
  bh_neigh_on_aged(fo->neigh, on_aged, fo);
  /* probes come from a random locally administered unicast MAC: a Linux bridge ignores frames
   * whose source is one of its own ports' addresses (the TAP's) */
  uint8_t probe_mac[6];
  uint64_t x = (seed ^ 0x5bd1e995ULL) * 0x9E3779B97F4A7C15ULL; /* not the neighbor table's hash seed */
  x ^= x >> 29;
  for (int i = 0; i < 6; i++) probe_mac[i] = (uint8_t)(x >> (8 * i));
  probe_mac[0] = (uint8_t)((probe_mac[0] & 0xfc) | 0x02);
  bh_fo_init(&fo->core, fo->neigh, probe_mac);
  uint64_t lg_id = (seed ^ 0xc2b2ae3d27d4eb4fULL) * 0x94D049BB133111EBULL;
  bh_lg_init(&fo->lg, probe_mac, lg_id ^ (lg_id >> 31), BH_LOOP_HOLD_NS);
  bh_storm_config sc;
  bh_dp_fo_default_storm(&sc);
  bh_storm_init(&fo->storm_tx, &sc, 0);
  bh_storm_init(&fo->storm_rx, &sc, 0);
  return fo;
}

void bh_dp_fo_free(bh_dp_fo *fo) {
  if (!fo) return;
  bh_neigh_free(fo->neigh);
  free(fo);
}

/* ---- data threads ---- */

static void count_drop(bh_counters *ctr, int code) {
  if (code == BH_FO_DROP_QUARANTINED)
    bh_ctr_add(&ctr->drop[BH_DROP_QUARANTINED], 1);
  else if (code >= BH_L2F_STP && code <= BH_L2F_V6_UNPARSED)
    bh_ctr_add(&ctr->drop[BH_DROP_L2_STP + (code - BH_L2F_STP)], 1);
}

static void count_storm(bh_counters *ctr, bh_storm_class cls) {
  static const int reason[] = {BH_DROP_STORM_BROADCAST, BH_DROP_STORM_MULTICAST, BH_DROP_STORM_UNKNOWN_UNICAST};
  if ((unsigned)cls < 3) bh_ctr_add(&ctr->drop[reason[cls]], 1);
}

static void mac_table_full(bh_dp *dp, uint64_t now) {
  bh_dp_fo *fo = dp->fo;
  if (fo->mac_full_events && now - fo->last_full_ns < BH_MAC_FULL_EVENT_INTERVAL_NS) return;
  fo->last_full_ns = now;
  fo->mac_full_events++;
  bh_event ev = {.type = BH_EV_MAC_TABLE_FULL, .local_index = bh_mactable_capacity(dp->mac)};
  bh_dp_emit(dp, &ev, NULL, 0);
}

static void emit_host(bh_dp *dp, uint8_t type, const bh_ipaddr *ip, const uint8_t mac[6], const bh_fo_result *r) {
  bh_fo_neigh_event d;
  memset(&d, 0, sizeof d);
  d.ip = *ip;
  memcpy(d.mac, mac, 6);
  if (r && type == BH_EV_NEIGH) {
    d.how = r->how;
    d.router = r->router;
    d.result = r->result;
    d.seq = r->seq;
  }
  bh_event ev = {.type = type};
  bh_dp_emit(dp, &ev, (const uint8_t *)&d, sizeof d);
}

static void emit_loop(bh_dp *dp, int detected, const uint8_t mac[6]) {
  bh_fo_loop_event d;
  memset(&d, 0, sizeof d);
  d.detected = (uint8_t)detected;
  if (mac) memcpy(d.mac, mac, 6);
  bh_event ev = {.type = BH_EV_LOOP};
  bh_dp_emit(dp, &ev, (const uint8_t *)&d, sizeof d);
}

uint8_t bh_dp_fo_from_tap(bh_dp *dp, const bh_frame *v, uint64_t now, bh_port *port) {
  bh_dp_fo *fo = dp->fo;
  bh_lg_event lev;
  if (fo->lg_on && bh_lg_from_tap(&fo->lg, v->frame, v->len, now, &lev)) {
    if (lev == BH_LG_DETECTED) emit_loop(dp, 1, fo->lg.foreign_mac);
    return BH_DP_FWD_FILTERED;
  }
  bh_fo_result r;
  fo->core.learn_suspended = fo->lg.blocked;
  uint8_t *reply = fo->n_reply < BH_BATCH ? fo->reply[fo->n_reply] : fo->scratch;
  bh_fo_from_tap_view(&fo->core, v, now, reply, BH_FO_REPLY_MAX, &r);
  if (r.has_neigh) emit_host(dp, BH_EV_NEIGH, &r.ip, r.mac, &r);
  switch (r.verdict) {
    case BH_FO_DROP: count_drop(&dp->ctr_tx, r.drop); return BH_DP_FWD_FILTERED;
    case BH_FO_ANSWERED:
      if (reply != fo->scratch)
        fo->reply_len[fo->n_reply++] = (uint16_t)r.reply_len;
      else
        BH_DROP(&dp->ctr_tx, TAP_WRITE_FAILED); /* cannot happen: at most BH_BATCH frames per batch */
      return BH_DP_FWD_FILTERED;
    case BH_FO_PROBE_ANSWER: emit_host(dp, BH_EV_PROBE_ANSWER, &r.probe_ip, r.probe_mac, NULL); return BH_DP_FWD_FILTERED;
    default: break;
  }
  bh_learn_result learned;
  bh_fwd_action a = bh_forward_from_tap_view(dp->mac, v, now, port, &learned);
  if (learned == BH_LEARN_FULL) mac_table_full(dp, now);
  if (a == BH_FWD_FLOOD) {
    if (bh_lg_flood_blocked(&fo->lg)) {
      BH_DROP(&dp->ctr_tx, LOOP_BLOCKED);
      return BH_DP_FWD_FILTERED;
    }
    bh_storm_class cls = bh_storm_classify(v->frame, 0);
    if (!bh_storm_admit(&fo->storm_tx, BH_STORM_TO_TUNNEL, cls, now)) {
      count_storm(&dp->ctr_tx, cls);
      return BH_DP_FWD_FILTERED;
    }
  }
  return (uint8_t)a;
}

/* One frame onto the LAN (the TAP), behind a zero virtio_net_hdr when the TAP has offloads.
 * Never blocks. 0 or -errno. */
static int tap_put(bh_dp *dp, const uint8_t *frame, size_t len) {
  static const uint8_t zero_hdr[BH_VNET_HDR_LEN];
  if (dp->tap_fd < 0) return -EBADF;
  struct iovec iov[2] = {{(void *)zero_hdr, BH_VNET_HDR_LEN}, {(void *)frame, len}};
  int vnet = dp->tap_reader && dp->tap_reader->offload;
  struct iovec *v = vnet ? iov : iov + 1;
  int cnt = vnet ? 2 : 1;
  ssize_t w;
  do {
    if (dp->tap_is_socket) {
      struct msghdr m = {.msg_iov = v, .msg_iovlen = (size_t)cnt};
      w = sendmsg(dp->tap_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
      w = writev(dp->tap_fd, v, cnt);
    }
  } while (w < 0 && errno == EINTR);
  if (w < 0) return -errno;
  return 0;
}

void bh_dp_fo_tap_io(bh_dp *dp) {
  bh_dp_fo *fo = dp->fo;
  if (!fo->lg_pending) return;
  if (tap_put(dp, fo->lg_frame, fo->lg_pending) == 0)
    BH_COUNT(&dp->ctr_tx, TAP_TX_FRAMES, 1);
  else
    BH_DROP(&dp->ctr_tx, TAP_WRITE_FAILED);
  fo->lg_pending = 0;
}

void bh_dp_fo_tx_flush(bh_dp *dp) {
  bh_dp_fo *fo = dp->fo;
  for (unsigned i = 0; i < fo->n_reply; i++) {
    if (tap_put(dp, fo->reply[i], fo->reply_len[i]) == 0)
      BH_COUNT(&dp->ctr_tx, TAP_TX_FRAMES, 1);
    else
      BH_DROP(&dp->ctr_tx, TAP_WRITE_FAILED);
  }
  fo->n_reply = 0;
}

uint8_t bh_dp_fo_from_peer(bh_dp *dp, bh_port from, const uint8_t *frame, size_t len, uint64_t now, int relay,
                           bh_port *relay_to) {
  bh_dp_fo *fo = dp->fo;
  if (bh_lg_from_peer(&fo->lg, frame, len)) return BH_DP_FWD_FILTERED;
  bh_frame v;
  bh_frame_parse(frame, len, &v); /* once, for the filters and forwarding */
  int drop = bh_fo_from_peer_view(&fo->core, &v);
  if (drop) {
    count_drop(&dp->ctr_rx, drop);
    return BH_DP_FWD_FILTERED;
  }
  bh_learn_result learned;
  bh_fwd_action a = bh_forward_from_peer_relay_view(dp->mac, from, &v, now, relay, relay_to, &learned);
  if (learned == BH_LEARN_FULL) mac_table_full(dp, now);
  if (a == BH_FWD_DROP_INVALID) return (uint8_t)a;
  bh_port where;
  int known = !bh_mac_is_group(frame) && bh_mactable_lookup(dp->mac, frame, now, &where);
  bh_storm_class cls = bh_storm_classify(frame, known);
  if (!bh_storm_admit(&fo->storm_rx, BH_STORM_FROM_TUNNEL, cls, now)) {
    count_storm(&dp->ctr_rx, cls);
    return BH_DP_FWD_FILTERED;
  }
  /* a relayed flood also goes into the tunnel: the hub's to-tunnel limits apply to it as to a
   * flood from its LAN (refused: the LAN copy is still delivered) */
  if (a == BH_FWD_RELAY_FLOOD && !bh_storm_admit(&fo->storm_tx, BH_STORM_TO_TUNNEL, cls, now)) {
    count_storm(&dp->ctr_rx, cls);
    return BH_FWD_UNICAST;
  }
  return (uint8_t)a;
}

void bh_dp_fo_expire(bh_dp *dp, uint64_t now) {
  bh_neigh_expire(dp->fo->neigh, now, NEIGH_EXPIRE_BUDGET);
  bh_fo_expire_probes(&dp->fo->core, now);
  bh_dp_fo *fo = dp->fo;
  if (bh_lg_tick(&fo->lg, now) == BH_LG_CLEARED) emit_loop(dp, 0, NULL);
  if (fo->lg_on && !fo->lg_pending && now - fo->last_lg_probe_ns >= BH_LOOP_PROBE_INTERVAL_NS) {
    fo->last_lg_probe_ns = now;
    fo->lg_pending = bh_lg_build_probe(&fo->lg, fo->lg_frame, sizeof fo->lg_frame);
  }
}

void bh_dp_fo_forget_peer(bh_dp *dp, bh_port peer) { bh_neigh_forget_site(dp->fo->neigh, peer); }

/* ---- JS-thread operations, called by dp_ops.c (which takes mac_lock around them) ---- */

static int storm_valid(const bh_storm_config *c) {
  for (int d = 0; d < BH_STORM_DIRS; d++)
    for (int k = 0; k < 3; k++)
      if (c->rate[d][k].pps > BH_STORM_MAX_PPS || (c->rate[d][k].pps && !c->rate[d][k].burst)) return 0;
  return 1;
}

int bh_dp_fo_check_options(const bh_dp_fo_options *o, bh_prefixset *learn) {
  if (!storm_valid(&o->storm) || o->n_prefixes > BH_PREFIXSET_CAP) return -EINVAL;
  bh_prefixset_init(learn);
  for (uint32_t i = 0; i < o->n_prefixes; i++)
    if (bh_prefixset_add(learn, &o->prefixes[i].net, o->prefixes[i].len) < 0) return -EINVAL;
  return 0;
}

void bh_dp_fo_apply_options(bh_dp *dp, const bh_dp_fo_options *o, const bh_prefixset *learn, uint64_t now) {
  bh_dp_fo *fo = dp->fo;
  fo->core.cfg.proxy_arp = o->proxy_arp;
  fo->core.cfg.proxy_nd = o->proxy_nd;
  fo->core.cfg.l2f.isolate = o->isolate;
  fo->core.cfg.learn = *learn;
  fo->lg_on = o->loop_guard;
  if (!fo->lg_on && fo->lg.blocked) { /* turned off while blocked: flooding resumes */
    fo->lg.blocked = 0;
    emit_loop(dp, 0, NULL);
  }
  bh_storm_reconfigure(&fo->storm_tx, &o->storm, now);
  bh_storm_reconfigure(&fo->storm_rx, &o->storm, now);
}

bh_neigh_result bh_dp_fo_set_neighbor(bh_dp *dp, const bh_neigh_entry *in, int frozen, uint64_t now) {
  bh_dp_fo *fo = dp->fo;
  bh_neigh_entry e = *in, now_e;
  if (frozen) e.flags |= BH_NEIGH_F_QUARANTINE;
  bh_neigh_result r = bh_neigh_apply(fo->neigh, &e, now, NULL, NULL);
  bh_neigh_set_flags(fo->neigh, &in->ip, frozen ? BH_NEIGH_F_QUARANTINE : 0, frozen ? 0 : BH_NEIGH_F_QUARANTINE);
  /* the MAC table follows the entry when the update took effect */
  if (bh_neigh_lookup(fo->neigh, &in->ip, now, &now_e) && now_e.site == in->site && memcmp(now_e.mac, in->mac, 6) == 0) {
    bh_port where;
    if (in->site != BH_PORT_LOCAL)
      bh_mactable_learn(dp->mac, in->mac, in->site, now);
    else if (bh_mactable_lookup(dp->mac, in->mac, now, &where) && where != BH_PORT_LOCAL)
      bh_mactable_learn(dp->mac, in->mac, BH_PORT_LOCAL, now);
  }
  return r;
}

int bh_dp_fo_delete_neighbor(bh_dp *dp, const bh_ipaddr *ip) { return bh_neigh_remove(dp->fo->neigh, ip); }

typedef struct {
  bh_dp_fo_neighbor *out;
  uint32_t n, cap;
  uint64_t now, age_ns;
} snap_ctx;

static void snap_one(void *ctx, const bh_neigh_entry *e) {
  snap_ctx *c = ctx;
  uint64_t age = c->now > e->last_seen_ns ? c->now - e->last_seen_ns : 0;
  if (e->site == BH_PORT_LOCAL && e->origin != BH_NEIGH_ORIGIN_STATIC && age >= c->age_ns) return; /* aged */
  if (c->n == c->cap) return;
  c->out[c->n].e = *e;
  c->out[c->n++].age_ms = age / 1000000ULL;
}

bh_dp_fo_neighbor *bh_dp_fo_neighbors(bh_dp *dp, uint64_t now, uint32_t *n) {
  snap_ctx c = {.cap = bh_neigh_size(dp->fo->neigh), .now = now, .age_ns = dp->fo->neigh_age_ns};
  c.out = c.cap ? malloc(c.cap * sizeof *c.out) : NULL;
  if (c.out) bh_neigh_foreach(dp->fo->neigh, snap_one, &c);
  *n = c.n;
  return c.out;
}

int bh_dp_fo_set_quarantine(bh_dp *dp, const uint8_t mac[6], int on) {
  int rc = on ? bh_macset_add(&dp->fo->core.quarantine, mac) : bh_macset_remove(&dp->fo->core.quarantine, mac);
  return rc < 0 ? -ENOSPC : 0;
}

int bh_dp_fo_js_tap_put(bh_dp *dp, const uint8_t *frame, size_t len) {
  if (dp->state == BH_DP_STOPPED) return -ENOTCONN;
  int rc = tap_put(dp, frame, len);
  if (rc == 0)
    BH_COUNT(&dp->ctr_js, TAP_TX_FRAMES, 1);
  else
    BH_DROP(&dp->ctr_js, TAP_WRITE_FAILED);
  return rc;
}

/* Gratuitous ARP in the request form: RFC 5227 section 3 defines the announcement as a request,
 * and stacks that ignore gratuitous replies (or only accept them for existing entries) still
 * update from it; switches learn the source MAC from either. */
size_t bh_dp_fo_build_announce(const bh_ipaddr *ip, const uint8_t mac[6], int router, uint8_t *f, size_t cap) {
  bh_vlan untagged = {0, 0};
  if (!bh_fo_ip_is_host(ip)) return 0;
  return ip->family == 4 ? bh_arp_build_garp(mac, ip->addr, untagged, 0, f, cap)
                         : bh_nd_build_unsolicited_na(mac, ip->addr, router, untagged, f, cap);
}

size_t bh_dp_fo_build_probe(bh_dp *dp, const bh_ipaddr *ip, uint64_t now, uint8_t *f, size_t cap) {
  return bh_fo_build_probe(&dp->fo->core, ip, now, f, cap);
}

void bh_dp_fo_stats_get(bh_dp *dp, bh_dp_fo_stats *out) {
  bh_dp_fo *fo = dp->fo;
  out->neigh_size = bh_neigh_size(fo->neigh);
  out->neigh_capacity = bh_neigh_capacity(fo->neigh);
  out->neigh = bh_neigh_counters_get(fo->neigh);
  out->storm[BH_STORM_TO_TUNNEL] = fo->storm_tx.c[BH_STORM_TO_TUNNEL];
  out->storm[BH_STORM_FROM_TUNNEL] = fo->storm_rx.c[BH_STORM_FROM_TUNNEL];
  out->fo = fo->core.c;
  out->quarantined_macs = fo->core.quarantine.count;
  out->mac_full_events = fo->mac_full_events;
  out->lg = fo->lg.c;
  out->lg_blocked = fo->lg.blocked;
}
