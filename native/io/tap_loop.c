/* tap_loop: the TAP-draining thread loop shared by the direct TX path (dp_tx.c) and the fair-queue
 * reader (dp_read.c).
 *
 *   epoll(TAP fd while this thread owns it (dp_path.h), wake and kick eventfds) --readable or
 *   100 ms idle--> now = CLOCK_MONOTONIC
 *     -> every ~100 ms: bh_mactable_expire with a bounded budget
 *     -> batch_fn until the TAP is drained (a batch shorter than BH_BATCH), one clock read per batch
 *     -> a persistent read error (the TAP deleted under us) backs off instead of spinning
 *     -> direct path: each batch (and an idle wake-up) goes to bh_dp_path_tx_note, which hands the
 *        TAP back to the RX thread (the light path) when traffic has been light for the dwell time */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "tap_loop.h"

#include "dp_base.h"
#include "dp_failover.h"
#include "dp_path.h"

#define EXPIRE_INTERVAL_NS 100000000ULL
#define EXPIRE_BUDGET 4096
#define ERROR_BACKOFF_NS 10000000L

void bh_dp_tap_loop(bh_dp *dp, bh_tap_batch_fn batch_fn, void *ctx) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = dp->wake_fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->wake_fd, &ev);
  ev.data.fd = dp->tx_kick_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->tx_kick_fd, &ev);
  uint64_t last_expire = 0;
  int tap_registered = 0;

  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    int own = dp->fqp || bh_dp_path_get(dp) == BH_PATH_PIPELINE;
    if (own != tap_registered) {
      ev.data.fd = dp->tap_fd;
      epoll_ctl(ep, own ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, dp->tap_fd, &ev);
      tap_registered = own;
    }
    struct epoll_event got[3];
    int k = epoll_wait(ep, got, 3, BH_EPOLL_TIMEOUT_MS);
    if (k < 0 && errno != EINTR) break;
    for (int i = 0; i < k; i++)
      if (got[i].data.fd == dp->tx_kick_fd) bh_dp_path_clear(dp->tx_kick_fd);
    uint64_t now = bh_now_ns();
    if (now - last_expire >= EXPIRE_INTERVAL_NS) {
      pthread_mutex_lock(&dp->mac_lock);
      bh_mactable_expire(dp->mac, now, EXPIRE_BUDGET);
      bh_dp_fo_expire(dp, now); /* neighbor aging ('neigh-gone'), probe timeouts (dp_failover.h) */
      pthread_mutex_unlock(&dp->mac_lock);
      /* the loop probe built by bh_dp_fo_expire, if any; under the drain lock because it counts in
       * the TX block, which the light path's reader (the RX thread) writes meanwhile (stats.h) */
      pthread_mutex_lock(&dp->tap_drain_lock);
      bh_dp_fo_tap_io(dp);
      pthread_mutex_unlock(&dp->tap_drain_lock);
      last_expire = now;
    }
    if (!own) continue; /* the light path: the RX thread reads the TAP */
    if (bh_dp_path_get(dp) != BH_PATH_PIPELINE && !dp->fqp) continue; /* switched while we slept */
    for (;;) {
      if (atomic_load_explicit(&dp->stopping, memory_order_relaxed)) break;
      int failed = 0;
      unsigned n = batch_fn(dp, ctx, now, &failed);
      if (!dp->fqp) bh_dp_path_tx_note(dp, n, now);
      if (failed && n == 0) { /* level-triggered epoll would spin on a dead TAP */
        struct timespec ts = {0, ERROR_BACKOFF_NS};
        nanosleep(&ts, NULL);
        break;
      }
      if (n < BH_BATCH || (!dp->fqp && bh_dp_path_get(dp) != BH_PATH_PIPELINE)) break;
      now = bh_now_ns();
    }
  }
  close(ep);
}
