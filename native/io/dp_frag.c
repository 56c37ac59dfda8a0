/* dp_frag: per-peer path MTU budget and RX reassembly glue (dp_frag.h).
 *
 *   receive(pt) -> peer's bh_reasm (lazily created; ENOMEM -> frag_no_memory)
 *     -> bh_reasm_add -> COMPLETE: reassembled++, frame out / PENDING / drop by result
 *     -> evictions and timeouts noticed during the add are counted as frag_evicted/frag_timeout */
#include "dp_frag.h"

#include <netinet/in.h>

size_t bh_dp_udp_budget(const bh_peer *p) {
  uint32_t mtu = atomic_load_explicit(&p->path_mtu, memory_order_relaxed);
  if (!mtu) return 65507; /* not set: no tunnel fragmentation (the largest UDP payload) */
  size_t ip = 20;
  if (p->ep.u.sa.sa_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&p->ep.u.in6.sin6_addr)) ip = 40;
  return mtu - ip - 8;
}

static void count_result(bh_dp *dp, bh_reasm_result r) {
  switch (r) {
    case BH_REASM_BAD: BH_DROP(&dp->ctr_rx, FRAG_BAD); break;
    case BH_REASM_OVERSIZE: BH_DROP(&dp->ctr_rx, FRAG_OVERSIZE); break;
    case BH_REASM_DUPLICATE: BH_DROP(&dp->ctr_rx, FRAG_DUPLICATE); break;
    case BH_REASM_OVERLAP: BH_DROP(&dp->ctr_rx, FRAG_OVERLAP); break;
    default: break;
  }
}

static void count_losses(bh_dp *dp, const bh_reasm_counters *c, uint64_t timeouts0, uint64_t evicted0) {
  if (c->timeouts != timeouts0) bh_ctr_add(&dp->ctr_rx.drop[BH_DROP_FRAG_TIMEOUT], c->timeouts - timeouts0);
  if (c->evicted != evicted0) bh_ctr_add(&dp->ctr_rx.drop[BH_DROP_FRAG_EVICTED], c->evicted - evicted0);
}

size_t bh_dp_frag_receive(bh_dp *dp, bh_peer *p, const uint8_t *pt, size_t len, uint64_t now, uint8_t *out,
                          size_t cap) {
  BH_COUNT(&dp->ctr_rx, RX_FRAGMENTS, 1);
  if (!p->reasm) {
    bh_reasm_config cfg = {.max_frames = BH_REASM_FRAMES, .max_bytes = BH_REASM_BYTES,
                           .max_frame_size = dp->max_frame, .timeout_ns = BH_REASM_TIMEOUT_NS};
    p->reasm = bh_reasm_new(&cfg);
    if (!p->reasm) {
      BH_DROP(&dp->ctr_rx, FRAG_NO_MEMORY);
      return 0;
    }
  }
  const bh_reasm_counters *c = bh_reasm_stats(p->reasm);
  uint64_t t0 = c->timeouts, e0 = c->evicted;
  size_t got = 0;
  bh_reasm_result r = bh_reasm_add(p->reasm, pt, len, now, out, cap, &got);
  count_losses(dp, c, t0, e0);
  if (r == BH_REASM_COMPLETE) {
    BH_COUNT(&dp->ctr_rx, REASSEMBLED, 1);
    return got;
  }
  count_result(dp, r);
  return 0;
}

void bh_dp_frag_expire(bh_dp *dp, uint64_t now) {
  pthread_rwlock_rdlock(&dp->peers_lock);
  for (uint32_t i = 0; i < dp->peers.count; i++) {
    bh_peer *p = dp->peers.list[i];
    if (!p->reasm || !bh_reasm_in_progress(p->reasm)) continue;
    const bh_reasm_counters *c = bh_reasm_stats(p->reasm);
    uint64_t t0 = c->timeouts, e0 = c->evicted;
    bh_reasm_expire(p->reasm, now);
    count_losses(dp, c, t0, e0);
  }
  pthread_rwlock_unlock(&dp->peers_lock);
}
