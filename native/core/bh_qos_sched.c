/* bh_qos_sched: bands (FIFO, bounded) + strict priority with a share bound + DRR (bh_qos_sched.h). */
#include "bh_qos_sched.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct {
  uint32_t head, tail; /* slot indices, NONE = empty */
  bh_qos_band_counters c;
  int64_t deficit; /* DRR bands */
} band_q;

struct bh_qos_sched {
  bh_qos_sched_config cfg;
  uint32_t max_frame, pool_slots;
  uint8_t *pool;   /* pool_slots x max_frame */
  uint32_t *len;   /* per slot */
  uint32_t *next;  /* FIFO link or free-list link */
  uint32_t free_head;
  band_q band[BH_QOS_BANDS];
  uint64_t prio_bytes, other_bytes; /* since both sides became backlogged */
  int drr_cur, drr_fresh;
};

static const bh_qos_band drr_order[3] = {BH_QOS_INTERACTIVE, BH_QOS_BEST_EFFORT, BH_QOS_BULK};

void bh_qos_sched_defaults(bh_qos_sched_config *c) {
  static const bh_qos_limit lim[BH_QOS_BANDS] = {
      {64, 64 * 1024}, {256, 256 * 1024}, {512, 512 * 1024}, {1024, 1024 * 1024}, {1024, 1024 * 1024}};
  memset(c, 0, sizeof *c);
  memcpy(c->limit, lim, sizeof lim);
  c->weight[BH_QOS_INTERACTIVE] = 4;
  c->weight[BH_QOS_BEST_EFFORT] = 2;
  c->weight[BH_QOS_BULK] = 1;
  c->priority_share_pct = 50;
}

bh_qos_sched *bh_qos_sched_new(const bh_qos_sched_config *cfg, uint32_t max_frame, uint32_t held_slots) {
  if (!cfg || max_frame == 0 || cfg->priority_share_pct == 0 || cfg->priority_share_pct > 100) return NULL;
  uint64_t slots = held_slots;
  for (int b = 0; b < BH_QOS_BANDS; b++) {
    if (cfg->limit[b].packets == 0 || cfg->limit[b].bytes == 0) return NULL;
    slots += cfg->limit[b].packets;
  }
  for (int k = 0; k < 3; k++)
    if (cfg->weight[drr_order[k]] == 0) return NULL;
  if (slots > (1u << 20)) return NULL;
  bh_qos_sched *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->cfg = *cfg;
  q->max_frame = max_frame;
  q->pool_slots = (uint32_t)slots;
  q->pool = malloc((size_t)slots * max_frame);
  q->len = calloc(slots, sizeof *q->len);
  q->next = calloc(slots, sizeof *q->next);
  if (!q->pool || !q->len || !q->next) {
    bh_qos_sched_free(q);
    return NULL;
  }
  for (uint32_t i = 0; i < q->pool_slots; i++) q->next[i] = i + 1 < q->pool_slots ? i + 1 : NONE;
  q->free_head = 0;
  for (int b = 0; b < BH_QOS_BANDS; b++) q->band[b].head = q->band[b].tail = NONE;
  q->drr_fresh = 1;
  return q;
}

void bh_qos_sched_free(bh_qos_sched *q) {
  if (!q) return;
  free(q->pool);
  free(q->len);
  free(q->next);
  free(q);
}

int bh_qos_sched_set_share(bh_qos_sched *q, uint32_t pct) {
  if (pct == 0 || pct > 100) return -1;
  q->cfg.priority_share_pct = pct;
  return 0;
}

static uint32_t pop_head(bh_qos_sched *q, band_q *b) {
  uint32_t s = b->head;
  b->head = q->next[s];
  if (b->head == NONE) b->tail = NONE;
  b->c.depth_packets--;
  b->c.depth_bytes -= q->len[s];
  return s;
}

void bh_qos_sched_release(bh_qos_sched *q, uint32_t slot) {
  if (slot >= q->pool_slots) return;
  q->next[slot] = q->free_head;
  q->free_head = slot;
}

