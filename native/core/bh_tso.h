/* bh_tso: the data plane's half of TAP offloads (IFF_VNET_HDR). A TAP with TUNSETOFFLOAD hands
 * over Ethernet frames of up to 64 KiB prefixed with a struct virtio_net_hdr: TCP super-frames
 * (gso_type TCPV4/TCPV6, gso_size = MSS) and frames whose L4 checksum is only partial
 * (flags NEEDS_CSUM: the field holds the pseudo-header sum; the sum from csum_start to the end
 * must be folded in). bh_tso turns one such frame into ordinary, complete Ethernet frames in
 * caller-owned slots, so everything downstream (and the peer's TAP) sees plain frames.
 *
 *   TCP GSO:  Ethernet [+ up to two 802.1Q/802.1ad tags] -> IPv4 (options allowed) / IPv6 (next header TCP) ->
 *             TCP; per segment i of ceil(payload / gso_size): headers copied, IPv4 total length,
 *             ID (+i) and header checksum, IPv6 payload length, TCP sequence (+i * gso_size),
 *             FIN/PSH only on the last segment, CWR only on the first, full TCP checksum.
 *   NONE:     copied; with NEEDS_CSUM the checksum is completed (any L4 protocol).
 * Pure: no I/O, no globals. Every length is checked before use: a malformed header or frame is
 * an error code (the driver counts a drop), never an overrun. */
#ifndef BH_TSO_H
#define BH_TSO_H

#include <stddef.h>
#include <stdint.h>

#define BH_VNET_HDR_LEN 10 /* struct virtio_net_hdr (without num_buffers), little-endian fields */
#define BH_VNET_F_NEEDS_CSUM 1
#define BH_VNET_F_DATA_VALID 2
#define BH_VNET_GSO_NONE 0
#define BH_VNET_GSO_TCPV4 1
#define BH_VNET_GSO_UDP 3
#define BH_VNET_GSO_TCPV6 4
#define BH_VNET_GSO_UDP_L4 5 /* UDP segmentation offload (USO, Linux 6.2+); written by bh_gro only */
#define BH_VNET_GSO_ECN 0x80
#define BH_TSO_MAX_INPUT 65550 /* largest offloaded frame accepted (64 KiB IP packet + L2) */

typedef struct {
  uint8_t flags, gso_type;
  uint16_t hdr_len, gso_size, csum_start, csum_offset;
} bh_vnet_hdr;

typedef enum {
  BH_TSO_OK = 0,
  BH_TSO_BAD_HDR = -1,   /* unknown gso_type / flags, gso_size 0, checksum offsets out of range */
  BH_TSO_BAD_FRAME = -2, /* GSO frame that is not Ethernet/IP/TCP as announced, or truncated */
  BH_TSO_TOO_BIG = -3    /* a resulting frame does not fit a slot */
} bh_tso_error;

/* Reads the 10 header bytes (little-endian, as the TAP writes them on x86/arm64). */
void bh_vnet_hdr_read(const uint8_t *p, bh_vnet_hdr *h);
/* Writes a header; a zero header means "complete, non-GSO frame". */
void bh_vnet_hdr_write(uint8_t *p, const bh_vnet_hdr *h);

/* The plan of one offloaded frame: validated offsets and the number of output frames. */
typedef struct {
  uint32_t segments; /* output frames (1 for a non-GSO frame) */
  uint16_t l3, l4, hdrs; /* offsets of IP, TCP, and the payload (GSO only) */
  uint16_t mss; /* the payload per segment: gso_size, or less to fit seg_max */
  uint8_t v6;
} bh_tso_plan;

/* Validates h + frame and fills *plan. slot_cap: the size of one output slot (every output
 * frame must fit). seg_max (0 = none): the largest segment frame wanted, e.g. what one tunnel
 * datagram carries at the peer's path MTU; a TCP super-frame is then cut at a smaller MSS than
 * gso_size (never below BH_TSO_MIN_MSS), so its segments cross without tunnel fragmentation (TCP
 * accepts segments below the negotiated MSS). Returns BH_TSO_OK or a bh_tso_error. */
#define BH_TSO_MIN_MSS 256
int bh_tso_prepare(const bh_vnet_hdr *h, const uint8_t *frame, size_t len, size_t slot_cap, size_t seg_max,
                   bh_tso_plan *plan);

/* Writes output frames first .. first+max-1 (bounded by plan->segments) of a prepared frame into
 * slots out + k * stride (stride >= slot_cap given to prepare), lengths into out_len[k]. Returns
 * the number written. A caller short of slots calls again later with first advanced: order is
 * kept and nothing is lost. */
unsigned bh_tso_emit(const bh_vnet_hdr *h, const uint8_t *frame, size_t len, const bh_tso_plan *plan,
                     unsigned first, unsigned max, uint8_t *out, size_t stride, uint16_t *out_len);

/* A non-GSO frame in place: with NEEDS_CSUM (offsets inside the frame), the checksum completed;
 * otherwise nothing. What bh_tso_emit does for such a frame, without the copy. */
void bh_tso_csum_complete(const bh_vnet_hdr *h, uint8_t *frame, size_t len);

/* Internet checksum helpers (also used by the tests and the GRO side). */
uint32_t bh_csum_add(uint32_t sum, const uint8_t *p, size_t n); /* 16-bit big-endian words */
uint16_t bh_csum_fold(uint32_t sum);                            /* ~(folded sum) */

#endif
