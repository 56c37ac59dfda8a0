/* endpoint: a peer's UDP address (IPv4 or IPv6). On a dual-stack (AF_INET6) socket, IPv4
 * endpoints are stored v4-mapped (::ffff:a.b.c.d) and formatted back as plain IPv4. */
#ifndef BH_ENDPOINT_H
#define BH_ENDPOINT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
  union {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
  } u;
  socklen_t len; /* 0 = unset */
} bh_endpoint;

#define BH_ADDRSTRLEN 64 /* INET6_ADDRSTRLEN + scope, rounded up */

/* Parses a textual IPv4/IPv6 address for a socket of family sock_family (AF_INET or AF_INET6).
 * 0 ok; -1 not an IP address; -2 IPv6 address on an IPv4-only socket. */
int bh_endpoint_parse(bh_endpoint *ep, const char *addr, uint16_t port, int sock_family);
/* Writes the address (v4-mapped shown as IPv4) and returns the port. */
uint16_t bh_endpoint_format(const bh_endpoint *ep, char addr[BH_ADDRSTRLEN]);
int bh_endpoint_equal(const bh_endpoint *a, const bh_endpoint *b);
/* Copies a kernel-supplied source address (recvmsg msg_name). */
void bh_endpoint_from_sockaddr(bh_endpoint *ep, const void *sa, socklen_t len);

#endif
