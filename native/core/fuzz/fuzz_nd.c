/* Target: bh_nd_parse (IPv6 NS/NA with options and checksum), the proxy NA built from a parsed NS
 * (must parse back as a solicited NA for the same target, checksum valid), and bh_ip_source_parse
 * (learning from ordinary IPv4/IPv6 frames). Input: one Ethernet frame. */
#include "../bh_nd.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static const uint8_t host[6] = {0x02, 0, 0, 0, 0, 0x14};
  bh_nd_info nd, na;
  bh_ip_source src;
  uint8_t out[BH_ND_FRAME_MAX + 16];
  if (bh_ip_source_parse(d, n, &src) == 1) {
    FUZZ_ASSERT(src.family == 4 || src.family == 6);
    FUZZ_ASSERT(src.addr >= d && src.addr + (src.family == 4 ? 4 : 16) <= d + n);
    FUZZ_ASSERT(src.src_mac >= d && src.src_mac + 6 <= d + n && !(src.src_mac[0] & 1));
  }
  if (bh_nd_parse(d, n, &nd) != BH_ND_OK) return 0;
  FUZZ_ASSERT(nd.type == BH_ND_NS || nd.type == BH_ND_NA);
  if (!bh_nd_wants_proxy_answer(&nd)) return 0;
  FUZZ_ASSERT(!nd.is_dad);
  size_t need = nd.vlan.tpid ? 90u : 86u;
  FUZZ_ASSERT(bh_nd_build_na_reply(&nd, host, 1, out, need - 1) == 0); /* a buffer too small is refused */
  size_t len = bh_nd_build_na_reply(&nd, host, (int)(n & 1), out, sizeof out);
  FUZZ_ASSERT(len == need);
  FUZZ_ASSERT(bh_nd_parse(out, len, &na) == BH_ND_OK);
  FUZZ_ASSERT(na.type == BH_ND_NA && (na.flags & BH_ND_FLAG_SOLICITED) && memcmp(na.target, nd.target, 16) == 0);
  FUZZ_ASSERT(na.has_tll && memcmp(na.tll, host, 6) == 0 && memcmp(na.dst, nd.src, 16) == 0);
  return 0;
}
