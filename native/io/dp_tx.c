/* dp_tx: the transmit pipeline, TAP -> peers. One pthread.
 *
 *   bh_dp_tap_loop (tap_loop.c: epoll, MAC aging, one clock read per batch) calls tx_batch:
 *     -> bh_tap_read_batch (tap_read.h): up to BH_BATCH frames until EAGAIN, TSO super-frames
 *        segmented when the TAP has offloads                        (tapRxFrames)
 *     -> length check: < 14 tap_frame_short, > max frame size (options.maxFrameSize) tap_frame_oversize
 *     -> each frame parsed once into a view (bh_frame.h: MACs, tags, ethertype, IP protocol, L4)
 *        that every step below reads
 *     -> [mac_lock]  partial failover (dp_failover.h: l2 filter, quarantine, neighbor learning,
 *                    proxy ARP/ND answers, storm control on floods) around
 *                    bh_forward_from_tap: learn src as local; UNICAST(peer) / FLOOD /
 *                    DROP_LOCAL (local_destination) / DROP_INVALID (tap_frame_invalid)
 *     -> proxy answers written to the TAP
 *     -> [peers read lock]  for each destination peer (flood: every peer, one copy each):
 *          no current key -> no_session, current key too old / used up -> key_expired,
 *            both + 'need-handshake' (<= 1/s/peer); no endpoint -> no_session
 *          bh_keypair_seal(subtype FRAME) into an out slot; a frame whose datagram would exceed
 *            the peer's path MTU budget is split into equal tunnel fragments, each sealed as its
 *            own subtype-3 packet (dp_frag.h; txFragments); with setMssClamp(true) first the MSS
 *            of a TCP SYN is lowered so its segments fit the path MTU unfragmented (bh_mss.h)
 *          out slots full (BH_TX_OUT) or end of batch -> one sendmmsg; consecutive datagrams to
 *            one endpoint go as UDP GSO super-datagrams (udp_gso.h; plain when refused)
 *            with QoS (dp_qos.h) each datagram carries its band's outer TOS (tos[], an IP_TOS cmsg)
 *     -> per-datagram accounting (txDatagrams/txBytes, peer txBytes/txFrames/lastTx)
 *   Hub relay (bh_dp_tx_relay, on the RX thread with its own state and counters block): frames
 *   from one peer sealed for the others through the same seal_to / flush.
 */
#include "dp_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/bh_forward.h"
#include "../core/bh_frame.h"
#include "../core/bh_mss.h"
#include "dp_base.h"
#include "dp_failover.h"
#include "dp_frag.h"
#include "dp_path.h"
#include "dp_pmtu.h"
#include "tap_loop.h"
#include "tap_read.h"
#include "udp_gso.h"

#define OUT_SIZE (BH_DATA_HDR + BH_FRAME_MAX + BH_TAG)
#define ACTION_PENDING 0xff /* beside bh_fwd_action and BH_DP_FWD_FILTERED */

typedef struct bh_tx_state {
  uint8_t frame[BH_BATCH][BH_FRAME_MAX + 1]; /* +1: a read that fills it was oversize */
  uint16_t len[BH_BATCH];
  bh_frame view[BH_BATCH];                   /* each frame parsed once (bh_frame.h) */
  uint8_t action[BH_BATCH];
  bh_port port[BH_BATCH];
  uint8_t out[BH_TX_OUT][OUT_SIZE];
  struct iovec iov[BH_TX_OUT];
  uint8_t sent[BH_TX_OUT];
  bh_gso_tx gso;
  bh_endpoint dst[BH_TX_OUT];
  uint8_t tos[BH_TX_OUT];     /* outer IP TOS per out slot (QoS: the band's DSCP << 2) */
  uint8_t tos_in[BH_BATCH];   /* per batch frame, set by bh_dp_tx_put (QoS path; 0 otherwise) */
  uint8_t cur_tos, any_tos;   /* the frame being sealed; some out slot has tos != 0 */
  bh_peer *peer[BH_TX_OUT];
  unsigned n_out;
  uint64_t sent_bytes; /* datagram bytes sent since the relay call began */
  uint32_t sent_dgrams;
  bh_counters *ctr; /* NULL: dp->ctr_tx (the TAP drain's); the relay state: dp->ctr_rx (the RX thread's) */
  struct bh_aead *aead; /* NULL: dp->aead_tx; the relay state: dp->aead_rx (a context is one thread's) */
  uint32_t frag_id;                            /* next tunnel-fragmented frame's id */
  uint8_t frag_pt[BH_FRAG_HDR + BH_FRAME_MAX]; /* one fragment's plaintext */
} bh_tx_state;

