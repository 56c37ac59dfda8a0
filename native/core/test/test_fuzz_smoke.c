/* Fuzz-style smoke test without libFuzzer: 200k pseudo-random buffers (fixed seed), biased
 * towards interesting shapes (valid types, VLAN tags, data headers), under ASan/UBSan. */
#include "fuzz_input.h"
#include "test.h"

TEST(fuzz_smoke_200k) {
  static bh_fuzz_state s;
  static uint8_t buf[1600];
  unsigned long long r = 0x9e3779b97f4a7c15ULL;
  unsigned acc = 0;
  CHECK_EQ(bh_fuzz_state_init(&s), 0);
  if (!s.t || !s.a) return;
  for (int i = 0; i < 200000; i++) {
    size_t n = (size_t)(bh_t_rand(&r) % (i % 10 == 0 ? sizeof buf : 200));
    for (size_t k = 0; k < n; k += 8) {
      unsigned long long v = bh_t_rand(&r);
      memcpy(buf + k, &v, n - k < 8 ? n - k : 8);
    }
    switch (i % 6) { /* shape some inputs */
      case 1: if (n > 4) buf[0] = (uint8_t)(1 + bh_t_rand(&r) % 4), buf[2] = buf[3] = 0; break;
      case 2: if (n > 16) buf[12] = 0x81, buf[13] = 0, buf[16] = 0x88, buf[17] = 0xa8; break;
      case 3: if (n > 6) buf[6] &= 0xfc; break; /* unicast source MAC */
      case 4: if (n > 16) bh_wire_data_hdr_write(buf, (uint8_t)(i & 3), 1, bh_t_rand(&r) % 20000); break;
      case 5: bh_fuzz_failover_shape(buf, n, bh_t_rand(&r)); break; /* ARP, ND, IPv4, IPv6 chains */
      default: break;
    }
    acc += bh_fuzz_one(&s, buf, n, (uint64_t)i * 1000);
  }
  CHECK(bh_mactable_size(s.t) <= bh_mactable_capacity(s.t));
  CHECK_EQ(s.fo.violations, 0);
  (void)acc;
  bh_fuzz_state_free(&s);
}

void suite_fuzz_smoke(void) { RUN(fuzz_smoke_200k); }
