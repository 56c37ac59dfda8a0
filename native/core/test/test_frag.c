/* bh_frag: split plan, reassembly edge cases (last first, duplicates, overlaps, missing/timeout,
 * memory cap, oversize, random permutations), counters. */
#include <string.h>

#include "../bh_frag.h"
#include "test.h"

#define MS 1000000ULL

static bh_reasm *mk(uint32_t frames, uint32_t bytes, uint32_t max_frame) {
  bh_reasm_config c = {.max_frames = frames, .max_bytes = bytes, .max_frame_size = max_frame, .timeout_ns = 500 * MS};
  return bh_reasm_new(&c);
}

/* fragment plaintext for frame[off..off+len) */
static size_t piece(uint8_t *pt, uint32_t id, const uint8_t *frame, uint16_t total, uint16_t off, uint16_t len) {
  bh_frag_hdr h = {.frame_id = id, .offset = off, .total = total};
  bh_frag_hdr_write(pt, &h);
  memcpy(pt + BH_FRAG_HDR, frame + off, len);
  return (size_t)BH_FRAG_HDR + len;
}

static void fill(uint8_t *f, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) f[i] = (uint8_t)(i * 7 + seed);
}

TEST(frag_plan_equal_split) {
  size_t c = 0;
  CHECK_EQ(bh_frag_plan(1514, 1514, &c), 1);
  CHECK_EQ(c, 1514);
  CHECK_EQ(bh_frag_plan(1514, 1332, &c), 2);
  CHECK_EQ(c, 757);
  CHECK_EQ(bh_frag_plan(1515, 1332, &c), 2);
  CHECK_EQ(c, 758); /* 758 + 757 */
  CHECK_EQ(bh_frag_plan(9014, 1332, &c), 7);
  CHECK(c * 6 < 9014 && c * 7 >= 9014 && c <= 1332);
  CHECK_EQ(bh_frag_plan(100, 0, &c), 0);
  CHECK_EQ(bh_frag_plan(10000, 10, &c), 0); /* more than BH_FRAG_MAX_PIECES */
  for (size_t len = 1; len < 3000; len += 13)
    for (size_t m = 40; m < 1600; m += 97) {
      unsigned n = bh_frag_plan(len, m, &c);
      if (!n) continue;
      CHECK(c <= m && c > 0);
      CHECK((n - 1) * c < len && n * c >= len);
    }
}

TEST(frag_in_order_and_last_first) {
  bh_reasm *r = mk(32, 65536, 1522);
  uint8_t f[1514], pt[2000], out[1522];
  size_t ol = 0;
  fill(f, sizeof f, 1);
  size_t n = piece(pt, 7, f, 1514, 0, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  CHECK_EQ(bh_reasm_in_progress(r), 1);
  n = piece(pt, 7, f, 1514, 757, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, MS, out, sizeof out, &ol), BH_REASM_COMPLETE);
  CHECK_EQ(ol, 1514);
  CHECK(memcmp(out, f, 1514) == 0);
  CHECK_EQ(bh_reasm_in_progress(r), 0);
  /* last first */
  fill(f, sizeof f, 2);
  n = piece(pt, 8, f, 1514, 757, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  n = piece(pt, 8, f, 1514, 0, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_COMPLETE);
  CHECK(memcmp(out, f, 1514) == 0);
  CHECK_EQ(bh_reasm_stats(r)->completed, 2);
  CHECK_EQ(bh_reasm_stats(r)->fragments, 4);
  bh_reasm_free(r);
}

TEST(frag_duplicates_and_overlaps) {
  bh_reasm *r = mk(32, 65536, 1522);
  uint8_t f[1000], pt[2000], out[1522];
  size_t ol = 0, n;
  fill(f, sizeof f, 3);
  n = piece(pt, 1, f, 1000, 0, 400);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_DUPLICATE);
  n = piece(pt, 1, f, 1000, 400, 400);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  n = piece(pt, 1, f, 1000, 700, 300); /* overlaps 400..800 */
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_OVERLAP);
  CHECK_EQ(bh_reasm_in_progress(r), 0); /* whole frame dropped */
  /* the rest of the dropped frame starts a new, never completed one */
  n = piece(pt, 1, f, 1000, 800, 200);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  /* conflicting total for the same id = overlap */
  n = piece(pt, 1, f, 999, 0, 100);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_OVERLAP);
  CHECK_EQ(bh_reasm_in_progress(r), 0);
  /* a piece contained in another */
  n = piece(pt, 2, f, 1000, 0, 500);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  n = piece(pt, 2, f, 1000, 100, 100);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_OVERLAP);
  CHECK_EQ(bh_reasm_stats(r)->duplicates, 1);
  CHECK_EQ(bh_reasm_stats(r)->overlaps, 3);
  CHECK_EQ(bh_reasm_stats(r)->completed, 0);
  bh_reasm_free(r);
}

