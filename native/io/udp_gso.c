/* udp_gso: runs of datagrams -> UDP_SEGMENT super-datagrams, with per-run fallback (udp_gso.h). */
#include "udp_gso.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>

#include "udp.h" /* SOL_UDP, UDP_SEGMENT */


/* Appends an IP_TOS (IPv4 or v4-mapped destination) or IPV6_TCLASS cmsg for a non-zero tos. */
static void add_tos(struct msghdr *h, size_t room, const bh_endpoint *dst, uint8_t tos) {
  if (!tos) return;
  const struct sockaddr_in6 *a6 = &dst->u.in6;
  int v4 = dst->u.sa.sa_family == AF_INET || IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr);
  int val = tos;
  struct cmsghdr *c = (struct cmsghdr *)((char *)h->msg_control + h->msg_controllen);
  if (h->msg_controllen + CMSG_SPACE(sizeof val) > room) return;
  c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
  c->cmsg_len = CMSG_LEN(sizeof val);
  memcpy(CMSG_DATA(c), &val, sizeof val);
  h->msg_controllen += CMSG_SPACE(sizeof val);
}

/* Splits slots into runs and fills one msghdr per run. Returns the number of runs. */
static unsigned group(bh_gso_tx *g, int gso, struct iovec *iov, const bh_endpoint *dst, const uint8_t *tos,
                      unsigned n) {
  unsigned runs = 0;
  for (unsigned i = 0; i < n;) {
    size_t seg = iov[i].iov_len, total = seg;
    unsigned k = 1;
    if (gso && seg > 0 && (g->refused_seg == 0 || seg < g->refused_seg)) {
      while (i + k < n && k < BH_GSO_MAX_SEGS) {
        size_t len = iov[i + k].iov_len;
        if (len > seg || len == 0 || total + len > BH_GSO_MAX_BYTES || !bh_endpoint_equal(&dst[i], &dst[i + k])) break;
        if (tos && tos[i + k] != tos[i]) break;
        total += len;
        k++;
        if (len < seg) break; /* a shorter datagram ends the run */
      }
    }
    struct msghdr *h = &g->msg[runs].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = (void *)&dst[i].u;
    h->msg_namelen = dst[i].len;
    h->msg_iov = &iov[i];
    h->msg_iovlen = k;
    if (k > 1) {
      uint16_t gso_size = (uint16_t)seg;
      h->msg_control = g->ctl[runs].buf;
      h->msg_controllen = sizeof g->ctl[runs].buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof gso_size);
      memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
      h->msg_controllen = CMSG_SPACE(sizeof gso_size);
    }
    if (tos && tos[i]) {
      h->msg_control = g->ctl[runs].buf;
      add_tos(h, sizeof g->ctl[runs].buf, &dst[i], tos[i]);
    }
    g->first[runs] = (uint16_t)i;
    g->count[runs] = (uint16_t)k;
    runs++;
    i += k;
  }
  return runs;
}

static int buffer_full(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

/* sendmmsg m[0, n) in order; returns how many left. *err = errno of the message that could not be
 * sent (0: all sent). A full socket buffer is waited for once per flush (*waited). */
static unsigned send_all(int fd, struct mmsghdr *m, unsigned n, int *waited, int *err) {
  unsigned done = 0;
  *err = 0;
  while (done < n) {
    int r = sendmmsg(fd, m + done, n - done, MSG_DONTWAIT);
    if (r > 0) {
      done += (unsigned)r;
      continue;
    }
    int e = r < 0 ? errno : EIO;
    if (e == EINTR) continue;
    if (buffer_full(e) && !*waited) {
      struct pollfd pfd = {.fd = fd, .events = POLLOUT};
      (void)poll(&pfd, 1, BH_GSO_SEND_WAIT_MS);
      *waited = 1;
      continue;
    }
    *err = e;
    break;
  }
  return done;
}

/* The kernel refused run of segment size seg with error e: remember it (see udp_gso.h). */
static void refused(bh_gso_tx *g, _Atomic uint64_t *gso_on, int e, size_t seg, uint64_t now_ns) {
  if ((e == EMSGSIZE || e == EINVAL) && seg > BH_GSO_MIN_TRUST) {
    if (g->refused_seg == 0 || seg < g->refused_seg) g->refused_seg = (uint32_t)seg;
    g->refused_at_ns = now_ns;
  } else {
    atomic_store_explicit(gso_on, 0, memory_order_relaxed);
  }
}

/* One run, datagram by datagram. Returns -1 if the socket buffer stayed full (give up). */
static int send_plain(bh_gso_tx *g, int fd, struct iovec *iov, const bh_endpoint *dst, const uint8_t *tos,
                      unsigned first, unsigned count, uint8_t *sent, int *waited) {
  for (unsigned k = 0; k < count; k++) {
    struct msghdr *h = &g->plain[k].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = (void *)&dst[first + k].u;
    h->msg_namelen = dst[first + k].len;
    h->msg_iov = &iov[first + k];
    h->msg_iovlen = 1;
    if (tos && tos[first + k]) {
      h->msg_control = g->plain_ctl[k].buf;
      add_tos(h, sizeof g->plain_ctl[k].buf, &dst[first + k], tos[first + k]);
    }
  }
  unsigned done = 0;
  while (done < count) {
    int err;
    unsigned ok = send_all(fd, g->plain + done, count - done, waited, &err);
    for (unsigned k = done; k < done + ok; k++) sent[first + k] = 1;
    done += ok;
    if (done == count) break;
    if (buffer_full(err)) return -1;
    if (err == EMSGSIZE) g->msgsize[first + done] = 1; /* above the local MTU (DF, dp_frag.h) */
    done++; /* this datagram is unsendable (e.g. too big even for IP fragmentation): skip it */
  }
  return 0;
}

unsigned bh_gso_send(bh_gso_tx *g, int fd, _Atomic uint64_t *gso_on, struct iovec *iov, const bh_endpoint *dst,
                     const uint8_t *tos, unsigned n, uint8_t *sent, uint64_t now_ns) {
  memset(sent, 0, n);
  memset(g->msgsize, 0, n);
  if (g->refused_seg && now_ns - g->refused_at_ns >= BH_GSO_RETRY_NS) g->refused_seg = 0;
  int gso = atomic_load_explicit(gso_on, memory_order_relaxed) != 0;
  unsigned runs = group(g, gso, iov, dst, tos, n), gso_sends = 0;
  int waited = 0;
  for (unsigned r = 0; r < runs;) {
    int err;
    unsigned ok = send_all(fd, g->msg + r, runs - r, &waited, &err);
    for (unsigned j = r; j < r + ok; j++) {
      memset(sent + g->first[j], 1, g->count[j]);
      gso_sends += g->count[j] > 1;
    }
    r += ok;
    if (r == runs || buffer_full(err)) break; /* done, or still full after waiting: give up the rest */
    int gso_refused = g->count[r] > 1 && (err == EINVAL || err == EMSGSIZE || err == EIO || err == ENOPROTOOPT ||
                                          err == EOPNOTSUPP);
    if (gso_refused) {
      refused(g, gso_on, err, iov[g->first[r]].iov_len, now_ns);
      if (send_plain(g, fd, iov, dst, tos, g->first[r], g->count[r], sent, &waited) < 0) break;
    } else if (err == EMSGSIZE) {
      memset(g->msgsize + g->first[r], 1, g->count[r]);
    }
    r++; /* sent plainly, or unsendable (e.g. bad address): go on with the next run */
  }
  return gso_sends;
}
