/* dp_rx: the receive pipeline, peers -> TAP. One pthread.
 *
 *   epoll(UDP fd, wake eventfd) --readable--> now = CLOCK_MONOTONIC (once per batch)
 *     -> recvmmsg up to BH_BATCH buffers: BH_RX_BUF each, or with UDP_GRO (udp.h) RX_GRO_BUF each,
 *        where a buffer with a UDP_GRO cmsg holds several datagrams of that size from one source
 *        (the last may be shorter; rxGroBuffers)
 *     -> split into per-datagram views; every step below runs per view, in passes of at most
 *        RX_VIEWS views                                          (rxDatagrams/rxBytes)
 *     -> [peers read lock] per datagram: truncated or > max(2048, a sealed max-size frame) -> bad_size;
 *          bh_wire_classify:
 *          SHORT / BAD_TYPE / BAD_SIZE -> drop by reason
 *          HANDSHAKE -> initiation/response with a wrong mac1 for our key (bh_mac1.h, once
 *                       dp.setMac1Key gave one) -> bad_mac1; else 'handshake' event with the bytes
 *                       (handshakeQueued / handshake_queue_full)
 *          DATA -> receiver index -> keypair (unknown_index)
 *               -> bh_keypair_open in place: tag, then replay (auth_failed/replay/key_expired)
 *               -> peer rx counters; note 'next' key use (promotion) and a new source (roaming)
 *               -> FRAME: deliver; KEEPALIVE: nothing; CONTROL: event; other: bad_subtype
 *               -> PROBE: answered at once with a PROBE_ACK; PROBE_ACK: 'probe-ack' event (dp_pmtu.h)
 *               -> FRAGMENT: the peer's reassembly (dp_frag.h); a completed frame is copied to a
 *                  reassembly buffer of this pass and delivered like FRAME (frag_* drops)
 *     -> [peers write lock, only if needed] promote next -> current ('keypair-confirmed'),
 *          update the endpoint ('endpoint'); then the batch's 'control' events
 *     -> [mac_lock] partial failover (dp_failover.h: l2 filter, quarantine; storm control for
 *        group / unknown destinations) around bh_forward_from_peer: learn src as the peer
 *        (peer_frame_invalid)
 *     -> hub only (dp.setRelay): RELAY (dst at another peer) / RELAY_FLOOD (group, unknown: also
 *        the TAP) sealed for the other peers, never the sender, by bh_dp_tx_relay (dp_tx.h) with
 *        the TX path's MSS clamp and path-MTU fragmentation (relayed / relayFloods); with QoS
 *        each carries its band's outer DSCP and is charged to the WAN shaper (not queued in a band)
 *     -> AQM: CoDel on the time each datagram waited in the socket (kernel arrival timestamp,
 *        SO_TIMESTAMPNS) drops bulk frames (> BH_AQM_MIN_FRAME) of a standing queue (aqm_dropped)
 *     -> bh_tap_write_batch (tap_write.h): each frame to the TAP; with TAP offloads runs of one TCP
 *        flow merged into TSO super-frames (tapTxFrames / tapGroFrames / tap_write_failed)
 *   socket drained after a light wake-up (<= RX_INLINE_DRAIN_MAX buffers) that wrote to the TAP:
 *     -> bh_dp_tx_drain_inline (dp.h): one TAP batch through the TX pipeline on this thread, if the
 *        TX thread is not draining (the replies those writes produced; txInlineDrains)
 */
#include "dp_rx.h"

#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/bh_codel.h"
#include "../core/bh_forward.h"
#include "../core/bh_mac1.h"
#include "../core/bh_wire.h"
#include "dp_base.h"
#include "dp_failover.h"
#include "dp_frag.h"
#include "dp_fq.h"
#include "dp_path.h"
#include "dp_pmtu.h"
#include "dp_qos.h"
#include "dp_tx.h"
#include "tap_read.h"
#include "tap_write.h"
#include "udp.h" /* SOL_UDP, UDP_GRO */

enum { RX_NONE = 0, RX_FRAME = 1, RX_CONTROL = 2, RX_OVERSIZE = 3 };

#define RX_GRO_BUF 65536        /* one coalesced buffer (a UDP payload is < 64 KiB) */
#define RX_VIEWS (BH_BATCH * 16) /* datagrams per processing pass; a batch may take several */
/* Frames up to this size are never dropped by the AQM: pings, TCP ACKs, voice and control
 * traffic are not what builds a standing queue, and dropping them only hurts. */
