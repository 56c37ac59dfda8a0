/* stats: data-plane counters. Each thread (TX, RX, JS) owns one bh_counters block and is its only
 * writer (relaxed load+store, no RMW, no shared cache lines); readers sum the blocks. The TX and
 * TAP blocks of the direct path belong to whichever thread holds dp->tap_drain_lock (dp.h). The two
 * flags (UDP_GSO, UDP_GRO) are set at creation, before the threads start. Drop
 * reasons are the names of docs/INTERNALS.md section 2 (+ two documented extras). */
#ifndef BH_STATS_H
#define BH_STATS_H

#include <stdatomic.h>
#include <stdint.h>

typedef enum {
  BH_G_RX_DATAGRAMS,
  BH_G_RX_BYTES,
  BH_G_TX_DATAGRAMS,
  BH_G_TX_BYTES,
  BH_G_TAP_RX_FRAMES,
  BH_G_TAP_TX_FRAMES,
  BH_G_FLOODS,
  BH_G_HANDSHAKE_QUEUED,
  BH_G_UDP_GSO,        /* flag 0/1 (TX block): sends use UDP_SEGMENT (udp_gso.h) */
  BH_G_UDP_GRO,        /* flag 0/1 (RX block): the socket has UDP_GRO on */
  BH_G_TX_GSO_SENDS,   /* super-datagrams (2+ datagrams) sent with UDP_SEGMENT */
  BH_G_RX_GRO_BUFFERS, /* received buffers that held 2+ coalesced datagrams */
  BH_G_TX_FRAGMENTS,   /* tunnel fragments (subtype 3) sealed (dp_frag.h) */
  BH_G_RX_FRAGMENTS,   /* authenticated tunnel fragments received */
  BH_G_REASSEMBLED,    /* frames reassembled from fragments */
  BH_G_MSS_CLAMPED,    /* TCP SYNs whose MSS option was lowered (bh_mss.h) */
  BH_G_TAP_OFFLOAD,    /* flag 0/1 (TAP block): the TAP hands over TSO super-frames (tap_linux.h) */
  BH_G_TAP_GSO_FRAMES, /* TSO super-frames read from the TAP and segmented (tap_read.h) */
  BH_G_MAX_FRAME_SIZE, /* value (TAP block): the largest frame accepted (options.maxFrameSize) */
  BH_G_TAP_GRO_FRAMES, /* TSO super-frames written to the TAP, merged from 2+ segments (tap_write.h) */
  BH_G_TAP_UDP_GRO,    /* flag 0/1 (TAP block): UDP datagram runs are written as UDP_L4 super-frames (bh_gro.h) */
  BH_G_TX_INLINE_DRAINS, /* RX block: TAP batches the RX thread read and sent itself (bh_dp_tx_drain_inline) */
  BH_G_TX_LIGHT_FRAMES,  /* TX block: TAP frames read and sent by the RX thread (light path or inline drain; dp_path.h) */
  BH_G_TX_PIPELINE_FRAMES, /* TX block: TAP frames read and sent by the TX thread (pipeline) */
  BH_G_PATH_TO_PIPELINE, /* RX block: automatic switches light -> pipeline (a large batch) */
  BH_G_PATH_TO_LIGHT,    /* TX block: automatic switches pipeline -> light (no busy batch for the dwell time) */
  BH_G_RELAYED,        /* RX block, hub only: frames from a peer relayed to the one peer that has the MAC */
  BH_G_RELAY_FLOODS,   /* RX block, hub only: group / unknown frames from a peer flooded on to the other peers */
  BH_G_TAP_READER,       /* flag 0/1 (TAP block): 1 = io_uring chains read the TAP, 0 = the read() loop (tap_read.h) */
  BH_G_TAP_READER_ERRNO, /* value (TAP block): why io_uring does not run (errno of its setup or of a failed submit), 0 */
  BH_G_TAP_URING_SUBMITS, /* TAP block: io_uring submits (one syscall each) of TAP read chains */
  BH_G_TAP_URING_FRAMES,  /* TAP block: frames those submits read (frames per syscall = frames / submits) */
  BH_G__COUNT
} bh_global_ctr;

