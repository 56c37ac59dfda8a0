/* bh_aead: ChaCha20-Poly1305 (RFC 8439) via OpenSSL 3.0 EVP. Output equals libsodium's
 * crypto_aead_chacha20poly1305_ietf_*. One context per thread (not shareable); the seal/open
 * hot path does not allocate. */
#ifndef BH_AEAD_H
#define BH_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define BH_AEAD_KEY 32
#define BH_AEAD_NONCE 12
#define BH_AEAD_TAG 16

typedef struct bh_aead bh_aead;
bh_aead *bh_aead_new(void); /* NULL on failure */
void bh_aead_free(bh_aead *a);

/* out has room for pt_len + 16; out may equal pt (in place). 0 ok, -1 error. */
int bh_aead_seal(bh_aead *a, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t pt_len, uint8_t *out);
/* ct_len includes the tag (>= 16); out has room for ct_len - 16; out may equal ct.
 * 0 ok, -1 auth failure (out contents then unspecified: do not use). */
int bh_aead_open(bh_aead *a, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *ct, size_t ct_len, uint8_t *out);

#endif
