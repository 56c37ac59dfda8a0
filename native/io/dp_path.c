/* dp_path: light path vs pipeline (dp_path.h). */
#include "dp_path.h"

#include <stdint.h>
#include <unistd.h>

void bh_dp_path_kick(int fd) {
  uint64_t one = 1;
  ssize_t w = write(fd, &one, sizeof one);
  (void)w; /* EAGAIN: the counter is already non-zero, the thread wakes anyway */
}

void bh_dp_path_clear(int fd) {
  uint64_t v;
  ssize_t r = read(fd, &v, sizeof v);
  (void)r;
}

void bh_dp_path_init(bh_dp *dp, const bh_dp_config *cfg) {
  dp->pathsel = bh_pathsel_config(cfg->pipeline_batch ? cfg->pipeline_batch : BH_PATHSEL_ENTER_DEFAULT);
  dp->busy_poll_ns = (uint64_t)cfg->busy_poll_us * 1000ULL;
  int pol = dp->fqp ? BH_PATHSEL_PIPELINE : cfg->data_path;
  atomic_store(&dp->path_policy, pol);
  atomic_store(&dp->path, pol == BH_PATHSEL_PIPELINE ? BH_PATH_PIPELINE : BH_PATH_LIGHT);
}

static void note_busy(bh_dp *dp, uint32_t n, uint64_t now) {
  if (bh_pathsel_busy(&dp->pathsel, n)) atomic_store_explicit(&dp->path_busy_ns, now, memory_order_relaxed);
}

void bh_dp_path_rx_note(bh_dp *dp, uint32_t n, uint64_t now) {
  note_busy(dp, n, now);
  if (bh_dp_path_get(dp) != BH_PATH_LIGHT) return; /* only the TX thread leaves the pipeline */
  bh_path_policy pol = (bh_path_policy)atomic_load_explicit(&dp->path_policy, memory_order_relaxed);
  uint64_t busy = atomic_load_explicit(&dp->path_busy_ns, memory_order_relaxed);
  if (bh_pathsel_next(&dp->pathsel, pol, BH_PATH_LIGHT, n, now, busy) != BH_PATH_PIPELINE) return;
  int expect = BH_PATH_LIGHT;
  if (!atomic_compare_exchange_strong(&dp->path, &expect, BH_PATH_PIPELINE)) return;
  if (pol == BH_PATHSEL_AUTO) BH_COUNT(&dp->ctr_rx, PATH_TO_PIPELINE, 1);
  bh_dp_path_kick(dp->tx_kick_fd);
}

void bh_dp_path_tx_note(bh_dp *dp, uint32_t n, uint64_t now) {
  note_busy(dp, n, now);
  if (dp->fqp || bh_dp_path_get(dp) != BH_PATH_PIPELINE) return; /* only the RX thread enters it */
  bh_path_policy pol = (bh_path_policy)atomic_load_explicit(&dp->path_policy, memory_order_relaxed);
  uint64_t busy = atomic_load_explicit(&dp->path_busy_ns, memory_order_relaxed);
  if (bh_pathsel_next(&dp->pathsel, pol, BH_PATH_PIPELINE, n, now, busy) != BH_PATH_LIGHT) return;
  int expect = BH_PATH_PIPELINE;
  if (!atomic_compare_exchange_strong(&dp->path, &expect, BH_PATH_LIGHT)) return;
  if (pol == BH_PATHSEL_AUTO) {
    pthread_mutex_lock(&dp->tap_drain_lock); /* the TX block's owner (stats.h) */
    BH_COUNT(&dp->ctr_tx, PATH_TO_LIGHT, 1);
    pthread_mutex_unlock(&dp->tap_drain_lock);
  }
  bh_dp_path_kick(dp->rx_kick_fd);
}

void bh_dp_path_set_policy(bh_dp *dp, bh_path_policy pol) {
  if (dp->fqp) return; /* the fair queue's reader always owns the TAP */
  atomic_store(&dp->path_policy, (int)pol);
  if (dp->tx_kick_fd >= 0) bh_dp_path_kick(dp->tx_kick_fd);
  if (dp->rx_kick_fd >= 0) bh_dp_path_kick(dp->rx_kick_fd);
}
