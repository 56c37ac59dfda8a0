/* bh_aead: ChaCha20-Poly1305 over one reusable EVP_CIPHER_CTX. The cipher is bound once in
 * bh_aead_new; each call only re-keys (cipher NULL), so the hot path does not fetch/allocate. */
#include "bh_aead.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct bh_aead {
  EVP_CIPHER_CTX *ctx;
};

bh_aead *bh_aead_new(void) {
  bh_aead *a = calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->ctx = EVP_CIPHER_CTX_new();
  if (!a->ctx || EVP_EncryptInit_ex(a->ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, BH_AEAD_NONCE, NULL) != 1) {
    bh_aead_free(a);
    return NULL;
  }
  return a;
}

void bh_aead_free(bh_aead *a) {
  if (!a) return;
  EVP_CIPHER_CTX_free(a->ctx);
  free(a);
}

int bh_aead_seal(bh_aead *a, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t pt_len, uint8_t *out) {
  int n = 0;
  if (!a || pt_len > INT_MAX - BH_AEAD_TAG || aad_len > INT_MAX) return -1;
  if (EVP_EncryptInit_ex(a->ctx, NULL, NULL, key, nonce) != 1) return -1;
  if (aad_len && EVP_EncryptUpdate(a->ctx, NULL, &n, aad, (int)aad_len) != 1) return -1;
  if (pt_len && EVP_EncryptUpdate(a->ctx, out, &n, pt, (int)pt_len) != 1) return -1;
  if (EVP_EncryptFinal_ex(a->ctx, out + pt_len, &n) != 1) return -1;
  if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, BH_AEAD_TAG, out + pt_len) != 1) return -1;
  return 0;
}

int bh_aead_open(bh_aead *a, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *ct, size_t ct_len, uint8_t *out) {
  uint8_t tag[BH_AEAD_TAG];
  int n = 0;
  if (!a || ct_len < BH_AEAD_TAG || ct_len > INT_MAX || aad_len > INT_MAX) return -1;
  size_t len = ct_len - BH_AEAD_TAG;
  memcpy(tag, ct + len, BH_AEAD_TAG); /* copy first: out may overlap the ciphertext */
  if (EVP_DecryptInit_ex(a->ctx, NULL, NULL, key, nonce) != 1) return -1;
  if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, BH_AEAD_TAG, tag) != 1) return -1;
  if (aad_len && EVP_DecryptUpdate(a->ctx, NULL, &n, aad, (int)aad_len) != 1) return -1;
  if (len && EVP_DecryptUpdate(a->ctx, out, &n, ct, (int)len) != 1) return -1;
  if (EVP_DecryptFinal_ex(a->ctx, out + len, &n) != 1) return -1;
  return 0;
}
