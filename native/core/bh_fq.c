/* bh_fq: fq_codel over a frame pool (flow in bh_fq.h).
 * Slots are a singly linked free stack and per-flow singly linked FIFOs (uint32 indices);
 * flows sit on at most one of the NEW/OLD lists (doubly linked by index). */
#include "bh_fq.h"

#include <stdlib.h>
#include <string.h>

#include "bh_codel.h"

enum { LIST_NONE = 0, LIST_NEW = 1, LIST_OLD = 2 };

typedef struct {
  uint32_t head, tail; /* slot FIFO */
  uint32_t frames, bytes;
  int32_t deficit;
  uint8_t list;
  uint32_t prev, next; /* within its list */
  bh_codel codel;
} fq_flow;

typedef struct {
  uint32_t next; /* next in the flow FIFO, or in the free stack */
  uint32_t len;
  uint64_t ts;
} fq_slot;

typedef struct {
  uint32_t head, tail;
} fq_list;

struct bh_fq {
  uint32_t n_slots, max_bytes, max_frame;
  uint64_t seed;
  uint8_t *pool;
  fq_slot *slot;
  uint32_t free_head, free_count;
  fq_flow flow[BH_FQ_FLOWS];
  fq_list lists[3]; /* [LIST_NEW], [LIST_OLD] used */
  bh_fq_counters c;
};

_Static_assert((BH_FQ_FLOWS & (BH_FQ_FLOWS - 1)) == 0, "BH_FQ_FLOWS is a power of two");

bh_fq *bh_fq_new(uint32_t frames, uint32_t bytes, uint32_t max_frame, uint64_t seed) {
  if (frames < 2 || max_frame == 0 || max_frame > 65535 || bytes < max_frame) return NULL;
  if (frames > (1u << 24)) return NULL;
  bh_fq *fq = calloc(1, sizeof *fq);
  if (!fq) return NULL;
  fq->pool = malloc((size_t)frames * max_frame);
  fq->slot = calloc(frames, sizeof *fq->slot);
  if (!fq->pool || !fq->slot) {
    bh_fq_free(fq);
    return NULL;
  }
  fq->n_slots = frames;
  fq->max_bytes = bytes;
  fq->max_frame = max_frame;
  fq->seed = seed;
  for (uint32_t i = 0; i < frames; i++) fq->slot[i].next = i + 1 < frames ? i + 1 : BH_FQ_NONE;
  fq->free_head = 0;
  fq->free_count = frames;
  for (uint32_t f = 0; f < BH_FQ_FLOWS; f++) {
    fq->flow[f].head = fq->flow[f].tail = BH_FQ_NONE;
    fq->flow[f].prev = fq->flow[f].next = BH_FQ_NONE;
    bh_codel_init(&fq->flow[f].codel, BH_CODEL_TARGET_NS, BH_CODEL_INTERVAL_NS);
  }
  for (int l = 0; l < 3; l++) fq->lists[l].head = fq->lists[l].tail = BH_FQ_NONE;
  return fq;
}

void bh_fq_free(bh_fq *fq) {
  if (!fq) return;
  free(fq->pool);
  free(fq->slot);
  free(fq);
}

/* ---- flow hash ---- */

static uint64_t mix(uint64_t h) { /* murmur3 fmix64 */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

uint32_t bh_fq_flow_of(const bh_fq *fq, const uint8_t *f, uint32_t len) {
  uint64_t h = mix(fq->seed ^ 0x9e3779b97f4a7c15ULL);
  if (len < 14) return (uint32_t)(mix(hash_bytes(h, f, len)) & (BH_FQ_FLOWS - 1));
  uint32_t off = 12;
  uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
  for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8) && off + 6 <= len; tags++) {
    off += 4;
    type = (uint16_t)(f[off] << 8 | f[off + 1]);
  }
  off += 2; /* L3 header */
  const uint8_t *l3 = f + off;
  uint32_t rest = len > off ? len - off : 0;
  if (type == 0x0800 && rest >= 20 && (l3[0] >> 4) == 4) {
    uint32_t ihl = (uint32_t)(l3[0] & 15) * 4;
    uint8_t proto = l3[9];
    h = hash_bytes(h, l3 + 12, 8); /* src + dst address */
    h = hash_bytes(h, &proto, 1);
    int first_fragment = ((l3[6] & 0x1f) | l3[7]) == 0;
    if (first_fragment && (proto == 6 || proto == 17) && ihl >= 20 && rest >= ihl + 4) h = hash_bytes(h, l3 + ihl, 4);
  } else if (type == 0x86dd && rest >= 40 && (l3[0] >> 4) == 6) {
    uint8_t nh = l3[6];
    h = hash_bytes(h, l3 + 8, 32);
    h = hash_bytes(h, &nh, 1);
    if ((nh == 6 || nh == 17) && rest >= 44) h = hash_bytes(h, l3 + 40, 4);
  } else {
    h = hash_bytes(h, f, 12); /* MAC pair */
    uint8_t t[2] = {(uint8_t)(type >> 8), (uint8_t)type};
    h = hash_bytes(h, t, 2);
  }
  return (uint32_t)(mix(h) & (BH_FQ_FLOWS - 1));
}

/* ---- lists ---- */

static void list_remove(bh_fq *fq, uint32_t f) {
  fq_flow *x = &fq->flow[f];
  fq_list *l = &fq->lists[x->list];
  if (x->prev != BH_FQ_NONE) fq->flow[x->prev].next = x->next;
  else l->head = x->next;
  if (x->next != BH_FQ_NONE) fq->flow[x->next].prev = x->prev;
  else l->tail = x->prev;
  x->prev = x->next = BH_FQ_NONE;
  x->list = LIST_NONE;
}

