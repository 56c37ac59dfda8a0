/* dp_ops: JS-thread operations on a data plane (see dp_ops.h). */
#include "dp_ops.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../core/bh_aead.h"
#include "../core/bh_mac1.h"
#include "dp_failover.h"
#include "dp_fq.h"
#include "dp_path.h"
#include "dp_pmtu.h"
#include "dp_qos.h"

int bh_dp_add_peer(bh_dp *dp, uint16_t id, const bh_endpoint *ep) {
  pthread_rwlock_wrlock(&dp->peers_lock);
  int rc = bh_peers_add(&dp->peers, id, ep);
  pthread_rwlock_unlock(&dp->peers_lock);
  return rc;
}

int bh_dp_remove_peer(bh_dp *dp, uint16_t id) {
  pthread_rwlock_wrlock(&dp->peers_lock);
  int rc = bh_peers_remove(&dp->peers, id);
  pthread_rwlock_unlock(&dp->peers_lock);
  if (rc == 0) {
    pthread_mutex_lock(&dp->mac_lock);
    bh_mactable_forget_port(dp->mac, id);
    bh_dp_fo_forget_peer(dp, id);
    pthread_mutex_unlock(&dp->mac_lock);
  }
  return rc;
}

int bh_dp_set_endpoint(bh_dp *dp, uint16_t id, const bh_endpoint *ep) {
  pthread_rwlock_wrlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, id);
  if (p) p->ep = *ep;
  pthread_rwlock_unlock(&dp->peers_lock);
  return p ? 0 : -ENOENT;
}

int bh_dp_install_keypair(bh_dp *dp, uint16_t id, const bh_keypair_params *kp) {
  uint64_t now = bh_now_ns();
  pthread_rwlock_wrlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, id);
  int rc = p ? bh_peers_install(&dp->peers, p, kp, now) : -ENOENT;
  if (rc == 0 && kp->initiator) atomic_store(&p->last_need_ns, 0); /* a new session re-arms the event */
  pthread_rwlock_unlock(&dp->peers_lock);
  return rc;
}

int bh_dp_expire_keypairs(bh_dp *dp, uint16_t id) {
  pthread_rwlock_wrlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, id);
  if (p) bh_peers_expire(&dp->peers, p);
  pthread_rwlock_unlock(&dp->peers_lock);
  return p ? 0 : -ENOENT;
}

static int send_one(bh_dp *dp, const bh_endpoint *ep, const uint8_t *data, size_t len) {
  if (dp->udp_fd < 0) return -EBADF;
  ssize_t w;
  do w = bh_dp_qos_sendto_control(dp->fqp ? dp->fqp->qos : NULL, dp->udp_fd, data, len, ep); /* CS6 with QoS on */
  while (w < 0 && errno == EINTR);
  if (w < 0) {
    int e = errno;
    BH_DROP(&dp->ctr_js, UDP_SEND_FAILED);
    return -e;
  }
  BH_COUNT(&dp->ctr_js, TX_DATAGRAMS, 1);
  BH_COUNT(&dp->ctr_js, TX_BYTES, (uint64_t)w);
  return 0;
}

int bh_dp_send_raw(bh_dp *dp, const bh_endpoint *ep, const uint8_t *data, size_t len) {
  return send_one(dp, ep, data, len);
}

int bh_dp_send_sealed(bh_dp *dp, uint16_t id, uint8_t subtype, const uint8_t *data, size_t len) {
  uint8_t out[BH_DATA_HDR + BH_CONTROL_MAX + BH_TAG];
  if (len > BH_CONTROL_MAX) return -EMSGSIZE;
  uint64_t now = bh_now_ns();
  int rc;
  pthread_rwlock_rdlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, id);
  if (!p) {
    rc = -ENOENT;
  } else if (!p->current || !bh_keypair_usable(p->current, now) || p->ep.len == 0) {
    /* the caller sees `false`; no 'need-handshake' for JS-initiated sends */
    if (p->current && !bh_keypair_usable(p->current, now))
      BH_DROP(&dp->ctr_js, KEY_EXPIRED);
    else
      BH_DROP(&dp->ctr_js, NO_SESSION);
    rc = -ENOTCONN;
  } else {
    long r = bh_keypair_seal(p->current, dp->aead_js, subtype, data, len, out, now);
    if (r < 0) {
      BH_DROP(&dp->ctr_js, KEY_EXPIRED);
      rc = -ENOTCONN;
    } else {
      rc = send_one(dp, &p->ep, out, (size_t)r);
      if (rc == 0) {
        atomic_fetch_add_explicit(&p->tx_bytes, (uint64_t)r, memory_order_relaxed);
        atomic_store_explicit(&p->last_tx_ns, now, memory_order_relaxed);
      }
    }
  }
  pthread_rwlock_unlock(&dp->peers_lock);
  return rc;
}

