/* dp_qos: the QoS egress stage of the data plane (issue 5), on the queued transmit path of
 * dp_fq.h. With bh_dp_config.qos the reader classifies into bands instead of fq_codel flows, and
 * the sender dequeues by band priority / DRR under the WAN-rate shaper:
 *
 *   bh-tx   (dp_read.c): TAP batch --[fq lock]--> bh_qos_classify (rules) -> bh_qos_sched_enqueue
 *                          (band full: tail drop, bulk head drop; counted per band)
 *   bh-send (dp_send.c): [fq lock] refill shaper(now); while tokens >= 0 and < BH_BATCH frames:
 *                          dequeue (network control, realtime (share-bounded), DRR of the rest),
 *                          copy into the TX batch with the band's outer TOS, charge wire bytes
 *                        [unlock] -> dp_tx.c pipeline (seal; the TOS rides every datagram of the
 *                          frame as an IP_TOS / IPV6_TCLASS cmsg, udp_gso.h)
 *                        shaper says wait: sleep until it lets a batch pass (ppoll, BH_QOS_WAKE_BYTES)
 * One scheduler per data plane: the WAN rate is the appliance's uplink, shared by all its peers.
 * Everything here runs under bh_fq_path.lock (the JS thread's setQos and qosStats too). */
#ifndef BH_DP_QOS_H
#define BH_DP_QOS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/bh_qos_classify.h"
#include "../core/bh_qos_sched.h"
#include "../core/bh_qos_shaper.h"
#include "endpoint.h"

/* Bytes the shaper charges per frame on top of its length: tunnel header + tag (32), UDP (8),
 * IPv4 (20), Ethernet (14) of the WAN link. */
#define BH_QOS_WIRE_OVERHEAD 74
#define BH_QOS_DEFAULT_SHARE 50
/* When the shaper holds frames back, the sender sleeps until the bucket holds this much (or half
 * the burst, if smaller): a batch per wake-up instead of one frame (at 200 Mbit/s: 0.65 ms, ~10
 * frames; what a realtime frame may wait at most on top of its own transmission). */
#define BH_QOS_WAKE_BYTES 16384

struct bh_tx_state;

typedef struct {
  uint64_t rate_bits_per_s; /* 0 = no shaper (bands still ordered when the send path backs up) */
  uint32_t priority_share_pct;
  uint8_t dscp[BH_QOS_BANDS]; /* outer DSCP per band (0..63) */
  bh_qos_rules rules;
} bh_dp_qos_settings;

typedef struct bh_dp_qos {
  bh_qos_sched *sched;
  bh_qos_shaper shaper;
  bh_dp_qos_settings set;
  uint8_t tos[BH_QOS_BANDS]; /* dscp << 2 */
  atomic_uint control_tos;   /* network-control TOS for handshake/keepalive/control sends (JS thread, no lock) */
} bh_dp_qos;

typedef struct {
  bh_dp_qos_settings set;
  bh_qos_band_counters band[BH_QOS_BANDS];
  bh_qos_limit limit[BH_QOS_BANDS];
  uint64_t shaper_delayed; /* times the shaper made the sender wait */
} bh_dp_qos_snapshot;

void bh_dp_qos_default_settings(bh_dp_qos_settings *s); /* no rate, share 50, EF/CS6/AF41/0/CS1, no rules */
bh_dp_qos *bh_dp_qos_new(uint32_t max_frame, uint64_t now_ns); /* NULL on ENOMEM */
void bh_dp_qos_free(bh_dp_qos *q);
/* Validated by the caller (napi/qos.c); resets the shaper. */
void bh_dp_qos_apply(bh_dp_qos *q, const bh_dp_qos_settings *s, uint64_t now_ns);
/* The reader's batch (n frames `stride` bytes apart, lengths len[]) into the bands; frames longer
 * than max_frame are queued cut to max_frame + 1 bytes, so the sender still counts them as
 * tap_frame_oversize. */
void bh_dp_qos_enqueue_batch(bh_dp_qos *q, const uint8_t *frames, size_t stride, const uint16_t *len, unsigned n,
                             uint32_t max_frame);
/* Dequeues up to max frames into the TX batch (bh_dp_tx_put). Returns the count; when the shaper
 * held frames back, *wait_ns is the time until it lets the next one pass (else 0). */
unsigned bh_dp_qos_dequeue_batch(bh_dp_qos *q, struct bh_tx_state *s, unsigned max, uint64_t now_ns, uint64_t *wait_ns);
uint32_t bh_dp_qos_backlog(const bh_dp_qos *q);
/* Hub relay (dp_rx.c): relayed frames are not queued in the bands (they are sent at once by the RX
 * thread) but get their band's outer TOS (tos[i]) and are charged to the WAN shaper after they
 * were sent, so the hub's uplink as a whole stays within the rate (the TAP path waits for them). */
void bh_dp_qos_relay_classify(const bh_dp_qos *q, uint8_t *const *frame, const uint16_t *len, unsigned n, uint8_t *tos);
void bh_dp_qos_relay_charge(bh_dp_qos *q, uint64_t wire_bytes);
void bh_dp_qos_snapshot_get(const bh_dp_qos *q, bh_dp_qos_snapshot *out);

/* sendto for the JS thread's datagrams (handshake, keepalive, control): with QoS on they carry
 * the network-control DSCP (default CS6) as an IP_TOS / IPV6_TCLASS cmsg; otherwise plain sendto. */
ssize_t bh_dp_qos_sendto_control(const bh_dp_qos *q /* NULL: QoS off */, int fd, const uint8_t *data, size_t len,
                                 const bh_endpoint *ep);

#endif
