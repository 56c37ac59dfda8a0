/* peers: peer table, keypair slots and receiver-index map (see peers.h). */
#include "peers.h"

#include "../core/bh_frag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_MASK (BH_INDEX_SLOTS - 1)

static uint32_t slot_of(uint32_t index) { return (uint32_t)(index * 0x9E3779B1u) >> 20 & SLOT_MASK; }

static bh_index_entry *map_find(const bh_peers *p, uint32_t index) {
  uint32_t i = slot_of(index);
  for (uint32_t n = 0; n < BH_INDEX_SLOTS; n++, i = (i + 1) & SLOT_MASK) {
    const bh_index_entry *e = &p->map[i];
    if (!e->kp) return NULL;
    if (e->index == index) return (bh_index_entry *)e;
  }
  return NULL;
}

static int map_insert(bh_peers *p, uint32_t index, uint16_t peer, bh_keypair *kp) {
  if (map_find(p, index)) return -EEXIST;
  if (p->map_count >= BH_INDEX_SLOTS * 3 / 4) return -ENOSPC;
  uint32_t i = slot_of(index);
  while (p->map[i].kp) i = (i + 1) & SLOT_MASK;
  p->map[i] = (bh_index_entry){.index = index, .peer = peer, .kp = kp};
  p->map_count++;
  return 0;
}

/* Linear-probing delete with backward shift (no tombstones). */
static void map_delete(bh_peers *p, uint32_t index) {
  bh_index_entry *e = map_find(p, index);
  if (!e) return;
  uint32_t hole = (uint32_t)(e - p->map);
  uint32_t i = hole;
  for (;;) {
    i = (i + 1) & SLOT_MASK;
    if (!p->map[i].kp) break;
    uint32_t home = slot_of(p->map[i].index);
    /* move entry i into the hole if its home is not cyclically in (hole, i] */
    if (((i - home) & SLOT_MASK) >= ((i - hole) & SLOT_MASK)) {
      p->map[hole] = p->map[i];
      hole = i;
    }
  }
  memset(&p->map[hole], 0, sizeof p->map[hole]);
  p->map_count--;
}

static void kp_drop(bh_peers *p, bh_keypair **slot) {
  bh_keypair *kp = *slot;
  if (!kp) return;
  *slot = NULL;
  map_delete(p, kp->local_index);
  bh_keypair_wipe(kp);
  free(kp);
}

int bh_peers_init(bh_peers *p) {
  memset(p, 0, sizeof *p);
  p->by_id = calloc(65536, sizeof *p->by_id);
  return p->by_id ? 0 : -ENOMEM;
}

void bh_peers_free(bh_peers *p) {
  if (!p->by_id) return;
  while (p->count) bh_peers_remove(p, p->list[0]->id);
  free(p->by_id);
  p->by_id = NULL;
}

int bh_peers_add(bh_peers *p, uint16_t id, const bh_endpoint *ep) {
  if (id == 0 || p->by_id[id]) return -EEXIST;
  if (p->count >= BH_MAX_PEERS) return -ENOSPC;
  bh_peer *peer = aligned_alloc(64, (sizeof *peer + 63) & ~(size_t)63);
  if (!peer) return -ENOMEM;
  memset(peer, 0, sizeof *peer);
  peer->id = id;
  if (ep) peer->ep = *ep;
  p->by_id[id] = peer;
  p->list[p->count++] = peer;
  return 0;
}

int bh_peers_remove(bh_peers *p, uint16_t id) {
  bh_peer *peer = bh_peers_get(p, id);
  if (!peer) return -ENOENT;
  bh_peers_expire(p, peer);
  for (uint32_t i = 0; i < p->count; i++)
    if (p->list[i] == peer) {
      p->list[i] = p->list[--p->count];
      p->list[p->count] = NULL;
      break;
    }
  p->by_id[id] = NULL;
  bh_reasm_free(peer->reasm); /* under the write lock: the RX thread is not using it */
  peer->reasm = NULL;
  memset(&peer->ep, 0, sizeof peer->ep);
  free(peer);
  return 0;
}

bh_keypair *bh_peers_by_index(const bh_peers *p, uint32_t index, bh_peer **peer) {
  const bh_index_entry *e = map_find(p, index);
  if (!e) return NULL;
  *peer = p->by_id[e->peer];
  return e->kp;
}

int bh_peers_install(bh_peers *p, bh_peer *peer, const bh_keypair_params *in, uint64_t now_ns) {
  if (map_find(p, in->local_index)) return -EEXIST;
  bh_keypair *kp = malloc(sizeof *kp);
  if (!kp) return -ENOMEM;
  bh_keypair_init(kp, in->local_index, in->remote_index, in->send_key, in->recv_key, in->initiator, now_ns);
  int rc = map_insert(p, in->local_index, peer->id, kp);
  if (rc < 0) {
    bh_keypair_wipe(kp);
    free(kp);
    return rc;
  }
  if (in->initiator) { /* wireguard-go BeginSymmetricSession, initiator side */
    if (peer->next) {
      kp_drop(p, &peer->previous);
      peer->previous = peer->next; /* the unconfirmed responder key stays decryptable */
      peer->next = NULL;
      kp_drop(p, &peer->current);
    } else {
      kp_drop(p, &peer->previous);
      peer->previous = peer->current;
    }
    peer->current = kp;
  } else {
    kp_drop(p, &peer->next);
    kp_drop(p, &peer->previous);
    peer->next = kp;
  }
  return 0;
}

int bh_peers_promote(bh_peers *p, bh_peer *peer, const bh_keypair *kp) {
  if (!kp || peer->next != kp) return 0;
  kp_drop(p, &peer->previous);
  peer->previous = peer->current;
  peer->current = peer->next;
  peer->next = NULL;
  return 1;
}

void bh_peers_expire(bh_peers *p, bh_peer *peer) {
  kp_drop(p, &peer->current);
  kp_drop(p, &peer->previous);
  kp_drop(p, &peer->next);
}

void bh_peers_expire_all(bh_peers *p) {
  for (uint32_t i = 0; i < p->count; i++) bh_peers_expire(p, p->list[i]);
}
