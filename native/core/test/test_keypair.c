/* bh_keypair: seal/open roundtrip, replay, tamper anywhere, counters, expiry, wipe. */
#include <string.h>

#include "../bh_keypair.h"
#include "test.h"

#define SEC 1000000000ULL

static bh_aead *A;
static bh_keypair tx, rx;

static void pair(uint64_t now) {
  uint8_t k1[32], k2[32];
  for (int i = 0; i < 32; i++) k1[i] = (uint8_t)i, k2[i] = (uint8_t)(0xa0 ^ i);
  bh_keypair_init(&tx, 7, 9, k1, k2, 1, now);
  bh_keypair_init(&rx, 9, 7, k2, k1, 0, now);
}

TEST(keypair_roundtrip) {
  uint8_t pkt[256], out[256], st = 0xff;
  const uint8_t msg[] = "hello, bridgehead";
  pair(100);
  CHECK(bh_keypair_usable(&tx, 100));
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, msg, sizeof msg, pkt, 200);
  CHECK_EQ(n, BH_DATA_HDR + sizeof msg + BH_TAG);
  CHECK_EQ(bh_wire_classify(pkt, (size_t)n), BH_WIRE_DATA);
  CHECK_EQ(bh_wire_data_receiver(pkt), rx.local_index); /* receiver = peer's local index */
  long m = bh_keypair_open(&rx, A, pkt, (size_t)n, out, &st, 300);
  CHECK_EQ(m, sizeof msg);
  CHECK_EQ(st, BH_SUB_FRAME);
  CHECK(memcmp(out, msg, sizeof msg) == 0);
  /* keepalive: empty payload, exactly BH_DATA_MIN bytes */
  n = bh_keypair_seal(&tx, A, BH_SUB_KEEPALIVE, NULL, 0, pkt, 200);
  CHECK_EQ(n, BH_DATA_MIN);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, &st, 300), 0);
  CHECK_EQ(st, BH_SUB_KEEPALIVE);
}

TEST(keypair_in_place) {
  uint8_t pkt[BH_DATA_HDR + 1500 + BH_TAG];
  pair(0);
  for (int i = 0; i < 1500; i++) pkt[BH_DATA_HDR + i] = (uint8_t)(i * 7);
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, pkt + BH_DATA_HDR, 1500, pkt, 1);
  CHECK_EQ(n, sizeof pkt);
  uint8_t st;
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, sizeof pkt, pkt + BH_DATA_HDR, &st, 1), 1500);
  int same = 1;
  for (int i = 0; i < 1500; i++) same &= pkt[BH_DATA_HDR + i] == (uint8_t)(i * 7);
  CHECK(same);
}

TEST(keypair_counter_and_replay) {
  uint8_t pkt[3][64], out[64];
  long n[3];
  pair(0);
  for (int i = 0; i < 3; i++) {
    n[i] = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"abcd", 4, pkt[i], 0);
    bh_data_hdr h;
    bh_wire_data_hdr_read(pkt[i], &h);
    CHECK_EQ(h.counter, i);
    CHECK_EQ(h.subtype, BH_SUB_FRAME);
  }
  CHECK_EQ(atomic_load(&tx.send_counter), 3);
  /* out of order is fine, duplicates are not */
  CHECK_EQ(bh_keypair_open(&rx, A, pkt[2], (size_t)n[2], out, NULL, 0), 4);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt[0], (size_t)n[0], out, NULL, 0), 4);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt[0], (size_t)n[0], out, NULL, 0), BH_KP_ERR_REPLAY);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt[2], (size_t)n[2], out, NULL, 0), BH_KP_ERR_REPLAY);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt[1], (size_t)n[1], out, NULL, 0), 4);
}

