/* bh_pathsel: light path vs pipeline (bh_pathsel.h). */
#include "bh_pathsel.h"

bh_pathsel_cfg bh_pathsel_config(uint32_t enter) {
  if (enter < 2) enter = 2;
  if (enter > 64) enter = 64;
  uint32_t busy = enter / 2 < BH_PATHSEL_BUSY_DEFAULT ? enter / 2 : BH_PATHSEL_BUSY_DEFAULT;
  bh_pathsel_cfg c = {.enter_batch = enter, .busy_batch = busy ? busy : 1, .dwell_ns = BH_PATHSEL_DWELL_DEFAULT_NS};
  return c;
}

bh_path bh_pathsel_next(const bh_pathsel_cfg *c, bh_path_policy pol, bh_path cur, uint32_t n, uint64_t now,
                        uint64_t last_busy_ns) {
  if (pol == BH_PATHSEL_LIGHT) return BH_PATH_LIGHT;
  if (pol == BH_PATHSEL_PIPELINE) return BH_PATH_PIPELINE;
  if (n >= c->enter_batch) return BH_PATH_PIPELINE;
  if (cur == BH_PATH_PIPELINE) {
    if (bh_pathsel_busy(c, n)) return BH_PATH_PIPELINE;
    /* a clock that went backwards (last_busy_ns > now) keeps the pipeline until it catches up */
    if (now < last_busy_ns || now - last_busy_ns < c->dwell_ns) return BH_PATH_PIPELINE;
    return BH_PATH_LIGHT;
  }
  return BH_PATH_LIGHT;
}
