/* limits: the data plane's limits and defaults as the addon's `limits` object (frozen), so the
 * TypeScript config layer (src/dataplane/limits.ts) validates against the values the C code
 * enforces instead of a copy of them. */
#include "../core/bh_qos_classify.h"
#include "../core/bh_qos_shaper.h"
#include "../io/dp_base.h"
#include "../io/dp_frag.h"
#include "../io/dp_qos.h"
#include "args.h"
#include "js_dp.h"

static napi_value range(napi_env env, int64_t min, int64_t max, int has_def, int64_t def) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok || bh_set_i64(env, o, "min", min) < 0 || bh_set_i64(env, o, "max", max) < 0 ||
      (has_def && bh_set_i64(env, o, "default", def) < 0) || napi_object_freeze(env, o) != napi_ok)
    return NULL;
  return o;
}

napi_value bh_limits_object(napi_env env) {
  napi_value o, v;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  struct { const char *key; napi_value val; } ranges[] = {
      {"pathMtu", range(env, BH_PMTU_MIN, BH_PMTU_MAX, 0, 0)},
      {"maxFrameSize", range(env, BH_FRAME_MIN_CONFIG, BH_FRAME_MAX, 1, BH_FRAME_DEFAULT)},
      {"threadNice", range(env, BH_THREAD_NICE_MIN, BH_THREAD_NICE_MAX, 1, BH_THREAD_NICE)},
      {"wanRateBitsPerS", range(env, 0, (int64_t)BH_QOS_RATE_MAX, 1, 0)},
      {"realtimeSharePct", range(env, 1, 100, 1, BH_QOS_DEFAULT_SHARE)},
      {"qosRules", range(env, 0, BH_QOS_MAX_RULES, 0, 0)},
      {"busyPollUs", range(env, 0, BH_BUSY_POLL_MAX_US, 1, BH_BUSY_POLL_DEFAULT_US)},
      {"pipelineBatch", range(env, 2, BH_BATCH, 1, BH_PATHSEL_ENTER_DEFAULT)},
  };
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    v = ranges[i].val;
    if (!v || napi_set_named_property(env, o, ranges[i].key, v) != napi_ok) return NULL;
  }
  if (napi_object_freeze(env, o) != napi_ok) return NULL;
  return o;
}
