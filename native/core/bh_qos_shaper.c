/* bh_qos_shaper: token bucket in 1e-9 byte units (bh_qos_shaper.h). */
#include "bh_qos_shaper.h"

#define GIGA 1000000000LL

int bh_qos_shaper_init(bh_qos_shaper *s, uint64_t rate_bits_per_s, uint32_t burst_bytes, uint64_t now_ns) {
  if (rate_bits_per_s > BH_QOS_RATE_MAX) return -1;
  s->rate_bytes_per_s = rate_bits_per_s / 8;
  if (rate_bits_per_s && s->rate_bytes_per_s == 0) s->rate_bytes_per_s = 1;
  uint64_t burst = burst_bytes;
  if (burst == 0) {
    burst = s->rate_bytes_per_s * BH_QOS_BURST_NS / (uint64_t)GIGA;
    if (burst < BH_QOS_BURST_MIN) burst = BH_QOS_BURST_MIN;
  }
  s->burst = (int64_t)burst * GIGA;
  s->tokens = s->burst;
  s->last_ns = now_ns;
  s->delayed = 0;
  return 0;
}

void bh_qos_shaper_refill(bh_qos_shaper *s, uint64_t now_ns) {
  if (now_ns <= s->last_ns) return;
  uint64_t dt = now_ns - s->last_ns;
  s->last_ns = now_ns;
  if (!s->rate_bytes_per_s) return;
  /* dt x rate may overflow: anything past the time to fill the bucket from empty-by-one-frame is moot */
  uint64_t cap_ns = (uint64_t)((s->burst + 65536 * GIGA) / (int64_t)s->rate_bytes_per_s) + 1;
  if (dt > cap_ns) dt = cap_ns;
  s->tokens += (int64_t)(dt * s->rate_bytes_per_s);
  if (s->tokens > s->burst) s->tokens = s->burst;
}

int bh_qos_shaper_may_send(bh_qos_shaper *s) {
  if (!s->rate_bytes_per_s || s->tokens >= 0) return 1;
  s->delayed++;
  return 0;
}

void bh_qos_shaper_charge(bh_qos_shaper *s, uint32_t wire_bytes) {
  if (s->rate_bytes_per_s) s->tokens -= (int64_t)wire_bytes * GIGA;
}

uint64_t bh_qos_shaper_wait_ns(const bh_qos_shaper *s) {
  if (!s->rate_bytes_per_s || s->tokens >= 0) return 0;
  return ((uint64_t)(-s->tokens) + s->rate_bytes_per_s - 1) / s->rate_bytes_per_s;
}

uint64_t bh_qos_shaper_wait_for_ns(const bh_qos_shaper *s, uint32_t bytes) {
  if (!s->rate_bytes_per_s) return 0;
  int64_t want = (int64_t)bytes * GIGA;
  if (want > s->burst) want = s->burst;
  if (s->tokens >= want) return 0;
  return ((uint64_t)(want - s->tokens) + s->rate_bytes_per_s - 1) / s->rate_bytes_per_s;
}
