/* Target: the L2 filter (bh_l2filter_check: link-local block, DHCP/VRRP/HSRP/RA isolation) on
 * every frame from the TAP and the peer. Input: 1 byte isolation bits, then the frame.
 * Invariants: a known reason; PASS exactly when the reason is OK; isolating more never lets
 * through a frame that less isolation drops; the frame view (bh_frame_parse, which the filter
 * reads) stays inside the frame and agrees with bh_eth_parse. */
#include "../bh_frame.h"
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
  bh_frame fv;
  bh_eth_info e;
  int rc = bh_frame_parse(in.p, in.n, &fv);
  FUZZ_ASSERT(rc == bh_eth_parse(in.p, in.n, &e) && fv.l2_ok == (rc == 0) && fv.len == in.n);
  FUZZ_ASSERT(bh_l2filter_check_view(&cfg, &fv, &why_all) == v && why_all == why);
  if (fv.ip_version) {
    size_t l3 = fv.eth.l3_offset, min = fv.ip_version == 4 ? 20 : 40;
    FUZZ_ASSERT(fv.ip_version == 4 || fv.ip_version == 6);
    FUZZ_ASSERT(fv.l3_len >= min && l3 + fv.l3_len <= in.n);
    if (fv.ip_flags & BH_FRAME_L4)
      FUZZ_ASSERT(fv.ip_flags == BH_FRAME_L4 && fv.l4_offset >= l3 + min && fv.l4_offset + fv.l4_len == l3 + fv.l3_len);
    else
      FUZZ_ASSERT(fv.l4_offset == 0 && (fv.ip_flags == BH_FRAME_LATER_FRAGMENT || fv.ip_flags == BH_FRAME_V6_UNPARSED));
  } else {
    FUZZ_ASSERT(fv.ip_flags == 0 && fv.l3_len == 0);
  }
  return 0;
}
