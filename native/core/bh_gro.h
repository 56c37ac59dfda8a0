/* bh_gro: the receive half of TAP offloads. Consecutive in-order TCP segments of one flow (as a
 * batch from a peer delivers them) are merged into one super-frame that the TAP accepts with a
 * virtio_net_hdr (gso_type TCPV4/TCPV6, gso_size = the segments' payload size, NEEDS_CSUM): one
 * write and one pass through the bridge and the host's TCP stack instead of one per segment.
 * With `udp` (the kernel accepts UDP_L4 writes, Linux 6.2+), a run of equal-size UDP datagrams
 * of one flow with consecutive IPv4 IDs is merged the same way (gso_type UDP_L4); the kernel
 * splits it back into the same datagrams where it must (at the receiving socket, or at a device
 * without UDP segmentation offload), so small-packet flows cost one write per run.
 *
 *   begin(head):   Ethernet (untagged: the kernel refuses tagged GSO writes) / IPv4 (no options, not a fragment) or IPv6 (next
 *                  header TCP) / TCP with ACK and payload, no SYN/RST/URG/FIN/PSH/CWR, lengths
 *                  exact (no padding), TCP checksum valid -> a run of one
 *   append(frame): same L2 header, same IP header except length/ID/checksum, same TCP header
 *                  except sequence/checksum (flags may add PSH/FIN, which closes the run), sequence
 *                  = the run's next, payload = the first one's size (a shorter one closes the run),
 *                  TCP checksum valid, the merged packet stays below 64 KiB -> its payload joins
 *   end:           a run of one is left untouched (zero header); otherwise the head's IP length
 *                  and checksum, TCP flags and pseudo-header checksum (NEEDS_CSUM) are rewritten
 * The payloads are not copied: the caller writes head + appended payloads as one iovec list.
 * Pure: frames in, decisions and the head's header rewrite out. */
#ifndef BH_GRO_H
#define BH_GRO_H

#include <stddef.h>
#include <stdint.h>

#include "bh_tso.h"

#define BH_GRO_MAX_SEGMENTS 64
#define BH_GRO_MAX_IP 65535

typedef struct {
  uint8_t *head;        /* the first frame; rewritten by bh_gro_end */
  size_t head_len;
  uint16_t l3, l4, hdrs; /* offsets in every frame of the run */
  uint8_t v6, closed, udp;
  uint16_t next_id;     /* UDP over IPv4: the next datagram's IP ID */
  uint16_t mss;         /* payload of the first segment = gso_size */
  uint32_t next_seq;
  uint32_t payload;     /* total payload bytes of the run */
  uint8_t last_flags;   /* PSH/FIN of the last appended segment */
  unsigned count;       /* segments in the run */
} bh_gro_run;

/* 1: a run starts with this frame; 0: not mergeable (write it alone). udp: UDP runs allowed. */
int bh_gro_begin(bh_gro_run *r, uint8_t *frame, size_t len, int udp);
/* 1: appended, its payload is frame[*payload_off .. len); 0: not part of this run. */
int bh_gro_append(bh_gro_run *r, const uint8_t *frame, size_t len, size_t *payload_off);
/* Finishes the run: fills *h (zero for a run of one) and returns the super-frame's length. */
size_t bh_gro_end(bh_gro_run *r, bh_vnet_hdr *h);

#endif
