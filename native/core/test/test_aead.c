/* bh_aead: RFC 8439 section 2.8.2 vector, in-place operation, tamper detection, every Wycheproof
 * case (test/vectors/wycheproof-chacha20-poly1305.json; BH_VECTORS overrides the directory), and the
 * per-context key cache: keys alternating call by call, a key changed in the caller's buffer,
 * failed opens followed by seal/open. */
#include <stdlib.h>
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

/* ---- Wycheproof: a minimal scanner for the fixed layout of the vector file ---- */

#ifndef BH_VECTORS_DIR
#define BH_VECTORS_DIR "../../../test/vectors"
#endif
#define WP_MAX 600 /* largest msg/aad/ct in the file: 513 bytes */

typedef struct {
  int tc_id, valid;
  size_t key_len, iv_len, aad_len, msg_len, ct_len, tag_len;
  uint8_t key[32], iv[12], aad[WP_MAX], msg[WP_MAX], ct[WP_MAX + 16], tag[16];
} wp_case;

static wp_case *WP;  /* the cases with a 12-byte nonce, in file order */
static int WP_N, WP_TOTAL;

static int wp_nibble(char h) {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  return -1;
}

/* the hex string value of "name" after p (and before end) into buf; its length in *len; 0 ok */
static int wp_hex(const char *p, const char *end, const char *name, uint8_t *buf, size_t cap, size_t *len) {
  char pat[16];
  snprintf(pat, sizeof pat, "\"%s\"", name);
  const char *f = strstr(p, pat);
  if (!f || f >= end) return -1;
  f = strchr(f + strlen(pat), '"');
  if (!f) return -1;
  size_t n = 0;
  for (f++; *f != '"'; f += 2) {
    int hi = wp_nibble(f[0]), lo = hi < 0 ? -1 : wp_nibble(f[1]);
    if (lo < 0 || n >= cap) return -1;
    buf[n++] = (uint8_t)(hi << 4 | lo);
  }
  *len = n;
  return 0;
}

static int wp_parse(const char *text, size_t len) {
  for (const char *p = strstr(text, "\"tcId\""); p;) {
    const char *next = strstr(p + 6, "\"tcId\"");
    const char *end = next ? next : text + len;
    wp_case *c = &WP[WP_N];
    uint8_t iv[64];
    size_t iv_len;
    WP_TOTAL++;
    if (wp_hex(p, end, "iv", iv, sizeof iv, &iv_len) != 0) return -1;
    if (iv_len == 12) { /* other nonce sizes cannot be passed to this API (the TypeScript test checks them) */
      const char *r = strstr(p, "\"result\"");
      if (WP_N >= 400 || !r || r >= end) return -1;
      c->tc_id = atoi(p + 7);
      memcpy(c->iv, iv, 12);
      c->iv_len = 12;
      if (wp_hex(p, end, "key", c->key, 32, &c->key_len) != 0 || c->key_len != 32 ||
          wp_hex(p, end, "aad", c->aad, WP_MAX, &c->aad_len) != 0 ||
          wp_hex(p, end, "msg", c->msg, WP_MAX, &c->msg_len) != 0 ||
          wp_hex(p, end, "ct", c->ct, WP_MAX, &c->ct_len) != 0 || wp_hex(p, end, "tag", c->tag, 16, &c->tag_len) != 0)
        return -1;
      const char *v = strchr(r + 8, '"');
      c->valid = v && strncmp(v, "\"valid\"", 7) == 0;
      memcpy(c->ct + c->ct_len, c->tag, c->tag_len); /* ct || tag, as bh_aead_open takes it */
      WP_N++;
    }
    p = next;
  }
  return 0;
}

