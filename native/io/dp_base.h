/* dp_base: the floor every data-plane stage stands on: the instance (bh_dp: the TAP or test
 * socketpair, the UDP socket, the peer table, the MAC table, the event ring, the threads'
 * per-stage state), its configuration, frame-size limits, and the few helpers every stage uses
 * (clock, events, need-handshake, thread setup; dp_base.c). The stages (dp_tx.h, dp_rx.h,
 * tap_loop.h, dp_read.h, dp_send.h, dp_fq.h, dp_qos.h, dp_pmtu.h, dp_frag.h, dp_failover.h,
 * tap_read.h, tap_write.h) include this, never dp.h (the life cycle) or each other in a circle.
 *
 * Locking:  peers_lock (rwlock, writer-preferring): data threads take it for reading once per
 *           batch; the JS thread writes (config/keys), and the RX thread writes briefly for the
 *           rare key promotion / endpoint roaming. A keypair's replay window is touched only by
 *           the RX thread; send counters are atomic.
 *           mac_lock (mutex): bh_mactable, held only around the forwarding decisions of a batch.
 *           Never held together with peers_lock.
 * Life cycle: dp.h. Operations of the JS thread: dp_ops.h. */
#ifndef BH_DP_BASE_H
#define BH_DP_BASE_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "../core/bh_mactable.h"
#include "../core/bh_pathsel.h"
#include "endpoint.h"
#include "evring.h"
#include "peers.h"
#include "stats.h"

/* Frame sizes: BH_FRAME_MAX is the buffers' capacity (jumbo: 9000-byte MTU + 14 + two tags);
 * the largest frame accepted is set at creation (bh_dp_config.max_frame, options.maxFrameSize),
 * BH_FRAME_DEFAULT unless configured (1518 + one 802.1Q tag, FCS-less). */
#define BH_FRAME_MAX (9000 + 14 + 8)
#define BH_FRAME_DEFAULT (1518 + 4)
#define BH_FRAME_MIN_CONFIG 1514 /* smallest configurable maximum (an untagged 1500-MTU frame) */
#define BH_FRAME_MIN 14
#define BH_BATCH 64             /* frames per TAP drain batch, datagrams per recvmmsg */
#define BH_TX_OUT 128           /* sealed datagrams per sendmmsg */
#define BH_RX_BUF 9216          /* receive buffer per datagram (a sealed jumbo frame); larger ones are 'bad_size' */
#define BH_CONTROL_MAX BH_FRAME_DEFAULT
#define BH_NEED_HANDSHAKE_INTERVAL_NS 1000000000ULL
#define BH_EPOLL_TIMEOUT_MS 100 /* idle wake-up for MAC aging */

typedef void (*bh_notify_fn)(void *ctx); /* "the event ring went non-empty" (any thread) */

typedef struct {
  const char *tap_name; /* NULL = socketpair mode */
  const char *listen_address;
  uint16_t listen_port;
  uint32_t mac_capacity;
  uint64_t mac_age_ns;
  uint32_t event_capacity;
  int fq; /* 1: fair-queued transmit path (dp_fq.h: reader + sender threads around fq_codel) */
  int qos; /* 1: the same path with QoS bands + shaper instead of fq_codel (dp_qos.h); wins over fq */
  uint32_t max_frame; /* largest frame accepted (BH_FRAME_MIN..BH_FRAME_MAX); 0 = BH_FRAME_DEFAULT */
  int tap_offload;    /* 1: ask for TAP offloads (IFF_VNET_HDR + TSO, tap_linux.h; probed, may be refused) */
  uint32_t neigh_capacity; /* neighbor table (dp_failover.h); 0 = default */
  uint64_t neigh_age_ns;   /* local neighbor entries age out after this; 0 = default */
  int thread_nice;         /* the data-plane threads' nice value (bh_dp_thread_setup), -20..19 */
  int udp_offload_off;     /* 1: no UDP GSO/GRO on the tunnel socket (udp.h; A/B measurements) */
  int tap_gro_off;         /* 1: TAP offloads read side only, every frame written alone (tap_read.h) */
  int reuse_port;          /* 1: the UDP socket joins a SO_REUSEPORT group (multi-tenant, udp_steer.h) */
  int data_path;           /* bh_path_policy: auto (light path when traffic is light), light or pipeline (dp_path.h) */
  uint32_t pipeline_batch; /* auto: a batch of this many frames enters the pipeline (2..64; 0 = default) */
  uint32_t busy_poll_us;   /* light path: poll this long after activity before sleeping (0 = off, <= BH_BUSY_POLL_MAX_US) */
  int pin_threads;         /* 1: pin bh-rx to cpu_rx and bh-tx to cpu_tx (dp_affinity.h); 0 = the scheduler decides */
  int cpu_rx, cpu_tx;      /* CPU numbers (0..BH_CPU_MAX), read only with pin_threads */
  int tap_reader;          /* BH_TAP_READER_*: auto (io_uring when available), io_uring, read (tap_read.h) */
} bh_dp_config;

#define BH_CPU_MAX 1023 /* highest CPU number accepted for pinning (CPU_SETSIZE - 1) */
enum { BH_CPU_RX = 0, BH_CPU_TX = 1 };
enum { BH_TAP_READER_AUTO, BH_TAP_READER_IO_URING, BH_TAP_READER_READ }; /* options.tapReader (tap_read.h) */

