/* Target: GRO (bh_gro_begin / append / end) over a batch of frames as they arrive from the peer.
 * Input: byte 0 bit 0 = UDP runs allowed, then length-prefixed frames (seeds.c writes in-order
 * TCP segments and equal-size UDP datagrams of one flow). Invariants: an appended payload lies
 * inside its frame; the merged length is the head plus every appended payload and stays within
 * one IP packet; the rewritten head announces a matching GSO header. */
#include "../bh_gro.h"
#include "fuzz_common.h"

#define MAX_FRAMES 64

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static uint8_t head[65536];
  fz_in in = {d, n};
  int udp = fz_u8(&in) & 1;
  const uint8_t *f;
  size_t len = fz_record(&in, &f);
  const uint8_t *first = f;
  memcpy(head, f, len);
  bh_gro_run run;
  if (!bh_gro_begin(&run, head, len, udp)) return 0;
  size_t merged = len;
  unsigned count = 1;
  while (in.n && count < MAX_FRAMES) {
    size_t l = fz_record(&in, &f), off = 0;
    if (!bh_gro_append(&run, f, l, &off)) continue; /* the driver writes it alone */
    FUZZ_ASSERT(off <= l);
    merged += l - off;
    count++;
  }
  bh_vnet_hdr vh;
  size_t out = bh_gro_end(&run, &vh);
  FUZZ_ASSERT(out == merged);
  if (count > 1) {
    FUZZ_ASSERT(vh.gso_type != BH_VNET_GSO_NONE && vh.gso_size > 0 && vh.hdr_len <= len);
    FUZZ_ASSERT(out - vh.hdr_len <= BH_GRO_MAX_IP);
  } else {
    FUZZ_ASSERT(vh.gso_type == BH_VNET_GSO_NONE && memcmp(head, first, len) == 0); /* left untouched */
  }
  return 0;
}
