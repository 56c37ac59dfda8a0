/* bh_qos_shaper: a token bucket at the WAN rate, so the queue forms in bridgehead's bands and
 * not in a modem or the kernel (QoS, issue 5).
 *
 *   refill(now): tokens += elapsed x rate, at most `burst` bytes (time going backwards refills
 *     nothing) -> may_send(): tokens >= 0 -> the caller dequeues one frame and charges its wire
 *     size (the bucket may go negative by one frame: no frame is ever too big to pass)
 *     -> tokens < 0: wait_ns() = time until tokens are back at 0 (the sender's poll timeout)
 * Integer arithmetic in units of 1e-9 byte (exact for any rate in bytes/s, no drift). Rate 0 =
 * unlimited (may_send always true, wait 0). Pure: time passed in, not thread-safe. */
#ifndef BH_QOS_SHAPER_H
#define BH_QOS_SHAPER_H

#include <stdint.h>

#define BH_QOS_RATE_MAX 100000000000ULL /* 100 Gbit/s in bits/s */
#define BH_QOS_BURST_MIN 8192           /* bytes */
#define BH_QOS_BURST_NS 2000000ULL      /* default burst: 2 ms at the rate */

typedef struct {
  uint64_t rate_bytes_per_s; /* 0 = unlimited */
  int64_t tokens;            /* 1e-9 bytes */
  int64_t burst;             /* 1e-9 bytes */
  uint64_t last_ns;
  uint64_t delayed; /* times may_send said no */
} bh_qos_shaper;

/* rate in bits/s (0 = unlimited, else <= BH_QOS_RATE_MAX); burst_bytes 0 = default
 * (max(BH_QOS_BURST_MIN, 2 ms at the rate)). Starts full. -1 on a bad rate. */
int bh_qos_shaper_init(bh_qos_shaper *s, uint64_t rate_bits_per_s, uint32_t burst_bytes, uint64_t now_ns);
void bh_qos_shaper_refill(bh_qos_shaper *s, uint64_t now_ns);
int bh_qos_shaper_may_send(bh_qos_shaper *s); /* counts `delayed` when it says no */
void bh_qos_shaper_charge(bh_qos_shaper *s, uint32_t wire_bytes);
uint64_t bh_qos_shaper_wait_ns(const bh_qos_shaper *s); /* 0 when may_send */
/* Time until the bucket holds `bytes` (capped at the burst): a sender that sleeps this long wakes
 * to a batch of frames instead of one per wake-up. 0 when it already does, or unlimited. */
uint64_t bh_qos_shaper_wait_for_ns(const bh_qos_shaper *s, uint32_t bytes);

#endif
