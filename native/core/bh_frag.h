/* bh_frag: tunnel fragmentation of Ethernet frames (transport subtype 3, docs/INTERNALS.md 1b).
 * Pure: caller-owned buffers, `now_ns` passed in, no clocks, no I/O; one allocation in _new.
 *
 *   sender:   bh_frag_plan(frame_len, max_chunk) -> n fragments of equal size (the last may be
 *             shorter); each fragment's plaintext = bh_frag_hdr (8 bytes) || frame[off .. off+len)
 *   receiver: bh_reasm_add(fragment plaintext) -> PENDING / COMPLETE (frame copied out) / a drop
 *             reason; bounded per instance (one per peer): at most `max_frames` frames in progress
 *             and `max_bytes` of declared totals, the oldest evicted when full; `timeout_ns`.
 *
 * Fragment header (little-endian): frame_id u32 (per sender, increments per fragmented frame),
 * offset u16, total u16 (the whole frame's length). Chunk length = plaintext length - 8. */
#ifndef BH_FRAG_H
#define BH_FRAG_H

#include <stddef.h>
#include <stdint.h>

#define BH_FRAG_HDR 8
#define BH_FRAG_MAX_PIECES 32 /* fragments per frame; more is a malformed frame */

typedef struct {
  uint32_t frame_id;
  uint16_t offset, total;
} bh_frag_hdr;

void bh_frag_hdr_write(uint8_t out[BH_FRAG_HDR], const bh_frag_hdr *h);

/* Number of fragments for a frame of frame_len bytes when a fragment may carry at most
 * max_chunk bytes of it: 1 = fits, no fragmentation. *chunk = the size of every fragment but the
 * last (equal split: ceil(len / n), so same-size frames give same-size datagrams, which UDP GSO
 * groups). 0 if impossible (max_chunk 0, or more than BH_FRAG_MAX_PIECES fragments). */
unsigned bh_frag_plan(size_t frame_len, size_t max_chunk, size_t *chunk);

typedef enum {
  BH_REASM_PENDING = 0, /* stored, frame not complete yet */
  BH_REASM_COMPLETE,    /* *out_len bytes of the frame written to out */
  BH_REASM_BAD,         /* malformed: short, empty chunk, beyond total, too many pieces */
  BH_REASM_OVERSIZE,    /* total above max_frame_size (or above out_cap) */
  BH_REASM_DUPLICATE,   /* exactly this piece was already received: the piece is dropped */
  BH_REASM_OVERLAP,     /* partly overlaps a piece, or a conflicting total: whole frame dropped */
} bh_reasm_result;

typedef struct {
  uint32_t max_frames;     /* frames in progress, >= 1 */
  uint32_t max_bytes;      /* sum of their totals */
  uint32_t max_frame_size; /* largest frame accepted (<= 65535) */
  uint64_t timeout_ns;     /* an incomplete frame older than this is dropped */
} bh_reasm_config;

typedef struct {
  uint64_t fragments, completed, bad, oversize, duplicates, overlaps, timeouts, evicted;
} bh_reasm_counters;

typedef struct bh_reasm bh_reasm;

bh_reasm *bh_reasm_new(const bh_reasm_config *cfg); /* NULL on bad config / ENOMEM */
void bh_reasm_free(bh_reasm *r);

/* One authenticated fragment plaintext (header + chunk). Expires timed-out frames first. */
bh_reasm_result bh_reasm_add(bh_reasm *r, const uint8_t *pt, size_t len, uint64_t now_ns, uint8_t *out,
                             size_t out_cap, size_t *out_len);
/* Drops frames older than the timeout; returns how many. */
uint32_t bh_reasm_expire(bh_reasm *r, uint64_t now_ns);
uint32_t bh_reasm_in_progress(const bh_reasm *r);
const bh_reasm_counters *bh_reasm_stats(const bh_reasm *r);

#endif