#define BH_BUSY_POLL_MAX_US 20000 /* 20 ms: covers gaps of interactive traffic; measured in docs/BENCHMARKS.md (issue 15) */
#define BH_BUSY_POLL_DEFAULT_US 0 /* options.busyPollUs; decided by measurement (docs/BENCHMARKS.md, issue 15) */

typedef enum { BH_DP_CREATED, BH_DP_RUNNING, BH_DP_STOPPED } bh_dp_state;

struct bh_tx_state;
struct bh_rx_state;
struct bh_fq_path;
struct bh_tap_reader;
struct bh_dp_fo;

typedef struct bh_dp {
  bh_counters ctr_tx, ctr_rx, ctr_js, ctr_tap; /* first: 64-byte aligned blocks; ctr_tap: the TAP reader (tap_read.h) */
  int tap_fd, test_fd, udp_fd, wake_fd, udp_family, tap_is_socket;
  int reuse_port; /* the socket is in a SO_REUSEPORT group (dp_steer.h) */
  char tap_name[IFNAMSIZ];
  uint16_t port;
  bh_dp_state state;
  atomic_int stopping;
  atomic_int mss_clamp; /* dp.setMssClamp: TX clamps TCP SYN MSS to the peer's path MTU (bh_mss.h) */
  atomic_int relay;     /* dp.setRelay: this appliance is the hub, relays between its peers (dp_rx.c) */
  uint32_t max_frame;   /* largest frame accepted from the TAP or a peer (bh_dp_config.max_frame) */
  int thread_nice;      /* bh_dp_config.thread_nice */
  struct bh_tap_reader *tap_reader; /* the TAP read of whichever thread drains the TAP (tap_read.h) */

  pthread_rwlock_t peers_lock;
  bh_peers peers;
  pthread_mutex_t mac_lock;
  /* The direct TX path's TAP drain (dp->tx and the TAP reads): held by the TX thread per batch,
   * taken with trylock by the RX thread for its inline drain (bh_dp_tx_drain_inline). */
  pthread_mutex_t tap_drain_lock;
  bh_mactable *mac;
  uint64_t mac_age_ns;
  struct bh_dp_fo *fo; /* partial failover: neighbors, quarantine, storm control (dp_failover.h; under mac_lock) */

  bh_evring events;
  bh_notify_fn notify;
  void *notify_ctx;

  struct bh_aead *aead_tx, *aead_rx, *aead_js;
  /* mac1 of handshake messages, checked by the RX thread before the event ring (under peers_lock
   * for reading; dp.setMac1Key re-keys it under the write lock). No key set: not checked. */
  struct bh_mac1 *mac1;
  struct bh_tx_state *tx;
  struct bh_tx_state *relay_tx; /* the RX thread's sealing state for relayed frames (bh_dp_tx_relay) */
  struct bh_rx_state *rx;
  pthread_t tx_thread, rx_thread;
  int tx_started, rx_started;
  struct bh_fq_path *fqp; /* NULL unless cfg.fq: then tx_thread is the TAP reader (dp_fq.h) */

  /* Which thread drains the TAP (dp_path.h): LIGHT = the RX thread, PIPELINE = the TX thread (always
   * PIPELINE with the fair queue). Written by the thread that decides a switch, then the other one
   * is kicked through its eventfd (tx_kick_fd / rx_kick_fd). */
  atomic_int path;
  atomic_int path_policy;          /* bh_path_policy (options.dataPath, dp.setDataPath) */
  _Atomic uint64_t path_busy_ns;   /* last busy batch (bh_pathsel_busy), either direction */
  bh_pathsel_cfg pathsel;
  uint64_t busy_poll_ns;
  int tx_kick_fd, rx_kick_fd;

  /* Thread CPU affinity (dp_affinity.h), indexed BH_CPU_RX / BH_CPU_TX: asked (-1 = none) and got
   * (-1 = not pinned). Written by bh_dp_start on the JS thread, read by the JS thread only. */
  int cpu_want[2], cpu_pinned[2];
  int affinity_errors, affinity_errno;
} bh_dp;

static inline uint64_t bh_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Shared by the loops: queue an event (data copied); returns BH_EVRING_FULL if dropped. */
int bh_dp_emit(bh_dp *dp, const bh_event *ev, const uint8_t *data, uint32_t len);
/* A packet for `peer` could not be sealed: 'need-handshake' at most once per second. */
void bh_dp_need_handshake(bh_dp *dp, bh_peer *peer, uint64_t now_ns);

/* Each data-plane thread calls this first: names it (visible in `top -H`) and sets its CPU
 * priority to dp->thread_nice, by default BH_THREAD_NICE (best effort; a negative value needs
 * CAP_SYS_NICE, which root and the systemd unit have). Forwarding threads should win the CPU
 * against everything else on the appliance: a frame otherwise waits for a scheduler slot whenever
 * the machine is busy. The price shows where the traffic's own endpoints share the CPUs (the
 * benchmark box): docs/BENCHMARKS.md has both sides measured (options.threadNice, config
 * `threadNice`, BRIDGEHEAD_THREAD_NICE). */
#define BH_THREAD_NICE (-10)
#define BH_THREAD_NICE_MIN (-20)
#define BH_THREAD_NICE_MAX 19
void bh_dp_thread_setup(const bh_dp *dp, const char *name);

#endif
