/* bh_keypair: one session key pair (WireGuard's noise_keypair) and the per-packet seal/open:
 * header build/parse, nonce from counter, AEAD, then replay window (only after the tag verifies).
 * seal may run on several threads (atomic send_counter); open must be serialised per keypair. */
#ifndef BH_KEYPAIR_H
#define BH_KEYPAIR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bh_aead.h"
#include "bh_replay.h"
#include "bh_wire.h"

#define BH_REJECT_AFTER_TIME_NS (180ULL * 1000000000ULL)
#define BH_REKEY_AFTER_MESSAGES (1ULL << 60)

typedef struct {
  uint32_t local_index, remote_index;
  uint8_t send_key[32], recv_key[32];
  uint64_t created_ns;
  _Atomic uint64_t send_counter; /* next counter to use */
  bh_replay replay;              /* receive side; caller serialises bh_keypair_open per keypair */
  uint8_t initiator;
} bh_keypair;

enum {
  BH_KP_OK = 0,
  BH_KP_ERR_EXPIRED = -1,
  BH_KP_ERR_AUTH = -2,
  BH_KP_ERR_REPLAY = -3,
  BH_KP_ERR_SHORT = -4,
  BH_KP_ERR_CRYPTO = -5
};

void bh_keypair_init(bh_keypair *kp, uint32_t local_index, uint32_t remote_index, const uint8_t send_key[32],
                     const uint8_t recv_key[32], int initiator, uint64_t now_ns);
/* 0 if older than 180 s or send counter exhausted, else 1 (now < created counts as age 0). */
int bh_keypair_usable(const bh_keypair *kp, uint64_t now_ns);
/* Builds header + ciphertext + tag into out (capacity >= BH_DATA_HDR + len + BH_TAG); returns the
 * total length or a negative BH_KP_ERR_*. payload may live at out + BH_DATA_HDR (in place). */
long bh_keypair_seal(bh_keypair *kp, bh_aead *a, uint8_t subtype, const uint8_t *payload, size_t len, uint8_t *out,
                     uint64_t now_ns);
/* pkt is a classified data packet whose receiver index matched kp; decrypts into out (capacity
 * >= len - 32; may be pkt + BH_DATA_HDR); checks the tag first, then the replay window; returns
 * the plaintext length or a negative BH_KP_ERR_*; *subtype_out set on success. */
long bh_keypair_open(bh_keypair *kp, bh_aead *a, const uint8_t *pkt, size_t len, uint8_t *out, uint8_t *subtype_out,
                     uint64_t now_ns);
/* OPENSSL_cleanse the keys, zero everything; the wiped keypair is left unusable
 * (usable() == 0, seal/open return BH_KP_ERR_EXPIRED). */
void bh_keypair_wipe(bh_keypair *kp);

#endif