struct bh_tx_state *bh_dp_tx_state_new(void) { return calloc(1, sizeof(bh_tx_state)); }

/* The counters block of the thread that uses this state (stats.h: one writer per block). */
#define CTR(dp, s) ((s)->ctr ? (s)->ctr : &(dp)->ctr_tx)
/* The AEAD context of that thread: an EVP context must never be used by two threads at once. */
#define AEAD(dp, s) ((s)->aead ? (s)->aead : (dp)->aead_tx)

/* Tunnel fragment ids of relayed frames live in the upper half of the id space so that they never
 * collide at the receiving peer with those of the TAP path's state (dp_frag.h reassembles per
 * peer and id; 2^31 ids apart is far beyond the reassembly timeout). */
#define RELAY_FRAG_ID_BASE 0x80000000u

struct bh_tx_state *bh_dp_tx_relay_state_new(bh_dp *dp) {
  bh_tx_state *s = calloc(1, sizeof(bh_tx_state));
  if (s) {
    s->ctr = &dp->ctr_rx;
    s->aead = dp->aead_rx; /* the RX thread opens with it between its relay calls */
    s->frag_id = RELAY_FRAG_ID_BASE;
  }
  return s;
}

static void account(bh_dp *dp, bh_tx_state *s, unsigned i, uint64_t now) {
  size_t len = s->iov[i].iov_len;
  bh_peer *p = s->peer[i];
  BH_COUNT(CTR(dp, s), TX_DATAGRAMS, 1);
  BH_COUNT(CTR(dp, s), TX_BYTES, len);
  atomic_fetch_add_explicit(&p->tx_bytes, len, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->tx_frames, 1, memory_order_relaxed);
  atomic_store_explicit(&p->last_tx_ns, now, memory_order_relaxed);
  s->sent_bytes += len;
  s->sent_dgrams++;
}

/* Send everything queued: one sendmmsg, runs to one endpoint as UDP GSO super-datagrams
 * (udp_gso.h), then per-datagram accounting. Peers read lock held (s->peer[] stays valid). */
_Static_assert(BH_TX_OUT <= BH_GSO_MAX_SLOTS, "a flush must fit one bh_gso_send");
static void flush(bh_dp *dp, bh_tx_state *s, uint64_t now) {
  unsigned gso = bh_gso_send(&s->gso, dp->udp_fd, &dp->ctr_tx.g[BH_G_UDP_GSO] /* the flag lives in the TX block */, s->iov, s->dst,
                             s->any_tos ? s->tos : NULL, s->n_out, s->sent, now);
  if (gso) BH_COUNT(CTR(dp, s), TX_GSO_SENDS, gso);
  for (unsigned i = 0; i < s->n_out; i++) {
    if (s->sent[i])
      account(dp, s, i, now);
    else if (s->gso.msgsize[i])
      bh_dp_mtu_exceeded(dp, CTR(dp, s), s->peer[i], now); /* udp_msgsize + 'mtu-exceeded' (dp_pmtu.h) */
    else
      BH_DROP(CTR(dp, s), UDP_SEND_FAILED); /* socket buffer full, or unsendable (e.g. bad address) */
  }
  s->n_out = 0;
  s->any_tos = 0;
}