#define BH_AQM_MIN_FRAME 256
/* At most this many received buffers in one wake-up for the inline TAP drain (bh_dp_tx_drain_inline) */
#define RX_INLINE_DRAIN_MAX 8
#define BH_AQM_MAX_SOJOURN_NS (10ULL * 1000000000ULL) /* beyond this a timestamp is not trusted */

typedef struct bh_rx_state {
  struct mmsghdr msg[BH_BATCH];
  struct iovec iov[BH_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } ctl[BH_BATCH];
  bh_endpoint src[BH_BATCH];
  uint64_t sojourn_ns[BH_BATCH]; /* per received buffer: time spent in the socket queue */
  bh_codel codel;
  /* per datagram (view) of the current pass */
  uint8_t *dg[RX_VIEWS];
  uint32_t dg_len[RX_VIEWS];
  uint8_t dg_src[RX_VIEWS]; /* index into src[] */
  uint8_t kind[RX_VIEWS];
  uint16_t peer[RX_VIEWS];
  uint16_t pt_len[RX_VIEWS];
  uint8_t *wr[RX_VIEWS]; /* the pass's frames for the TAP, in order */
  uint16_t wr_len[RX_VIEWS];
  /* hub relay: the pass's frames for other peers (bh_dp_tx_relay), in order */
  uint8_t *rl[RX_VIEWS];
  uint16_t rl_len[RX_VIEWS];
  bh_port rl_from[RX_VIEWS], rl_to[RX_VIEWS]; /* rl_to BH_PORT_LOCAL: every peer but rl_from */
  uint8_t rl_tos[RX_VIEWS];                   /* with QoS: the band's outer TOS */
  struct { uint16_t peer; uint32_t local_index; } promote[RX_VIEWS];
  unsigned n_promote;
  struct { uint16_t peer; unsigned src; } roam[RX_VIEWS];
  unsigned n_roam;
  /* frames reassembled in this pass (dg[i] points here, header room first); every view of a pass
   * may complete one */
  unsigned n_reasm;
  uint64_t last_frag_expire;
  _Alignas(64) uint8_t reasm_out[RX_VIEWS][BH_DATA_HDR + BH_FRAME_MAX];
  /* Receive buffers, allocated once (4 MiB of lazily mapped zero pages; only pages that data
   * lands in are touched): BH_BATCH x BH_RX_BUF without GRO, BH_BATCH x RX_GRO_BUF with it. */
  _Alignas(64) uint8_t buf[BH_BATCH * RX_GRO_BUF];
} bh_rx_state;

_Static_assert(BH_BATCH <= 256, "dg_src is a uint8_t");

struct bh_rx_state *bh_dp_rx_state_new(void) {
  bh_rx_state *s = calloc(1, sizeof(bh_rx_state));
  if (s) bh_codel_init(&s->codel, BH_CODEL_TARGET_NS, BH_CODEL_INTERVAL_NS);
  return s;
}

static int recv_batch(bh_dp *dp, bh_rx_state *s) {
  int gro = bh_ctr_get(&dp->ctr_rx.g[BH_G_UDP_GRO]) != 0;
  size_t stride = gro ? RX_GRO_BUF : BH_RX_BUF;
  for (unsigned i = 0; i < BH_BATCH; i++) {
    s->iov[i].iov_base = s->buf + i * stride;
    s->iov[i].iov_len = stride;
    memset(&s->msg[i], 0, sizeof s->msg[i]);
    s->msg[i].msg_hdr.msg_name = &s->src[i].u;
    s->msg[i].msg_hdr.msg_namelen = sizeof s->src[i].u;
    s->msg[i].msg_hdr.msg_iov = &s->iov[i];
    s->msg[i].msg_hdr.msg_iovlen = 1;
    s->msg[i].msg_hdr.msg_control = s->ctl[i].buf;
    s->msg[i].msg_hdr.msg_controllen = sizeof s->ctl[i].buf;
  }
  int n;
  do n = recvmmsg(dp->udp_fd, s->msg, BH_BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? 0 : n;
}

/* The UDP_GRO cmsg: the size of each coalesced datagram, 0 if the buffer holds just one. */
static size_t gro_segment_size(struct msghdr *h) {
  if (!h->msg_control || h->msg_controllen == 0) return 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      return v > 0 ? (size_t)v : 0;
    }
  }
  return 0;
}

