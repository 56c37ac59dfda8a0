/* Fuzz body for the partial-failover cores (bh_arp, bh_nd, bh_neigh, bh_storm, bh_l2filter), called
 * from fuzz_input.h's bh_fuzz_one. Every frame goes through every parser; answers built from a
 * parsed request must parse back as the matching answer (violations are counted, the smoke test
 * requires none). bh_fuzz_failover_shape turns random bytes into near-valid ARP / ND / IPv4 / IPv6
 * frames (valid ICMPv6 checksums included) so the deep paths are reached. */
#ifndef BH_FUZZ_FAILOVER_H
#define BH_FUZZ_FAILOVER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../bh_arp.h"
#include "../bh_l2filter.h"
#include "../bh_nd.h"
#include "../bh_neigh.h"
#include "../bh_storm.h"

typedef struct {
  bh_neigh *neigh;
  bh_storm storm;
  uint8_t out[128];
  unsigned violations;
} bh_fuzz_failover;

static inline int bh_fuzz_failover_init(bh_fuzz_failover *f) {
  bh_storm_config c;
  for (int d = 0; d < BH_STORM_DIRS; d++)
    for (int k = 0; k < 3; k++) c.rate[d][k] = (bh_storm_rate){1000, 10};
  f->violations = 0;
  f->neigh = bh_neigh_new(64, 5000, 20000, 3);
  return f->neigh && bh_storm_init(&f->storm, &c, 0) == 0 ? 0 : -1;
}

static inline void bh_fuzz_failover_free(bh_fuzz_failover *f) { bh_neigh_free(f->neigh); }

static inline unsigned bh_fuzz_failover_one(bh_fuzz_failover *f, const uint8_t *d, size_t n, uint64_t now) {
  static const uint8_t host[6] = {0x02, 0, 0, 0, 0, 0x14};
  unsigned acc = 0;
  bh_arp_info a, ar;
  bh_nd_info nd, na;
  bh_ip_source src;
  bh_l2filter_config lf = {0xf};
  bh_l2f_reason why;
  if (bh_arp_parse(d, n, &a) == BH_ARP_OK) {
    acc += a.op;
    bh_neigh_seen s = {.ip = bh_ipaddr_v4(a.spa), .mac = a.sha, .origin = BH_NEIGH_ORIGIN_ARP,
                       .announce = a.is_gratuitous};
    acc += (unsigned)bh_neigh_learn_local(f->neigh, &s, now, NULL, NULL);
    if (bh_arp_wants_proxy_answer(&a)) {
      size_t len = bh_arp_build_reply(&a, host, f->out, sizeof f->out);
      if (len != (a.vlan.tpid ? 46u : 42u) || bh_arp_parse(f->out, len, &ar) != BH_ARP_OK ||
          ar.op != BH_ARP_OP_REPLY || memcmp(ar.spa, a.tpa, 4) != 0 || memcmp(ar.tha, a.sha, 6) != 0)
        f->violations++;
    }
  }
  if (bh_nd_parse(d, n, &nd) == BH_ND_OK) {
    acc += nd.type;
    if (bh_nd_wants_proxy_answer(&nd)) {
      size_t len = bh_nd_build_na_reply(&nd, host, (int)(now & 1), f->out, sizeof f->out);
      if (len != (nd.vlan.tpid ? 90u : 86u) || bh_nd_parse(f->out, len, &na) != BH_ND_OK || na.type != BH_ND_NA ||
          !(na.flags & BH_ND_FLAG_SOLICITED) || memcmp(na.target, nd.target, 16) != 0)
        f->violations++;
    }
  }
  if (bh_ip_source_parse(d, n, &src) == 1) {
    bh_neigh_seen s = {.ip = src.family == 4 ? bh_ipaddr_v4(src.addr) : bh_ipaddr_v6(src.addr),
                       .mac = src.src_mac, .origin = BH_NEIGH_ORIGIN_TRAFFIC};
    acc += (unsigned)bh_neigh_learn_local(f->neigh, &s, now, NULL, NULL);
  }
  acc += (unsigned)bh_l2filter_check(&lf, d, n, &why) + (unsigned)why;
  if ((unsigned)why >= BH_L2F_REASONS) f->violations++;
  if (n >= 6) {
    bh_storm_class c = bh_storm_classify(d, (int)(n & 1));
    acc += (unsigned)bh_storm_admit(&f->storm, (bh_storm_dir)(n & 1), c, now);
  }
  bh_neigh_expire(f->neigh, now, 8);
  if (bh_neigh_size(f->neigh) > bh_neigh_capacity(f->neigh)) f->violations++;
  return acc;
}

