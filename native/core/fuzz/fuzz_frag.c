/* Target: tunnel fragment reassembly (bh_reasm_add), which sees every authenticated fragment.
 *   part 1: the input is a stream of fragment plaintexts (records: 1 byte time step, then a
 *           length-prefixed fragment) fed to one reassembler; a completed frame must have the
 *           length its header declared and fit the output buffer; the bounds must hold.
 *   part 2: the input as a frame, fragmented with bh_frag_plan, its pieces delivered in an
 *           input-driven order with duplicates: the reassembled frame equals the input, once. */
#include "../bh_frag.h"
#include "fuzz_common.h"

#define OUT_CAP 9000

static const bh_reasm_config CFG = {.max_frames = 4, .max_bytes = 20000, .max_frame_size = 9000, .timeout_ns = 1000000};

static void stream(const uint8_t *d, size_t n) {
  static uint8_t out[OUT_CAP];
  bh_reasm *r = bh_reasm_new(&CFG);
  if (!r) abort();
  fz_in in = {d, n};
  uint64_t now = 0;
  while (in.n) {
    now += (uint64_t)fz_u8(&in) * 10000;
    const uint8_t *pt;
    size_t len = fz_record(&in, &pt), got = 0;
    size_t cap = (len & 1) ? OUT_CAP : 1600; /* sometimes a small caller buffer */
    bh_reasm_result res = bh_reasm_add(r, pt, len, now, out, cap, &got);
    FUZZ_ASSERT(res <= BH_REASM_OVERLAP);
    if (res == BH_REASM_COMPLETE) {
      FUZZ_ASSERT(len >= BH_FRAG_HDR && got <= cap && got <= CFG.max_frame_size);
      FUZZ_ASSERT(got == (size_t)(pt[6] | pt[7] << 8)); /* the declared total */
    }
    FUZZ_ASSERT(bh_reasm_in_progress(r) <= CFG.max_frames);
  }
  const bh_reasm_counters *c = bh_reasm_stats(r);
  FUZZ_ASSERT(c->completed <= c->fragments);
  bh_reasm_free(r);
}

static void round_trip(const uint8_t *d, size_t n) {
  static uint8_t pieces[BH_FRAG_MAX_PIECES][BH_FRAG_HDR + OUT_CAP], out[OUT_CAP];
  if (n < 4 || n > OUT_CAP) return;
  size_t max_chunk = 1 + (size_t)(d[0] << 8 | d[1]) % 1500, chunk = 0;
  unsigned k = bh_frag_plan(n, max_chunk, &chunk);
  if (k < 2) return; /* fits (1) or needs too many pieces (0) */
  FUZZ_ASSERT(k <= BH_FRAG_MAX_PIECES && chunk * (k - 1) < n && chunk * k >= n && chunk <= max_chunk);
  size_t plen[BH_FRAG_MAX_PIECES];
  for (unsigned i = 0; i < k; i++) {
    size_t off = chunk * i, len = i + 1 < k ? chunk : n - off;
    bh_frag_hdr h = {.frame_id = d[2], .offset = (uint16_t)off, .total = (uint16_t)n};
    bh_frag_hdr_write(pieces[i], &h);
    memcpy(pieces[i] + BH_FRAG_HDR, d + off, len);
    plen[i] = BH_FRAG_HDR + len;
  }
  bh_reasm *r = bh_reasm_new(&CFG);
  if (!r) abort();
  unsigned order[BH_FRAG_MAX_PIECES], completed = 0;
  for (unsigned i = 0; i < k; i++) order[i] = i;
  for (unsigned i = k - 1; i > 0; i--) { /* input-driven shuffle */
    unsigned j = d[3 + i % (n - 3)] % (i + 1), t = order[i];
    order[i] = order[j], order[j] = t;
  }
  for (unsigned i = 0; i < k; i++) {
    size_t got = 0;
    for (int rep = 0; rep < 1 + (i + 1 < k && (d[i % n] & 1)); rep++) { /* some pieces twice (not the last:
                                                                       a late duplicate starts a new frame) */
      bh_reasm_result res = bh_reasm_add(r, pieces[order[i]], plen[order[i]], i, out, sizeof out, &got);
      if (res == BH_REASM_COMPLETE) {
        completed++;
        FUZZ_ASSERT(i == k - 1 && rep == 0 && got == n && memcmp(out, d, n) == 0);
      } else {
        FUZZ_ASSERT(res == (rep ? BH_REASM_DUPLICATE : BH_REASM_PENDING));
      }
    }
  }
  FUZZ_ASSERT(completed == 1 && bh_reasm_in_progress(r) == 0);
  bh_reasm_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  stream(d, n);
  round_trip(d, n);
  return 0;
}
