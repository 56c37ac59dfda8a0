/* bench-wakeup: what one thread wake-up costs on this machine (a diagnostic benchmark: it prints
 * figures and asserts nothing). Two threads ping-pong over eventfds, each blocked in epoll_wait
 * like the data-plane threads; every round trip is two wake-ups. Rounds start after an idle gap
 * (the vCPUs halt, as they do between idle pings), with the threads on the same vCPU and pinned to
 * two different ones. It is the floor under bridgehead's idle RTT: a ping through the tunnel wakes
 * at least three data-plane threads (docs/BENCHMARKS.md, docs/INTERNALS.md section 2e).
 * Build and run from the repository root:
 *   cc -O2 -pthread scripts/bench-wakeup.c -o /tmp/bench-wakeup && /tmp/bench-wakeup */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ping_fd, pong_fd, pin_other = -1;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void wait_fd(int ep, int fd) {
  struct epoll_event got;
  uint64_t v;
  while (epoll_wait(ep, &got, 1, -1) != 1) {
  }
  if (read(fd, &v, sizeof v) != sizeof v) exit(1);
}

static int epoll_on(int fd) {
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return ep;
}

static void *echo(void *arg) {
  (void)arg;
  if (pin_other >= 0) pin(pin_other);
  int ep = epoll_on(ping_fd);
  for (;;) {
    uint64_t one = 1;
    wait_fd(ep, ping_fd);
    if (write(pong_fd, &one, sizeof one) != sizeof one) exit(1);
  }
  return NULL;
}

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* n round trips after gap_us of idleness each; prints median and average per wake-up */
static void run(const char *what, int gap_us, int n) {
  uint64_t *rt = calloc((size_t)n, sizeof *rt);
  int ep = epoll_on(pong_fd);
  for (int i = 0; i < n; i++) {
    uint64_t one = 1;
    if (gap_us) usleep((useconds_t)gap_us);
    uint64_t t0 = now_ns();
    if (write(ping_fd, &one, sizeof one) != sizeof one) exit(1);
    wait_fd(ep, pong_fd);
    rt[i] = now_ns() - t0;
  }
  qsort(rt, (size_t)n, sizeof *rt, cmp);
  double sum = 0;
  for (int i = 0; i < n; i++) sum += (double)rt[i];
  printf("%-28s gap %6d us: per wake-up median %6.1f us, average %6.1f us (%d round trips)\n", what, gap_us,
         (double)rt[n / 2] / 2e3, sum / n / 2e3, n);
  close(ep);
  free(rt);
}

int main(void) {
  int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
  static const struct { int gap_us, n; } gaps[] = {{200000, 20}, {5000, 200}, {0, 2000}};
  for (int mode = 0; mode < (cpus > 1 ? 2 : 1); mode++) {
    ping_fd = eventfd(0, 0);
    pong_fd = eventfd(0, 0);
    pin_other = mode ? 1 : 0;
    pin(0);
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
      run(mode ? "threads on vCPUs 0 and 1" : "both threads on vCPU 0", gaps[g].gap_us, gaps[g].n);
    pthread_cancel(t);
    pthread_join(t, NULL);
    close(ping_fd);
    close(pong_fd);
  }
  return 0;
}