static int wp_load(void) {
  if (WP) return 0;
  const char *dir = getenv("BH_VECTORS");
  char path[1024];
  snprintf(path, sizeof path, "%s/wycheproof-chacha20-poly1305.json", dir && *dir ? dir : BH_VECTORS_DIR);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "    cannot open %s (set BH_VECTORS to the test/vectors directory)\n", path);
    return -1;
  }
  static char text[1 << 20];
  size_t len = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[len] = 0;
  WP = calloc(400, sizeof(*WP));
  WP_N = WP_TOTAL = 0;
  if (!WP || wp_parse(text, len) != 0) {
    fprintf(stderr, "    %s: unexpected layout near case %d\n", path, WP_TOTAL);
    free(WP);
    WP = NULL;
    return -1;
  }
  return 0;
}

/* every case on one context in file order: the key changes between some calls and stays the same
 * between others (189 consecutive pairs share a key), seal and open interleave */
TEST(aead_wycheproof) {
  CHECK_EQ(wp_load(), 0);
  if (!WP) return;
  CHECK_EQ(WP_TOTAL, 325);
  CHECK(WP_N >= 300);
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  uint8_t out[WP_MAX + 16], buf[WP_MAX + 16];
  int valid = 0, invalid = 0;
  for (int i = 0; i < WP_N; i++) {
    const wp_case *c = &WP[i];
    size_t n = c->ct_len + c->tag_len;
    int r = bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, c->ct, n, out);
    if (!c->valid || c->tag_len != 16) {
      if (r != -1) fprintf(stderr, "    tcId %d opened\n", c->tc_id);
      CHECK_EQ(r, -1);
      invalid++;
      continue;
    }
    valid++;
    CHECK_EQ(r, 0);
    CHECK(r == 0 && memcmp(out, c->msg, c->msg_len) == 0);
    CHECK_EQ(bh_aead_seal(a, c->key, c->iv, c->aad, c->aad_len, c->msg, c->msg_len, out), 0);
    if (memcmp(out, c->ct, n) != 0) fprintf(stderr, "    tcId %d seal differs\n", c->tc_id);
    CHECK(memcmp(out, c->ct, n) == 0);
    memcpy(buf, c->ct, n); /* in place */
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, buf, n, buf), 0);
    CHECK(memcmp(buf, c->msg, c->msg_len) == 0);
  }
  CHECK(valid > 0 && invalid > 0);
  bh_aead_free(a);
}

/* pairs of valid cases with different keys, on one context: the key changes on every call */
TEST(aead_two_keys_alternating) {
  if (wp_load() != 0) { CHECK(0); return; }
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  uint8_t out[WP_MAX + 16];
  int pairs = 0;
  for (int i = 0; i < WP_N; i++) {
    int j = i + 1;
    while (j < WP_N && (!WP[j].valid || memcmp(WP[j].key, WP[i].key, 32) == 0)) j++;
    if (!WP[i].valid || j >= WP_N) continue;
    const wp_case *c[4] = {&WP[i], &WP[j], &WP[i], &WP[j]};
    for (int k = 0; k < 4; k++) { /* seal i, seal j, seal i, seal j */
      CHECK_EQ(bh_aead_seal(a, c[k]->key, c[k]->iv, c[k]->aad, c[k]->aad_len, c[k]->msg, c[k]->msg_len, out), 0);
      CHECK(memcmp(out, c[k]->ct, c[k]->ct_len + 16) == 0);
    }
    for (int k = 0; k < 4; k++) { /* open i, open j, ... */
      CHECK_EQ(bh_aead_open(a, c[k]->key, c[k]->iv, c[k]->aad, c[k]->aad_len, c[k]->ct, c[k]->ct_len + 16, out), 0);
      CHECK(memcmp(out, c[k]->msg, c[k]->msg_len) == 0);
    }
    for (int k = 0; k < 4; k++) { /* seal i, open j, seal i, open j */
      if (k & 1) {
        CHECK_EQ(bh_aead_open(a, c[k]->key, c[k]->iv, c[k]->aad, c[k]->aad_len, c[k]->ct, c[k]->ct_len + 16, out), 0);
        CHECK(memcmp(out, c[k]->msg, c[k]->msg_len) == 0);
      } else {
        CHECK_EQ(bh_aead_seal(a, c[k]->key, c[k]->iv, c[k]->aad, c[k]->aad_len, c[k]->msg, c[k]->msg_len, out), 0);
        CHECK(memcmp(out, c[k]->ct, c[k]->ct_len + 16) == 0);
      }
    }
    pairs++;
  }
  CHECK(pairs > 100);
  bh_aead_free(a);
}

