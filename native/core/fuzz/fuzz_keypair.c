/* Target: the receive path of a datagram from the Internet: bh_wire_classify, the data header,
 * bh_keypair_open (AEAD tag, then replay window) with a fresh keypair per input; and the round
 * trip: the input sealed as a payload opens back to exactly the input, once (a replay is refused).
 * Input: one UDP datagram. Seeds: genuine sealed packets for FUZZ_KEY (see seeds.c). */
#include "../bh_keypair.h"
#include "../bh_wire.h"
#include "fuzz_common.h"

#define FUZZ_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  static bh_aead *a;
  static uint8_t out[FUZZ_MAX + BH_DATA_MIN], back[FUZZ_MAX + BH_DATA_MIN];
  uint8_t key[32], st = 0;
  bh_keypair rx, tx;
  if (!a && !(a = bh_aead_new())) abort();
  if (n > FUZZ_MAX) n = FUZZ_MAX;
  memset(key, 0x5a, sizeof key);

  bh_wire_class c = bh_wire_classify(d, n);
  FUZZ_ASSERT(c <= BH_WIRE_BAD_SIZE);
  if (c == BH_WIRE_DATA) {
    FUZZ_ASSERT(n >= BH_DATA_MIN);
    bh_data_hdr h;
    bh_wire_data_hdr_read(d, &h);
    bh_keypair_init(&rx, 2, 1, key, key, 0, 0);
    long r = bh_keypair_open(&rx, a, d, n, out, &st, 1000);
    FUZZ_ASSERT(r < 0 || (size_t)r == n - BH_DATA_MIN);
    if (r >= 0) FUZZ_ASSERT(bh_keypair_open(&rx, a, d, n, out, &st, 1001) == BH_KP_ERR_REPLAY);
    bh_keypair_wipe(&rx);
  }

  /* round trip: seal the input, open it on the other side */
  uint8_t subtype = n ? (uint8_t)(d[0] & 3) : 0;
  bh_keypair_init(&tx, 1, 2, key, key, 1, 0);
  bh_keypair_init(&rx, 2, 1, key, key, 0, 0);
  atomic_store(&tx.send_counter, n > 8 ? (uint64_t)d[n - 1] << 8 | d[n - 2] : 0);
  long s = bh_keypair_seal(&tx, a, subtype, d, n, out, 5);
  FUZZ_ASSERT(s == (long)(n + BH_DATA_MIN));
  FUZZ_ASSERT(bh_wire_classify(out, (size_t)s) == BH_WIRE_DATA);
  long o = bh_keypair_open(&rx, a, out, (size_t)s, back, &st, 6);
  FUZZ_ASSERT(o == (long)n && st == subtype && memcmp(back, d, n) == 0);
  FUZZ_ASSERT(bh_keypair_open(&rx, a, out, (size_t)s, back, &st, 7) == BH_KP_ERR_REPLAY);
  if (n) { /* one flipped bit anywhere fails the tag (or the header checks) */
    out[d[0] % s] ^= (uint8_t)(1u << (n % 8));
    bh_keypair_init(&rx, 2, 1, key, key, 0, 0);
    FUZZ_ASSERT(bh_keypair_open(&rx, a, out, (size_t)s, back, &st, 8) < 0);
  }
  bh_keypair_wipe(&tx);
  bh_keypair_wipe(&rx);
  return 0;
}
