/* steer: DataPlane.setSteering(front, slots) for the multi-tenant provider (docs/INTERNALS.md
 * section 9): attaches the reuseport steering program to this data plane's socket, which must
 * have been created with options.reusePort. front: the socket position (join order in the group)
 * for initiations and unknown slots; slots: [[slot 0..255, position], ...], each slot once. */
#include <errno.h>

#include "../io/dp_steer.h"
#include "args.h"
#include "js_dp.h"

napi_value bh_m_set_steering(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint64_t front;
  if (!js || bh_arg_uint(env, argv[0], "front", 0, 65534, &front) < 0) return NULL;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &n) != napi_ok || n > BH_STEER_SLOTS) {
    bh_throw_type(env, "DataPlane.setSteering: slots must be an array of at most 256 [slot, position] pairs");
    return NULL;
  }
  uint16_t pos[BH_STEER_SLOTS];
  for (int s = 0; s < BH_STEER_SLOTS; s++) pos[s] = BH_STEER_NONE;
  for (uint32_t i = 0; i < n; i++) {
    napi_value pair, a, b;
    uint32_t len = 0;
    uint64_t slot, p;
    if (napi_get_element(env, argv[1], i, &pair) != napi_ok || napi_is_array(env, pair, &is_array) != napi_ok ||
        !is_array || napi_get_array_length(env, pair, &len) != napi_ok || len != 2) {
      bh_throw_type(env, "DataPlane.setSteering: slots[%u] must be a [slot, position] pair", (unsigned)i);
      return NULL;
    }
    if (napi_get_element(env, pair, 0, &a) != napi_ok || napi_get_element(env, pair, 1, &b) != napi_ok ||
        bh_arg_uint(env, a, "slot", 0, BH_STEER_SLOTS - 1, &slot) < 0 ||
        bh_arg_uint(env, b, "position", 0, 65534, &p) < 0)
      return NULL;
    if (pos[slot] != BH_STEER_NONE) {
      bh_throw(env, "ERR_DUPLICATE", "DataPlane.setSteering: slot %u given twice", (unsigned)slot);
      return NULL;
    }
    pos[slot] = (uint16_t)p;
  }
  int rc = bh_dp_set_steering(js->dp, (uint16_t)front, pos);
  if (rc == -ESRCH) {
    bh_throw(env, "ERR_DATAPLANE_STOPPED", "DataPlane.setSteering: the data plane is stopped");
    return NULL;
  }
  if (rc == -EINVAL) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE", "DataPlane.setSteering: the data plane was created without reusePort");
    return NULL;
  }
  if (rc < 0) {
    bh_throw_errno(env, "DataPlane.setSteering: SO_ATTACH_REUSEPORT_CBPF", rc);
    return NULL;
  }
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
