/* udp_gso: send a run of sealed datagrams with UDP GSO (UDP_SEGMENT): consecutive datagrams to
 * the same endpoint with equal length (the last of a run may be shorter) leave as ONE
 * super-datagram, so the kernel walks UDP/IP once per run instead of once per datagram (and a
 * receiver with UDP_GRO gets the run in one buffer). One sendmmsg covers all runs of a flush.
 *
 *   slots (iov + dst) --group--> msghdrs (runs of <= BH_GSO_MAX_SEGS, <= BH_GSO_MAX_BYTES; a run
 *     of one is a plain datagram) --sendmmsg--> sent[slot] = 1 per datagram that left the host
 *   kernel refuses a run (EINVAL/EMSGSIZE: segment + headers > path MTU; EIO/ENOPROTOOPT/
 *     EOPNOTSUPP: no GSO on this socket or route):
 *     -> resend that run datagram by datagram (order kept), then
 *     -> EMSGSIZE/EINVAL: runs with segments >= that size go plain for BH_GSO_RETRY_NS;
 *        anything else (or a refused segment <= BH_GSO_MIN_TRUST): GSO off for the socket
 *        (*gso_on = 0; stats global.udpGso).
 *   socket buffer full (EAGAIN/ENOBUFS): wait once up to BH_GSO_SEND_WAIT_MS, then give up on
 *     the rest (sent[] stays 0: the caller counts udp_send_failed per datagram).
 * TX thread only (one bh_gso_tx per sending thread). */
#ifndef BH_UDP_GSO_H
#define BH_UDP_GSO_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "endpoint.h"

#define BH_GSO_MAX_SEGS 64        /* UDP_MAX_SEGMENTS of older kernels (newer allow 128) */
#define BH_GSO_MAX_BYTES 65000    /* payload per super-datagram: < 65535 - IPv6/IPv4 + UDP headers */
#define BH_GSO_MAX_SLOTS 128      /* datagrams per bh_gso_send call (>= BH_TX_OUT) */
#define BH_GSO_MIN_TRUST 576      /* a refused segment this small is not an MTU problem */
#define BH_GSO_RETRY_NS 30000000000ULL /* retry GSO for refused sizes after 30 s (MTU may grow) */
#define BH_GSO_SEND_WAIT_MS 10

typedef struct {
  struct mmsghdr msg[BH_GSO_MAX_SLOTS];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))]; /* UDP_SEGMENT + IP_TOS/IPV6_TCLASS */
    struct cmsghdr align;
  } ctl[BH_GSO_MAX_SLOTS];
  uint16_t first[BH_GSO_MAX_SLOTS], count[BH_GSO_MAX_SLOTS]; /* run -> slots [first, first+count) */
  struct mmsghdr plain[BH_GSO_MAX_SEGS];                        /* fallback for one refused run */
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } plain_ctl[BH_GSO_MAX_SEGS]; /* their IP_TOS/IPV6_TCLASS (QoS outer DSCP) */
  uint32_t refused_seg;     /* smallest segment size refused (EMSGSIZE/EINVAL); 0 = none */
  uint64_t refused_at_ns;
  uint8_t msgsize[BH_GSO_MAX_SLOTS]; /* per datagram of the last send: 1 = refused with EMSGSIZE */
} bh_gso_tx;

/* Sends slots [0, n) (n <= BH_GSO_MAX_SLOTS) in order on fd; sets sent[i] = 1 for each datagram
 * that left. tos[i] (NULL = all 0) is the slot's IP TOS / IPv6 traffic class byte (QoS outer
 * DSCP << 2), set per datagram with an IP_TOS / IPV6_TCLASS cmsg when non-zero; a run never mixes
 * two values. *gso_on (a stats flag, written only by this thread) enables UDP_SEGMENT
 * and is cleared when the kernel refuses it for good. Returns the number of super-datagrams
 * (runs of 2+) sent with UDP_SEGMENT. */
unsigned bh_gso_send(bh_gso_tx *g, int fd, _Atomic uint64_t *gso_on, struct iovec *iov, const bh_endpoint *dst,
                     const uint8_t *tos, unsigned n, uint8_t *sent, uint64_t now_ns);

#endif
