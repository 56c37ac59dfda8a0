/* Thread CPU affinity (native/io/dp_affinity.h, docs/INTERNALS.md 2g):
 *   allowedCpus()        the CPUs this process may run on (sched_getaffinity; systemd CPUAffinity=,
 *                        cpusets and taskset narrow it), ascending
 *   options.cpuAffinity  { rx, tx }: pin bh-rx and bh-tx at start (absent: the scheduler decides)
 *   dp.threadCpus()      { rx, tx, errors, error? }: the CPU each thread was pinned to (null: not
 *                        pinned), refused pinnings and the last refusal's reason */
#include <errno.h>
#include <string.h>

#include "../io/dp_affinity.h"
#include "args.h"
#include "js_dp.h"

#define ALLOWED_MAX (BH_CPU_MAX + 1)

napi_value bh_allowed_cpus_js(napi_env env, napi_callback_info info) {
  (void)info;
  static int cpus[ALLOWED_MAX]; /* JS thread only */
  int n = bh_allowed_cpus(cpus, ALLOWED_MAX);
  if (n < 0) {
    bh_throw_errno(env, "allowedCpus: sched_getaffinity", n);
    return NULL;
  }
  napi_value arr, x;
  BH_NAPI(env, napi_create_array_with_length(env, (size_t)n, &arr));
  for (int i = 0; i < n; i++) {
    BH_NAPI(env, napi_create_uint32(env, (uint32_t)cpus[i], &x));
    BH_NAPI(env, napi_set_element(env, arr, (uint32_t)i, x));
  }
  return arr;
}

int bh_parse_cpu_affinity(napi_env env, napi_value v, int *pin, int *rx, int *tx) {
  *pin = 0;
  *rx = *tx = -1;
  if (bh_is_undefined(env, v)) return 0;
  napi_value r, t;
  uint64_t a, b;
  if (bh_arg_object(env, v, "options.cpuAffinity") < 0 || bh_get(env, v, "rx", &r) < 0 ||
      bh_arg_uint(env, r, "options.cpuAffinity.rx", 0, BH_CPU_MAX, &a) < 0 || bh_get(env, v, "tx", &t) < 0 ||
      bh_arg_uint(env, t, "options.cpuAffinity.tx", 0, BH_CPU_MAX, &b) < 0)
    return -1;
  *pin = 1;
  *rx = (int)a;
  *tx = (int)b;
  return 0;
}

static napi_value cpu_value(napi_env env, int cpu) {
  napi_value x;
  if (cpu < 0) napi_get_null(env, &x);
  else napi_create_uint32(env, (uint32_t)cpu, &x);
  return x;
}

napi_value bh_m_thread_cpus(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  const bh_dp *dp = js->dp;
  napi_value o, s;
  BH_NAPI(env, napi_create_object(env, &o));
  BH_NAPI(env, napi_set_named_property(env, o, "rx", cpu_value(env, dp->cpu_pinned[BH_CPU_RX])));
  BH_NAPI(env, napi_set_named_property(env, o, "tx", cpu_value(env, dp->cpu_pinned[BH_CPU_TX])));
  if (bh_set_i64(env, o, "errors", dp->affinity_errors) < 0) return NULL;
  if (dp->affinity_errors) {
    BH_NAPI(env, napi_create_string_utf8(env, strerror(dp->affinity_errno), NAPI_AUTO_LENGTH, &s));
    BH_NAPI(env, napi_set_named_property(env, o, "error", s));
  }
  return o;
}