/* How long the buffer waited in the socket: realtime now minus the kernel's SCM_TIMESTAMPNS
 * (0 without a timestamp, or when the clock jumped). */
static uint64_t sojourn(struct msghdr *h, const struct timespec *now_real) {
  if (!h->msg_control || h->msg_controllen == 0) return 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      int64_t d = ((int64_t)now_real->tv_sec - ts.tv_sec) * 1000000000LL + (now_real->tv_nsec - ts.tv_nsec);
      return d > 0 && (uint64_t)d < BH_AQM_MAX_SOJOURN_NS ? (uint64_t)d : 0;
    }
  }
  return 0;
}

static void drop_open_error(bh_dp *dp, long r) {
  switch (r) {
    case BH_KP_ERR_EXPIRED: BH_DROP(&dp->ctr_rx, KEY_EXPIRED); break;
    case BH_KP_ERR_REPLAY: BH_DROP(&dp->ctr_rx, REPLAY); break;
    case BH_KP_ERR_SHORT: BH_DROP(&dp->ctr_rx, SHORT); break;
    default: BH_DROP(&dp->ctr_rx, AUTH_FAILED); break;
  }
}

/* One transport data packet; peers read lock held. */
static void rx_data(bh_dp *dp, bh_rx_state *s, unsigned i, size_t len, uint64_t now) {
  bh_peer *p = NULL;
  bh_keypair *kp = bh_peers_by_index(&dp->peers, bh_wire_data_receiver(s->dg[i]), &p);
  if (!kp || !p) {
    BH_DROP(&dp->ctr_rx, UNKNOWN_INDEX);
    return;
  }
  uint8_t subtype = 0;
  long r = bh_keypair_open(kp, dp->aead_rx, s->dg[i], len, s->dg[i] + BH_DATA_HDR, &subtype, now);
  if (r < 0) {
    drop_open_error(dp, r);
    return;
  }
  /* authenticated from here on */
  atomic_fetch_add_explicit(&p->rx_bytes, len, memory_order_relaxed);
  atomic_store_explicit(&p->last_rx_ns, now, memory_order_relaxed);
  if (kp == p->next) s->promote[s->n_promote++] = (typeof(s->promote[0])){p->id, kp->local_index};
  if (!bh_endpoint_equal(&p->ep, &s->src[s->dg_src[i]])) s->roam[s->n_roam++] = (typeof(s->roam[0])){p->id, s->dg_src[i]};
  switch (subtype) {
    case BH_SUB_FRAME:
      atomic_fetch_add_explicit(&p->rx_frames, 1, memory_order_relaxed);
      s->kind[i] = RX_FRAME;
      break;
    case BH_SUB_KEEPALIVE: break;
    case BH_SUB_CONTROL: s->kind[i] = RX_CONTROL; break;
    case BH_SUB_PROBE: bh_dp_probe_answer(dp, p, s->dg[i] + BH_DATA_HDR, (size_t)r, now); return;
    case BH_SUB_PROBE_ACK: bh_dp_probe_ack(dp, p, s->dg[i] + BH_DATA_HDR, (size_t)r); return;
    case BH_SUB_FRAGMENT: {
      uint8_t *slot = s->reasm_out[s->n_reasm];
      size_t got = bh_dp_frag_receive(dp, p, s->dg[i] + BH_DATA_HDR, (size_t)r, now, slot + BH_DATA_HDR, dp->max_frame);
      if (!got) return;
      s->n_reasm++;
      s->dg[i] = slot;
      r = (long)got;
      atomic_fetch_add_explicit(&p->rx_frames, 1, memory_order_relaxed);
      s->kind[i] = RX_FRAME;
      break;
    }
    default: BH_DROP(&dp->ctr_rx, BAD_SUBTYPE); return;
  }
  s->peer[i] = p->id;
  s->pt_len[i] = (uint16_t)r;
}

static void rx_handshake(bh_dp *dp, bh_rx_state *s, unsigned i, size_t len) {
  if (bh_mac1_check(dp->mac1, s->dg[i], len) == 0) { /* forged or not for us: never reaches JS */
    BH_DROP(&dp->ctr_rx, BAD_MAC1);
    return;
  }
  bh_event ev = {.type = BH_EV_HANDSHAKE, .ep = s->src[s->dg_src[i]]};
  if (bh_dp_emit(dp, &ev, s->dg[i], (uint32_t)len) == BH_EVRING_FULL)
    BH_DROP(&dp->ctr_rx, HANDSHAKE_QUEUE_FULL);
  else
    BH_COUNT(&dp->ctr_rx, HANDSHAKE_QUEUED, 1);
}

