/* udp: open and bind the tunnel socket (see udp.h). */
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "endpoint.h"

static void set_buf(int fd, int force_opt, int opt, int size) {
  if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) == 0) return; /* needs CAP_NET_ADMIN */
  (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);                 /* capped by net.core.*mem_max */
}

int bh_udp_open(const char *address, uint16_t port, int reuse_port, int *family, uint16_t *bound_port,
                const char **step) {
  bh_endpoint ep;
  int fam = AF_INET;
  if (bh_endpoint_parse(&ep, address, port, AF_INET) != 0) {
    fam = AF_INET6;
    if (bh_endpoint_parse(&ep, address, port, AF_INET6) != 0) {
      *step = "address";
      return -EINVAL;
    }
  }
  int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *step = "socket";
    return -errno;
  }
  if (fam == AF_INET6) {
    int off = 0; /* dual-stack: "::" also receives IPv4 (v4-mapped) */
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
      int e = errno;
      close(fd);
      *step = "setsockopt IPV6_V6ONLY";
      return -e;
    }
  }
  set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, BH_UDP_SOCKBUF);
  set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, BH_UDP_SOCKBUF);
  /* Arrival timestamps: the RX thread measures how long each datagram waited (dp_rx.c AQM). */
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  /* DF on every datagram, and the kernel neither fragments nor lowers its PMTU cache from ICMP:
   * too-large datagrams fail with EMSGSIZE (local MTU) or are lost (further away), and the data
   * plane fragments to the path MTU the control plane sets (dp_frag.h). Best effort. */
  int probe = IP_PMTUDISC_PROBE;
  (void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
  if (fam == AF_INET6) {
    int probe6 = IPV6_PMTUDISC_PROBE;
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe6, sizeof probe6);
  }
  /* multi-tenant provider: every tenant's data plane joins one SO_REUSEPORT group (udp_steer.h) */
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    *step = "setsockopt SO_REUSEPORT";
    return -e;
  }
  if (bind(fd, &ep.u.sa, ep.len) < 0) {
    int e = errno;
    close(fd);
    *step = "bind";
    return -e;
  }
  bh_endpoint got;
  memset(&got, 0, sizeof got);
  got.len = sizeof got.u;
  if (getsockname(fd, &got.u.sa, &got.len) < 0) {
    int e = errno;
    close(fd);
    *step = "getsockname";
    return -e;
  }
  char tmp[BH_ADDRSTRLEN];
  *bound_port = bh_endpoint_format(&got, tmp);
  *family = fam;
  return fd;
}


int bh_udp_gso_probe(int fd) {
  int zero = 0; /* the socket default (no segmentation); accepted only where UDP GSO exists */
  return setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
}

int bh_udp_gro_enable(int fd) {
  int one = 1;
  return setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
}