TEST(frag_bad_and_oversize) {
  bh_reasm *r = mk(4, 8192, 1522);
  uint8_t f[2000], pt[2100], out[1522];
  size_t ol = 0, n;
  fill(f, sizeof f, 4);
  CHECK_EQ(bh_reasm_add(r, pt, 3, 0, out, sizeof out, &ol), BH_REASM_BAD);
  n = piece(pt, 1, f, 100, 0, 10);
  CHECK_EQ(bh_reasm_add(r, pt, BH_FRAG_HDR, 0, out, sizeof out, &ol), BH_REASM_BAD); /* empty chunk */
  n = piece(pt, 1, f, 100, 95, 10); /* beyond total */
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_BAD);
  n = piece(pt, 1, f, 0, 0, 10); /* total 0 */
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_BAD);
  n = piece(pt, 1, f, 1600, 0, 800);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_OVERSIZE);
  n = piece(pt, 1, f, 1000, 0, 500);
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, 999, &ol), BH_REASM_OVERSIZE); /* out too small */
  {
    bh_frag_hdr h = {.frame_id = 1, .offset = 65535 - 10, .total = 65535};
    bh_frag_hdr_write(pt, &h);
    n = BH_FRAG_HDR + 10;
  }
  CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_OVERSIZE);
  CHECK_EQ(bh_reasm_in_progress(r), 0);
  CHECK_EQ(bh_reasm_stats(r)->bad, 4);
  CHECK_EQ(bh_reasm_stats(r)->oversize, 3);
  bh_reasm_config bad = {.max_frames = 0, .max_bytes = 10000, .max_frame_size = 1522, .timeout_ns = 1};
  CHECK(bh_reasm_new(&bad) == NULL);
  bad.max_frames = 4;
  bad.max_bytes = 100;
  CHECK(bh_reasm_new(&bad) == NULL);
  bh_reasm_free(r);
}

TEST(frag_missing_times_out) {
  bh_reasm *r = mk(32, 65536, 1522);
  uint8_t f[1514], pt[2000], out[1522];
  size_t ol = 0, n;
  fill(f, sizeof f, 5);
  n = piece(pt, 9, f, 1514, 0, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 1000 * MS, out, sizeof out, &ol), BH_REASM_PENDING);
  CHECK_EQ(bh_reasm_expire(r, 1499 * MS), 0);
  CHECK_EQ(bh_reasm_expire(r, 1500 * MS), 1);
  CHECK_EQ(bh_reasm_in_progress(r), 0);
  /* the late second half alone never completes, and times out on the next add */
  n = piece(pt, 9, f, 1514, 757, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 1600 * MS, out, sizeof out, &ol), BH_REASM_PENDING);
  n = piece(pt, 10, f, 1514, 0, 757);
  CHECK_EQ(bh_reasm_add(r, pt, n, 2200 * MS, out, sizeof out, &ol), BH_REASM_PENDING);
  CHECK_EQ(bh_reasm_in_progress(r), 1);
  CHECK_EQ(bh_reasm_stats(r)->timeouts, 2);
  /* time going backwards expires nothing */
  CHECK_EQ(bh_reasm_expire(r, 0), 0);
  bh_reasm_free(r);
}

