/* dp_affinity: CPU affinity of the data-plane threads (docs/INTERNALS.md 2g, issue 15).
 * Which CPUs is decided by the control plane (src/config/cpu-affinity.ts: 'spread' over the
 * process's allowed CPUs, or an explicit pair); here only the syscalls. Pinning is best effort:
 * a CPU refused by a cpuset (EINVAL/EPERM) is counted and the thread keeps running unpinned. */
#ifndef BH_DP_AFFINITY_H
#define BH_DP_AFFINITY_H

#include "dp_base.h"

/* The CPUs this process may run on (sched_getaffinity of the calling thread), ascending, at most
 * `cap` of them. Returns the count, or -errno. */
int bh_allowed_cpus(int *out, int cap);

/* Called by bh_dp_start once both threads exist: pins bh-rx to dp->cpu_want[BH_CPU_RX] and bh-tx
 * (the TAP reader with the fair queue) to dp->cpu_want[BH_CPU_TX] when asked; records the result in
 * dp->cpu_pinned[] (-1: not pinned), failures in dp->affinity_errors / affinity_errno. */
void bh_dp_pin_threads(bh_dp *dp);

#endif
