/* Per-frame cost of the partial-failover cores (not part of `make test`; a benchmark prints
 * figures, it asserts nothing). Build and run from the repository root:
 *   cc -std=c11 -O2 -Inative/core native/core/test/bench_failover.c native/core/bh_arp.c \
 *      native/core/bh_nd.c native/core/bh_neigh.c native/core/bh_storm.c native/core/bh_l2filter.c \
 *      native/core/bh_eth.c native/core/bh_frame.c native/core/bh_mactable.c native/core/bh_failover.c native/core/bh_macset.c \
 *      native/core/bh_prefixset.c native/core/bh_htab.c -o /tmp/bench_failover && /tmp/bench_failover
 * Each line: operation, ns per call (best of 3 runs of ~0.1 s), calls per second. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bh_arp.h"
#include "bh_failover.h"
#include "bh_l2filter.h"
#include "bh_nd.h"
#include "bh_neigh.h"
#include "bh_storm.h"

static volatile unsigned sink;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define BENCH(name, body)                                                       \
  do {                                                                          \
    double best = 1e9;                                                          \
    for (int run = 0; run < 3; run++) {                                         \
      long n = 0;                                                               \
      double t0_ = now_s(), t1_;                                                \
      do {                                                                      \
        for (int k_ = 0; k_ < 1024; k_++, n++) { body; }                        \
      } while ((t1_ = now_s()) - t0_ < 0.1);                                    \
      if ((t1_ - t0_) / (double)n < best) best = (t1_ - t0_) / (double)n;       \
    }                                                                           \
    printf("%-44s %8.1f ns %12.0f /s\n", name, best * 1e9, 1.0 / best);         \
  } while (0)

int main(void) {
  static const uint8_t host[6] = {0x02, 0, 0, 0, 0, 0x14};
  uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1,
                     0x02, 0, 0, 0, 0, 0x0a, 198, 18, 0, 10, 0, 0, 0, 0, 0, 0, 198, 18, 0, 20};
  uint8_t udp[60] = {0x02, 0, 0, 0, 0, 0x14, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00, 0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
                     198, 18, 0, 10, 198, 18, 0, 20, 0x30, 0x39, 0x00, 0x35, 0, 26};
  uint8_t ns[86], out[128];
  bh_vlan none = {0, 0};
  uint8_t target[16] = {0x20, 0x01, 0, 2, [15] = 0x14}, asker[16] = {0x20, 0x01, 0, 2, [15] = 0x0a};
  /* an NS built from the DAD probe builder, then given a source and an SLL option */
  size_t nl = bh_nd_build_dad_ns(arp + 6, target, none, ns, sizeof ns) + 8;
  memcpy(ns + 22, asker, 16);
  ns[19] = 32, ns[78] = 1, ns[79] = 1;
  memcpy(ns + 80, arp + 6, 6);
  ns[56] = ns[57] = 0;
  uint16_t ck = bh_icmp6_checksum(ns + 22, ns + 38, ns + 54, 32);
  ns[56] = (uint8_t)(ck >> 8), ns[57] = (uint8_t)ck;
  bh_arp_info ai;
  bh_nd_info ni;
  bh_ip_source src;
  bh_l2filter_config lf = {0xf};
  bh_l2f_reason why;

  bh_neigh *t = bh_neigh_new(4096, 300000000000ULL, 0, 42);
  uint8_t mac[6] = {0x02, 0x42, 0, 0, 0, 0};
  for (uint32_t i = 0; i < 4000; i++) {
    uint8_t a[4] = {198, 18, (uint8_t)(i >> 8), (uint8_t)i};
    mac[4] = (uint8_t)(i >> 8), mac[5] = (uint8_t)i;
    bh_neigh_entry e = {.ip = bh_ipaddr_v4(a), .origin = BH_NEIGH_ORIGIN_PEER, .site = (bh_port)(i % 2)};
    memcpy(e.mac, mac, 6);
    bh_neigh_apply(t, &e, 1, NULL, NULL);
  }
  bh_storm st;
  bh_storm_config sc;
  for (int d = 0; d < 2; d++)
    for (int k = 0; k < 3; k++) sc.rate[d][k] = (bh_storm_rate){1000000, 1000};
  bh_storm_init(&st, &sc, 0);
  uint64_t clock_ns = 0;

  if (bh_nd_parse(ns, nl, &ni) != BH_ND_OK || bh_arp_parse(arp, 42, &ai) != BH_ARP_OK ||
      !bh_ip_source_parse(udp, 60, &src) || !bh_neigh_proxy_lookup(t, &(bh_ipaddr){.family = 4, .addr = {198, 18, 0, 21}}, 2, NULL)) {
    fprintf(stderr, "bench setup: a frame does not parse\n");
    return 1;
  }
  printf("partial-failover cores, single thread (4000 entries in a 4096 neighbor table)\n");
  BENCH("l2filter: IPv4 UDP frame, all presets on", sink += bh_l2filter_check(&lf, udp, 60, &why));
  BENCH("l2filter: IPv6 NS frame, all presets on", sink += bh_l2filter_check(&lf, ns, nl, &why));
  BENCH("arp_parse: request", sink += (unsigned)bh_arp_parse(arp, 42, &ai));
  BENCH("arp_parse + proxy lookup + build_reply",
        (bh_arp_parse(arp, 42, &ai), sink += bh_neigh_proxy_lookup(t, &(bh_ipaddr){.family = 4, .addr = {198, 18, 0, 21}}, 2, NULL),
         sink += (unsigned)bh_arp_build_reply(&ai, host, out, sizeof out)));
  BENCH("nd_parse: NS (checksum verified)", sink += (unsigned)bh_nd_parse(ns, nl, &ni));
  BENCH("nd_parse + build_na_reply", (bh_nd_parse(ns, nl, &ni), sink += (unsigned)bh_nd_build_na_reply(&ni, host, 0, out, sizeof out)));
  BENCH("ip_source_parse (IPv4)", sink += (unsigned)bh_ip_source_parse(udp, 60, &src));
  {
    bh_ip_source_parse(udp, 60, &src);
    bh_neigh_seen seen = {.ip = bh_ipaddr_v4(src.addr), .mac = src.src_mac, .origin = BH_NEIGH_ORIGIN_TRAFFIC};
    BENCH("neigh_learn_local: refresh", sink += (unsigned)bh_neigh_learn_local(t, &seen, 3, NULL, NULL));
  }
  {
    uint32_t i = 0;
    BENCH("neigh_proxy_lookup: hit or local, 4000 keys",
          (i = (i + 1) % 4000, sink += bh_neigh_proxy_lookup(t, &(bh_ipaddr){.family = 4, .addr = {198, 18, (uint8_t)(i >> 8), (uint8_t)i}}, 4, NULL)));
    BENCH("neigh_proxy_lookup: miss",
          (i++, sink += bh_neigh_proxy_lookup(t, &(bh_ipaddr){.family = 4, .addr = {10, 1, (uint8_t)(i >> 8), (uint8_t)i}}, 4, NULL)));
  }
  BENCH("storm_classify + admit (broadcast, 1M pps)",
        (clock_ns += 1000, sink += (unsigned)bh_storm_admit(&st, BH_STORM_TO_TUNNEL, bh_storm_classify(arp, 0), clock_ns)));
  {
    /* the data plane's per-frame hook (native/io/dp_failover.c calls bh_fo_from_tap per TAP frame) */
    bh_fo fo;
    bh_fo_result r;
    bh_fo_init(&fo, t, host);
    BENCH("fo_from_tap: IPv4 UDP, no learn prefixes", (bh_fo_from_tap(&fo, udp, 60, 4, out, sizeof out, &r), sink += r.verdict));
    bh_ipaddr net = {.family = 4, .addr = {198, 18, 0, 0}};
    bh_prefixset_add(&fo.cfg.learn, &net, 15);
    BENCH("fo_from_tap: IPv4 UDP, learned (prefix hit)", (bh_fo_from_tap(&fo, udp, 60, 4, out, sizeof out, &r), sink += r.verdict));
    BENCH("fo_from_tap: ARP request (learn + proxy lookup)", (bh_fo_from_tap(&fo, arp, 42, 4, out, sizeof out, &r), sink += r.verdict));
    BENCH("fo_from_tap: NS (checksum, learn, lookup)", (bh_fo_from_tap(&fo, ns, nl, 4, out, sizeof out, &r), sink += r.verdict));
    bh_macset_add(&fo.quarantine, mac);
    BENCH("fo_from_peer: IPv4 UDP, 1 quarantined MAC", sink += (unsigned)bh_fo_from_peer(&fo, udp, 60));
  }
  bh_neigh_free(t);
  return 0;
}
