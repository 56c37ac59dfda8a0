/* dp_read: the TAP reader of the fair-queued transmit path (dp_fq.h). One pthread (bh-tx).
 *
 *   epoll(TAP fd, wake eventfd) --readable--> read() up to BH_BATCH frames until EAGAIN
 *     -> now = CLOCK_MONOTONIC (once per batch)
 *     -> [fq lock] bh_fq_enqueue each frame stamped `now` (pool full: the fattest flow loses its
 *        head, fqOverflowDrops); length checks and forwarding happen in the sender, so the
 *        tap_frame_* drop reasons keep their meaning; empty reads are counted by the fq
 *     -> the sender slept on an empty queue: one eventfd write wakes it
 *   Every ~100 ms (also when idle): bh_mactable_expire with a bounded budget.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp_fq.h"

#define EXPIRE_INTERVAL_NS 100000000ULL
#define EXPIRE_BUDGET 4096
#define ERROR_BACKOFF_NS 10000000L

static unsigned read_batch(bh_dp *dp, bh_fq_path *p, int *failed) {
  unsigned n = 0;
  while (n < BH_BATCH) {
    ssize_t r = dp->tap_is_socket ? recv(dp->tap_fd, p->frame[n], sizeof p->frame[n], MSG_DONTWAIT)
                                  : read(dp->tap_fd, p->frame[n], sizeof p->frame[n]);
    if (r < 0) {
      if (errno == EINTR) continue;
      *failed = errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
    p->len[n++] = (uint16_t)r;
    if (r == 0) break; /* empty datagram or EOF of the test socketpair */
  }
  return n;
}

static void enqueue_batch(bh_fq_path *p, unsigned n, uint64_t now) {
  pthread_mutex_lock(&p->lock);
  for (unsigned i = 0; i < n; i++) bh_fq_enqueue(p->fq, p->frame[i], p->len[i], now);
  int wake = p->sleeping && bh_fq_backlog(p->fq) > 0;
  if (wake) p->sleeping = 0;
  pthread_mutex_unlock(&p->lock);
  if (wake) {
    uint64_t one = 1;
    ssize_t w = write(p->send_fd, &one, sizeof one);
    (void)w;
  }
}

void *bh_dp_read_main(void *arg) {
  bh_dp_thread_setup("bh-tx");
  bh_dp *dp = arg;
  bh_fq_path *p = dp->fqp;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return NULL;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = dp->tap_fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->tap_fd, &ev);
  ev.data.fd = dp->wake_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, dp->wake_fd, &ev);
  uint64_t last_expire = 0;

  while (!atomic_load_explicit(&dp->stopping, memory_order_relaxed)) {
    struct epoll_event got[2];
    int k = epoll_wait(ep, got, 2, BH_EPOLL_TIMEOUT_MS);
    if (k < 0 && errno != EINTR) break;
    uint64_t now = bh_now_ns();
    if (now - last_expire >= EXPIRE_INTERVAL_NS) {
      pthread_mutex_lock(&dp->mac_lock);
      bh_mactable_expire(dp->mac, now, EXPIRE_BUDGET);
      pthread_mutex_unlock(&dp->mac_lock);
      last_expire = now;
    }
    for (;;) {
      if (atomic_load_explicit(&dp->stopping, memory_order_relaxed)) break;
      int failed = 0;
      unsigned n = read_batch(dp, p, &failed);
      if (failed && n == 0) {
        struct timespec ts = {0, ERROR_BACKOFF_NS};
        nanosleep(&ts, NULL);
        break;
      }
      if (n == 0) break;
      enqueue_batch(p, n, bh_now_ns());
      if (n < BH_BATCH) break;
    }
  }
  close(ep);
  return NULL;
}
