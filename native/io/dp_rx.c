/* dp_rx: the receive pipeline, peers -> TAP. One pthread.
 *
 *   epoll(UDP fd, wake eventfd) --readable--> now = CLOCK_MONOTONIC (once per batch)
 *     -> recvmmsg up to BH_BATCH datagrams                      (rxDatagrams/rxBytes)
 *     -> [peers read lock] per datagram: truncated -> bad_size; bh_wire_classify:
 *          SHORT / BAD_TYPE / BAD_SIZE -> drop by reason
 *          HANDSHAKE -> 'handshake' event with the bytes (handshakeQueued / handshake_queue_full)
 *          DATA -> receiver index -> keypair (unknown_index)
 *               -> bh_keypair_open in place: tag, then replay (auth_failed/replay/key_expired)
 *               -> peer rx counters; note 'next' key use (promotion) and a new source (roaming)
 *               -> FRAME: deliver; KEEPALIVE: nothing; CONTROL: event; other: bad_subtype
 *     -> [peers write lock, only if needed] promote next -> current ('keypair-confirmed'),
 *          update the endpoint ('endpoint'); then the batch's 'control' events
 *     -> [mac_lock] bh_forward_from_peer: learn src as the peer (peer_frame_invalid)
 *     -> write() each frame to the TAP                          (tapTxFrames / tap_write_failed)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/bh_forward.h"
#include "../core/bh_wire.h"
#include "dp.h"

enum { RX_NONE = 0, RX_FRAME = 1, RX_CONTROL = 2 };

typedef struct bh_rx_state {
  uint8_t buf[BH_BATCH][BH_RX_BUF];
  struct mmsghdr msg[BH_BATCH];
  struct iovec iov[BH_BATCH];
  bh_endpoint src[BH_BATCH];
  uint8_t kind[BH_BATCH];
  uint16_t peer[BH_BATCH];
  uint16_t pt_len[BH_BATCH];
  struct { uint16_t peer; uint32_t local_index; } promote[BH_BATCH];
  unsigned n_promote;
  struct { uint16_t peer; unsigned src; } roam[BH_BATCH];
  unsigned n_roam;
} bh_rx_state;

struct bh_rx_state *bh_dp_rx_state_new(void) { return calloc(1, sizeof(bh_rx_state)); }

static int recv_batch(bh_dp *dp, bh_rx_state *s) {
  for (unsigned i = 0; i < BH_BATCH; i++) {
    s->iov[i].iov_base = s->buf[i];
    s->iov[i].iov_len = BH_RX_BUF;
    memset(&s->msg[i], 0, sizeof s->msg[i]);
    s->msg[i].msg_hdr.msg_name = &s->src[i].u;
    s->msg[i].msg_hdr.msg_namelen = sizeof s->src[i].u;
    s->msg[i].msg_hdr.msg_iov = &s->iov[i];
    s->msg[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do n = recvmmsg(dp->udp_fd, s->msg, BH_BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? 0 : n;
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
  bh_keypair *kp = bh_peers_by_index(&dp->peers, bh_wire_data_receiver(s->buf[i]), &p);
  if (!kp || !p) {
    BH_DROP(&dp->ctr_rx, UNKNOWN_INDEX);
    return;
  }
  uint8_t subtype = 0;
  long r = bh_keypair_open(kp, dp->aead_rx, s->buf[i], len, s->buf[i] + BH_DATA_HDR, &subtype, now);
  if (r < 0) {
    drop_open_error(dp, r);
    return;
  }
  /* authenticated from here on */
  atomic_fetch_add_explicit(&p->rx_bytes, len, memory_order_relaxed);
  atomic_store_explicit(&p->last_rx_ns, now, memory_order_relaxed);
  if (kp == p->next) s->promote[s->n_promote++] = (typeof(s->promote[0])){p->id, kp->local_index};
  if (!bh_endpoint_equal(&p->ep, &s->src[i])) s->roam[s->n_roam++] = (typeof(s->roam[0])){p->id, i};
  switch (subtype) {
    case BH_SUB_FRAME:
      atomic_fetch_add_explicit(&p->rx_frames, 1, memory_order_relaxed);
      s->kind[i] = RX_FRAME;
      break;
    case BH_SUB_KEEPALIVE: break;
    case BH_SUB_CONTROL: s->kind[i] = RX_CONTROL; break;
    default: BH_DROP(&dp->ctr_rx, BAD_SUBTYPE); return;
  }
  s->peer[i] = p->id;
  s->pt_len[i] = (uint16_t)r;
}

