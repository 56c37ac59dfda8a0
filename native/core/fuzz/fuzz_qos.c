/* Target: the QoS classifier (bh_qos_classify: 802.1Q PCP, DSCP, IPv6 extension headers, port
 * rules) on every frame from the TAP. Input: 1 byte rule count (mod 9), 6 bytes per rule
 * (proto, band, port_from, port_to), then the frame. Invariant: the band is one of the five,
 * and a frame classifies the same way twice (no hidden state). */
#include "../bh_qos_classify.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  fz_in in = {d, n};
  bh_qos_rules rules = {0};
  rules.n = fz_u8(&in) % 9;
  for (uint32_t i = 0; i < rules.n; i++) {
    rules.rule[i].proto = fz_u8(&in);
    rules.rule[i].band = (uint8_t)(fz_u8(&in) % BH_QOS_BANDS);
    rules.rule[i].port_from = fz_u16(&in);
    rules.rule[i].port_to = fz_u16(&in);
  }
  bh_qos_band b = bh_qos_classify(&rules, in.p, (uint32_t)in.n);
  FUZZ_ASSERT((unsigned)b < BH_QOS_BANDS);
  FUZZ_ASSERT(bh_qos_classify(&rules, in.p, (uint32_t)in.n) == b);
  FUZZ_ASSERT((unsigned)bh_qos_classify(NULL, in.p, (uint32_t)in.n) < BH_QOS_BANDS);
  return 0;
}
