/* dp: data-plane instance life cycle (see dp.h): create every stage's state, start and stop the
 * threads. The JS thread's operations are in dp_ops.c, the pipelines in dp_tx.c / dp_rx.c
 * (direct) or dp_read.c / dp_send.c (queued), the helpers they share in dp_base.c. */
#include "dp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../core/bh_aead.h"
#include "../core/bh_mac1.h"
#include "dp_affinity.h"
#include "dp_failover.h"
#include "dp_fq.h"
#include "dp_path.h"
#include "dp_read.h"
#include "dp_rx.h"
#include "dp_send.h"
#include "dp_tx.h"
#include "tap_linux.h"
#include "tap_read.h"
#include "udp.h"

static uint64_t random_seed(void) {
  uint64_t s = 0;
  int fd = open("/dev/urandom", 0);
  if (fd >= 0) {
    if (read(fd, &s, sizeof s) != (ssize_t)sizeof s) s = 0;
    close(fd);
  }
  return s ^ bh_now_ns();
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

#define FAIL(e, s)     \
  do {                 \
    *err = (e);        \
    *step = (s);       \
    bh_dp_destroy(dp); \
    return NULL;       \
  } while (0)

bh_dp *bh_dp_create(const bh_dp_config *cfg, int *err, const char **step) {
  bh_dp *dp = aligned_alloc(64, (sizeof *dp + 63) & ~(size_t)63);
  if (!dp) {
    *err = -ENOMEM;
    *step = "allocate";
    return NULL;
  }
  memset(dp, 0, sizeof *dp);
  dp->tap_fd = dp->test_fd = dp->udp_fd = dp->wake_fd = dp->tx_kick_fd = dp->rx_kick_fd = -1;
  dp->state = BH_DP_CREATED;
  pthread_rwlockattr_t ra;
  pthread_rwlockattr_init(&ra);
  /* Two reader threads hold the lock almost continuously under load: writers must not starve. */
  pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&dp->peers_lock, &ra);
  pthread_rwlockattr_destroy(&ra);
  pthread_mutex_init(&dp->mac_lock, NULL);
  pthread_mutex_init(&dp->tap_drain_lock, NULL);
  dp->mac_age_ns = cfg->mac_age_ns;
  dp->max_frame = cfg->max_frame ? cfg->max_frame : BH_FRAME_DEFAULT;
  if (dp->max_frame < BH_FRAME_MIN || dp->max_frame > BH_FRAME_MAX) FAIL(-EINVAL, "max frame size");
  if (cfg->thread_nice < -20 || cfg->thread_nice > 19) FAIL(-EINVAL, "thread nice value");
  dp->thread_nice = cfg->thread_nice;
  dp->cpu_want[BH_CPU_RX] = dp->cpu_want[BH_CPU_TX] = dp->cpu_pinned[BH_CPU_RX] = dp->cpu_pinned[BH_CPU_TX] = -1;
  if (cfg->pin_threads) {
    if (cfg->cpu_rx < 0 || cfg->cpu_rx > BH_CPU_MAX || cfg->cpu_tx < 0 || cfg->cpu_tx > BH_CPU_MAX)
      FAIL(-EINVAL, "thread CPU number");
    dp->cpu_want[BH_CPU_RX] = cfg->cpu_rx;
    dp->cpu_want[BH_CPU_TX] = cfg->cpu_tx;
  }

  if (bh_peers_init(&dp->peers) < 0) FAIL(-ENOMEM, "allocate peer table");
  if (bh_evring_init(&dp->events, cfg->event_capacity) < 0) FAIL(-ENOMEM, "allocate event queue");
  dp->mac = bh_mactable_new_seeded(cfg->mac_capacity, cfg->mac_age_ns, random_seed());
  if (!dp->mac) FAIL(-ENOMEM, "allocate MAC table");
  dp->fo = bh_dp_fo_new(dp, cfg->neigh_capacity, cfg->neigh_age_ns, random_seed());
  if (!dp->fo) FAIL(-ENOMEM, "allocate neighbor table");
  dp->aead_tx = bh_aead_new();
  dp->aead_rx = bh_aead_new();
  dp->aead_js = bh_aead_new();
  dp->mac1 = bh_mac1_new();
  if (!dp->aead_tx || !dp->aead_rx || !dp->aead_js) FAIL(-ENOMEM, "EVP ChaCha20-Poly1305 context");
  if (!dp->mac1) FAIL(-ENOMEM, "EVP BLAKE2BMAC context");
  dp->tx = bh_dp_tx_state_new();
  dp->relay_tx = bh_dp_tx_relay_state_new(dp);
  dp->rx = bh_dp_rx_state_new();
  if (!dp->tx || !dp->relay_tx || !dp->rx) FAIL(-ENOMEM, "allocate batch buffers");
  if ((cfg->fq || cfg->qos) && !(dp->fqp = bh_dp_fq_new(random_seed(), cfg->qos ? dp->max_frame : 0)))
    FAIL(-ENOMEM, "allocate fair queue");
  dp->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (dp->wake_fd < 0) FAIL(-errno, "eventfd");
  dp->tx_kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (dp->tx_kick_fd < 0) FAIL(-errno, "eventfd");
  dp->rx_kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (dp->rx_kick_fd < 0) FAIL(-errno, "eventfd");
  if (cfg->data_path < BH_PATHSEL_AUTO || cfg->data_path > BH_PATHSEL_PIPELINE) FAIL(-EINVAL, "data path");
  if (cfg->busy_poll_us > BH_BUSY_POLL_MAX_US) FAIL(-EINVAL, "busy poll time");
  bh_dp_path_init(dp, cfg);

  /* socketpair: header framing as asked, nothing to probe (the test end reads what is written) */
  int rc, offload = cfg->tap_offload ? BH_TAP_OFFLOAD_TSO | BH_TAP_OFFLOAD_USO_WRITE : 0;
  if (cfg->tap_name) {
    rc = bh_tap_open(cfg->tap_name, cfg->tap_offload, dp->tap_name, &offload, step);
    if (rc < 0) FAIL(rc, *step);
    dp->tap_fd = rc;
  } else {
    rc = bh_tap_socketpair(&dp->tap_fd, &dp->test_fd, step);
    if (rc < 0) FAIL(rc, *step);
    dp->tap_is_socket = 1;
  }
  if (cfg->tap_reader < BH_TAP_READER_AUTO || cfg->tap_reader > BH_TAP_READER_READ) FAIL(-EINVAL, "TAP reader");
  int why;
  if (!(dp->tap_reader = bh_tap_reader_new(offload, !cfg->tap_gro_off, dp->tap_fd, dp->tap_is_socket, cfg->tap_reader,
                                           &rc, &why)))
    FAIL(rc, rc == -ENOMEM ? "allocate TAP reader" : "io_uring setup (tapReader io_uring)");
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_READER], (uint64_t)(dp->tap_reader->uring != NULL)); /* global.tapReader */
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_READER_ERRNO], (uint64_t)-why);
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_OFFLOAD], (uint64_t)(offload != 0)); /* stats global.tapOffload */
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_UDP_GRO], (uint64_t)dp->tap_reader->gro_udp); /* global.tapUdpGro */
  atomic_store(&dp->ctr_tap.g[BH_G_MAX_FRAME_SIZE], dp->max_frame);
  rc = bh_udp_open(cfg->listen_address, cfg->listen_port, cfg->reuse_port, &dp->udp_family, &dp->port, step);
  if (rc < 0) FAIL(rc, *step);
  dp->udp_fd = rc;
  dp->reuse_port = cfg->reuse_port;
  /* UDP GSO/GRO flags (stats global.udpGso/udpGro), before the threads that read them start */
  if (!cfg->udp_offload_off) {
    atomic_store(&dp->ctr_tx.g[BH_G_UDP_GSO], (uint64_t)bh_udp_gso_probe(rc));
    atomic_store(&dp->ctr_rx.g[BH_G_UDP_GRO], (uint64_t)bh_udp_gro_enable(rc));
  }
  return dp;
}

