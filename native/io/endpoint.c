/* endpoint: parse/format/compare UDP endpoints (see endpoint.h). */
#include "endpoint.h"

#include <arpa/inet.h>
#include <string.h>

int bh_endpoint_parse(bh_endpoint *ep, const char *addr, uint16_t port, int sock_family) {
  memset(ep, 0, sizeof *ep);
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, addr, &a4) == 1) {
    if (sock_family == AF_INET6) {
      ep->u.in6.sin6_family = AF_INET6;
      ep->u.in6.sin6_port = htons(port);
      ep->u.in6.sin6_addr.s6_addr[10] = 0xff;
      ep->u.in6.sin6_addr.s6_addr[11] = 0xff;
      memcpy(&ep->u.in6.sin6_addr.s6_addr[12], &a4, 4);
      ep->len = sizeof(struct sockaddr_in6);
    } else {
      ep->u.in4.sin_family = AF_INET;
      ep->u.in4.sin_port = htons(port);
      ep->u.in4.sin_addr = a4;
      ep->len = sizeof(struct sockaddr_in);
    }
    return 0;
  }
  if (inet_pton(AF_INET6, addr, &a6) == 1) {
    if (sock_family != AF_INET6) return -2;
    ep->u.in6.sin6_family = AF_INET6;
    ep->u.in6.sin6_port = htons(port);
    ep->u.in6.sin6_addr = a6;
    ep->len = sizeof(struct sockaddr_in6);
    return 0;
  }
  return -1;
}

uint16_t bh_endpoint_format(const bh_endpoint *ep, char addr[BH_ADDRSTRLEN]) {
  addr[0] = 0;
  if (ep->len == 0) return 0;
  if (ep->u.sa.sa_family == AF_INET) {
    inet_ntop(AF_INET, &ep->u.in4.sin_addr, addr, BH_ADDRSTRLEN);
    return ntohs(ep->u.in4.sin_port);
  }
  if (IN6_IS_ADDR_V4MAPPED(&ep->u.in6.sin6_addr))
    inet_ntop(AF_INET, &ep->u.in6.sin6_addr.s6_addr[12], addr, BH_ADDRSTRLEN);
  else
    inet_ntop(AF_INET6, &ep->u.in6.sin6_addr, addr, BH_ADDRSTRLEN);
  return ntohs(ep->u.in6.sin6_port);
}

int bh_endpoint_equal(const bh_endpoint *a, const bh_endpoint *b) {
  if (a->len != b->len || a->len == 0) return 0;
  if (a->u.sa.sa_family != b->u.sa.sa_family) return 0;
  if (a->u.sa.sa_family == AF_INET)
    return a->u.in4.sin_port == b->u.in4.sin_port && a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
  return a->u.in6.sin6_port == b->u.in6.sin6_port &&
         memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof(struct in6_addr)) == 0 &&
         a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id;
}

void bh_endpoint_from_sockaddr(bh_endpoint *ep, const void *sa, socklen_t len) {
  memset(ep, 0, sizeof *ep);
  if (len > sizeof ep->u) len = sizeof ep->u;
  memcpy(&ep->u, sa, len);
  ep->len = len;
}