/* the key is compared by content: a key changed in the same caller buffer (any of its 32 bytes)
 * is loaded, and changing it back is too */
TEST(aead_key_changed_in_place) {
  uint8_t k[32], ref[sizeof CT], out[sizeof CT];
  key_init(k);
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, out), 0);
  CHECK(memcmp(out, CT, sizeof CT) == 0);
  for (int i = 0; i < 32; i++) {
    k[i] ^= 0x40;
    bh_aead *fresh = bh_aead_new(); /* reference: a context that has never seen a key */
    if (!fresh) { CHECK(0); break; }
    CHECK_EQ(bh_aead_seal(fresh, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, ref), 0);
    bh_aead_free(fresh);
    CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, out), 0);
    CHECK(memcmp(out, ref, sizeof ref) == 0 && memcmp(out, CT, sizeof CT) != 0);
    CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, out), -1);
    k[i] ^= 0x40;
    CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, out), 0);
    CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, out), 0);
    CHECK(memcmp(out, CT, sizeof CT) == 0);
  }
  bh_aead_free(a);
}

/* a failed open (every invalid Wycheproof case) leaves the context usable: the next seal and open
 * with the same key (no re-key) and with another key give the right results */
TEST(aead_failed_open_then_ok) {
  if (wp_load() != 0) { CHECK(0); return; }
  uint8_t k[32], out[WP_MAX + 16], ref[WP_MAX + 16];
  key_init(k);
  bh_aead *a = bh_aead_new();
  if (!a) { CHECK(0); return; }
  int failures = 0;
  for (int i = 0; i < WP_N; i++) {
    const wp_case *c = &WP[i];
    if (c->valid) continue;
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, c->ct, c->ct_len + c->tag_len, out), -1);
    failures++;
    /* same key again: a seal equal to a fresh context's, which opens */
    bh_aead *fresh = bh_aead_new();
    if (!fresh) { CHECK(0); break; }
    CHECK_EQ(bh_aead_seal(fresh, c->key, c->iv, c->aad, c->aad_len, c->msg, c->msg_len, ref), 0);
    bh_aead_free(fresh);
    CHECK_EQ(bh_aead_seal(a, c->key, c->iv, c->aad, c->aad_len, c->msg, c->msg_len, out), 0);
    CHECK(memcmp(out, ref, c->msg_len + 16) == 0);
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, c->ct, c->ct_len + c->tag_len, out), -1);
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, ref, c->msg_len + 16, out), 0);
    CHECK(memcmp(out, c->msg, c->msg_len) == 0);
    /* then another key: the RFC 8439 vector */
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, c->ct, c->ct_len + c->tag_len, out), -1);
    CHECK_EQ(bh_aead_open(a, k, NONCE, AAD, sizeof AAD, CT, sizeof CT, out), 0);
    CHECK(memcmp(out, PT, 114) == 0);
    CHECK_EQ(bh_aead_open(a, c->key, c->iv, c->aad, c->aad_len, c->ct, c->ct_len + c->tag_len, out), -1);
    CHECK_EQ(bh_aead_seal(a, k, NONCE, AAD, sizeof AAD, (const uint8_t *)PT, 114, out), 0);
    CHECK(memcmp(out, CT, sizeof CT) == 0);
  }
  CHECK(failures > 0);
  bh_aead_free(a);
}

void suite_aead(void) {
  RUN(aead_rfc8439_vector);
  RUN(aead_in_place);
  RUN(aead_tamper);
  RUN(aead_wycheproof);
  RUN(aead_two_keys_alternating);
  RUN(aead_key_changed_in_place);
  RUN(aead_failed_open_then_ok);
  free(WP);
  WP = NULL;
}
