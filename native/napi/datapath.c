/* datapath: options.dataPath / DataPlane.setDataPath('auto' | 'light' | 'pipeline'): which thread
 * reads the TAP (native/io/dp_path.h). 'auto' (default): the UDP receive thread carries light
 * traffic to completion in both directions, the two-thread pipeline takes over for large batches. */
#include <string.h>

#include "../io/dp_ops.h"
#include "args.h"
#include "js_dp.h"

int bh_parse_data_path(napi_env env, napi_value v, const char *name, int *out) {
  char buf[16];
  if (bh_is_undefined(env, v)) {
    *out = BH_PATHSEL_AUTO;
    return 0;
  }
  if (bh_arg_string(env, v, name, buf, sizeof buf) < 0) return -1;
  if (!strcmp(buf, "auto")) *out = BH_PATHSEL_AUTO;
  else if (!strcmp(buf, "light")) *out = BH_PATHSEL_LIGHT;
  else if (!strcmp(buf, "pipeline")) *out = BH_PATHSEL_PIPELINE;
  else {
    bh_throw_range(env, "%s: expected 'auto', 'light' or 'pipeline', got '%s'", name, buf);
    return -1;
  }
  return 0;
}

napi_value bh_m_set_data_path(napi_env env, napi_callback_info info) {
  napi_value argv[1], u;
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  if (!js) return NULL;
  if (argc < 1) napi_get_undefined(env, &argv[0]);
  int pol;
  if (bh_is_undefined(env, argv[0])) {
    bh_throw_type(env, "DataPlane.setDataPath: expected 'auto', 'light' or 'pipeline'");
    return NULL;
  }
  if (bh_parse_data_path(env, argv[0], "DataPlane.setDataPath", &pol) < 0) return NULL;
  bh_dp_set_data_path(js->dp, (bh_path_policy)pol);
  napi_get_undefined(env, &u);
  return u;
}
