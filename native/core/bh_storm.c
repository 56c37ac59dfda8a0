/* bh_storm: classify by destination MAC -> known unicast passes -> else refill the bucket of
 * (direction, class) by the elapsed time (capped at the burst) -> take one packet or drop.
 * Tokens are kept in 1e-9 packet units so every rate is exact in integer arithmetic. */
#include "bh_storm.h"

#include <string.h>

#define UNIT 1000000000ULL /* one packet */

static int rate_ok(const bh_storm_rate *r) { return r->pps <= BH_STORM_MAX_PPS && (r->pps == 0 || r->burst > 0); }

int bh_storm_reconfigure(bh_storm *s, const bh_storm_config *cfg, uint64_t now_ns) {
  int ok = cfg != NULL;
  for (int d = 0; ok && d < BH_STORM_DIRS; d++)
    for (int c = 0; c < 3; c++) ok = ok && rate_ok(&cfg->rate[d][c]);
  for (int d = 0; d < BH_STORM_DIRS; d++) {
    for (int c = 0; c < 3; c++) {
      bh_storm_bucket *b = &s->b[d][c];
      const bh_storm_rate *r = ok ? &cfg->rate[d][c] : NULL;
      memset(b, 0, sizeof *b);
      b->last_ns = now_ns;
      if (!r || r->pps == 0) continue; /* unlimited */
      b->pps = r->pps;
      b->cap = (uint64_t)r->burst * UNIT;
      b->fill_ns = (b->cap + r->pps - 1) / r->pps;
      b->tokens = b->cap;
    }
  }
  return ok ? 0 : -1;
}

int bh_storm_init(bh_storm *s, const bh_storm_config *cfg, uint64_t now_ns) {
  memset(s, 0, sizeof *s);
  return bh_storm_reconfigure(s, cfg, now_ns);
}

bh_storm_class bh_storm_classify(const uint8_t dst[6], int dst_known) {
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  if (memcmp(dst, bcast, 6) == 0) return BH_STORM_BROADCAST;
  if (dst[0] & 1) return BH_STORM_MULTICAST;
  return dst_known ? BH_STORM_KNOWN_UNICAST : BH_STORM_UNKNOWN_UNICAST;
}

int bh_storm_admit(bh_storm *s, bh_storm_dir dir, bh_storm_class cls, uint64_t now_ns) {
  if ((unsigned)dir >= BH_STORM_DIRS || (unsigned)cls >= BH_STORM_CLASSES) return 0;
  bh_storm_counters *c = &s->c[dir];
  if (cls == BH_STORM_KNOWN_UNICAST || s->b[dir][cls].pps == 0) {
    c->passed[cls]++;
    return 1;
  }
  bh_storm_bucket *b = &s->b[dir][cls];
  if (now_ns > b->last_ns) {
    uint64_t elapsed = now_ns - b->last_ns;
    /* elapsed < fill_ns keeps elapsed * pps below cap + pps: no overflow */
    b->tokens = elapsed >= b->fill_ns ? b->cap : b->tokens + elapsed * b->pps;
    if (b->tokens > b->cap) b->tokens = b->cap;
    b->last_ns = now_ns;
  }
  if (b->tokens >= UNIT) {
    b->tokens -= UNIT;
    c->passed[cls]++;
    return 1;
  }
  c->dropped[cls]++;
  return 0;
}

const char *bh_storm_class_name(bh_storm_class c) {
  switch (c) {
    case BH_STORM_BROADCAST: return "broadcast";
    case BH_STORM_MULTICAST: return "multicast";
    case BH_STORM_UNKNOWN_UNICAST: return "unknown_unicast";
    case BH_STORM_KNOWN_UNICAST: return "known_unicast";
    case BH_STORM_CLASSES: break;
  }
  return "unknown";
}
