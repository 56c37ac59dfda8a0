/* dp_fq: the queued transmit path's state (see dp_fq.h): allocation in fq_codel or QoS mode, and
 * the counters snapshot. The reader and the sender are dp_read.c and dp_send.c. */
#include "dp_fq.h"

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dp_qos.h"

bh_fq_path *bh_dp_fq_new(uint64_t seed, uint32_t qos_max_frame) {
  bh_fq_path *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->lock, NULL);
  p->send_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  p->max_frame = qos_max_frame;
  if (qos_max_frame)
    p->qos = bh_dp_qos_new(qos_max_frame + 1, bh_now_ns());
  else
    p->fq = bh_fq_new(BH_FQ_POOL_FRAMES, BH_FQ_POOL_BYTES, BH_FRAME_MAX + 1, seed);
  if (p->send_fd < 0 || !(p->fq || p->qos)) {
    bh_dp_fq_free(p);
    return NULL;
  }
  return p;
}

void bh_dp_fq_free(bh_fq_path *p) {
  if (!p) return;
  if (p->send_fd >= 0) close(p->send_fd);
  bh_fq_free(p->fq);
  bh_dp_qos_free(p->qos);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

int bh_dp_fq_counters(bh_dp *dp, bh_fq_counters *out) {
  memset(out, 0, sizeof *out);
  if (!dp->fqp || !dp->fqp->fq) return 0;
  pthread_mutex_lock(&dp->fqp->lock);
  *out = bh_fq_counters_get(dp->fqp->fq);
  pthread_mutex_unlock(&dp->fqp->lock);
  return 1;
}
