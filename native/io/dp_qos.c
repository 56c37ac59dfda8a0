/* dp_qos: QoS bands + shaper of the queued transmit path (see dp_qos.h for the flow). */
#include "dp_qos.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_tx.h"

void bh_dp_qos_default_settings(bh_dp_qos_settings *s) {
  memset(s, 0, sizeof *s);
  s->priority_share_pct = BH_QOS_DEFAULT_SHARE;
  s->dscp[BH_QOS_NETWORK_CONTROL] = 48; /* CS6 */
  s->dscp[BH_QOS_REALTIME] = 46;        /* EF */
  s->dscp[BH_QOS_INTERACTIVE] = 34;     /* AF41 */
  s->dscp[BH_QOS_BEST_EFFORT] = 0;
  s->dscp[BH_QOS_BULK] = 8; /* CS1 */
}

bh_dp_qos *bh_dp_qos_new(uint32_t max_frame, uint64_t now_ns) {
  bh_dp_qos *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  bh_qos_sched_config cfg;
  bh_qos_sched_defaults(&cfg);
  q->sched = bh_qos_sched_new(&cfg, max_frame, BH_BATCH);
  if (!q->sched) {
    free(q);
    return NULL;
  }
  bh_dp_qos_settings s;
  bh_dp_qos_default_settings(&s);
  bh_dp_qos_apply(q, &s, now_ns);
  return q;
}

void bh_dp_qos_free(bh_dp_qos *q) {
  if (!q) return;
  bh_qos_sched_free(q->sched);
  free(q);
}

void bh_dp_qos_apply(bh_dp_qos *q, const bh_dp_qos_settings *s, uint64_t now_ns) {
  q->set = *s;
  for (int b = 0; b < BH_QOS_BANDS; b++) q->tos[b] = (uint8_t)(s->dscp[b] << 2);
  atomic_store_explicit(&q->control_tos, q->tos[BH_QOS_NETWORK_CONTROL], memory_order_relaxed);
  bh_qos_sched_set_share(q->sched, s->priority_share_pct);
  uint64_t delayed = q->shaper.delayed;
  bh_qos_shaper_init(&q->shaper, s->rate_bits_per_s, 0, now_ns);
  q->shaper.delayed = delayed;
}

void bh_dp_qos_enqueue_batch(bh_dp_qos *q, const uint8_t *frames, size_t stride, const uint16_t *len, unsigned n,
                             uint32_t max_frame) {
  for (unsigned i = 0; i < n; i++) {
    if (len[i] == 0) continue; /* empty read (EOF of the test socketpair): nothing to send */
    const uint8_t *f = frames + (size_t)i * stride;
    uint32_t l = len[i] > max_frame ? max_frame + 1 : len[i];
    bh_qos_sched_enqueue(q->sched, bh_qos_classify(&q->set.rules, f, l), f, l);
  }
}

unsigned bh_dp_qos_dequeue_batch(bh_dp_qos *q, struct bh_tx_state *s, unsigned max, uint64_t now_ns,
                                 uint64_t *wait_ns) {
  unsigned n = 0;
  bh_qos_item it;
  *wait_ns = 0;
  bh_qos_shaper_refill(&q->shaper, now_ns);
  while (n < max && bh_qos_sched_backlog(q->sched) > 0) {
    if (!bh_qos_shaper_may_send(&q->shaper)) {
      uint64_t half = (uint64_t)(q->shaper.burst / 2000000000LL);
      *wait_ns = bh_qos_shaper_wait_for_ns(&q->shaper, (uint32_t)(half < BH_QOS_WAKE_BYTES ? half : BH_QOS_WAKE_BYTES));
      break;
    }
    if (!bh_qos_sched_dequeue(q->sched, &it)) break;
    bh_dp_tx_put(s, n++, it.data, it.len, q->tos[it.band]);
    bh_qos_sched_release(q->sched, it.slot);
    bh_qos_shaper_charge(&q->shaper, it.len + BH_QOS_WIRE_OVERHEAD);
  }
  return n;
}

uint32_t bh_dp_qos_backlog(const bh_dp_qos *q) { return bh_qos_sched_backlog(q->sched); }

void bh_dp_qos_relay_classify(const bh_dp_qos *q, uint8_t *const *frame, const uint16_t *len, unsigned n, uint8_t *tos) {
  for (unsigned i = 0; i < n; i++) tos[i] = q->tos[bh_qos_classify(&q->set.rules, frame[i], len[i])];
}

void bh_dp_qos_relay_charge(bh_dp_qos *q, uint64_t wire_bytes) {
  while (wire_bytes) {
    uint32_t part = wire_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)wire_bytes;
    bh_qos_shaper_charge(&q->shaper, part);
    wire_bytes -= part;
  }
}

void bh_dp_qos_snapshot_get(const bh_dp_qos *q, bh_dp_qos_snapshot *out) {
  memset(out, 0, sizeof *out);
  out->set = q->set;
  bh_qos_sched_counters(q->sched, out->band);
  bh_qos_sched_config cfg;
  bh_qos_sched_defaults(&cfg);
  memcpy(out->limit, cfg.limit, sizeof cfg.limit);
  out->shaper_delayed = q->shaper.delayed;
}

ssize_t bh_dp_qos_sendto_control(const bh_dp_qos *q, int fd, const uint8_t *data, size_t len, const bh_endpoint *ep) {
  unsigned tos = q ? atomic_load_explicit(&q->control_tos, memory_order_relaxed) : 0;
  if (!tos) return sendto(fd, data, len, MSG_DONTWAIT, &ep->u.sa, ep->len);
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr h = {.msg_name = (void *)&ep->u.sa, .msg_namelen = ep->len, .msg_iov = &iov, .msg_iovlen = 1,
                     .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  int v4 = ep->u.sa.sa_family == AF_INET || IN6_IS_ADDR_V4MAPPED(&ep->u.in6.sin6_addr);
  int val = (int)tos;
  struct cmsghdr *c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
  c->cmsg_len = CMSG_LEN(sizeof val);
  memcpy(CMSG_DATA(c), &val, sizeof val);
  return sendmsg(fd, &h, MSG_DONTWAIT);
}
