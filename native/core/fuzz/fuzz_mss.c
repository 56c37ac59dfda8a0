/* Target: MSS clamping (bh_mss_clamp) of frames from the TAP, rewritten in place. Input: 2-byte
 * max_frame, then the frame. Invariants: a frame left alone is byte-identical; a clamped one
 * differs only in the MSS value and the TCP checksum (at most 4 bytes). */
#include "../bh_mss.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static uint8_t f[70000];
  fz_in in = {d, n};
  size_t max_frame = fz_u16(&in);
  if (in.n > sizeof f) return 0;
  memcpy(f, in.p, in.n);
  bh_mss_result r = bh_mss_clamp(f, in.n, max_frame);
  FUZZ_ASSERT(r <= BH_MSS_MALFORMED);
  unsigned diff = 0;
  for (size_t i = 0; i < in.n; i++) diff += f[i] != in.p[i];
  if (r != BH_MSS_CLAMPED) FUZZ_ASSERT(diff == 0);
  else FUZZ_ASSERT(diff <= 4);
  return 0;
}
