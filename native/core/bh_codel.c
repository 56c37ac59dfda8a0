/* bh_codel: RFC 8289 section 5, with the dequeue loop unrolled into one decision per packet. */
#include "bh_codel.h"


void bh_codel_init(bh_codel *c, uint64_t target_ns, uint64_t interval_ns) {
  *c = (bh_codel){.target_ns = target_ns, .interval_ns = interval_ns};
}

/* floor(sqrt(x)), integer Newton iteration (no libm on the data path). */
static uint64_t isqrt64(uint64_t x) {
  if (x < 2) return x;
  uint64_t r = x, y = (r + 1) / 2;
  while (y < r) {
    r = y;
    y = (r + x / r) / 2;
  }
  return r;
}

/* interval / sqrt(count) after t: drops come faster while the queue stays above target.
 * sqrt(count << 32) = sqrt(count) * 65536, so the division keeps 16 fractional bits. */
static uint64_t control_law(const bh_codel *c, uint64_t t) {
  uint64_t count = c->count ? c->count : 1;
  return t + (c->interval_ns << 16) / isqrt64(count << 32);
}

/* RFC 8289 dodequeue(): is this packet one that may be dropped? */
static int ok_to_drop(bh_codel *c, uint64_t sojourn_ns, uint64_t now_ns) {
  if (sojourn_ns < c->target_ns) {
    c->first_above_ns = 0;
    return 0;
  }
  if (c->first_above_ns == 0) {
    c->first_above_ns = now_ns + c->interval_ns;
    return 0;
  }
  return now_ns >= c->first_above_ns;
}

int bh_codel_should_drop(bh_codel *c, uint64_t sojourn_ns, uint64_t now_ns) {
  int ok = ok_to_drop(c, sojourn_ns, now_ns);
  if (c->dropping) {
    if (!ok) {
      c->dropping = 0;
      return 0;
    }
    if (now_ns >= c->drop_next_ns) {
      c->count++;
      c->drop_next_ns = control_law(c, c->drop_next_ns);
      return 1;
    }
    return 0;
  }
  if (!ok) return 0;
  c->dropping = 1;
  /* Re-entering soon after the last dropping state: resume near the old drop rate. */
  uint32_t delta = c->count - c->lastcount;
  c->count = (delta > 1 && now_ns - c->drop_next_ns < 16 * c->interval_ns) ? delta : 1;
  c->lastcount = c->count;
  c->drop_next_ns = control_law(c, now_ns);
  return 1;
}
