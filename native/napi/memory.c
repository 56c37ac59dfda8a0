/* trimMemory(): glibc malloc_trim(0) -- gives the free pages of every malloc arena back to the
 * kernel. The daemon calls it once a minute after a full V8 collection (src/daemon/memory-trim.ts):
 * the arenas of Node's worker threads otherwise keep the pages of their largest transient use
 * resident (docs/BENCHMARKS.md, soak). Never per packet. */
#include <malloc.h>

#include "args.h"
#include "js_dp.h"

napi_value bh_trim_memory_js(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_get_boolean(env, malloc_trim(0) != 0, &out);
  return out;
}
