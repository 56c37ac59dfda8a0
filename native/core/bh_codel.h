/* bh_codel: CoDel active queue management (RFC 8289) driven by measured sojourn times.
 *
 * The tunnel's standing queue forms where the receiving appliance cannot keep up: in its UDP
 * socket's receive buffer. A TCP flow through the tunnel sees no loss there (the buffer is large),
 * so its window grows until that buffer holds milliseconds of data and everything else waits
 * behind it. The RX thread reads each datagram's kernel arrival timestamp, feeds the sojourn
 * time here, and drops what CoDel says to drop, so TCP backs off while the queue stays short.
 * Pure: time passed in, one state per queue, no allocation. */
#ifndef BH_CODEL_H
#define BH_CODEL_H

#include <stdint.h>

#ifndef BH_CODEL_TARGET_NS
#define BH_CODEL_TARGET_NS (5ULL * 1000000ULL) /* acceptable standing queue */
#endif
#ifndef BH_CODEL_INTERVAL_NS
#define BH_CODEL_INTERVAL_NS (100ULL * 1000000ULL) /* a worst-case RTT */
#endif

typedef struct {
  uint64_t target_ns, interval_ns;
  uint64_t first_above_ns; /* when sojourn first went above target (+ interval); 0 = below */
  uint64_t drop_next_ns;
  uint32_t count, lastcount;
  uint8_t dropping;
} bh_codel;

void bh_codel_init(bh_codel *c, uint64_t target_ns, uint64_t interval_ns);
/* One packet leaves the queue after `sojourn_ns` in it, at `now_ns`: 1 = drop it, 0 = keep. */
int bh_codel_should_drop(bh_codel *c, uint64_t sojourn_ns, uint64_t now_ns);

#endif
