/* bh_pathsel: which thread drains the TAP, decided from batch sizes and time (pure: no clock, no IO).
 *
 *   LIGHT     the UDP receive thread also reads the TAP: one thread carries a frame from TAP read
 *             to UDP send and from UDP receive to TAP write, so a light exchange (a ping, a request
 *             and its answer) wakes one thread per hop instead of two (docs/INTERNALS.md 2f).
 *   PIPELINE  the TX thread drains the TAP and the RX thread the socket, each direction on its own
 *             vCPU (bulk traffic).
 *
 * Hysteresis: a batch (TAP frames or received UDP buffers of one wake-up) of >= enter_batch enters
 * the pipeline; a batch of >= busy_batch counts as busy; the pipeline is left once no busy batch
 * has been seen for dwell_ns. The policy can force either path (options.dataPath). */
#ifndef BH_PATHSEL_H
#define BH_PATHSEL_H

#include <stdint.h>

typedef enum { BH_PATH_LIGHT = 0, BH_PATH_PIPELINE = 1 } bh_path;
typedef enum { BH_PATHSEL_AUTO = 0, BH_PATHSEL_LIGHT = 1, BH_PATHSEL_PIPELINE = 2 } bh_path_policy;

typedef struct {
  uint32_t enter_batch; /* >= 2 */
  uint32_t busy_batch;  /* 1..enter_batch */
  uint64_t dwell_ns;
} bh_pathsel_cfg;

#define BH_PATHSEL_ENTER_DEFAULT 16
#define BH_PATHSEL_BUSY_DEFAULT 4
#define BH_PATHSEL_DWELL_DEFAULT_NS 200000000ULL

/* Defaults with enter_batch = enter (clamped to 2..64); busy_batch = min(4, enter / 2). */
bh_pathsel_cfg bh_pathsel_config(uint32_t enter);

/* 1 if a batch of n keeps the pipeline busy (the caller then records now as its last busy time). */
static inline int bh_pathsel_busy(const bh_pathsel_cfg *c, uint32_t n) { return n >= c->busy_batch; }

/* The path to use after a batch of n (0: a wake-up without one) at now, in path cur, the last
 * busy batch having been seen at last_busy_ns. */
bh_path bh_pathsel_next(const bh_pathsel_cfg *c, bh_path_policy pol, bh_path cur, uint32_t n, uint64_t now,
                        uint64_t last_busy_ns);

#endif