/* Seal one plaintext into the next out slot. 0, or -1 (counted drop). */
static int seal_one(bh_dp *dp, bh_tx_state *s, bh_peer *p, bh_keypair *kp, uint8_t subtype, const uint8_t *pt,
                    size_t len, uint64_t now) {
  if (s->n_out == BH_TX_OUT) flush(dp, s, now);
  unsigned i = s->n_out;
  long r = bh_keypair_seal(kp, AEAD(dp, s), subtype, pt, len, s->out[i], now);
  if (r < 0) {
    if (r == BH_KP_ERR_EXPIRED) {
      BH_DROP(CTR(dp, s), KEY_EXPIRED);
      bh_dp_need_handshake(dp, p, now);
    } else {
      BH_DROP(CTR(dp, s), UDP_SEND_FAILED);
    }
    return -1;
  }
  s->iov[i].iov_base = s->out[i];
  s->iov[i].iov_len = (size_t)r;
  s->dst[i] = p->ep;
  s->peer[i] = p;
  s->tos[i] = s->cur_tos;
  s->any_tos |= s->cur_tos;
  s->n_out++;
  return 0;
}

/* Seal one frame for one peer (as tunnel fragments when it does not fit). Peers read lock held. */
static void seal_to(bh_dp *dp, bh_tx_state *s, bh_peer *p, const uint8_t *frame, size_t len, uint64_t now) {
  bh_keypair *kp = p->current;
  if (!kp || !bh_keypair_usable(kp, now)) {
    if (kp)
      BH_DROP(CTR(dp, s), KEY_EXPIRED); /* older than 180 s or past the message limit */
    else
      BH_DROP(CTR(dp, s), NO_SESSION);
    bh_dp_need_handshake(dp, p, now);
    return;
  }
  if (p->ep.len == 0) {
    BH_DROP(CTR(dp, s), NO_SESSION);
    return;
  }
  size_t budget = bh_dp_udp_budget(p), chunk = 0;
  if (atomic_load_explicit(&dp->mss_clamp, memory_order_relaxed) && budget < 65507 &&
      bh_mss_clamp((uint8_t *)frame, len, budget - BH_DATA_HDR - BH_TAG) == BH_MSS_CLAMPED)
    BH_COUNT(CTR(dp, s), MSS_CLAMPED, 1); /* the frame is the TX batch's own copy */
  if (BH_DATA_HDR + len + BH_TAG <= budget) {
    seal_one(dp, s, p, kp, BH_SUB_FRAME, frame, len, now);
    return;
  }
  unsigned n = bh_frag_plan(len, budget - BH_FRAG_OVERHEAD, &chunk);
  if (n == 0) BH_DROP(CTR(dp, s), TAP_FRAME_OVERSIZE); /* cannot happen with path MTU >= BH_PMTU_MIN */
  bh_frag_hdr h = {.frame_id = s->frag_id, .total = (uint16_t)len};
  s->frag_id = (s->frag_id & RELAY_FRAG_ID_BASE) | ((s->frag_id + 1) & ~RELAY_FRAG_ID_BASE); /* stays in its half */
  for (unsigned k = 0; k < n; k++) {
    size_t off = k * chunk, piece = len - off < chunk ? len - off : chunk;
    h.offset = (uint16_t)off;
    bh_frag_hdr_write(s->frag_pt, &h);
    memcpy(s->frag_pt + BH_FRAG_HDR, frame + off, piece);
    if (seal_one(dp, s, p, kp, BH_SUB_FRAGMENT, s->frag_pt, BH_FRAG_HDR + piece, now) < 0) return;
    BH_COUNT(CTR(dp, s), TX_FRAGMENTS, 1);
  }
}

