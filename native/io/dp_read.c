/* dp_read: the TAP reader of the fair-queued transmit path (dp_fq.h). One pthread (bh-tx).
 *
 *   bh_dp_tap_loop (tap_loop.c: epoll, MAC aging) calls read_into_fq: bh_tap_read_batch (tap_read.h)
 *     up to BH_BATCH frames
 *     -> now = CLOCK_MONOTONIC (once per batch)
 *     -> [fq lock] bh_fq_enqueue each frame stamped `now` (pool full: the fattest flow loses its
 *        head, fqOverflowDrops), or in QoS mode classify each frame into its band (dp_qos.h); length checks and forwarding happen in the sender, so the
 *        tap_frame_* drop reasons keep their meaning; empty reads are counted by the fq
 *     -> the sender slept on an empty queue: one eventfd write wakes it
 */
#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp_read.h"

#include "dp_fq.h"
#include "dp_qos.h"
#include "tap_loop.h"
#include "tap_read.h"


static void enqueue_batch(bh_fq_path *p, unsigned n, uint64_t now) {
  pthread_mutex_lock(&p->lock);
  if (p->qos) {
    bh_dp_qos_enqueue_batch(p->qos, &p->frame[0][0], sizeof p->frame[0], p->len, n, p->max_frame); /* dp_qos.h: bands */
  } else {
    for (unsigned i = 0; i < n; i++) bh_fq_enqueue(p->fq, p->frame[i], p->len[i], now);
  }
  int wake = p->sleeping && (p->qos ? bh_dp_qos_backlog(p->qos) : bh_fq_backlog(p->fq)) > 0;
  if (wake) p->sleeping = 0;
  pthread_mutex_unlock(&p->lock);
  if (wake) {
    uint64_t one = 1;
    ssize_t w = write(p->send_fd, &one, sizeof one);
    (void)w;
  }
}

/* One TAP batch into the fair queue (bh_dp_tap_loop callback). */
static unsigned read_into_fq(bh_dp *dp, void *ctx, uint64_t now, int *failed) {
  (void)now; /* enqueue timestamps are taken after the read */
  bh_fq_path *p = ctx;
  unsigned n = bh_tap_read_batch(dp, dp->tap_reader, &p->frame[0][0], sizeof p->frame[0], p->len, BH_BATCH, failed);
  if (n) enqueue_batch(p, n, bh_now_ns());
  return n;
}

void *bh_dp_read_main(void *arg) {
  bh_dp *dp = arg;
  bh_dp_thread_setup(dp, "bh-tx");
  bh_dp_tap_loop(dp, read_into_fq, dp->fqp);
  return NULL;
}
