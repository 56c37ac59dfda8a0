/* evring: the bounded event queue between the data-plane threads (producers) and the JS thread
 * (consumer). Capacity fixed at init; when full, new events are dropped and counted. `pending`
 * implements "notify once when the ring goes non-empty": push returns BH_EVRING_NOTIFY only if no
 * notification is outstanding; the consumer clears it before draining (no lost wake-ups). */
#ifndef BH_EVRING_H
#define BH_EVRING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "endpoint.h"

typedef enum {
  BH_EV_HANDSHAKE = 1,         /* ep = source, data = datagram */
  BH_EV_CONTROL = 2,           /* peer, data = plaintext */
  BH_EV_KEYPAIR_CONFIRMED = 3, /* peer, local_index */
  BH_EV_ENDPOINT = 4,          /* peer, ep */
  BH_EV_NEED_HANDSHAKE = 5,    /* peer */
  BH_EV_PROBE_ACK = 6,         /* peer, data = ack plaintext {id u32, size u16} (dp_pmtu.h) */
  BH_EV_MTU_EXCEEDED = 7,      /* peer: a send to it was refused with EMSGSIZE (<= 1/s/peer) */
  BH_EV_NEIGH = 8,             /* data = bh_fo_neigh_event (dp_failover.h) */
  BH_EV_NEIGH_GONE = 9,        /* data = bh_ipaddr (aged out) */
  BH_EV_PROBE_ANSWER = 10,     /* data = bh_fo_neigh_event (ip, mac) */
  BH_EV_MAC_TABLE_FULL = 11,   /* local_index = the MAC table's capacity (<= 1 per 10 s) */
  BH_EV_LOOP = 12              /* data = bh_fo_loop_event (dp_failover.h) */
} bh_event_type;

typedef struct {
  uint8_t type;
  uint16_t peer;
  uint32_t local_index;
  bh_endpoint ep;
  uint8_t *data; /* malloc'd copy owned by the event (NULL when len == 0) */
  uint32_t len;
} bh_event;

#define BH_EVRING_MAX_CAPACITY 65536
#define BH_EVRING_MAX_DATA 65536

typedef struct {
  pthread_mutex_t mu;
  bh_event *slots;
  uint32_t cap, head, count;
  int pending;
  _Atomic uint64_t dropped;
} bh_evring;

enum { BH_EVRING_QUEUED = 0, BH_EVRING_NOTIFY = 1, BH_EVRING_FULL = -1 };

int bh_evring_init(bh_evring *r, uint32_t capacity); /* 0 or -1 (OOM / bad capacity) */
void bh_evring_free(bh_evring *r);                   /* frees queued events' data too */
/* Copies ev (and data[0..len)) in. Returns BH_EVRING_NOTIFY / _QUEUED / _FULL (dropped, counted;
 * also on OOM or len > BH_EVRING_MAX_DATA). */
int bh_evring_push(bh_evring *r, const bh_event *ev, const uint8_t *data, uint32_t len);
void bh_evring_begin_drain(bh_evring *r); /* consumer: clear `pending` before popping */
/* 1 = *out filled (caller frees out->data), 0 = empty. */
int bh_evring_pop(bh_evring *r, bh_event *out);
/* Consumer stopped early with events left: re-arm `pending`; returns 1 if the caller must
 * notify itself again. */
int bh_evring_rearm(bh_evring *r);
uint64_t bh_evring_dropped(const bh_evring *r);

#endif
