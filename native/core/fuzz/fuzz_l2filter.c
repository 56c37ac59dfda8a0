/* Target: the L2 filter (bh_l2filter_check: link-local block, DHCP/VRRP/HSRP/RA isolation) on
 * every frame from the TAP and the peer. Input: 1 byte isolation bits, then the frame.
 * Invariants: a known reason; PASS exactly when the reason is OK; isolating more never lets
 * through a frame that less isolation drops. */
#include "../bh_l2filter.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  fz_in in = {d, n};
  bh_l2filter_config cfg = {fz_u8(&in) & 0xf}, all = {0xf};
  bh_l2f_reason why, why_all;
  bh_l2f_verdict v = bh_l2filter_check(&cfg, in.p, in.n, &why);
  FUZZ_ASSERT((unsigned)why < BH_L2F_REASONS);
  FUZZ_ASSERT((v == BH_L2F_PASS) == (why == BH_L2F_OK));
  bh_l2f_verdict va = bh_l2filter_check(&all, in.p, in.n, &why_all);
  if (v == BH_L2F_DROP) FUZZ_ASSERT(va == BH_L2F_DROP);
  return 0;
}