void bh_dp_set_notify(bh_dp *dp, bh_notify_fn fn, void *ctx) {
  dp->notify = fn;
  dp->notify_ctx = ctx;
}

static int spawn(pthread_t *t, void *(*fn)(void *), bh_dp *dp) {
  /* Data-plane threads never handle signals: block them all while creating (inherited mask). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(t, NULL, fn, dp);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return -rc;
}

int bh_dp_start(bh_dp *dp, const char **step) {
  if (dp->state != BH_DP_CREATED) {
    *step = "start";
    return -EALREADY;
  }
  int rc = spawn(&dp->tx_thread, dp->fqp ? bh_dp_read_main : bh_dp_tx_main, dp);
  if (rc < 0) {
    *step = "pthread_create (tx)";
    return rc;
  }
  dp->tx_started = 1;
  rc = spawn(&dp->rx_thread, bh_dp_rx_main, dp);
  if (rc < 0) {
    *step = "pthread_create (rx)";
    bh_dp_stop(dp);
    return rc;
  }
  dp->rx_started = 1;
  bh_dp_pin_threads(dp); /* best effort: a refused CPU is counted, the thread runs unpinned */
  if (dp->fqp && (rc = bh_dp_fq_start_sender(dp)) < 0) {
    *step = "pthread_create (send)";
    bh_dp_stop(dp);
    return rc;
  }
  dp->state = BH_DP_RUNNING;
  return 0;
}

void bh_dp_stop(bh_dp *dp) {
  if (!dp || dp->state == BH_DP_STOPPED) return;
  atomic_store(&dp->stopping, 1);
  if (dp->wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t w = write(dp->wake_fd, &one, sizeof one);
    (void)w;
  }
  if (dp->tx_started) pthread_join(dp->tx_thread, NULL);
  if (dp->rx_started) pthread_join(dp->rx_thread, NULL);
  bh_dp_fq_join_sender(dp);
  dp->tx_started = dp->rx_started = 0;
  close_fd(&dp->tap_fd); /* a non-persistent TAP disappears with its last fd */
  close_fd(&dp->test_fd);
  close_fd(&dp->udp_fd);
  close_fd(&dp->wake_fd);
  close_fd(&dp->tx_kick_fd);
  close_fd(&dp->rx_kick_fd);
  pthread_rwlock_wrlock(&dp->peers_lock);
  bh_peers_expire_all(&dp->peers); /* bh_keypair_wipe = OPENSSL_cleanse */
  pthread_rwlock_unlock(&dp->peers_lock);
  dp->state = BH_DP_STOPPED;
}

void bh_dp_destroy(bh_dp *dp) {
  if (!dp) return;
  bh_dp_stop(dp);
  bh_peers_free(&dp->peers);
  bh_evring_free(&dp->events);
  bh_mactable_free(dp->mac);
  bh_dp_fo_free(dp->fo);
  bh_aead_free(dp->aead_tx);
  bh_aead_free(dp->aead_rx);
  bh_aead_free(dp->aead_js);
  bh_mac1_free(dp->mac1);
  free(dp->tx);
  free(dp->relay_tx);
  free(dp->rx);
  bh_tap_reader_free(dp->tap_reader);
  bh_dp_fq_free(dp->fqp);
  pthread_rwlock_destroy(&dp->peers_lock);
  pthread_mutex_destroy(&dp->mac_lock);
  pthread_mutex_destroy(&dp->tap_drain_lock);
  free(dp);
}