int bh_dp_send_probe(bh_dp *dp, uint16_t peer, uint32_t size, uint32_t id) {
  static const uint8_t zeros[BH_PROBE_MAX_PT];
  uint8_t pt[BH_PROBE_MAX_PT];
  size_t overhead;
  pthread_rwlock_rdlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, peer);
  overhead = p && p->ep.u.sa.sa_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&p->ep.u.in6.sin6_addr) ? 48 : 28;
  pthread_rwlock_unlock(&dp->peers_lock);
  if (!p) return -ENOENT;
  if (size < overhead + BH_DATA_MIN + BH_PROBE_HDR || size - overhead - BH_DATA_MIN > BH_PROBE_MAX_PT) return -EINVAL;
  size_t len = size - overhead - BH_DATA_MIN;
  memcpy(pt + BH_PROBE_HDR, zeros, len - BH_PROBE_HDR);
  bh_put_le32(pt, id);
  pt[4] = (uint8_t)size;
  pt[5] = (uint8_t)(size >> 8);
  return bh_dp_send_sealed(dp, peer, BH_SUB_PROBE, pt, len);
}

int bh_dp_set_path_mtu(bh_dp *dp, uint16_t id, uint32_t mtu) {
  pthread_rwlock_rdlock(&dp->peers_lock);
  bh_peer *p = bh_peers_get(&dp->peers, id);
  if (p) atomic_store_explicit(&p->path_mtu, mtu, memory_order_relaxed);
  pthread_rwlock_unlock(&dp->peers_lock);
  return p ? 0 : -ENOENT;
}

void bh_dp_set_mss_clamp(bh_dp *dp, int on) { atomic_store_explicit(&dp->mss_clamp, on ? 1 : 0, memory_order_relaxed); }
void bh_dp_set_relay(bh_dp *dp, int on) { atomic_store_explicit(&dp->relay, on ? 1 : 0, memory_order_relaxed); }

void bh_dp_set_data_path(bh_dp *dp, bh_path_policy pol) { bh_dp_path_set_policy(dp, pol); }

void bh_dp_set_mac1_key(bh_dp *dp, const uint8_t key[32]) {
  pthread_rwlock_wrlock(&dp->peers_lock); /* the RX thread checks under the read lock */
  bh_mac1_set_key(dp->mac1, key);
  pthread_rwlock_unlock(&dp->peers_lock);
}

int bh_dp_set_qos(bh_dp *dp, const bh_dp_qos_settings *s) {
  bh_fq_path *p = dp->fqp;
  if (!p || !p->qos) return -ENOTSUP;
  pthread_mutex_lock(&p->lock);
  bh_dp_qos_apply(p->qos, s, bh_now_ns());
  pthread_mutex_unlock(&p->lock);
  return 0;
}

int bh_dp_qos_get(bh_dp *dp, bh_dp_qos_snapshot *out) {
  bh_fq_path *p = dp->fqp;
  if (!p || !p->qos) return 0;
  pthread_mutex_lock(&p->lock);
  bh_dp_qos_snapshot_get(p->qos, out);
  pthread_mutex_unlock(&p->lock);
  return 1;
}

int bh_dp_set_failover_options(bh_dp *dp, const bh_dp_fo_options *o) {
  bh_prefixset learn;
  int rc = bh_dp_fo_check_options(o, &learn);
  if (rc < 0) return rc;
  uint64_t now = bh_now_ns();
  pthread_mutex_lock(&dp->mac_lock);
  bh_dp_fo_apply_options(dp, o, &learn, now);
  pthread_mutex_unlock(&dp->mac_lock);
  return 0;
}