static void process_batch(bh_dp *dp, bh_tx_state *s, unsigned n, uint64_t now) {
  BH_COUNT(&dp->ctr_tx, TAP_RX_FRAMES, n);
  for (unsigned i = 0; i < n; i++) {
    if (s->len[i] < BH_FRAME_MIN) {
      s->action[i] = BH_FWD_DROP_INVALID;
      BH_DROP(&dp->ctr_tx, TAP_FRAME_SHORT);
    } else if (s->len[i] > dp->max_frame) {
      s->action[i] = BH_FWD_DROP_INVALID;
      BH_DROP(&dp->ctr_tx, TAP_FRAME_OVERSIZE);
    } else {
      s->action[i] = ACTION_PENDING; /* decided under mac_lock below */
      bh_frame_parse(s->frame[i], s->len[i], &s->view[i]);
    }
  }
  pthread_mutex_lock(&dp->mac_lock);
  for (unsigned i = 0; i < n; i++) {
    if (s->action[i] == ACTION_PENDING) {
      s->action[i] = bh_dp_fo_from_tap(dp, &s->view[i], now, &s->port[i]); /* dp_failover.h */
      if (s->action[i] == BH_FWD_DROP_INVALID) BH_DROP(&dp->ctr_tx, TAP_FRAME_INVALID);
      if (s->action[i] == BH_FWD_DROP_LOCAL) BH_DROP(&dp->ctr_tx, LOCAL_DESTINATION);
    }
  }
  pthread_mutex_unlock(&dp->mac_lock);
  bh_dp_fo_tx_flush(dp); /* proxy ARP/ND replies onto the LAN */

  pthread_rwlock_rdlock(&dp->peers_lock);
  for (unsigned i = 0; i < n; i++) {
    s->cur_tos = s->tos_in[i];
    if (s->action[i] == BH_FWD_UNICAST) {
      bh_peer *p = bh_peers_get(&dp->peers, s->port[i]);
      if (p)
        seal_to(dp, s, p, s->frame[i], s->len[i], now);
      else
        BH_DROP(&dp->ctr_tx, NO_SESSION); /* peer removed since the MAC was learned */
    } else if (s->action[i] == BH_FWD_FLOOD) {
      BH_COUNT(&dp->ctr_tx, FLOODS, 1);
      for (uint32_t k = 0; k < dp->peers.count; k++) seal_to(dp, s, dp->peers.list[k], s->frame[i], s->len[i], now);
    }
  }
  if (s->n_out) flush(dp, s, now);
  pthread_rwlock_unlock(&dp->peers_lock);
}

/* Hub relay (dp_rx.c, RX thread, no lock held): frames from peer from[i], decided under mac_lock
 * (bh_forward_from_peer_relay_view): to[i] != BH_PORT_LOCAL -> that peer only; BH_PORT_LOCAL ->
 * every peer except from[i] (split horizon). Each copy is sealed with the target's own key, with
 * the MSS clamp and path-MTU fragmentation of seal_to, as a frame read from the TAP; tos (NULL:
 * none) is each frame's outer TOS (QoS band). Returns the datagram bytes sent, *datagrams their
 * count (for the QoS shaper). */
uint64_t bh_dp_tx_relay(bh_dp *dp, bh_tx_state *s, uint8_t *const *frame, const uint16_t *len, const bh_port *from,
                        const bh_port *to, const uint8_t *tos, unsigned n, uint64_t now, uint32_t *datagrams) {
  s->sent_bytes = 0;
  s->sent_dgrams = 0;
  pthread_rwlock_rdlock(&dp->peers_lock);
  for (unsigned i = 0; i < n; i++) {
    s->cur_tos = tos ? tos[i] : 0;
    if (to[i] != BH_PORT_LOCAL) {
      bh_peer *p = bh_peers_get(&dp->peers, to[i]);
      if (p && p->id != from[i]) {
        BH_COUNT(CTR(dp, s), RELAYED, 1);
        seal_to(dp, s, p, frame[i], len[i], now);
      } else {
        BH_DROP(CTR(dp, s), NO_SESSION); /* peer removed since the MAC was learned */
      }
      continue;
    }
    if (dp->peers.count > 1) BH_COUNT(CTR(dp, s), RELAY_FLOODS, 1); /* a hub with one spoke floods on to nobody */
    for (uint32_t k = 0; k < dp->peers.count; k++)
      if (dp->peers.list[k]->id != from[i]) seal_to(dp, s, dp->peers.list[k], frame[i], len[i], now);
  }
  if (s->n_out) flush(dp, s, now);
  pthread_rwlock_unlock(&dp->peers_lock);
  *datagrams = s->sent_dgrams;
  return s->sent_bytes;
}