TEST(keypair_tamper_anywhere) {
  uint8_t pkt[64], bad[64], out[64];
  pair(0);
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"0123456789", 10, pkt, 0);
  CHECK_EQ(n, 42);
  for (long i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit++) {
      memcpy(bad, pkt, (size_t)n);
      bad[i] ^= (uint8_t)(1 << bit);
      CHECK_EQ(bh_keypair_open(&rx, A, bad, (size_t)n, out, NULL, 0), BH_KP_ERR_AUTH);
    }
  }
  /* header is authenticated: subtype change alone fails */
  memcpy(bad, pkt, (size_t)n);
  bad[1] = BH_SUB_CONTROL;
  CHECK_EQ(bh_keypair_open(&rx, A, bad, (size_t)n, out, NULL, 0), BH_KP_ERR_AUTH);
  /* failures did not touch the replay window: the original still opens once */
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, 0), 10);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, 0), BH_KP_ERR_REPLAY);
  /* wrong direction key */
  n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"x", 1, pkt, 0);
  CHECK_EQ(bh_keypair_open(&tx, A, pkt, (size_t)n, out, NULL, 0), BH_KP_ERR_AUTH);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, 31, out, NULL, 0), BH_KP_ERR_SHORT);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n - 1, out, NULL, 0), BH_KP_ERR_AUTH);
}

TEST(keypair_expiry) {
  uint8_t pkt[64], out[64];
  uint64_t t0 = 1000 * SEC;
  pair(t0);
  CHECK(bh_keypair_usable(&tx, t0 - 5)); /* now slightly before created: age 0 */
  CHECK(bh_keypair_usable(&tx, t0 + 180 * SEC - 1));
  CHECK(!bh_keypair_usable(&tx, t0 + 180 * SEC));
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, pkt, t0 + 179 * SEC);
  CHECK(n > 0);
  CHECK_EQ(bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, out, t0 + 180 * SEC), BH_KP_ERR_EXPIRED);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, t0 + 181 * SEC), BH_KP_ERR_EXPIRED);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, t0 + 179 * SEC), 1);
}

TEST(keypair_counter_exhausted) {
  uint8_t pkt[64], out[64];
  pair(0);
  atomic_store(&tx.send_counter, BH_REJECT_AFTER_MESSAGES - 1);
  CHECK(bh_keypair_usable(&tx, 0));
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, pkt, 0);
  CHECK(n > 0);
  CHECK(!bh_keypair_usable(&tx, 0));
  CHECK_EQ(bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, out, 0), BH_KP_ERR_EXPIRED);
  CHECK_EQ(bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, out, 0), BH_KP_ERR_EXPIRED);
  CHECK(atomic_load(&tx.send_counter) == BH_REJECT_AFTER_MESSAGES);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, 0), 1); /* last valid counter accepted */
  /* a forged counter at the limit is rejected even when the tag is right */
  bh_keypair_init(&tx, 7, 9, tx.send_key, tx.recv_key, 1, 0);
  atomic_store(&tx.send_counter, BH_REJECT_AFTER_MESSAGES);
  CHECK_EQ(bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, out, 0), BH_KP_ERR_EXPIRED);
}

TEST(keypair_wipe) {
  uint8_t pkt[64], out[64];
  pair(0);
  long n = bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, pkt, 0);
  bh_keypair_wipe(&tx);
  bh_keypair_wipe(&rx);
  uint8_t zero[32] = {0};
  CHECK(memcmp(tx.send_key, zero, 32) == 0 && memcmp(tx.recv_key, zero, 32) == 0);
  CHECK(tx.local_index == 0 && tx.remote_index == 0);
  CHECK(!bh_keypair_usable(&tx, 0));
  CHECK_EQ(bh_keypair_seal(&tx, A, BH_SUB_FRAME, (const uint8_t *)"a", 1, out, 0), BH_KP_ERR_EXPIRED);
  CHECK_EQ(bh_keypair_open(&rx, A, pkt, (size_t)n, out, NULL, 0), BH_KP_ERR_EXPIRED);
}

TEST(keypair_aead_ctx) { CHECK(A != NULL); }

void suite_keypair(void) {
  A = bh_aead_new();
  RUN(keypair_aead_ctx);
  if (!A) return;
  RUN(keypair_roundtrip);
  RUN(keypair_in_place);
  RUN(keypair_counter_and_replay);
  RUN(keypair_tamper_anywhere);
  RUN(keypair_expiry);
  RUN(keypair_counter_exhausted);
  RUN(keypair_wipe);
  bh_aead_free(A);
}
