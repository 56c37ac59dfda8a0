/* Target: TSO super-frames read from the TAP (bh_tso_prepare / bh_tso_emit), then GRO over the
 * segments just produced. Input: a 10-byte virtio_net_hdr, then the frame (seeds.c writes real
 * TCPv4/TCPv6 super-frames). Invariants: every segment fits its slot; the segments of a GSO
 * frame carry exactly its payload, in order (each segment's payload is the next piece of the
 * super-frame's); GRO's merged length is the head's headers plus every appended payload. */
#include "../bh_gro.h"
#include "../bh_tso.h"
#include "fuzz_common.h"

#define SLOT 1600
#define SLOTS 8

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static uint8_t frame[BH_TSO_MAX_INPUT], slots[SLOTS][SLOT];
  if (n < BH_VNET_HDR_LEN || n - BH_VNET_HDR_LEN > BH_TSO_MAX_INPUT) return 0;
  bh_vnet_hdr h;
  bh_vnet_hdr_read(d, &h);
  size_t len = n - BH_VNET_HDR_LEN;
  memcpy(frame, d + BH_VNET_HDR_LEN, len);
  size_t seg_max = (h.flags & 0x40) ? 300 + (size_t)(h.hdr_len & 0x3ff) : 0; /* a path-MTU cut */
  h.flags &= 0x3f;
  bh_tso_plan plan;
  if (bh_tso_prepare(&h, frame, len, SLOT, seg_max, &plan) != BH_TSO_OK) return 0;
  FUZZ_ASSERT(plan.segments >= 1);
  int gso = h.gso_type != BH_VNET_GSO_NONE;
  if (gso) FUZZ_ASSERT(plan.hdrs <= len && plan.mss > 0 && plan.l3 < plan.l4 && plan.l4 < plan.hdrs);
  size_t payload_seen = 0;
  uint16_t lens[SLOTS];
  for (unsigned first = 0; first < plan.segments;) {
    unsigned k = bh_tso_emit(&h, frame, len, &plan, first, SLOTS, &slots[0][0], SLOT, lens);
    FUZZ_ASSERT(k >= 1 && k <= SLOTS && first + k <= plan.segments);
    for (unsigned i = 0; i < k; i++) {
      FUZZ_ASSERT(lens[i] <= SLOT);
      if (!gso) { /* one frame, copied; NEEDS_CSUM completed as bh_tso_csum_complete does in place */
        static uint8_t want[BH_TSO_MAX_INPUT];
        memcpy(want, frame, len);
        bh_tso_csum_complete(&h, want, len);
        FUZZ_ASSERT(lens[i] == len && memcmp(slots[i], want, len) == 0);
        continue;
      }
      FUZZ_ASSERT(lens[i] >= plan.hdrs && lens[i] - plan.hdrs <= plan.mss);
      size_t p = lens[i] - plan.hdrs;
      FUZZ_ASSERT(payload_seen + p <= len - plan.hdrs);
      FUZZ_ASSERT(memcmp(slots[i] + plan.hdrs, frame + plan.hdrs + payload_seen, p) == 0);
      payload_seen += p;
    }
    bh_gro_run run; /* and back: GRO over this batch of segments */
    if (gso && bh_gro_begin(&run, slots[0], lens[0], d[0] & 1)) {
      size_t merged = lens[0];
      for (unsigned i = 1; i < k; i++) {
        size_t off = 0;
        if (!bh_gro_append(&run, slots[i], lens[i], &off)) break;
        FUZZ_ASSERT(off <= lens[i]);
        merged += lens[i] - off;
      }
      bh_vnet_hdr vh;
      FUZZ_ASSERT(bh_gro_end(&run, &vh) == merged && merged <= BH_GRO_MAX_IP + plan.l3);
    }
    first += k;
  }
  if (gso) FUZZ_ASSERT(payload_seen == len - plan.hdrs);
  return 0;
}
