/* bh_qos_sched: the egress band scheduler (QoS, issue 5) over a preallocated frame pool.
 *
 *   enqueue(band, frame): copy into a free pool slot, append to the band's FIFO
 *     -> band over its packet or byte limit: tail drop (the new frame) for every band except
 *        BULK, which drops from its head until the new frame fits (head drop keeps the queue
 *        fresh: the oldest segments are the ones whose loss TCP would notice last, so the
 *        sender learns of congestion a whole queue earlier and retransmits recent data)
 *   dequeue(): strict priority NETWORK_CONTROL, then REALTIME, bounded: while the lower bands
 *     are backlogged too, the two priority bands get at most `priority_share_pct` of the bytes
 *     sent (counted from the moment both sides became backlogged; reset when either empties,
 *     so a sparse voice flow is always served at once) -> else deficit round robin over
 *     INTERACTIVE, BEST_EFFORT, BULK with quantum = weight x BH_QOS_QUANTUM bytes
 *     -> a zero-copy view of the slot, the caller's until bh_qos_sched_release(slot)
 *
 * Frames of one band leave in the order they came (FIFO), so a flow (one band) is never
 * reordered. Pure: no clock, all memory allocated in _new, not thread-safe (the caller locks). */
#ifndef BH_QOS_SCHED_H
#define BH_QOS_SCHED_H

#include <stdint.h>

#include "bh_qos_classify.h"

#define BH_QOS_QUANTUM 1514 /* DRR bytes per weight unit and round */

typedef struct {
  uint32_t packets, bytes; /* per-band limits, both >= 1 */
} bh_qos_limit;

typedef struct {
  bh_qos_limit limit[BH_QOS_BANDS];
  uint32_t weight[BH_QOS_BANDS]; /* DRR weight of INTERACTIVE, BEST_EFFORT, BULK (>= 1; others ignored) */
  uint32_t priority_share_pct;   /* 1..100: max share of NETWORK_CONTROL + REALTIME when others wait */
} bh_qos_sched_config;

typedef struct {
  uint64_t enqueued, sent, dropped, sent_bytes;
  uint32_t depth_packets, depth_bytes;
} bh_qos_band_counters;

typedef struct {
  const uint8_t *data; /* valid until bh_qos_sched_release(slot) */
  uint32_t len, slot;
  bh_qos_band band;
} bh_qos_item;

typedef struct bh_qos_sched bh_qos_sched;

enum { BH_QOS_QUEUED = 0, BH_QOS_DROPPED = 1 };

/* Default limits/weights/share (used by the data plane unless configured). */
void bh_qos_sched_defaults(bh_qos_sched_config *cfg);
/* held_slots: slots the caller may hold between dequeue and release (its batch size).
 * NULL on bad arguments (a zero limit, weight or share, share > 100, max_frame 0) or OOM. */
bh_qos_sched *bh_qos_sched_new(const bh_qos_sched_config *cfg, uint32_t max_frame, uint32_t held_slots);
void bh_qos_sched_free(bh_qos_sched *q);
/* Changes the share and weights (limits are fixed at creation). -1 on a bad value. */
int bh_qos_sched_set_share(bh_qos_sched *q, uint32_t priority_share_pct);
/* Copies the frame. BH_QOS_QUEUED, or BH_QOS_DROPPED (counted in the band's `dropped`: the band
 * was full (tail drop), the frame is empty, larger than max_frame or the band's byte limit).
 * Head drops of BULK count in `dropped` too. */
int bh_qos_sched_enqueue(bh_qos_sched *q, bh_qos_band band, const uint8_t *frame, uint32_t len);
/* 1 and *out filled, or 0 when every band is empty. */
int bh_qos_sched_dequeue(bh_qos_sched *q, bh_qos_item *out);
void bh_qos_sched_release(bh_qos_sched *q, uint32_t slot);
uint32_t bh_qos_sched_backlog(const bh_qos_sched *q); /* frames queued in all bands */
void bh_qos_sched_counters(const bh_qos_sched *q, bh_qos_band_counters out[BH_QOS_BANDS]);

#endif