/* Rare writes collected during the batch: key promotion and endpoint roaming. */
static void apply_writes(bh_dp *dp, bh_rx_state *s) {
  pthread_rwlock_wrlock(&dp->peers_lock);
  for (unsigned k = 0; k < s->n_promote; k++) {
    bh_peer *p = NULL;
    bh_keypair *kp = bh_peers_by_index(&dp->peers, s->promote[k].local_index, &p);
    if (kp && p && p->id == s->promote[k].peer && bh_peers_promote(&dp->peers, p, kp)) {
      bh_event ev = {.type = BH_EV_KEYPAIR_CONFIRMED, .peer = p->id, .local_index = s->promote[k].local_index};
      bh_dp_emit(dp, &ev, NULL, 0);
    }
  }
  for (unsigned k = 0; k < s->n_roam; k++) {
    bh_peer *p = bh_peers_get(&dp->peers, s->roam[k].peer);
    const bh_endpoint *src = &s->src[s->roam[k].src];
    if (p && !bh_endpoint_equal(&p->ep, src)) {
      p->ep = *src;
      bh_event ev = {.type = BH_EV_ENDPOINT, .peer = p->id, .ep = *src};
      bh_dp_emit(dp, &ev, NULL, 0);
    }
  }
  pthread_rwlock_unlock(&dp->peers_lock);
  s->n_promote = s->n_roam = 0;
}

/* The hub's relayed frames of this pass: with QoS each gets its band's outer TOS, and what was
 * sent is charged to the WAN shaper (dp_qos.h; the fq lock alone, never with another lock). */
static void relay_out(bh_dp *dp, bh_rx_state *s, unsigned nrl, uint64_t now) {
  bh_dp_qos *q = dp->fqp ? dp->fqp->qos : NULL;
  if (q) {
    pthread_mutex_lock(&dp->fqp->lock);
    bh_dp_qos_relay_classify(q, s->rl, s->rl_len, nrl, s->rl_tos);
    pthread_mutex_unlock(&dp->fqp->lock);
  }
  uint32_t dgrams = 0;
  uint64_t bytes = bh_dp_tx_relay(dp, dp->relay_tx, s->rl, s->rl_len, s->rl_from, s->rl_to, q ? s->rl_tos : NULL, nrl,
                                  now, &dgrams);
  if (q && dgrams) { /* the datagrams hold the tunnel header and tag already */
    pthread_mutex_lock(&dp->fqp->lock);
    bh_dp_qos_relay_charge(q, bytes + (uint64_t)dgrams * (BH_QOS_WIRE_OVERHEAD - BH_DATA_HDR - BH_TAG));
    pthread_mutex_unlock(&dp->fqp->lock);
  }
}

