/* bh_mac1: the mac1 field of handshake initiations and responses, checked in the data plane
 * before a message reaches the control plane's event ring (issue 11: forged initiations never
 * reach JS; a counted drop). mac1 = keyed BLAKE2b, 16-byte output, over every byte before the
 * mac1 field, with key = BLAKE2b-256("mac1----" || our static public key) (computed by the control
 * plane: src/control/messages.ts mac1Key). OpenSSL 3 EVP_MAC "BLAKE2BMAC". One checker per
 * thread (not shareable); the key can change (rotate-key) through bh_mac1_set_key. */
#ifndef BH_MAC1_H
#define BH_MAC1_H

#include <stddef.h>
#include <stdint.h>

#define BH_MAC1_KEY 32
#define BH_MAC1_LEN 16

typedef struct bh_mac1 bh_mac1;
bh_mac1 *bh_mac1_new(void); /* no key yet: bh_mac1_check answers -1 until one is set; NULL on failure */
void bh_mac1_free(bh_mac1 *m);
void bh_mac1_set_key(bh_mac1 *m, const uint8_t key[BH_MAC1_KEY]);
/* Computes mac1 over msg[0 .. len - 32) into out (len >= 32). 0 ok, -1 no key or error. */
int bh_mac1_compute(bh_mac1 *m, const uint8_t *msg, size_t len, uint8_t out[BH_MAC1_LEN]);
/* For an initiation (164 bytes, type 1) or a response (92 bytes, type 2): 1 when its mac1 is right
 * for our key, 0 when not; -1 when there is no key (or OpenSSL failed: the caller lets the message
 * through to the control plane, which checks again). Other messages: 1 (nothing to check). */
int bh_mac1_check(bh_mac1 *m, const uint8_t *msg, size_t len);

#endif
