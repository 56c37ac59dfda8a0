/* bh_frag: split plan, fragment header, and bounded per-peer reassembly (bh_frag.h).
 *
 *   add(pt) -> parse header (bad) -> total > max (oversize) -> expire old frames
 *     -> find the slot of frame_id (total must match, else overlap) or take a free one
 *        (full: evict the oldest until a slot and the byte budget are free)
 *     -> piece equal to a stored one: duplicate; intersecting one: overlap (frame dropped)
 *     -> copy chunk into the slot; all bytes present -> copy out, free slot: complete */
#include "bh_frag.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  uint64_t first_ns;
  uint32_t frame_id, have;
  uint16_t total, n_pieces;
  uint8_t used;
  struct { uint16_t off, len; } piece[BH_FRAG_MAX_PIECES];
  uint8_t *data; /* max_frame_size bytes */
} bh_reasm_slot;

struct bh_reasm {
  bh_reasm_config cfg;
  uint32_t n_used, bytes_used;
  bh_reasm_counters ctr;
  bh_reasm_slot *slot;
  uint8_t *data;
};

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

void bh_frag_hdr_write(uint8_t out[BH_FRAG_HDR], const bh_frag_hdr *h) {
  out[0] = (uint8_t)h->frame_id;
  out[1] = (uint8_t)(h->frame_id >> 8);
  out[2] = (uint8_t)(h->frame_id >> 16);
  out[3] = (uint8_t)(h->frame_id >> 24);
  put_le16(out + 4, h->offset);
  put_le16(out + 6, h->total);
}

unsigned bh_frag_plan(size_t frame_len, size_t max_chunk, size_t *chunk) {
  if (max_chunk == 0) return 0;
  if (frame_len <= max_chunk) {
    *chunk = frame_len;
    return 1;
  }
  size_t n = (frame_len + max_chunk - 1) / max_chunk;
  if (n > BH_FRAG_MAX_PIECES) return 0;
  size_t c = (frame_len + n - 1) / n;
  /* ceil(len / n) pieces of c may need fewer than n: recompute so no piece is empty */
  n = (frame_len + c - 1) / c;
  *chunk = c;
  return (unsigned)n;
}

bh_reasm *bh_reasm_new(const bh_reasm_config *cfg) {
  if (!cfg || cfg->max_frames == 0 || cfg->max_frames > 4096 || cfg->max_frame_size == 0 ||
      cfg->max_frame_size > 65535 || cfg->max_bytes < cfg->max_frame_size)
    return NULL;
  bh_reasm *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->cfg = *cfg;
  r->slot = calloc(cfg->max_frames, sizeof *r->slot);
  r->data = malloc((size_t)cfg->max_frames * cfg->max_frame_size);
  if (!r->slot || !r->data) {
    bh_reasm_free(r);
    return NULL;
  }
  for (uint32_t i = 0; i < cfg->max_frames; i++) r->slot[i].data = r->data + (size_t)i * cfg->max_frame_size;
  return r;
}

void bh_reasm_free(bh_reasm *r) {
  if (!r) return;
  free(r->slot);
  free(r->data);
  free(r);
}

static void release(bh_reasm *r, bh_reasm_slot *s) {
  s->used = 0;
  r->n_used--;
  r->bytes_used -= s->total;
}

uint32_t bh_reasm_expire(bh_reasm *r, uint64_t now_ns) {
  uint32_t n = 0;
  if (!r->n_used) return 0;
  for (uint32_t i = 0; i < r->cfg.max_frames; i++) {
    bh_reasm_slot *s = &r->slot[i];
    if (s->used && now_ns - s->first_ns >= r->cfg.timeout_ns && now_ns >= s->first_ns) {
      release(r, s);
      n++;
    }
  }
  r->ctr.timeouts += n;
  return n;
}