/* Partial failover (dp_failover.h): the l2_* / iso_* entries follow bh_l2f_reason's order. */
#define BH_FAILOVER_DROP_REASONS(X)                 \
  X(QUARANTINED, "quarantined")                     \
  X(STORM_BROADCAST, "storm_broadcast")             \
  X(STORM_MULTICAST, "storm_multicast")             \
  X(STORM_UNKNOWN_UNICAST, "storm_unknown_unicast") \
  X(L2_STP, "l2_stp")                               \
  X(L2_PAUSE, "l2_pause")                           \
  X(L2_SLOW_PROTOCOLS, "l2_slow_protocols")         \
  X(L2_PAE, "l2_pae")                               \
  X(L2_LLDP, "l2_lldp")                             \
  X(L2_LINK_LOCAL, "l2_link_local")                 \
  X(ISO_DHCP4_SERVER, "iso_dhcp4_server")           \
  X(ISO_DHCP6_SERVER, "iso_dhcp6_server")           \
  X(ISO_VRRP4, "iso_vrrp4")                         \
  X(ISO_VRRP6, "iso_vrrp6")                         \
  X(ISO_HSRP4, "iso_hsrp4")                         \
  X(ISO_HSRP6, "iso_hsrp6")                         \
  X(ISO_RA, "iso_ra")                               \
  X(ISO_V6_UNPARSED, "iso_v6_unparsed")             \
  X(LOOP_BLOCKED, "loop_blocked")

#define BH_DROP_REASONS(X)                     \
  X(SHORT, "short")                            \
  X(BAD_TYPE, "bad_type")                      \
  X(BAD_SIZE, "bad_size")                      \
  X(UNKNOWN_INDEX, "unknown_index")            \
  X(AUTH_FAILED, "auth_failed")                \
  X(REPLAY, "replay")                          \
  X(KEY_EXPIRED, "key_expired")                \
  X(BAD_SUBTYPE, "bad_subtype")                \
  X(NO_SESSION, "no_session")                  \
  X(TAP_FRAME_SHORT, "tap_frame_short")        \
  X(TAP_FRAME_OVERSIZE, "tap_frame_oversize")  \
  X(TAP_FRAME_INVALID, "tap_frame_invalid")    \
  X(LOCAL_DESTINATION, "local_destination")    \
  X(PEER_FRAME_INVALID, "peer_frame_invalid")  \
  X(TAP_WRITE_FAILED, "tap_write_failed")      \
  X(UDP_SEND_FAILED, "udp_send_failed")        \
  X(HANDSHAKE_QUEUE_FULL, "handshake_queue_full")  \
  X(AQM_DROPPED, "aqm_dropped")                \
  X(FRAG_BAD, "frag_bad")                      \
  X(FRAG_OVERSIZE, "frag_oversize")            \
  X(FRAG_DUPLICATE, "frag_duplicate")          \
  X(FRAG_OVERLAP, "frag_overlap")              \
  X(FRAG_TIMEOUT, "frag_timeout")              \
  X(FRAG_EVICTED, "frag_evicted")              \
  X(FRAG_NO_MEMORY, "frag_no_memory")          \
  X(UDP_MSGSIZE, "udp_msgsize")                \
  X(TAP_OFFLOAD_BAD, "tap_offload_bad")      \
  X(BAD_MAC1, "bad_mac1")                      \
  BH_FAILOVER_DROP_REASONS(X)

typedef enum {
#define BH_X(id, name) BH_DROP_##id,
  BH_DROP_REASONS(BH_X)
#undef BH_X
  BH_DROP__COUNT
} bh_drop_reason;

extern const char *const bh_drop_names[BH_DROP__COUNT];

typedef struct {
  _Alignas(64) _Atomic uint64_t g[BH_G__COUNT];
  _Atomic uint64_t drop[BH_DROP__COUNT];
} bh_counters;

/* Single-writer increment (the owning thread only). */
static inline void bh_ctr_add(_Atomic uint64_t *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline uint64_t bh_ctr_get(const _Atomic uint64_t *c) {
  return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}
#define BH_DROP(ctrs, reason) bh_ctr_add(&(ctrs)->drop[BH_DROP_##reason], 1)
#define BH_COUNT(ctrs, id, n) bh_ctr_add(&(ctrs)->g[BH_G_##id], (n))

#endif