/* Shapes buf[0..n) in place, driven by the random word r. */
static inline void bh_fuzz_failover_shape(uint8_t *buf, size_t n, unsigned long long r) {
  size_t l3 = (r & 1) ? 18 : 14;
  if (n < l3 + 48) return;
  buf[6] &= 0xfe; /* unicast source */
  if (l3 == 18) buf[12] = 0x81, buf[13] = 0x00;
  uint8_t *p = buf + l3;
  switch ((r >> 1) % 4) {
    case 0: /* ARP */
      buf[l3 - 2] = 0x08, buf[l3 - 1] = 0x06;
      p[0] = 0, p[1] = 1, p[2] = 8, p[3] = 0, p[4] = 6, p[5] = 4, p[6] = 0, p[7] = (uint8_t)(1 + ((r >> 4) & 1));
      p[8] &= 0xfe;
      if (r & 0x40) memcpy(p + 24, p + 14, 4); /* gratuitous */
      if (r & 0x80) memset(p + 14, 0, 4);      /* probe */
      break;
    case 1: { /* ND with a valid checksum */
      size_t plen = 24 + 8 * ((r >> 4) % 3);
      if (n < l3 + 40 + plen) return;
      buf[l3 - 2] = 0x86, buf[l3 - 1] = 0xdd;
      p[0] = 0x60, p[4] = 0, p[5] = (uint8_t)plen, p[6] = 58, p[7] = 255;
      p[40] = (r & 0x100) ? BH_ND_NA : BH_ND_NS, p[41] = 0, p[42] = p[43] = 0;
      p[8] &= 0xfe;  /* source not multicast */
      p[48] &= 0xfe; /* target not multicast */
      if (plen > 24) p[64] = (uint8_t)(1 + ((r >> 9) & 1)), p[65] = 1;
      if (r & 0x400) { /* DAD: from ::, to the target's solicited-node group, no source LL option */
        static const uint8_t sn[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
        memset(p + 8, 0, 16);
        memcpy(p + 24, sn, 13), memcpy(p + 37, p + 61, 3);
        if (plen > 24) p[64] = 14;
      }
      uint16_t ck = bh_icmp6_checksum(p + 8, p + 24, p + 40, plen);
      p[42] = (uint8_t)(ck >> 8), p[43] = (uint8_t)ck;
      break;
    }
    case 2: /* IPv4 UDP with interesting ports */
      buf[l3 - 2] = 0x08, buf[l3 - 1] = 0x00;
      p[0] = 0x45, p[2] = 0, p[3] = 28, p[6] &= 0xe0, p[9] = (r & 0x10) ? 112 : 17;
      p[20] = 0, p[21] = (r & 0x20) ? 67 : 0xc1, p[22] = (r & 0x20) ? 0 : 0x07, p[23] = (r & 0x20) ? 68 : 0xc1;
      break;
    default: { /* IPv6 with a random extension-header chain */
      static const uint8_t nhs[] = {0, 43, 44, 51, 60, 58, 17, 112};
      buf[l3 - 2] = 0x86, buf[l3 - 1] = 0xdd;
      p[0] = 0x60, p[4] = 0, p[5] = (uint8_t)(n - l3 - 40 > 255 ? 255 : n - l3 - 40);
      p[6] = nhs[(r >> 4) % 8];
      for (size_t off = 40; off + 8 <= n - l3 && off < 40 + 64; off += 8) p[off] = nhs[(r >> (off / 8)) % 8], p[off + 1] = 0;
      break;
    }
  }
}

#endif
