/* bh_keypair: per-packet transport seal/open for one session key pair.
 * seal: check age -> take counter atomically -> header -> AEAD(aad = header).
 * open: length -> age/limit -> AEAD open (tag first) -> replay window -> subtype. */
#include "bh_keypair.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

void bh_keypair_init(bh_keypair *kp, uint32_t local_index, uint32_t remote_index, const uint8_t send_key[32],
                     const uint8_t recv_key[32], int initiator, uint64_t now_ns) {
  memset(kp, 0, sizeof(*kp));
  kp->local_index = local_index;
  kp->remote_index = remote_index;
  memcpy(kp->send_key, send_key, 32);
  memcpy(kp->recv_key, recv_key, 32);
  kp->created_ns = now_ns;
  atomic_init(&kp->send_counter, 0);
  bh_replay_init(&kp->replay);
  kp->initiator = initiator ? 1 : 0;
}

static int too_old(const bh_keypair *kp, uint64_t now_ns) {
  return now_ns > kp->created_ns && now_ns - kp->created_ns >= BH_REJECT_AFTER_TIME_NS;
}

int bh_keypair_usable(const bh_keypair *kp, uint64_t now_ns) {
  if (too_old(kp, now_ns)) return 0;
  return atomic_load_explicit(&((bh_keypair *)kp)->send_counter, memory_order_relaxed) < BH_REJECT_AFTER_MESSAGES;
}

long bh_keypair_seal(bh_keypair *kp, bh_aead *a, uint8_t subtype, const uint8_t *payload, size_t len, uint8_t *out,
                     uint64_t now_ns) {
  uint8_t nonce[12];
  if (too_old(kp, now_ns)) return BH_KP_ERR_EXPIRED;
  if (len > (size_t)0x7fffffff - BH_DATA_MIN) return BH_KP_ERR_CRYPTO;
  uint64_t c = atomic_fetch_add_explicit(&kp->send_counter, 1, memory_order_relaxed);
  if (c >= BH_REJECT_AFTER_MESSAGES) {
    atomic_store_explicit(&kp->send_counter, BH_REJECT_AFTER_MESSAGES, memory_order_relaxed);
    return BH_KP_ERR_EXPIRED;
  }
  bh_wire_data_hdr_write(out, subtype, kp->remote_index, c);
  bh_wire_nonce(nonce, c);
  if (bh_aead_seal(a, kp->send_key, nonce, out, BH_DATA_HDR, payload, len, out + BH_DATA_HDR) != 0)
    return BH_KP_ERR_CRYPTO;
  return (long)(BH_DATA_HDR + len + BH_TAG);
}

long bh_keypair_open(bh_keypair *kp, bh_aead *a, const uint8_t *pkt, size_t len, uint8_t *out, uint8_t *subtype_out,
                     uint64_t now_ns) {
  uint8_t nonce[12], hdr[BH_DATA_HDR];
  bh_data_hdr h;
  if (len < BH_DATA_MIN) return BH_KP_ERR_SHORT;
  if (len > (size_t)0x7fffffff) return BH_KP_ERR_CRYPTO;
  if (too_old(kp, now_ns) || kp->replay.greatest > BH_REJECT_AFTER_MESSAGES) return BH_KP_ERR_EXPIRED;
  memcpy(hdr, pkt, BH_DATA_HDR); /* keep the header: out may overlap pkt */
  bh_wire_data_hdr_read(hdr, &h);
  bh_wire_nonce(nonce, h.counter);
  if (bh_aead_open(a, kp->recv_key, nonce, hdr, BH_DATA_HDR, pkt + BH_DATA_HDR, len - BH_DATA_HDR, out) != 0)
    return BH_KP_ERR_AUTH;
  if (!bh_replay_check(&kp->replay, h.counter)) return BH_KP_ERR_REPLAY;
  if (subtype_out) *subtype_out = h.subtype;
  return (long)(len - BH_DATA_MIN);
}

void bh_keypair_wipe(bh_keypair *kp) {
  OPENSSL_cleanse(kp->send_key, sizeof(kp->send_key));
  OPENSSL_cleanse(kp->recv_key, sizeof(kp->recv_key));
  kp->local_index = kp->remote_index = 0;
  kp->created_ns = 0;
  kp->initiator = 0;
  memset(&kp->replay, 0, sizeof(kp->replay));
  /* leave it unusable rather than a valid all-zero key */
  atomic_store_explicit(&kp->send_counter, BH_REJECT_AFTER_MESSAGES, memory_order_relaxed);
  kp->replay.greatest = UINT64_MAX;
}
