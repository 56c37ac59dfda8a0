/* udp: the tunnel's UDP socket: IPv4 or IPv6 (dual-stack when bound to "::"), non-blocking,
 * large kernel buffers. Batched I/O (recvmmsg/sendmmsg) lives in the RX/TX loops. */
#ifndef BH_UDP_H
#define BH_UDP_H

#include <stdint.h>

#define BH_UDP_SOCKBUF (4 << 20) /* requested SO_RCVBUF/SO_SNDBUF */

/* UDP socket options older libc headers may lack (GSO: udp_gso.c, GRO: dp_rx.c). */
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Binds address:port. Returns the fd or -errno (*step names the failed call; -EINVAL with step
 * "address" if address is not an IP literal). *family and *bound_port receive the socket family
 * and the actual port (useful for port 0). reuse_port: SO_REUSEPORT before bind. */
int bh_udp_open(const char *address, uint16_t port, int reuse_port, int *family, uint16_t *bound_port,
                const char **step);

/* UDP offloads, set up once at creation (best effort; 1 = active, 0 = not available). dp.c skips
 * both when bh_dp_config.udp_offload_off (options.udpOffload false; the daemon's BH_UDP_OFFLOAD=off).
 * gso_probe: the kernel accepts UDP_SEGMENT on this socket (sends may use it, udp_gso.h).
 * gro_enable: UDP_GRO on: a receive buffer may hold several datagrams (the cmsg gives their size). */
int bh_udp_gso_probe(int fd);
int bh_udp_gro_enable(int fd);

#endif
