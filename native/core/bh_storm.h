/* bh_storm: broadcast / multicast / unknown-unicast storm control. One token bucket per direction
 * (into the tunnel, out of the tunnel) and class, in packets per second with a burst; known unicast
 * is never limited. Counters per direction and class (passed, dropped).
 * Pure: caller-owned struct, now_ns passed in, integer arithmetic only. Not thread-safe: one
 * instance per thread or a lock. */
#ifndef BH_STORM_H
#define BH_STORM_H

#include <stddef.h>
#include <stdint.h>

typedef enum { BH_STORM_TO_TUNNEL = 0, BH_STORM_FROM_TUNNEL = 1, BH_STORM_DIRS = 2 } bh_storm_dir;
typedef enum {
  BH_STORM_BROADCAST = 0,
  BH_STORM_MULTICAST = 1,
  BH_STORM_UNKNOWN_UNICAST = 2,
  BH_STORM_KNOWN_UNICAST = 3, /* never limited; counted as passed */
  BH_STORM_CLASSES = 4
} bh_storm_class;

#define BH_STORM_MAX_PPS 100000000u /* 1e8 packets/s */

typedef struct {
  uint32_t pps;   /* sustained rate; 0 = this class is not limited */
  uint32_t burst; /* bucket depth in packets (>= 1 when pps > 0) */
} bh_storm_rate;

typedef struct {
  bh_storm_rate rate[BH_STORM_DIRS][3]; /* [dir][broadcast, multicast, unknown unicast] */
} bh_storm_config;

typedef struct {
  uint64_t passed[BH_STORM_CLASSES], dropped[BH_STORM_CLASSES];
} bh_storm_counters;

typedef struct {
  uint64_t tokens;  /* in 1e-9 packet units */
  uint64_t cap;     /* burst * 1e9 */
  uint64_t fill_ns; /* time to refill from empty to cap */
  uint64_t last_ns;
  uint32_t pps;
} bh_storm_bucket;

typedef struct {
  bh_storm_bucket b[BH_STORM_DIRS][3];
  bh_storm_counters c[BH_STORM_DIRS];
} bh_storm;

/* 0 ok; -1 bad config (NULL, pps > BH_STORM_MAX_PPS, or pps > 0 with burst 0): then every class
 * is left unlimited. Buckets start full; init zeroes the counters, reconfigure keeps them. */
int bh_storm_init(bh_storm *s, const bh_storm_config *cfg, uint64_t now_ns);
int bh_storm_reconfigure(bh_storm *s, const bh_storm_config *cfg, uint64_t now_ns);

/* The class of a frame by its destination MAC; dst_known = the MAC table knows that destination. */
bh_storm_class bh_storm_classify(const uint8_t dst[6], int dst_known);

/* 1 = pass, 0 = drop; counted. Time going backwards refills nothing. */
int bh_storm_admit(bh_storm *s, bh_storm_dir dir, bh_storm_class cls, uint64_t now_ns);

const char *bh_storm_class_name(bh_storm_class c);

#endif