static void rx_handshake(bh_dp *dp, bh_rx_state *s, unsigned i, size_t len) {
  bh_event ev = {.type = BH_EV_HANDSHAKE, .ep = s->src[i]};
  if (bh_dp_emit(dp, &ev, s->buf[i], (uint32_t)len) == BH_EVRING_FULL)
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

/* A real TAP never blocks (the kernel drops on a full queue). The test socketpair may wait up to
 * BH_TAP_SP_SNDTIMEO_MS for the reader, but only once per batch and never while stopping. */
static void tap_write(bh_dp *dp, const uint8_t *frame, size_t len, int *may_wait) {
  ssize_t w;
  do {
    if (!dp->tap_is_socket) {
      w = write(dp->tap_fd, frame, len);
    } else {
      int dontwait = !*may_wait || atomic_load_explicit(&dp->stopping, memory_order_relaxed);
      w = send(dp->tap_fd, frame, len, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0));
    }
  } while (w < 0 && errno == EINTR);
  if (w == (ssize_t)len) {
    BH_COUNT(&dp->ctr_rx, TAP_TX_FRAMES, 1);
    return;
  }
  if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) *may_wait = 0;
  BH_DROP(&dp->ctr_rx, TAP_WRITE_FAILED);
}

static void process_batch(bh_dp *dp, bh_rx_state *s, unsigned n, uint64_t now) {
  unsigned frames = 0;
  pthread_rwlock_rdlock(&dp->peers_lock);
  for (unsigned i = 0; i < n; i++) {
    size_t len = s->msg[i].msg_len;
    s->kind[i] = RX_NONE;
    BH_COUNT(&dp->ctr_rx, RX_DATAGRAMS, 1);
    BH_COUNT(&dp->ctr_rx, RX_BYTES, len);
    s->src[i].len = s->msg[i].msg_hdr.msg_namelen;
    if (s->src[i].u.sa.sa_family == AF_INET6) s->src[i].u.in6.sin6_flowinfo = 0;
    if (s->msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
      BH_DROP(&dp->ctr_rx, BAD_SIZE);
      continue;
    }
    switch (bh_wire_classify(s->buf[i], len)) {
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
      bh_dp_emit(dp, &ev, s->buf[i] + BH_DATA_HDR, s->pt_len[i]);
    }
  if (!frames) return;

  pthread_mutex_lock(&dp->mac_lock);
  for (unsigned i = 0; i < n; i++) {
    if (s->kind[i] != RX_FRAME) continue;
    if (s->pt_len[i] > BH_FRAME_MAX ||
        bh_forward_from_peer(dp->mac, s->peer[i], s->buf[i] + BH_DATA_HDR, s->pt_len[i], now) != BH_FWD_UNICAST) {
      BH_DROP(&dp->ctr_rx, PEER_FRAME_INVALID);
      s->kind[i] = RX_NONE;
    }
  }
  pthread_mutex_unlock(&dp->mac_lock);
  int may_wait = 1;
  for (unsigned i = 0; i < n; i++)
    if (s->kind[i] == RX_FRAME) tap_write(dp, s->buf[i] + BH_DATA_HDR, s->pt_len[i], &may_wait);
}

void *bh_dp_rx_main(void *arg) {
  bh_dp_thread_setup("bh-rx");
  bh_dp *dp = arg;
  bh_rx_state *s = dp->rx;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return NULL;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = dp->udp_fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->udp_fd, &ev);
  ev.data.fd = dp->wake_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->wake_fd, &ev);

  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    struct epoll_event got[2];
    int k = epoll_wait(ep, got, 2, BH_EPOLL_TIMEOUT_MS);
    if (k < 0 && errno != EINTR) break;
    for (;;) {
      if (atomic_load_explicit(&dp->stopping, memory_order_relaxed)) break;
      int n = recv_batch(dp, s);
      if (n <= 0) break;
      process_batch(dp, s, (unsigned)n, bh_now_ns());
      if (n < BH_BATCH) break;
    }
  }
  close(ep);
  return NULL;
}