/* One pass over n datagram views (split_batch). */
static void process_views(bh_dp *dp, bh_rx_state *s, unsigned n, uint64_t now) {
  unsigned frames = 0;
  s->n_reasm = 0;
  pthread_rwlock_rdlock(&dp->peers_lock);
  for (unsigned i = 0; i < n; i++) {
    size_t len = s->dg_len[i];
    BH_COUNT(&dp->ctr_rx, RX_DATAGRAMS, 1);
    BH_COUNT(&dp->ctr_rx, RX_BYTES, len);
    if (s->kind[i] == RX_OVERSIZE) {
      s->kind[i] = RX_NONE;
      BH_DROP(&dp->ctr_rx, BAD_SIZE);
      continue;
    }
    switch (bh_wire_classify(s->dg[i], len)) {
      case BH_WIRE_DATA: rx_data(dp, s, i, len, now); break;
      case BH_WIRE_HANDSHAKE: rx_handshake(dp, s, i, len); break;
      case BH_WIRE_SHORT: BH_DROP(&dp->ctr_rx, SHORT); break;
      case BH_WIRE_BAD_TYPE: BH_DROP(&dp->ctr_rx, BAD_TYPE); break;
      default: BH_DROP(&dp->ctr_rx, BAD_SIZE); break;
    }
    frames += s->kind[i] == RX_FRAME;
  }
  pthread_rwlock_unlock(&dp->peers_lock);

  if (s->n_promote || s->n_roam) apply_writes(dp, s);
  for (unsigned i = 0; i < n; i++)
    if (s->kind[i] == RX_CONTROL) {
      bh_event ev = {.type = BH_EV_CONTROL, .peer = s->peer[i]};
      bh_dp_emit(dp, &ev, s->dg[i] + BH_DATA_HDR, s->pt_len[i]);
    }
  if (!frames) return;

  int relay = atomic_load_explicit(&dp->relay, memory_order_relaxed);
  unsigned nrl = 0;
  pthread_mutex_lock(&dp->mac_lock);
  for (unsigned i = 0; i < n; i++) {
    if (s->kind[i] != RX_FRAME) continue;
    bh_port to = BH_PORT_LOCAL;
    uint8_t a = s->pt_len[i] > dp->max_frame ? BH_FWD_DROP_INVALID /* dp_failover.h: filters around bh_forward_from_peer */
                                             : bh_dp_fo_from_peer(dp, s->peer[i], s->dg[i] + BH_DATA_HDR, s->pt_len[i], now,
                                                                  relay, &to);
    if (a == BH_FWD_RELAY || a == BH_FWD_RELAY_FLOOD) { /* hub: on to other peers (split horizon in the core) */
      s->rl[nrl] = s->dg[i] + BH_DATA_HDR;
      s->rl_len[nrl] = s->pt_len[i];
      s->rl_from[nrl] = s->peer[i];
      s->rl_to[nrl++] = a == BH_FWD_RELAY ? to : BH_PORT_LOCAL;
      if (a == BH_FWD_RELAY) s->kind[i] = RX_NONE; /* known at another peer: not for this LAN */
    } else if (a != BH_FWD_UNICAST) {
      if (a != BH_DP_FWD_FILTERED) BH_DROP(&dp->ctr_rx, PEER_FRAME_INVALID);
      s->kind[i] = RX_NONE;
    }
  }
  pthread_mutex_unlock(&dp->mac_lock);
  if (nrl) relay_out(dp, s, nrl, now);
  for (unsigned i = 0; i < n; i++) {
    if (s->kind[i] != RX_FRAME || s->pt_len[i] <= BH_AQM_MIN_FRAME) continue;
    if (bh_codel_should_drop(&s->codel, s->sojourn_ns[s->dg_src[i]], now)) {
      BH_DROP(&dp->ctr_rx, AQM_DROPPED);
      s->kind[i] = RX_NONE;
    }
  }
  unsigned w = 0;
  for (unsigned i = 0; i < n; i++)
    if (s->kind[i] == RX_FRAME) {
      s->wr[w] = s->dg[i] + BH_DATA_HDR;
      s->wr_len[w++] = s->pt_len[i];
    }
  bh_tap_write_batch(dp, s->wr, s->wr_len, w);
}

/* Splits the n received buffers into per-datagram views (a UDP_GRO buffer holds several, all
 * from one source) and processes them in order, RX_VIEWS at a time. */
static void split_batch(bh_dp *dp, bh_rx_state *s, unsigned n, uint64_t now) {
  unsigned v = 0;
  size_t max_dg = BH_DATA_HDR + dp->max_frame + BH_TAG; /* larger than any valid datagram: bad_size */
  if (max_dg < 2048) max_dg = 2048;
  struct timespec now_real;
  clock_gettime(CLOCK_REALTIME, &now_real);
  for (unsigned m = 0; m < n; m++) {
    struct msghdr *h = &s->msg[m].msg_hdr;
    size_t len = s->msg[m].msg_len, seg = gro_segment_size(h);
    s->sojourn_ns[m] = sojourn(h, &now_real);
    int trunc = (h->msg_flags & MSG_TRUNC) != 0;
    s->src[m].len = h->msg_namelen;
    if (s->src[m].u.sa.sa_family == AF_INET6) s->src[m].u.in6.sin6_flowinfo = 0;
    if (trunc || seg == 0 || seg >= len)
      seg = len; /* one datagram (a truncated buffer is one bad_size drop) */
    else
      BH_COUNT(&dp->ctr_rx, RX_GRO_BUFFERS, 1);
    size_t off = 0;
    do {
      if (v == RX_VIEWS) {
        process_views(dp, s, v, now);
        v = 0;
      }
      size_t l = len - off < seg ? len - off : seg;
      s->dg[v] = (uint8_t *)s->iov[m].iov_base + off;
      s->dg_len[v] = (uint32_t)l;
      s->dg_src[v] = (uint8_t)m;
      s->kind[v] = trunc || l > max_dg ? RX_OVERSIZE : RX_NONE;
      v++;
      off += seg;
    } while (off < len);
  }
  if (v) process_views(dp, s, v, now);
}

