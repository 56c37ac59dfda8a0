/* bh_fq: fair queueing with CoDel per flow (fq_codel, RFC 8290) over a preallocated frame pool.
 *
 *   enqueue(frame, now): flow = seeded hash(inner IPv4/IPv6 addresses + TCP/UDP ports behind up
 *     to two VLAN tags; MAC pair + EtherType otherwise) mod BH_FQ_FLOWS
 *     -> copy into a free pool slot stamped with `now`, append to the flow's queue
 *     -> an idle flow joins the tail of the NEW list with one quantum of credit
 *     -> pool full (frames or bytes): drop from the head of the fattest flow until it fits
 *   dequeue(now): DRR over the NEW list first (sparse flows: pings, ACKs, voice), then the OLD list;
 *     a flow without credit gets a quantum and moves to the tail of OLD; the head frame passes
 *     CoDel (sojourn = now - enqueue stamp; target 5 ms, interval 100 ms) or is dropped (counted)
 *     -> a zero-copy view of the slot, owned by the caller until bh_fq_release(slot)
 *
 * Pure: time passed in, all memory allocated once in bh_fq_new, not thread-safe (one owner or a
 * caller's lock). */
#ifndef BH_FQ_H
#define BH_FQ_H

#include <stddef.h>
#include <stdint.h>

#define BH_FQ_FLOWS 256     /* flow queues (power of two) */
#define BH_FQ_QUANTUM 1514  /* DRR credit per round, bytes */
#define BH_FQ_NONE UINT32_MAX

typedef struct bh_fq bh_fq;

typedef struct {
  uint64_t enqueued;       /* frames accepted */
  uint64_t dequeued;       /* frames handed out */
  uint64_t codel_drops;    /* dropped at dequeue by CoDel (standing queue) */
  uint64_t overflow_drops; /* dropped because the pool was full (head of the fattest flow) */
  uint64_t rejected;       /* empty or larger than max_frame: not queued */
  uint32_t backlog_frames, backlog_bytes; /* queued now (not counting frames held by the caller) */
} bh_fq_counters;

typedef struct {
  const uint8_t *data; /* valid until bh_fq_release(slot) */
  uint32_t len;
  uint32_t slot;
  uint64_t enqueued_ns;
  uint32_t flow;
} bh_fq_item;

enum { BH_FQ_QUEUED = 0, BH_FQ_DROPPED = 1, BH_FQ_REJECTED = 2 };

/* frames >= 2, bytes >= max_frame, 1 <= max_frame <= 65535. NULL on bad arguments or OOM. */
bh_fq *bh_fq_new(uint32_t frames, uint32_t bytes, uint32_t max_frame, uint64_t seed);
void bh_fq_free(bh_fq *fq);
/* Copies the frame. BH_FQ_QUEUED, BH_FQ_DROPPED (no room even after dropping from the fattest
 * flow: only when the caller holds the slots), or BH_FQ_REJECTED (len 0 or > max_frame). Frames
 * dropped from other flows to make room are counted in overflow_drops. */
int bh_fq_enqueue(bh_fq *fq, const uint8_t *frame, uint32_t len, uint64_t now_ns);
/* 1 and *out filled, or 0 when nothing is queued. The slot stays the caller's until released. */
int bh_fq_dequeue(bh_fq *fq, uint64_t now_ns, bh_fq_item *out);
void bh_fq_release(bh_fq *fq, uint32_t slot);
uint32_t bh_fq_backlog(const bh_fq *fq); /* frames queued */
bh_fq_counters bh_fq_counters_get(const bh_fq *fq);
/* The flow queue a frame maps to (exposed for tests). */
uint32_t bh_fq_flow_of(const bh_fq *fq, const uint8_t *frame, uint32_t len);

#endif
