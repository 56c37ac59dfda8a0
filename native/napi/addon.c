/* addon: module entry. Exports the DataPlane class, the AEAD test helpers (aeadSeal, aeadOpen),
 * the data plane's limits (limits.c), trimMemory (memory.c) and allowedCpus (affinity.c).
 * The JavaScript interface is docs/INTERNALS.md section 2, typed in src/dataplane/types.ts. */
#include "args.h"
#include "js_dp.h"

static napi_value init(napi_env env, napi_value exports) {
  napi_value cls = bh_js_define_class(env);
  if (!cls) {
    bh_throw_last_error(env, "define DataPlane");
    return NULL;
  }
  if (bh_aead_module_init(env) < 0) {
    bh_throw(env, "ERR_CRYPTO", "bridgehead: cannot create the ChaCha20-Poly1305 context");
    return NULL;
  }
  napi_value limits = bh_limits_object(env);
  if (!limits) {
    bh_throw_last_error(env, "build limits");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {.utf8name = "DataPlane", .value = cls, .attributes = napi_enumerable},
      {.utf8name = "aeadSeal", .method = bh_aead_seal_js, .attributes = napi_enumerable},
      {.utf8name = "aeadOpen", .method = bh_aead_open_js, .attributes = napi_enumerable},
      {.utf8name = "limits", .value = limits, .attributes = napi_enumerable},
      {.utf8name = "trimMemory", .method = bh_trim_memory_js, .attributes = napi_enumerable},
      {.utf8name = "allowedCpus", .method = bh_allowed_cpus_js, .attributes = napi_enumerable},
  };
  BH_NAPI(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
