/* dp_send: the sender of the fair-queued transmit path (dp_fq.h). One pthread (bh-send).
 *
 *   [fq lock] now = CLOCK_MONOTONIC; bh_fq_dequeue up to BH_BATCH frames (DRR, sparse flows
 *     first, CoDel drops: fqCodelDrops), or in QoS mode bh_dp_qos_dequeue_batch (bands under the
 *     shaper, dp_qos.h), copied into the TX batch; queue empty -> mark sleeping
 *   [unlock] -> bh_dp_tx_process (dp_tx.c): length checks, forward, seal, GSO flush, counters
 *   empty: poll(send eventfd, wake eventfd, 100 ms) until the reader or bh_dp_stop wakes us
 *   shaper holds frames back: ppoll(wake eventfd) until the bucket holds a batch (dp_qos.h)
 * Also the sender's start and join (the path's state is dp_fq.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dp_send.h"

#include "dp_fq.h"
#include "dp_qos.h"
#include "dp_tx.h"

int bh_dp_fq_start_sender(bh_dp *dp) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&dp->fqp->send_thread, NULL, bh_dp_send_main, dp);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == 0) dp->fqp->send_started = 1;
  return -rc;
}

void bh_dp_fq_join_sender(bh_dp *dp) {
  if (!dp->fqp || !dp->fqp->send_started) return;
  pthread_join(dp->fqp->send_thread, NULL);
  dp->fqp->send_started = 0;
}


/* *wait_ns: QoS shaper holds frames back for that long (0: the queue is empty or n > 0). */
static unsigned dequeue_batch(bh_fq_path *p, struct bh_tx_state *s, uint64_t *now, uint64_t *wait_ns) {
  unsigned n = 0;
  bh_fq_item it;
  *wait_ns = 0;
  pthread_mutex_lock(&p->lock);
  *now = bh_now_ns();
  if (p->qos) {
    n = bh_dp_qos_dequeue_batch(p->qos, s, BH_BATCH, *now, wait_ns);
  } else {
    while (n < BH_BATCH && bh_fq_dequeue(p->fq, *now, &it)) {
      bh_dp_tx_put(s, n++, it.data, it.len, 0);
      bh_fq_release(p->fq, it.slot);
    }
  }
  p->sleeping = n == 0 && *wait_ns == 0;
  pthread_mutex_unlock(&p->lock);
  return n;
}

void *bh_dp_send_main(void *arg) {
  bh_dp *dp = arg;
  bh_dp_thread_setup(dp, "bh-send");
  bh_fq_path *p = dp->fqp;
  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    uint64_t now, wait_ns;
    unsigned n = dequeue_batch(p, dp->tx, &now, &wait_ns);
    if (n) {
      bh_dp_tx_process(dp, dp->tx, n, now);
      continue;
    }
    struct pollfd fds[2] = {{.fd = p->send_fd, .events = POLLIN}, {.fd = dp->wake_fd, .events = POLLIN}};
    if (wait_ns) { /* the shaper: sleep until it lets a batch pass, not until the reader wakes us */
      struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000ULL), .tv_nsec = (long)(wait_ns % 1000000000ULL)};
      if (ppoll(&fds[1], 1, &ts, NULL) < 0 && errno != EINTR) break;
      continue;
    }
    if (poll(fds, 2, BH_EPOLL_TIMEOUT_MS) < 0 && errno != EINTR) break;
    uint64_t v;
    ssize_t r = read(p->send_fd, &v, sizeof v); /* reset; EAGAIN when woken by the timeout */
    (void)r;
  }
  return NULL;
}
