/* bh_aead: RFC 8439 section 2.8.2 vector, in-place operation, tamper detection. */
#include <string.h>

#include "../bh_aead.h"
#include "test.h"

static const char PT[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would "
    "be it.";
static const uint8_t AAD[12] = {0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
static const uint8_t NONCE[12] = {0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47};
static const uint8_t CT[114 + 16] = {
    0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2, 0xa4, 0xad, 0xed,
    0x51, 0x29, 0x6e, 0x08, 0xfe, 0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6, 0x3d, 0xbe, 0xa4, 0x5e, 0x8c, 0xa9,
    0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b, 0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05,
    0xd6, 0xa5, 0xb6, 0x7e, 0xcd, 0x3b, 0x36, 0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c, 0x98, 0x03, 0xae, 0xe3,
    0x28, 0x09, 0x1b, 0x58, 0xfa, 0xb3, 0x24, 0xe4, 0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7,
    0xbc, 0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65, 0x86, 0xce, 0xc6, 0x4b, 0x61, 0x16,
    /* tag */
    0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a, 0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91};

static void key_init(uint8_t k[32]) {
  for (int i = 0; i < 32; i++) k[i] = (uint8_t)(0x80 + i);
}

TEST(aead_rfc8439_vector) {
  uint8_t k[32], out[sizeof CT], back[114];
  key_init(k);
  bh_aead *a = bh_aead_new();
  CHECK(a != NULL);
  if (!a) return;
  CHECK_EQ(sizeof PT - 1, 114);
  CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, out), 0);
  CHECK(memcmp(out, CT, sizeof CT) == 0);
  CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, back), 0);
  CHECK(memcmp(back, PT, 114) == 0);
  bh_aead_free(a);
}

TEST(aead_in_place) {
  uint8_t k[32], buf[sizeof CT];
  key_init(k);
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  memcpy(buf, PT, 114);
  CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, buf, 114, buf), 0);
  CHECK(memcmp(buf, CT, sizeof CT) == 0);
  CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, buf, sizeof buf, buf), 0);
  CHECK(memcmp(buf, PT, 114) == 0);
  /* empty plaintext and no AAD: tag only; alternating seal/open on one context */
  uint8_t tag[16], none[1];
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(bh_aead_seal(a, k, NONCE, NULL, 0, NULL, 0, tag), 0);
    CHECK_EQ(bh_aead_open(a, k, NONCE, NULL, 0, tag, 16, none), 0);
  }
  CHECK_EQ(bh_aead_open(a, k, NONCE, NULL, 0, tag, 15, none), -1);
  bh_aead_free(a);
  bh_aead_free(NULL);
}

TEST(aead_tamper) {
  uint8_t k[32], buf[sizeof CT], out[114], aad[12];
  key_init(k);
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  for (size_t i = 0; i < sizeof CT; i++) { /* every byte of ciphertext and tag */
    memcpy(buf, CT, sizeof CT);
    buf[i] ^= 0x01;
    CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, buf, sizeof buf, out), -1);
  }
  for (size_t i = 0; i < sizeof aad; i++) {
    memcpy(aad, AAD, sizeof aad);
    aad[i] ^= 0x80;
    CHECK_EQ(bh_aead_open(a, k, NONCE, aad, sizeof aad, CT, sizeof CT, out), -1);
  }
  uint8_t n2[12];
  memcpy(n2, NONCE, 12);
  n2[11] ^= 1;
  CHECK_EQ(bh_aead_open(a, k, n2, AAD, sizeof AAD, CT, sizeof CT, out), -1);
  k[0] ^= 1;
  CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, out), -1);
  k[0] ^= 1; /* the context still works after failures */
  CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, out), 0);
  bh_aead_free(a);
}

void suite_aead(void) {
  RUN(aead_rfc8439_vector);
  RUN(aead_in_place);
  RUN(aead_tamper);
}