static bh_reasm_slot *oldest(bh_reasm *r) {
  bh_reasm_slot *o = NULL;
  for (uint32_t i = 0; i < r->cfg.max_frames; i++)
    if (r->slot[i].used && (!o || r->slot[i].first_ns < o->first_ns)) o = &r->slot[i];
  return o;
}

static bh_reasm_slot *find_or_take(bh_reasm *r, uint32_t id, uint16_t total, uint64_t now_ns, int *conflict) {
  bh_reasm_slot *free_slot = NULL;
  for (uint32_t i = 0; i < r->cfg.max_frames; i++) {
    bh_reasm_slot *s = &r->slot[i];
    if (s->used && s->frame_id == id) {
      if (s->total != total) {
        release(r, s);
        *conflict = 1;
        return NULL;
      }
      return s;
    }
    if (!s->used && !free_slot) free_slot = s;
  }
  while (!free_slot || r->bytes_used + total > r->cfg.max_bytes) {
    bh_reasm_slot *o = oldest(r);
    if (!o) break; /* cannot happen: max_bytes >= max_frame_size >= total */
    release(r, o);
    r->ctr.evicted++;
    if (!free_slot) free_slot = o;
  }
  free_slot->used = 1;
  free_slot->frame_id = id;
  free_slot->total = total;
  free_slot->have = 0;
  free_slot->n_pieces = 0;
  free_slot->first_ns = now_ns;
  r->n_used++;
  r->bytes_used += total;
  return free_slot;
}

bh_reasm_result bh_reasm_add(bh_reasm *r, const uint8_t *pt, size_t len, uint64_t now_ns, uint8_t *out,
                             size_t out_cap, size_t *out_len) {
  r->ctr.fragments++;
  if (len <= BH_FRAG_HDR) {
    r->ctr.bad++;
    return BH_REASM_BAD;
  }
  uint32_t id = (uint32_t)pt[0] | (uint32_t)pt[1] << 8 | (uint32_t)pt[2] << 16 | (uint32_t)pt[3] << 24;
  uint16_t off = le16(pt + 4), total = le16(pt + 6);
  size_t clen = len - BH_FRAG_HDR;
  if (total == 0 || clen > total || off > total - clen) {
    r->ctr.bad++;
    return BH_REASM_BAD;
  }
  if (total > r->cfg.max_frame_size || total > out_cap) {
    r->ctr.oversize++;
    return BH_REASM_OVERSIZE;
  }
  bh_reasm_expire(r, now_ns);
  int conflict = 0;
  bh_reasm_slot *s = find_or_take(r, id, total, now_ns, &conflict);
  if (!s) {
    r->ctr.overlaps++;
    return BH_REASM_OVERLAP;
  }
  for (unsigned k = 0; k < s->n_pieces; k++) {
    unsigned po = s->piece[k].off, pl = s->piece[k].len;
    if (po == off && pl == clen) {
      r->ctr.duplicates++;
      return BH_REASM_DUPLICATE;
    }
    if (off < po + pl && po < off + clen) {
      release(r, s);
      r->ctr.overlaps++;
      return BH_REASM_OVERLAP;
    }
  }
  if (s->n_pieces == BH_FRAG_MAX_PIECES) {
    release(r, s);
    r->ctr.bad++;
    return BH_REASM_BAD;
  }
  s->piece[s->n_pieces].off = off;
  s->piece[s->n_pieces].len = (uint16_t)clen;
  s->n_pieces++;
  memcpy(s->data + off, pt + BH_FRAG_HDR, clen);
  s->have += (uint32_t)clen; /* pieces are disjoint, so have == total means complete */
  if (s->have < s->total) return BH_REASM_PENDING;
  memcpy(out, s->data, s->total);
  *out_len = s->total;
  release(r, s);
  r->ctr.completed++;
  return BH_REASM_COMPLETE;
}

uint32_t bh_reasm_in_progress(const bh_reasm *r) { return r->n_used; }
const bh_reasm_counters *bh_reasm_stats(const bh_reasm *r) { return &r->ctr; }