bh_neigh_result bh_dp_set_neighbor(bh_dp *dp, const bh_neigh_entry *in, int frozen) {
  uint64_t now = bh_now_ns();
  pthread_mutex_lock(&dp->mac_lock);
  bh_neigh_result r = bh_dp_fo_set_neighbor(dp, in, frozen, now);
  pthread_mutex_unlock(&dp->mac_lock);
  return r;
}

int bh_dp_delete_neighbor(bh_dp *dp, const bh_ipaddr *ip) {
  pthread_mutex_lock(&dp->mac_lock);
  int rc = bh_dp_fo_delete_neighbor(dp, ip);
  pthread_mutex_unlock(&dp->mac_lock);
  return rc;
}

bh_dp_fo_neighbor *bh_dp_neighbors(bh_dp *dp, uint32_t *n) {
  pthread_mutex_lock(&dp->mac_lock);
  bh_dp_fo_neighbor *list = bh_dp_fo_neighbors(dp, bh_now_ns(), n);
  pthread_mutex_unlock(&dp->mac_lock);
  return list;
}

int bh_dp_set_quarantine(bh_dp *dp, const uint8_t mac[6], int on) {
  pthread_mutex_lock(&dp->mac_lock);
  int rc = bh_dp_fo_set_quarantine(dp, mac, on);
  pthread_mutex_unlock(&dp->mac_lock);
  return rc;
}

int bh_dp_announce(bh_dp *dp, const bh_ipaddr *ip, const uint8_t mac[6], int router) {
  uint8_t f[BH_FO_REPLY_MAX];
  size_t n = bh_dp_fo_build_announce(ip, mac, router, f, sizeof f);
  return n ? bh_dp_fo_js_tap_put(dp, f, n) : -EINVAL;
}

int bh_dp_probe_neighbor(bh_dp *dp, const bh_ipaddr *ip) {
  uint8_t f[BH_FO_REPLY_MAX];
  if (dp->state == BH_DP_STOPPED) return -ENOTCONN;
  pthread_mutex_lock(&dp->mac_lock);
  size_t n = bh_dp_fo_build_probe(dp, ip, bh_now_ns(), f, sizeof f);
  pthread_mutex_unlock(&dp->mac_lock);
  return n ? bh_dp_fo_js_tap_put(dp, f, n) : -EINVAL;
}

void bh_dp_failover_stats_get(bh_dp *dp, bh_dp_fo_stats *out) {
  pthread_mutex_lock(&dp->mac_lock);
  bh_dp_fo_stats_get(dp, out);
  pthread_mutex_unlock(&dp->mac_lock);
}

void bh_dp_stats_get(bh_dp *dp, bh_dp_stats *out) {
  memset(out, 0, sizeof *out);
  const bh_counters *blocks[4] = {&dp->ctr_tx, &dp->ctr_rx, &dp->ctr_js, &dp->ctr_tap};
  for (int b = 0; b < 4; b++) {
    for (int i = 0; i < BH_G__COUNT; i++) out->g[i] += bh_ctr_get(&blocks[b]->g[i]);
    for (int i = 0; i < BH_DROP__COUNT; i++) out->drop[i] += bh_ctr_get(&blocks[b]->drop[i]);
  }
  out->events_dropped = bh_evring_dropped(&dp->events);
  pthread_mutex_lock(&dp->mac_lock);
  out->mac_size = bh_mactable_size(dp->mac);
  out->mac_capacity = bh_mactable_capacity(dp->mac);
  out->mac = bh_mactable_counters_get(dp->mac);
  pthread_mutex_unlock(&dp->mac_lock);
  out->fq_enabled = bh_dp_fq_counters(dp, &out->fq);
}

static int64_t ms_since(uint64_t now, uint64_t then) {
  if (then == 0) return -1;
  return now > then ? (int64_t)((now - then) / 1000000ULL) : 0;
}

