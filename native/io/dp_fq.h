/* dp_fq: the queued transmit path (optional: bh_dp_config.fq, or .qos with the band scheduler of
 * dp_qos.h instead of fq_codel). The TX side becomes two threads around one scheduler
 * (native/core/bh_fq.h, or bh_qos_* in QoS mode):
 *
 *   bh-tx   (dp_read.c): TAP --read until EAGAIN, batches--> stamp --[lock]--> bh_fq_enqueue
 *   bh-send (dp_send.c): [lock] bh_fq_dequeue up to BH_BATCH frames [unlock]
 *                          -> dp_tx.c's per-frame pipeline (forward, seal, GSO flush)
 *
 * The standing queue then lives in bridgehead's pool, where sparse flows (pings, ACKs, voice)
 * are served first and CoDel keeps bulk flows' queues short, instead of in the kernel's
 * per-TAP FIFO ring. The reader wakes the sender (eventfd) only when the sender went to sleep on
 * an empty queue, never per frame. `lock` is held per batch, never together with other locks. */
#ifndef BH_DP_FQ_H
#define BH_DP_FQ_H

#include <pthread.h>
#include <stdint.h>

#include "../core/bh_fq.h"
#include "dp_base.h"

#define BH_FQ_POOL_FRAMES 2048
#define BH_FQ_POOL_BYTES (2048u * 1024u)

struct bh_dp_qos;

typedef struct bh_fq_path {
  pthread_mutex_t lock; /* guards fq, qos and sleeping */
  bh_fq *fq;              /* fq_codel mode (bh_dp_config.fq); NULL in QoS mode */
  struct bh_dp_qos *qos;  /* QoS mode (bh_dp_config.qos, dp_qos.h): bands + shaper instead of fq_codel */
  uint32_t max_frame;     /* QoS mode: frames longer than this are queued cut to max_frame + 1 */
  int sleeping; /* the sender waits for send_fd */
  int send_fd;  /* eventfd: "frames queued" */
  pthread_t send_thread;
  int send_started;
  /* reader batch buffers */
  uint8_t frame[BH_BATCH][BH_FRAME_MAX + 1];
  uint16_t len[BH_BATCH];
} bh_fq_path;

/* The path's state (dp_fq.c). qos_max_frame 0: fq_codel mode; else QoS mode for frames up to
 * that size. NULL on failure. The threads: dp_read.h (reader), dp_send.h (sender). */
bh_fq_path *bh_dp_fq_new(uint64_t seed, uint32_t qos_max_frame);
void bh_dp_fq_free(bh_fq_path *p);
/* Counters under the lock; zeros when the path is off. */
int bh_dp_fq_counters(bh_dp *dp, bh_fq_counters *out);

#endif
