/* Target: bh_arp_parse (every frame from the LAN and from the peer) and the proxy answer built
 * from a parsed request, which must parse back as the matching reply. Input: one Ethernet frame. */
#include "../bh_arp.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static const uint8_t host[6] = {0x02, 0, 0, 0, 0, 0x14};
  bh_arp_info a, r;
  uint8_t out[BH_ARP_FRAME_MAX + 16];
  if (bh_arp_parse(d, n, &a) != BH_ARP_OK) return 0;
  FUZZ_ASSERT(a.op == BH_ARP_OP_REQUEST || a.op == BH_ARP_OP_REPLY);
  FUZZ_ASSERT(!(a.sha[0] & 1));
  if (!bh_arp_wants_proxy_answer(&a)) return 0;
  size_t need = a.vlan.tpid ? 46u : 42u;
  FUZZ_ASSERT(bh_arp_build_reply(&a, host, out, need - 1) == 0); /* a buffer too small is refused */
  size_t len = bh_arp_build_reply(&a, host, out, sizeof out);
  FUZZ_ASSERT(len == need);
  FUZZ_ASSERT(bh_arp_parse(out, len, &r) == BH_ARP_OK);
  FUZZ_ASSERT(r.op == BH_ARP_OP_REPLY && memcmp(r.spa, a.tpa, 4) == 0 && memcmp(r.tpa, a.spa, 4) == 0);
  FUZZ_ASSERT(memcmp(r.tha, a.sha, 6) == 0 && memcmp(r.sha, host, 6) == 0 && r.vlan.tci == a.vlan.tci);
  return 0;
}
