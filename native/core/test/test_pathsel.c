#include "../bh_pathsel.h"
#include "test.h"

#define MS 1000000ULL

TEST(pathsel_config_clamps_and_orders_thresholds) {
  bh_pathsel_cfg c = bh_pathsel_config(0);
  CHECK(c.enter_batch == 2 && c.busy_batch == 1);
  c = bh_pathsel_config(1000);
  CHECK(c.enter_batch == 64 && c.busy_batch == BH_PATHSEL_BUSY_DEFAULT);
  c = bh_pathsel_config(BH_PATHSEL_ENTER_DEFAULT);
  CHECK(c.busy_batch < c.enter_batch && c.dwell_ns == BH_PATHSEL_DWELL_DEFAULT_NS);
}

TEST(pathsel_light_stays_light_below_enter) {
  bh_pathsel_cfg c = bh_pathsel_config(16);
  for (uint32_t n = 0; n < 16; n++) CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_LIGHT, n, 1000 * MS, 0) == BH_PATH_LIGHT);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_LIGHT, 16, 1000 * MS, 0) == BH_PATH_PIPELINE);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_LIGHT, 64, 1000 * MS, 0) == BH_PATH_PIPELINE);
}

TEST(pathsel_pipeline_leaves_only_after_dwell_without_busy_batches) {
  bh_pathsel_cfg c = bh_pathsel_config(16);
  uint64_t busy = 1000 * MS;
  /* busy batches (>= busy_batch, < enter) keep it, whatever the time */
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, c.busy_batch, busy + 10000 * MS, busy) == BH_PATH_PIPELINE);
  /* light batches within the dwell keep it (hysteresis) */
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, 1, busy + c.dwell_ns - 1, busy) == BH_PATH_PIPELINE);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, 0, busy + c.dwell_ns - 1, busy) == BH_PATH_PIPELINE);
  /* after it: light again */
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, 1, busy + c.dwell_ns, busy) == BH_PATH_LIGHT);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, 0, busy + c.dwell_ns, busy) == BH_PATH_LIGHT);
  /* a clock behind the last busy time keeps the pipeline */
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_AUTO, BH_PATH_PIPELINE, 0, busy - 1, busy) == BH_PATH_PIPELINE);
}

TEST(pathsel_policy_forces_either_path) {
  bh_pathsel_cfg c = bh_pathsel_config(16);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_LIGHT, BH_PATH_PIPELINE, 64, 0, 0) == BH_PATH_LIGHT);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_LIGHT, BH_PATH_LIGHT, 64, 0, 0) == BH_PATH_LIGHT);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_PIPELINE, BH_PATH_LIGHT, 0, 10000 * MS, 0) == BH_PATH_PIPELINE);
  CHECK(bh_pathsel_next(&c, BH_PATHSEL_PIPELINE, BH_PATH_PIPELINE, 0, 10000 * MS, 0) == BH_PATH_PIPELINE);
}

void suite_pathsel(void) {
  RUN(pathsel_config_clamps_and_orders_thresholds);
  RUN(pathsel_light_stays_light_below_enter);
  RUN(pathsel_pipeline_leaves_only_after_dwell_without_busy_batches);
  RUN(pathsel_policy_forces_either_path);
}
