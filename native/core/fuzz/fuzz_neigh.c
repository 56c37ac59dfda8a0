/* Target: neighbor table updates (bh_neigh) driven by what the LAN and the peer claim: a stream
 * of operations (learn_local as ARP/ND/traffic/announcement, apply from the control plane with
 * any site/seq/flags, lookup, proxy lookup, touch, set_flags, remove, expire, forget_site) over a
 * small address space so entries collide, move and conflict. Invariants: size <= capacity, the
 * table holds exactly size entries, a learned MAC is what a lookup returns right after, results
 * are known values. */
#include "../bh_neigh.h"
#include "fuzz_common.h"

#define CAP 16

static void count(void *ctx, const bh_neigh_entry *e) {
  (void)e;
  ++*(uint32_t *)ctx;
}

static bh_ipaddr pick_ip(fz_in *in) {
  uint8_t b = fz_u8(in), a[16] = {0};
  if (b & 0x80) { /* IPv6: fe80::x, 2001:db8::x, ff02::x, :: */
    static const uint8_t pre[4][2] = {{0xfe, 0x80}, {0x20, 0x01}, {0xff, 0x02}, {0, 0}};
    memcpy(a, pre[(b >> 5) & 3], 2);
    a[15] = b & 0x1f;
    return bh_ipaddr_v6(a);
  }
  static const uint8_t pre4[4] = {198, 0, 224, 127};
  a[0] = pre4[(b >> 5) & 3], a[1] = 18, a[3] = b & 0x1f;
  return bh_ipaddr_v4(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  fz_in in = {d, n};
  bh_neigh *t = bh_neigh_new(CAP, 1000000, fz_u8(&in) & 1 ? 3000000 : 0, 7);
  if (!t) abort();
  uint64_t now = 1;
  while (in.n) {
    uint8_t op = fz_u8(&in);
    now += (uint64_t)(op >> 4) * 50000;
    bh_ipaddr ip = pick_ip(&in);
    uint8_t mac[6] = {fz_u8(&in) & 0x03, 0, 0, 0, 0, fz_u8(&in) & 7}; /* sometimes group/zero */
    bh_neigh_entry before, after, got;
    switch (op & 0xf) {
      case 0: case 1: case 2: case 3: {
        /* announce/router from the clock bits, not from the origin's: every origin with either */
        bh_neigh_seen s = {.ip = ip, .mac = mac, .origin = (uint8_t)(1 + (op & 3) % 3), .announce = (op >> 4) & 1,
                           .router = (op >> 5) & 1};
        bh_neigh_result r = bh_neigh_learn_local(t, &s, now, &before, &after);
        FUZZ_ASSERT(r <= BH_NEIGH_IGNORED);
        if (r == BH_NEIGH_NEW || r == BH_NEIGH_MOVED || r == BH_NEIGH_MAC_CHANGED) {
          FUZZ_ASSERT(memcmp(after.mac, mac, 6) == 0 && after.site == BH_PORT_LOCAL);
          FUZZ_ASSERT(bh_neigh_lookup(t, &ip, now, &got) == 1 && memcmp(got.mac, mac, 6) == 0);
        }
        break;
      }
      case 4: case 5: case 6: {
        bh_neigh_entry e = {.ip = ip, .origin = (uint8_t)(1 + fz_u8(&in) % 5), .flags = fz_u8(&in) & 3,
                            .site = fz_u8(&in) & 3, .seq = fz_u8(&in) & 7};
        memcpy(e.mac, mac, 6);
        bh_neigh_result r = bh_neigh_apply(t, &e, now, &before, &after);
        FUZZ_ASSERT(r <= BH_NEIGH_IGNORED);
        if (r == BH_NEIGH_NEW || r == BH_NEIGH_UPDATED || r == BH_NEIGH_MOVED || r == BH_NEIGH_MAC_CHANGED)
          FUZZ_ASSERT(after.seq == e.seq && after.site == e.site && memcmp(after.mac, mac, 6) == 0);
        break;
      }
      case 7: (void)bh_neigh_lookup(t, &ip, now, &got); break;
      case 8:
        if (bh_neigh_proxy_lookup(t, &ip, now, &got))
          FUZZ_ASSERT(got.site != BH_PORT_LOCAL && !(got.flags & BH_NEIGH_F_QUARANTINE));
        break;
      case 9: (void)bh_neigh_touch(t, &ip, now); break;
      case 10: (void)bh_neigh_set_flags(t, &ip, op & 3, (op >> 2) & 3); break;
      case 11: (void)bh_neigh_remove(t, &ip); break;
      case 12: (void)bh_neigh_expire(t, now, op & 7); break;
      case 13: bh_neigh_forget_site(t, (bh_port)(op & 3)); break;
      default: now += 2000000; break;
    }
    uint32_t seen = 0;
    bh_neigh_foreach(t, count, &seen);
    FUZZ_ASSERT(bh_neigh_size(t) <= bh_neigh_capacity(t) && seen == bh_neigh_size(t));
  }
  bh_neigh_free(t);
  return 0;
}