uint32_t bh_dp_peer_stats_get(bh_dp *dp, bh_dp_peer_stats *out) {
  uint64_t now = bh_now_ns();
  pthread_rwlock_rdlock(&dp->peers_lock);
  uint32_t n = dp->peers.count;
  for (uint32_t i = 0; i < n; i++) {
    const bh_peer *p = dp->peers.list[i];
    bh_dp_peer_stats *o = &out[i];
    memset(o, 0, sizeof *o);
    o->id = p->id;
    o->ep = p->ep;
    o->rx_bytes = atomic_load_explicit(&p->rx_bytes, memory_order_relaxed);
    o->tx_bytes = atomic_load_explicit(&p->tx_bytes, memory_order_relaxed);
    o->rx_frames = atomic_load_explicit(&p->rx_frames, memory_order_relaxed);
    o->tx_frames = atomic_load_explicit(&p->tx_frames, memory_order_relaxed);
    o->last_rx_ms = ms_since(now, atomic_load_explicit(&p->last_rx_ns, memory_order_relaxed));
    o->last_tx_ms = ms_since(now, atomic_load_explicit(&p->last_tx_ns, memory_order_relaxed));
    o->path_mtu = atomic_load_explicit(&p->path_mtu, memory_order_relaxed);
    if (p->current) {
      o->has_key = 1;
      o->key_local_index = p->current->local_index;
      o->key_age_ms = (uint64_t)ms_since(now, p->current->created_ns ? p->current->created_ns : now);
      o->key_send_counter = atomic_load_explicit(&p->current->send_counter, memory_order_relaxed);
    }
  }
  pthread_rwlock_unlock(&dp->peers_lock);
  return n;
}

typedef struct {
  bh_dp_mac_entry *v;
  uint32_t n, cap;
  uint64_t now, age_ns;
} mac_snap;

static void mac_visit(void *ctx, const uint8_t mac[6], bh_port port, uint64_t last_seen_ns) {
  mac_snap *s = ctx;
  uint64_t age = s->now > last_seen_ns ? s->now - last_seen_ns : 0;
  if (age >= s->age_ns || s->n >= s->cap) return; /* aged but not yet swept */
  bh_dp_mac_entry *e = &s->v[s->n++];
  memcpy(e->mac, mac, 6);
  e->port = port;
  e->age_ms = age / 1000000ULL;
}

bh_dp_mac_entry *bh_dp_mac_snapshot(bh_dp *dp, uint32_t *n) {
  mac_snap s = {.now = bh_now_ns(), .age_ns = dp->mac_age_ns};
  *n = 0;
  pthread_mutex_lock(&dp->mac_lock);
  s.cap = bh_mactable_size(dp->mac);
  s.v = s.cap ? malloc((size_t)s.cap * sizeof *s.v) : NULL;
  if (s.v) bh_mactable_foreach(dp->mac, mac_visit, &s);
  pthread_mutex_unlock(&dp->mac_lock);
  *n = s.n;
  return s.v;
}

static int wait_fd(int fd, short events, int timeout_ms) {
  struct pollfd pfd = {.fd = fd, .events = events};
  int r;
  do r = poll(&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r;
}

int bh_dp_test_write(bh_dp *dp, const uint8_t *frame, size_t len, int timeout_ms) {
  if (dp->test_fd < 0) return -EBADF;
  for (int tries = 0; tries < 2; tries++) {
    ssize_t w = send(dp->test_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w == (ssize_t)len) return 0;
    if (w >= 0) return -EIO;
    if (errno != EAGAIN && errno != EINTR) return -errno;
    if (wait_fd(dp->test_fd, POLLOUT, timeout_ms) <= 0) return -EAGAIN;
  }
  return -EAGAIN;
}

long bh_dp_test_read(bh_dp *dp, uint8_t *buf, size_t cap, int timeout_ms) {
  if (dp->test_fd < 0) return -EBADF;
  int r = wait_fd(dp->test_fd, POLLIN, timeout_ms);
  if (r < 0) return -errno;
  if (r == 0) return 0;
  ssize_t n = recv(dp->test_fd, buf, cap, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN ? 0 : -errno;
  return (long)n;
}