/* One wake-up's work on the light path (dp_path.h): the TAP's frames, read and sent by this thread. */
static unsigned light_tap(bh_dp *dp) {
  int failed = 0;
  unsigned n = bh_dp_tx_drain_light(dp, &failed);
  if (failed && n == 0) { /* a dead TAP stays readable: back off instead of spinning */
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
  }
  return n;
}

void *bh_dp_rx_main(void *arg) {
  bh_dp *dp = arg;
  bh_dp_thread_setup(dp, "bh-rx");
  bh_rx_state *s = dp->rx;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return NULL;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = dp->udp_fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->udp_fd, &ev);
  ev.data.fd = dp->wake_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->wake_fd, &ev);
  ev.data.fd = dp->rx_kick_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->rx_kick_fd, &ev);
  int tap_registered = 0;
  uint64_t poll_until = 0; /* busy polling (options.busyPollUs) after activity on the light path */

  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    int light = bh_dp_path_get(dp) == BH_PATH_LIGHT;
    if (light != tap_registered) {
      ev.data.fd = dp->tap_fd;
      epoll_ctl(ep, light ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, dp->tap_fd, &ev);
      tap_registered = light;
    }
    int timeout = BH_EPOLL_TIMEOUT_MS;
    if (poll_until) {
      if (light && bh_now_ns() < poll_until)
        timeout = 0;
      else
        poll_until = 0;
    }
    struct epoll_event got[4];
    int k = epoll_wait(ep, got, 4, timeout);
    if (k < 0 && errno != EINTR) break;
    /* busy polling with nothing ready: give the vCPU to any task woken on it (the host's ping, the
     * sender's iperf3) before polling again; without it a nice -10 spinner delays them by ms */
    if (k == 0 && timeout == 0) sched_yield();
    int udp_ready = 0, tap_ready = 0;
    for (int i = 0; i < k; i++) {
      if (got[i].data.fd == dp->udp_fd) udp_ready = 1;
      if (got[i].data.fd == dp->tap_fd) tap_ready = 1;
      if (got[i].data.fd == dp->rx_kick_fd) bh_dp_path_clear(dp->rx_kick_fd);
    }
    uint64_t now = bh_now_ns();
    if (now - s->last_frag_expire >= 100000000ULL) { /* partial frames time out even when idle */
      bh_dp_frag_expire(dp, now);
      s->last_frag_expire = now;
    }
    uint64_t written0 = bh_ctr_get(&dp->ctr_rx.g[BH_G_TAP_TX_FRAMES]);
    uint64_t datagrams0 = bh_ctr_get(&dp->ctr_rx.g[BH_G_RX_DATAGRAMS]);
    unsigned received = 0;
    while (udp_ready) {
      if (atomic_load_explicit(&dp->stopping, memory_order_relaxed)) break;
      int n = recv_batch(dp, s);
      if (n <= 0) break;
      received += (unsigned)n;
      split_batch(dp, s, (unsigned)n, bh_now_ns());
      if (n < BH_BATCH) break;
    }
    /* every wake-up (a kick included) may switch: a large receive hands the TAP to the TX thread */
    bh_dp_path_rx_note(dp, (uint32_t)(bh_ctr_get(&dp->ctr_rx.g[BH_G_RX_DATAGRAMS]) - datagrams0), now);
    int wrote = bh_ctr_get(&dp->ctr_rx.g[BH_G_TAP_TX_FRAMES]) != written0;
    unsigned tap_frames = 0;
    if (tap_registered && bh_dp_path_get(dp) == BH_PATH_LIGHT) {
      /* the light path: this thread reads the TAP (its own writes' replies included) */
      if (tap_ready || wrote) tap_frames = light_tap(dp);
    } else if (received && received <= RX_INLINE_DRAIN_MAX && wrote) {
      /* Light traffic (a few datagrams this wake-up): send what our TAP writes produced now rather
       * than wake the TX thread for it (dp.h). Bulk receive stays out of the TX path's work. */
      bh_dp_tx_drain_inline(dp);
    }
    if (dp->busy_poll_ns && (received || tap_frames)) poll_until = bh_now_ns() + dp->busy_poll_ns;
  }
  close(ep);
  return NULL;
}
