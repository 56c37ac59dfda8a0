/* dp_affinity: see dp_affinity.h. */
#include "dp_affinity.h"

#include <errno.h>
#include <sched.h>

int bh_allowed_cpus(int *out, int cap) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) < 0) return -errno;
  int n = 0;
  for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
    if (CPU_ISSET(c, &set)) out[n++] = c;
  return n;
}

static void pin_one(bh_dp *dp, pthread_t t, int which) {
  int cpu = dp->cpu_want[which];
  dp->cpu_pinned[which] = -1;
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  int rc = EINVAL;
  if (cpu < CPU_SETSIZE) {
    CPU_SET(cpu, &set);
    rc = pthread_setaffinity_np(t, sizeof set, &set);
  }
  if (rc == 0) {
    dp->cpu_pinned[which] = cpu;
  } else {
    dp->affinity_errors++;
    dp->affinity_errno = rc;
  }
}

void bh_dp_pin_threads(bh_dp *dp) {
  if (dp->tx_started) pin_one(dp, dp->tx_thread, BH_CPU_TX);
  if (dp->rx_started) pin_one(dp, dp->rx_thread, BH_CPU_RX);
}