/* The fair-queued path's sender (dp_send.c) runs the same pipeline on dequeued frames. */
void bh_dp_tx_put(bh_tx_state *s, unsigned i, const uint8_t *frame, uint32_t len, uint8_t tos) {
  memcpy(s->frame[i], frame, len <= BH_FRAME_MAX + 1 ? len : BH_FRAME_MAX + 1);
  s->len[i] = (uint16_t)len;
  s->tos_in[i] = tos;
}
void bh_dp_tx_process(bh_dp *dp, bh_tx_state *s, unsigned n, uint64_t now) { process_batch(dp, s, n, now); }

static unsigned read_and_process(bh_dp *dp, bh_tx_state *s, uint64_t now, int *failed) {
  unsigned n = bh_tap_read_batch(dp, dp->tap_reader, &s->frame[0][0], sizeof s->frame[0], s->len, BH_BATCH, failed);
  if (n) process_batch(dp, s, n, now);
  return n;
}

/* One TAP batch through the direct pipeline (bh_dp_tap_loop callback). */
static unsigned tx_batch(bh_dp *dp, void *ctx, uint64_t now, int *failed) {
  pthread_mutex_lock(&dp->tap_drain_lock);
  unsigned n = read_and_process(dp, ctx, now, failed);
  if (n) BH_COUNT(&dp->ctr_tx, TX_PIPELINE_FRAMES, n);
  pthread_mutex_unlock(&dp->tap_drain_lock);
  return n;
}

void bh_dp_tx_drain_inline(bh_dp *dp) {
  if (dp->fqp || pthread_mutex_trylock(&dp->tap_drain_lock) != 0) return;
  int failed = 0;
  /* one batch at most: a longer run is the TX thread's (it has been woken for it) */
  unsigned n = read_and_process(dp, dp->tx, bh_now_ns(), &failed);
  if (n) {
    BH_COUNT(&dp->ctr_tx, TX_LIGHT_FRAMES, n);
    BH_COUNT(&dp->ctr_rx, TX_INLINE_DRAINS, 1);
  }
  pthread_mutex_unlock(&dp->tap_drain_lock);
}

unsigned bh_dp_tx_drain_light(bh_dp *dp, int *failed) {
  unsigned total = 0;
  *failed = 0;
  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    pthread_mutex_lock(&dp->tap_drain_lock);
    uint64_t now = bh_now_ns();
    unsigned n = read_and_process(dp, dp->tx, now, failed);
    if (n) BH_COUNT(&dp->ctr_tx, TX_LIGHT_FRAMES, n);
    pthread_mutex_unlock(&dp->tap_drain_lock);
    total += n;
    if (n) bh_dp_path_rx_note(dp, n, now); /* a large batch hands the TAP to the TX thread */
    if (n < BH_BATCH || bh_dp_path_get(dp) != BH_PATH_LIGHT) break;
  }
  return total;
}

void *bh_dp_tx_main(void *arg) {
  bh_dp *dp = arg;
  bh_dp_thread_setup(dp, "bh-tx");
  bh_dp_tap_loop(dp, tx_batch, dp->tx);
  return NULL;
}
