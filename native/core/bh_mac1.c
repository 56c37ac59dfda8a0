/* bh_mac1: keyed BLAKE2b-128 through one EVP_MAC_CTX, re-keyed per message (EVP_MAC_init with the
 * key: one BLAKE2b key block, no allocation). */
#include "bh_mac1.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "bh_wire.h"

struct bh_mac1 {
  EVP_MAC *mac;
  EVP_MAC_CTX *ctx;
  int keyed;
  uint8_t key[BH_MAC1_KEY];
};

bh_mac1 *bh_mac1_new(void) {
  bh_mac1 *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->mac = EVP_MAC_fetch(NULL, "BLAKE2BMAC", NULL);
  m->ctx = m->mac ? EVP_MAC_CTX_new(m->mac) : NULL;
  if (!m->ctx) {
    bh_mac1_free(m);
    return NULL;
  }
  return m;
}

void bh_mac1_free(bh_mac1 *m) {
  if (!m) return;
  EVP_MAC_CTX_free(m->ctx);
  EVP_MAC_free(m->mac);
  OPENSSL_cleanse(m->key, sizeof m->key);
  free(m);
}

void bh_mac1_set_key(bh_mac1 *m, const uint8_t key[BH_MAC1_KEY]) {
  memcpy(m->key, key, BH_MAC1_KEY);
  m->keyed = 1;
}

int bh_mac1_compute(bh_mac1 *m, const uint8_t *msg, size_t len, uint8_t out[BH_MAC1_LEN]) {
  if (!m->keyed || len < 2 * BH_MAC1_LEN) return -1;
  size_t size = BH_MAC1_LEN, got = 0;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(m->ctx, m->key, BH_MAC1_KEY, params) != 1 ||
      EVP_MAC_update(m->ctx, msg, len - 2 * BH_MAC1_LEN) != 1 || EVP_MAC_final(m->ctx, out, &got, BH_MAC1_LEN) != 1 ||
      got != BH_MAC1_LEN)
    return -1;
  return 0;
}

int bh_mac1_check(bh_mac1 *m, const uint8_t *msg, size_t len) {
  if (!((len == BH_INITIATION_SIZE && msg[0] == BH_MSG_INITIATION) || (len == BH_RESPONSE_SIZE && msg[0] == BH_MSG_RESPONSE)))
    return 1;
  uint8_t want[BH_MAC1_LEN];
  if (bh_mac1_compute(m, msg, len, want) < 0) return -1;
  return CRYPTO_memcmp(want, msg + len - 2 * BH_MAC1_LEN, BH_MAC1_LEN) == 0;
}
