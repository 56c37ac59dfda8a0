/* dp_ops: the operations the JS thread performs on a data plane (configuration, keys, sends,
 * snapshots, test hooks). Each takes the locks it needs; none blocks for long. Errors are
 * negative errno values: -ENOENT unknown peer, -EEXIST duplicate, -ENOSPC table full,
 * -ENOTCONN no usable key or endpoint, others from the kernel. */
#ifndef BH_DP_OPS_H
#define BH_DP_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bh_fq.h"
#include "dp_base.h"
#include "dp_failover.h"
#include "dp_qos.h"

int bh_dp_add_peer(bh_dp *dp, uint16_t id, const bh_endpoint *ep /* NULL: none yet */);
int bh_dp_remove_peer(bh_dp *dp, uint16_t id); /* also forgets its MACs */
int bh_dp_set_endpoint(bh_dp *dp, uint16_t id, const bh_endpoint *ep);
int bh_dp_install_keypair(bh_dp *dp, uint16_t id, const bh_keypair_params *kp);
int bh_dp_expire_keypairs(bh_dp *dp, uint16_t id);

int bh_dp_send_raw(bh_dp *dp, const bh_endpoint *ep, const uint8_t *data, size_t len);
/* subtype CONTROL or KEEPALIVE with the peer's current key; len <= BH_CONTROL_MAX. */
int bh_dp_send_sealed(bh_dp *dp, uint16_t id, uint8_t subtype, const uint8_t *data, size_t len);

/* One path MTU probe of `size` bytes (the whole IP packet, dp_pmtu.h): size -> UDP payload =
 * size - IP header - 8 -> plaintext = payload - 32 (id, size, zeros) -> bh_dp_send_sealed(PROBE).
 * 0, -ENOENT (unknown peer), -ENOTCONN (no session), -EINVAL (size out of range), -errno. */
int bh_dp_send_probe(bh_dp *dp, uint16_t peer, uint32_t size, uint32_t id);
/* The path MTU the TX thread fragments to for one peer (0 = not set); 0 or -ENOENT. */
int bh_dp_set_path_mtu(bh_dp *dp, uint16_t id, uint32_t mtu);
void bh_dp_set_mss_clamp(bh_dp *dp, int on); /* bh_mss.h on the TX path */
/* Light path, pipeline or automatic (dp_path.h); no effect with the fair queue. */
void bh_dp_set_data_path(bh_dp *dp, bh_path_policy pol);
void bh_dp_set_relay(bh_dp *dp, int on);     /* hub: relay between peers (bh_forward_from_peer_relay_view) */
/* The mac1 key (BLAKE2b-256("mac1----" || our static public key)) the RX thread checks handshake
 * initiations and responses against before they go into the event ring (bh_mac1.h). */
void bh_dp_set_mac1_key(bh_dp *dp, const uint8_t key[32]);
/* QoS (dp_qos.h), under the queued path's lock: set replaces every setting (validated by the
 * caller) and resets the shaper, -ENOTSUP when the data plane has no band scheduler; get fills a
 * snapshot and returns 1, or 0 when QoS is off. */
int bh_dp_set_qos(bh_dp *dp, const bh_dp_qos_settings *s);
int bh_dp_qos_get(bh_dp *dp, bh_dp_qos_snapshot *out);

/* Partial failover (dp_failover.h), under mac_lock. set_failover_options: 0 or -EINVAL.
 * set_quarantine: 0 or -ENOSPC. announce / probe_neighbor write one frame onto the LAN:
 * 0, -EINVAL (not a unicast host address), -ENOTCONN (stopped), -errno. */
int bh_dp_set_failover_options(bh_dp *dp, const bh_dp_fo_options *o);
bh_neigh_result bh_dp_set_neighbor(bh_dp *dp, const bh_neigh_entry *in, int frozen);
int bh_dp_delete_neighbor(bh_dp *dp, const bh_ipaddr *ip); /* 1 removed, 0 unknown */
bh_dp_fo_neighbor *bh_dp_neighbors(bh_dp *dp, uint32_t *n); /* malloc'd; NULL with *n = 0 when empty */
int bh_dp_set_quarantine(bh_dp *dp, const uint8_t mac[6], int on);
int bh_dp_announce(bh_dp *dp, const bh_ipaddr *ip, const uint8_t mac[6], int router);
int bh_dp_probe_neighbor(bh_dp *dp, const bh_ipaddr *ip);
void bh_dp_failover_stats_get(bh_dp *dp, bh_dp_fo_stats *out);

typedef struct {
  uint64_t g[BH_G__COUNT];
  uint64_t drop[BH_DROP__COUNT];
  uint64_t events_dropped;
  uint32_t mac_size, mac_capacity;
  bh_mactable_counters mac;
  int fq_enabled; /* fair-queued transmit path (dp_fq.h) on; fq all zero otherwise */
  bh_fq_counters fq;
} bh_dp_stats;

typedef struct {
  uint16_t id;
  bh_endpoint ep;
  uint64_t rx_bytes, tx_bytes, rx_frames, tx_frames;
  int64_t last_rx_ms, last_tx_ms; /* -1 = never */
  int has_key;
  uint32_t key_local_index;
  uint64_t key_age_ms, key_send_counter;
  uint32_t path_mtu; /* 0 = not set: no tunnel fragmentation (dp_frag.h) */
} bh_dp_peer_stats;

typedef struct {
  uint8_t mac[6];
  uint16_t port;
  uint64_t age_ms;
} bh_dp_mac_entry;

void bh_dp_stats_get(bh_dp *dp, bh_dp_stats *out);
/* Fills up to BH_MAX_PEERS entries; returns the count. */
uint32_t bh_dp_peer_stats_get(bh_dp *dp, bh_dp_peer_stats *out);
/* malloc'd snapshot of the live (not aged) MAC entries; NULL with *n = 0 when empty or OOM. */
bh_dp_mac_entry *bh_dp_mac_snapshot(bh_dp *dp, uint32_t *n);

/* Socketpair-mode test hooks (the test's end of the "TAP"). write: 0 or -errno (waits up to
 * timeout_ms for room). read: frame length, 0 on timeout, or -errno. */
int bh_dp_test_write(bh_dp *dp, const uint8_t *frame, size_t len, int timeout_ms);
long bh_dp_test_read(bh_dp *dp, uint8_t *buf, size_t cap, int timeout_ms);

#endif
