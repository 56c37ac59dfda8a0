/* udp: the tunnel's UDP socket: IPv4 or IPv6 (dual-stack when bound to "::"), non-blocking,
 * large kernel buffers. Batched I/O (recvmmsg/sendmmsg) lives in the RX/TX loops. */
#ifndef BH_UDP_H
#define BH_UDP_H

#include <stdint.h>

#define BH_UDP_SOCKBUF (4 << 20) /* requested SO_RCVBUF/SO_SNDBUF */

/* Binds address:port. Returns the fd or -errno (*step names the failed call; -EINVAL with step
 * "address" if address is not an IP literal). *family and *bound_port receive the socket family
 * and the actual port (useful for port 0). */
int bh_udp_open(const char *address, uint16_t port, int *family, uint16_t *bound_port, const char **step);

#endif
