/* Minimal test framework: TEST bodies use CHECK/CHECK_EQ; RUN prints one line per test;
 * test_main prints "N passed, M failed" and exits non-zero on any failure. */
#ifndef BH_TEST_H
#define BH_TEST_H

#include <stdio.h>

extern int bh_t_checks_failed; /* failures in the running test */

#define CHECK(c)                                                                \
  do {                                                                          \
    if (!(c)) {                                                                 \
      fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
      bh_t_checks_failed++;                                                     \
    }                                                                           \
  } while (0)

#define CHECK_EQ(a, b)                                                                              \
  do {                                                                                              \
    long long va_ = (long long)(a), vb_ = (long long)(b);                                           \
    if (va_ != vb_) {                                                                               \
      fprintf(stderr, "    %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, va_, \
              vb_);                                                                                 \
      bh_t_checks_failed++;                                                                         \
    }                                                                                               \
  } while (0)

#define TEST(name) static void name(void)
#define RUN(name) bh_t_run(#name, name)

void bh_t_run(const char *name, void (*fn)(void));

/* deterministic PRNG for tests (xorshift64*) */
static inline unsigned long long bh_t_rand(unsigned long long *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

void suite_eth(void);
void suite_frame(void);
void suite_mactable(void);
void suite_replay(void);
void suite_wire(void);
void suite_aead(void);
void suite_mac1(void);
void suite_keypair(void);
void suite_forward(void);
void suite_arp(void);
void suite_nd(void);
void suite_neigh(void);
void suite_storm(void);
void suite_l2filter(void);
void suite_failover(void);
void suite_loopguard(void);
void suite_fuzz_smoke(void);
void suite_codel(void);
void suite_fq(void);
void suite_frag(void);
void suite_mss(void);
void suite_qos(void);
void suite_tso(void);
void suite_gro(void);
void suite_steer(void);
void suite_pathsel(void);

#endif
