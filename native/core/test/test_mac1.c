/* bh_mac1: known answers computed independently (Python hashlib.blake2b; the control plane's
 * libsodium mac1Key/computeMac1 give the same bytes) for an initiation and a response; one flipped
 * bit anywhere before or in mac1 fails; mac2 is not covered; no key -> -1; other messages pass;
 * re-keying (rotate-key) takes effect. */
#include <string.h>

#include "../bh_mac1.h"
#include "../bh_wire.h"
#include "test.h"

/* BLAKE2b-256("mac1----" || 00 01 .. 1f) */
static const uint8_t KEY[32] = {0xb9, 0x41, 0xbf, 0x1b, 0x95, 0xdb, 0x7c, 0xb7, 0x83, 0x42, 0x36,
                                0x38, 0xff, 0x76, 0x02, 0x65, 0x30, 0x47, 0x56, 0xba, 0xbd, 0xb2,
                                0x51, 0x08, 0x36, 0x58, 0x4f, 0xbf, 0xbe, 0x25, 0x72, 0x74};
static const uint8_t MAC_INIT[16] = {0xd4, 0x1f, 0x59, 0x47, 0xf4, 0x6c, 0x4c, 0xd3,
                                     0x2d, 0xd6, 0xca, 0xfb, 0x73, 0x23, 0xb9, 0x40};
static const uint8_t MAC_RESP[16] = {0x76, 0xe8, 0xda, 0xd4, 0x27, 0x9f, 0x24, 0x81,
                                     0x2b, 0xcb, 0x81, 0x13, 0x36, 0x42, 0x19, 0x12};

static void message(uint8_t *m, size_t len, uint8_t type, unsigned mul, unsigned add) {
  for (size_t i = 0; i < len; i++) m[i] = (uint8_t)(i * mul + add);
  m[0] = type, m[1] = m[2] = m[3] = 0;
}

TEST(mac1_known_answers) {
  bh_mac1 *m = bh_mac1_new();
  CHECK(m != NULL);
  if (!m) return;
  uint8_t init[BH_INITIATION_SIZE], resp[BH_RESPONSE_SIZE], out[16];
  message(init, sizeof init, BH_MSG_INITIATION, 7, 3);
  message(resp, sizeof resp, BH_MSG_RESPONSE, 5, 1);
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), -1); /* no key yet */
  bh_mac1_set_key(m, KEY);
  CHECK_EQ(bh_mac1_compute(m, init, sizeof init, out), 0);
  CHECK(memcmp(out, MAC_INIT, 16) == 0);
  CHECK_EQ(bh_mac1_compute(m, resp, sizeof resp, out), 0);
  CHECK(memcmp(out, MAC_RESP, 16) == 0);
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), 0); /* the pattern bytes are not the mac */
  memcpy(init + sizeof init - 32, MAC_INIT, 16);
  memcpy(resp + sizeof resp - 32, MAC_RESP, 16);
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), 1);
  CHECK_EQ(bh_mac1_check(m, resp, sizeof resp), 1);
  init[sizeof init - 1] ^= 0xff; /* mac2 is not covered */
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), 1);
  bh_mac1_free(m);
}

TEST(mac1_every_bit_counts) {
  bh_mac1 *m = bh_mac1_new();
  if (!m) return;
  bh_mac1_set_key(m, KEY);
  uint8_t init[BH_INITIATION_SIZE];
  message(init, sizeof init, BH_MSG_INITIATION, 7, 3);
  memcpy(init + sizeof init - 32, MAC_INIT, 16);
  int broken = 0;
  for (size_t bit = 8 * 4; bit < 8 * (sizeof init - 16); bit++) { /* after the type word, up to mac2 */
    init[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    broken += bh_mac1_check(m, init, sizeof init) == 0;
    init[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  CHECK_EQ(broken, 8 * (sizeof init - 16 - 4));
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), 1);
  uint8_t other[32];
  memcpy(other, KEY, 32);
  other[0] ^= 1; /* a new static key (rotate-key): the old mac1 no longer passes */
  bh_mac1_set_key(m, other);
  CHECK_EQ(bh_mac1_check(m, init, sizeof init), 0);
  bh_mac1_free(m);
}

TEST(mac1_other_messages_pass) {
  bh_mac1 *m = bh_mac1_new();
  if (!m) return;
  bh_mac1_set_key(m, KEY);
  uint8_t b[BH_INITIATION_SIZE];
  message(b, sizeof b, BH_MSG_COOKIE_REPLY, 3, 3);
  CHECK_EQ(bh_mac1_check(m, b, BH_COOKIE_REPLY_SIZE), 1);
  message(b, sizeof b, BH_MSG_INITIATION, 3, 3);
  CHECK_EQ(bh_mac1_check(m, b, BH_RESPONSE_SIZE), 1); /* wrong size for its type: bh_wire's business */
  bh_mac1_free(m);
}

void suite_mac1(void) {
  RUN(mac1_known_answers);
  RUN(mac1_every_bit_counts);
  RUN(mac1_other_messages_pass);
}
