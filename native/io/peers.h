/* peers: the peer table (id 1..65535 -> peer), each peer's keypair slots (current / previous /
 * next, WireGuard semantics) and the bounded receiver-index map (local_index -> peer, keypair).
 * Not thread-safe: the data plane guards it with its rwlock (data threads read, the JS thread
 * writes). Keypairs are heap objects freed (after bh_keypair_wipe) only under the write lock, so
 * a reader holding the read lock may use any pointer it found. */
#ifndef BH_PEERS_H
#define BH_PEERS_H

#include <stdatomic.h>
#include <stdint.h>

#include "../core/bh_keypair.h"
#include "endpoint.h"

#define BH_MAX_PEERS 1024
#define BH_INDEX_SLOTS 4096 /* power of two, >= 3 * BH_MAX_PEERS / 0.75 */

typedef struct bh_peer {
  uint16_t id;
  bh_endpoint ep; /* ep.len == 0: no endpoint yet */
  bh_keypair *current, *previous, *next;
  _Atomic uint64_t last_need_ns; /* 'need-handshake' rate limit (TX and JS threads, CAS) */
  _Atomic uint64_t last_msgsize_ns; /* 'mtu-exceeded' rate limit (TX thread) */
  _Atomic uint32_t path_mtu;     /* set by the JS thread (setPathMtu); 0 = not set (dp_frag.h) */
  struct bh_reasm *reasm;        /* RX thread only, allocated at the first fragment; freed on removal */
  _Alignas(64) _Atomic uint64_t rx_bytes, rx_frames, last_rx_ns; /* RX thread */
  _Alignas(64) _Atomic uint64_t tx_bytes, tx_frames, last_tx_ns; /* TX and JS threads (RMW) */
} bh_peer;

typedef struct {
  uint32_t index;
  uint16_t peer;
  bh_keypair *kp; /* NULL = empty slot */
} bh_index_entry;

typedef struct {
  bh_peer **by_id; /* 65536 entries */
  bh_peer *list[BH_MAX_PEERS];
  uint32_t count;
  bh_index_entry map[BH_INDEX_SLOTS];
  uint32_t map_count;
} bh_peers;

typedef struct {
  uint32_t local_index, remote_index;
  const uint8_t *send_key, *recv_key; /* 32 bytes each */
  int initiator;
} bh_keypair_params;

int bh_peers_init(bh_peers *p); /* 0 or -ENOMEM */
void bh_peers_free(bh_peers *p); /* wipes every key */

static inline bh_peer *bh_peers_get(const bh_peers *p, uint16_t id) { return id ? p->by_id[id] : 0; }
int bh_peers_add(bh_peers *p, uint16_t id, const bh_endpoint *ep); /* 0, -EEXIST, -ENOSPC, -ENOMEM */
int bh_peers_remove(bh_peers *p, uint16_t id);                    /* 0 or -ENOENT; wipes keys */

/* Receiver index -> keypair (and its peer), NULL if unknown. */
bh_keypair *bh_peers_by_index(const bh_peers *p, uint32_t index, bh_peer **peer);

/* initiator: current at once (previous = old current, or old next if there was one);
 * responder: becomes next (previous dropped). 0, -EEXIST (local_index in use), -ENOSPC, -ENOMEM. */
int bh_peers_install(bh_peers *p, bh_peer *peer, const bh_keypair_params *kp, uint64_t now_ns);
/* kp authenticated a packet: if it is peer->next, promote it (previous = current, current = kp).
 * 1 promoted, 0 nothing to do. */
int bh_peers_promote(bh_peers *p, bh_peer *peer, const bh_keypair *kp);
void bh_peers_expire(bh_peers *p, bh_peer *peer); /* drop (wipe) all keys of a peer */
void bh_peers_expire_all(bh_peers *p);

#endif