static void list_append(bh_fq *fq, uint32_t f, uint8_t which) {
  fq_flow *x = &fq->flow[f];
  fq_list *l = &fq->lists[which];
  x->list = which;
  x->next = BH_FQ_NONE;
  x->prev = l->tail;
  if (l->tail != BH_FQ_NONE) fq->flow[l->tail].next = f;
  else l->head = f;
  l->tail = f;
}

/* ---- slots ---- */

static uint32_t pop_head(bh_fq *fq, uint32_t f) { /* flow must be non-empty */
  fq_flow *x = &fq->flow[f];
  uint32_t s = x->head;
  x->head = fq->slot[s].next;
  if (x->head == BH_FQ_NONE) x->tail = BH_FQ_NONE;
  x->frames--;
  x->bytes -= fq->slot[s].len;
  fq->c.backlog_frames--;
  fq->c.backlog_bytes -= fq->slot[s].len;
  return s;
}

void bh_fq_release(bh_fq *fq, uint32_t s) {
  if (s >= fq->n_slots) return;
  fq->slot[s].next = fq->free_head;
  fq->free_head = s;
  fq->free_count++;
}

static uint32_t fattest_flow(const bh_fq *fq) {
  uint32_t best = BH_FQ_NONE, bytes = 0;
  for (uint32_t f = 0; f < BH_FQ_FLOWS; f++) {
    if (fq->flow[f].bytes > bytes) {
      bytes = fq->flow[f].bytes;
      best = f;
    }
  }
  return best;
}

int bh_fq_enqueue(bh_fq *fq, const uint8_t *frame, uint32_t len, uint64_t now_ns) {
  if (len == 0 || len > fq->max_frame) {
    fq->c.rejected++;
    return BH_FQ_REJECTED;
  }
  /* Make room: drop from the head of the fattest flow (the newcomer's own flow only if it is
   * the fattest, so a sparse flow's frame is never the victim). A flow that empties this way
   * stays on its list; dequeue skips it. */
  while (fq->free_count == 0 || fq->c.backlog_bytes + len > fq->max_bytes) {
    uint32_t fat = fattest_flow(fq);
    if (fat == BH_FQ_NONE) { /* everything is held by the caller */
      fq->c.overflow_drops++;
      return BH_FQ_DROPPED;
    }
    bh_fq_release(fq, pop_head(fq, fat));
    fq->c.overflow_drops++;
  }
  uint32_t f = bh_fq_flow_of(fq, frame, len);
  uint32_t s = fq->free_head;
  fq->free_head = fq->slot[s].next;
  fq->free_count--;
  memcpy(fq->pool + (size_t)s * fq->max_frame, frame, len);
  fq->slot[s].len = len;
  fq->slot[s].ts = now_ns;
  fq->slot[s].next = BH_FQ_NONE;
  fq_flow *x = &fq->flow[f];
  if (x->tail != BH_FQ_NONE) fq->slot[x->tail].next = s;
  else x->head = s;
  x->tail = s;
  x->frames++;
  x->bytes += len;
  fq->c.backlog_frames++;
  fq->c.backlog_bytes += len;
  fq->c.enqueued++;
  if (x->list == LIST_NONE) {
    x->deficit = BH_FQ_QUANTUM;
    list_append(fq, f, LIST_NEW);
  }
  return BH_FQ_QUEUED;
}

/* Head of flow f through CoDel: the first frame CoDel keeps, or BH_FQ_NONE if it emptied. */
static uint32_t codel_dequeue(bh_fq *fq, uint32_t f, uint64_t now) {
  fq_flow *x = &fq->flow[f];
  while (x->head != BH_FQ_NONE) {
    uint32_t s = pop_head(fq, f);
    uint64_t sojourn = now > fq->slot[s].ts ? now - fq->slot[s].ts : 0;
    /* as Linux codel: no drop while the queue holds at most one frame's worth */
    if (x->bytes < fq->max_frame) sojourn = 0;
    if (!bh_codel_should_drop(&x->codel, sojourn, now)) return s;
    fq->c.codel_drops++;
    bh_fq_release(fq, s);
  }
  return BH_FQ_NONE;
}

int bh_fq_dequeue(bh_fq *fq, uint64_t now_ns, bh_fq_item *out) {
  for (;;) {
    uint8_t which = LIST_NEW;
    uint32_t f = fq->lists[LIST_NEW].head;
    if (f == BH_FQ_NONE) {
      which = LIST_OLD;
      f = fq->lists[LIST_OLD].head;
    }
    if (f == BH_FQ_NONE) return 0;
    fq_flow *x = &fq->flow[f];
    if (x->deficit <= 0) {
      x->deficit += BH_FQ_QUANTUM;
      list_remove(fq, f);
      list_append(fq, f, LIST_OLD);
      continue;
    }
    uint32_t s = codel_dequeue(fq, f, now_ns);
    if (s == BH_FQ_NONE) {
      /* RFC 8290: an emptied new flow goes to the old list once (so it cannot stay "new" by
       * emptying every round); an emptied old flow leaves. */
      list_remove(fq, f);
      if (which == LIST_NEW && fq->lists[LIST_OLD].head != BH_FQ_NONE) list_append(fq, f, LIST_OLD);
      continue;
    }
    x->deficit -= (int32_t)fq->slot[s].len;
    fq->c.dequeued++;
    out->data = fq->pool + (size_t)s * fq->max_frame;
    out->len = fq->slot[s].len;
    out->slot = s;
    out->enqueued_ns = fq->slot[s].ts;
    out->flow = f;
    return 1;
  }
}

uint32_t bh_fq_backlog(const bh_fq *fq) { return fq->c.backlog_frames; }
bh_fq_counters bh_fq_counters_get(const bh_fq *fq) { return fq->c; }
