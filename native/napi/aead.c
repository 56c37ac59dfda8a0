/* aead: addon.aeadSeal / addon.aeadOpen, the data plane's own ChaCha20-Poly1305 (bh_aead) exposed
 * for known-answer tests. One bh_aead context per N-API environment (instance data). */
#include <stdlib.h>

#include "../core/bh_aead.h"
#include "args.h"
#include "js_dp.h"

#define AEAD_MAX_LEN (64u << 20)

static void aead_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  bh_aead_free(data);
}

int bh_aead_module_init(napi_env env) {
  bh_aead *a = bh_aead_new();
  if (!a) return -1;
  if (napi_set_instance_data(env, a, aead_finalize, NULL) != napi_ok) {
    bh_aead_free(a);
    return -1;
  }
  return 0;
}

static bh_aead *ctx(napi_env env) {
  void *a = NULL;
  napi_get_instance_data(env, &a);
  if (!a) bh_throw(env, "ERR_CRYPTO", "ChaCha20-Poly1305 context unavailable");
  return a;
}

typedef struct {
  const uint8_t *key, *nonce, *aad, *in;
  size_t key_len, nonce_len, aad_len, in_len;
} aead_args;

static int get_args(napi_env env, napi_callback_info info, aead_args *a, const char *in_name, size_t in_min) {
  napi_value argv[4];
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  for (size_t i = argc; i < 4; i++) napi_get_undefined(env, &argv[i]);
  if (bh_arg_bytes(env, argv[0], "key", BH_AEAD_KEY, 0, 0, &a->key, &a->key_len) < 0 ||
      bh_arg_bytes(env, argv[1], "nonce", BH_AEAD_NONCE, 0, 0, &a->nonce, &a->nonce_len) < 0 ||
      bh_arg_bytes(env, argv[2], "aad", SIZE_MAX, 0, AEAD_MAX_LEN, &a->aad, &a->aad_len) < 0 ||
      bh_arg_bytes(env, argv[3], in_name, SIZE_MAX, in_min, AEAD_MAX_LEN, &a->in, &a->in_len) < 0)
    return -1;
  return 0;
}

napi_value bh_aead_seal_js(napi_env env, napi_callback_info info) {
  aead_args a;
  napi_value out;
  void *p;
  if (get_args(env, info, &a, "plaintext", 0) < 0) return NULL;
  bh_aead *c = ctx(env);
  if (!c) return NULL;
  BH_NAPI(env, napi_create_buffer(env, a.in_len + BH_AEAD_TAG, &p, &out));
  if (bh_aead_seal(c, a.key, a.nonce, a.aad, a.aad_len, a.in, a.in_len, p) != 0) {
    bh_throw(env, "ERR_CRYPTO", "aeadSeal: ChaCha20-Poly1305 failed");
    return NULL;
  }
  return out;
}

napi_value bh_aead_open_js(napi_env env, napi_callback_info info) {
  aead_args a;
  napi_value out;
  void *p;
  if (get_args(env, info, &a, "ciphertextAndTag", BH_AEAD_TAG) < 0) return NULL;
  bh_aead *c = ctx(env);
  if (!c) return NULL;
  /* decrypt into scratch memory: never hand out unauthenticated plaintext */
  uint8_t *tmp = malloc(a.in_len - BH_AEAD_TAG + 1);
  if (!tmp) {
    bh_throw_errno(env, "aeadOpen", -12);
    return NULL;
  }
  if (bh_aead_open(c, a.key, a.nonce, a.aad, a.aad_len, a.in, a.in_len, tmp) != 0) {
    free(tmp);
    napi_get_null(env, &out);
    return out;
  }
  napi_status st = napi_create_buffer_copy(env, a.in_len - BH_AEAD_TAG, tmp, &p, &out);
  free(tmp);
  BH_NAPI(env, st);
  return out;
}