int bh_qos_sched_enqueue(bh_qos_sched *q, bh_qos_band band, const uint8_t *frame, uint32_t len) {
  if ((unsigned)band >= BH_QOS_BANDS) band = BH_QOS_BEST_EFFORT;
  band_q *b = &q->band[band];
  const bh_qos_limit *lim = &q->cfg.limit[band];
  if (len == 0 || len > q->max_frame || len > lim->bytes) {
    b->c.dropped++;
    return BH_QOS_DROPPED;
  }
  int full = b->c.depth_packets + 1 > lim->packets || b->c.depth_bytes + len > lim->bytes;
  if (full && band != BH_QOS_BULK) {
    b->c.dropped++; /* tail drop */
    return BH_QOS_DROPPED;
  }
  while (b->c.depth_packets > 0 && (b->c.depth_packets + 1 > lim->packets || b->c.depth_bytes + len > lim->bytes)) {
    bh_qos_sched_release(q, pop_head(q, b)); /* head drop (BULK) */
    b->c.dropped++;
  }
  if (q->free_head == NONE) { /* only if the caller holds more slots than it declared */
    b->c.dropped++;
    return BH_QOS_DROPPED;
  }
  uint32_t s = q->free_head;
  q->free_head = q->next[s];
  memcpy(q->pool + (size_t)s * q->max_frame, frame, len);
  q->len[s] = len;
  q->next[s] = NONE;
  if (b->tail == NONE)
    b->head = s;
  else
    q->next[b->tail] = s;
  b->tail = s;
  b->c.depth_packets++;
  b->c.depth_bytes += len;
  b->c.enqueued++;
  return BH_QOS_QUEUED;
}

static int busy(const bh_qos_sched *q, bh_qos_band b) { return q->band[b].head != NONE; }

/* DRR over INTERACTIVE, BEST_EFFORT, BULK; at least one of them is backlogged. */
static bh_qos_band drr_pick(bh_qos_sched *q) {
  for (;;) {
    bh_qos_band b = drr_order[q->drr_cur];
    band_q *bq = &q->band[b];
    if (bq->head == NONE) {
      bq->deficit = 0;
      q->drr_cur = (q->drr_cur + 1) % 3;
      q->drr_fresh = 1;
      continue;
    }
    if (q->drr_fresh) {
      bq->deficit += (int64_t)q->cfg.weight[b] * BH_QOS_QUANTUM;
      q->drr_fresh = 0;
    }
    uint32_t need = q->len[bq->head];
    if (bq->deficit >= (int64_t)need) {
      bq->deficit -= need;
      return b;
    }
    q->drr_cur = (q->drr_cur + 1) % 3;
    q->drr_fresh = 1;
  }
}

int bh_qos_sched_dequeue(bh_qos_sched *q, bh_qos_item *out) {
  int prio = busy(q, BH_QOS_NETWORK_CONTROL) || busy(q, BH_QOS_REALTIME);
  int other = busy(q, BH_QOS_INTERACTIVE) || busy(q, BH_QOS_BEST_EFFORT) || busy(q, BH_QOS_BULK);
  if (!prio && !other) return 0;
  if (!prio || !other) q->prio_bytes = q->other_bytes = 0;
  int serve_prio =
      prio && (!other || q->prio_bytes * 100 <= (uint64_t)q->cfg.priority_share_pct * (q->prio_bytes + q->other_bytes));
  bh_qos_band b;
  if (serve_prio)
    b = busy(q, BH_QOS_NETWORK_CONTROL) ? BH_QOS_NETWORK_CONTROL : BH_QOS_REALTIME;
  else
    b = drr_pick(q);
  band_q *bq = &q->band[b];
  uint32_t s = pop_head(q, bq);
  uint32_t len = q->len[s];
  if (prio && other) {
    if (serve_prio)
      q->prio_bytes += len;
    else
      q->other_bytes += len;
  }
  bq->c.sent++;
  bq->c.sent_bytes += len;
  out->data = q->pool + (size_t)s * q->max_frame;
  out->len = len;
  out->slot = s;
  out->band = b;
  return 1;
}

uint32_t bh_qos_sched_backlog(const bh_qos_sched *q) {
  uint32_t n = 0;
  for (int b = 0; b < BH_QOS_BANDS; b++) n += q->band[b].c.depth_packets;
  return n;
}

void bh_qos_sched_counters(const bh_qos_sched *q, bh_qos_band_counters out[BH_QOS_BANDS]) {
  for (int b = 0; b < BH_QOS_BANDS; b++) out[b] = q->band[b].c;
}