TEST(frag_memory_cap_evicts_oldest) {
  /* 4 slots, 4000 bytes of totals */
  bh_reasm *r = mk(4, 4000, 1522);
  uint8_t f[1514], pt[2000], out[1522];
  size_t ol = 0, n;
  fill(f, sizeof f, 6);
  for (uint32_t id = 0; id < 10; id++) {
    n = piece(pt, id, f, 1000, 0, 500);
    CHECK_EQ(bh_reasm_add(r, pt, n, id * MS, out, sizeof out, &ol), BH_REASM_PENDING);
    CHECK(bh_reasm_in_progress(r) <= 4);
  }
  CHECK_EQ(bh_reasm_stats(r)->evicted, 6);
  /* the newest four are still there and complete */
  for (uint32_t id = 6; id < 10; id++) {
    n = piece(pt, id, f, 1000, 500, 500);
    CHECK_EQ(bh_reasm_add(r, pt, n, 20 * MS, out, sizeof out, &ol), BH_REASM_COMPLETE);
  }
  /* byte budget: three 1514-byte frames need 4542 > 4000: the third evicts the first */
  for (uint32_t id = 100; id < 103; id++) {
    n = piece(pt, id, f, 1514, 0, 757);
    CHECK_EQ(bh_reasm_add(r, pt, n, 30 * MS, out, sizeof out, &ol), BH_REASM_PENDING);
  }
  CHECK_EQ(bh_reasm_in_progress(r), 2);
  CHECK_EQ(bh_reasm_stats(r)->evicted, 7);
  bh_reasm_free(r);
}

TEST(frag_random_permutations) {
  unsigned long long seed = 0x1234567;
  bh_reasm *r = mk(32, 65536, 9022);
  static uint8_t f[9022], pt[9100], out[9022];
  for (int round = 0; round < 300; round++) {
    size_t len = 14 + bh_t_rand(&seed) % (9022 - 14 + 1);
    size_t maxc = 64 + bh_t_rand(&seed) % 1400, c;
    unsigned n = bh_frag_plan(len, maxc, &c);
    if (n < 2) continue;
    fill(f, len, (unsigned)round);
    unsigned order[BH_FRAG_MAX_PIECES];
    for (unsigned k = 0; k < n; k++) order[k] = k;
    for (unsigned k = n - 1; k > 0; k--) {
      unsigned j = (unsigned)(bh_t_rand(&seed) % (k + 1)), t = order[k];
      order[k] = order[j];
      order[j] = t;
    }
    int dup = round % 3 == 0;
    size_t ol = 0;
    int done = 0;
    for (unsigned k = 0; k < n; k++) {
      size_t off = order[k] * c, pl = off + c > len ? len - off : c;
      size_t m = piece(pt, (uint32_t)round, f, (uint16_t)len, (uint16_t)off, (uint16_t)pl);
      bh_reasm_result res = bh_reasm_add(r, pt, m, 0, out, sizeof out, &ol);
      if (k + 1 < n) {
        CHECK_EQ(res, BH_REASM_PENDING);
        if (dup) CHECK_EQ(bh_reasm_add(r, pt, m, 0, out, sizeof out, &ol), BH_REASM_DUPLICATE);
      } else {
        CHECK_EQ(res, BH_REASM_COMPLETE);
        done = res == BH_REASM_COMPLETE;
      }
    }
    if (done) {
      CHECK_EQ(ol, len);
      CHECK(memcmp(out, f, len) == 0);
    }
  }
  CHECK_EQ(bh_reasm_in_progress(r), 0);
  bh_reasm_free(r);
}

TEST(frag_interleaved_frames) {
  bh_reasm *r = mk(32, 65536, 1522);
  uint8_t f[3][1514], pt[2000], out[1522];
  size_t ol = 0, n;
  for (int i = 0; i < 3; i++) fill(f[i], 1514, (unsigned)(10 + i));
  for (int i = 0; i < 3; i++) {
    n = piece(pt, (uint32_t)i, f[i], 1514, 757, 757);
    CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_PENDING);
  }
  for (int i = 2; i >= 0; i--) {
    n = piece(pt, (uint32_t)i, f[i], 1514, 0, 757);
    CHECK_EQ(bh_reasm_add(r, pt, n, 0, out, sizeof out, &ol), BH_REASM_COMPLETE);
    CHECK(memcmp(out, f[i], 1514) == 0);
  }
  bh_reasm_free(r);
}

void suite_frag(void) {
  RUN(frag_plan_equal_split);
  RUN(frag_in_order_and_last_first);
  RUN(frag_duplicates_and_overlaps);
  RUN(frag_bad_and_oversize);
  RUN(frag_missing_times_out);
  RUN(frag_memory_cap_evicts_oldest);
  RUN(frag_random_permutations);
  RUN(frag_interleaved_frames);
}
