/* js_dp: the JS-side state of one DataPlane object and the pieces of the binding that share it.
 *
 * Lifetime: the bh_js struct is shared by the JS wrapper (napi_wrap finalizer) and the event
 * thread-safe function (its finalizer); `refs` counts both and the last one frees it (both run on
 * the JS thread). The data-plane threads are joined before the TSFN is released, so they never
 * see a dead TSFN. An env cleanup hook stops a running data plane at process/worker exit. */
#ifndef BH_NAPI_JS_DP_H
#define BH_NAPI_JS_DP_H

#include <node_api.h>

#include "../io/dp.h"

typedef struct bh_js {
  napi_env env;
  bh_dp *dp;
  napi_threadsafe_function tsfn; /* set while running */
  napi_ref self;                 /* weak reference to the wrapper object */
  int refs;
  int wrapper_alive;
  int hook_added;
  int socketpair;
} bh_js;

#define BH_ONEVENT_KEY "_onEvent"

/* Unwraps `this` (checking the type tag) and fetches up to *argc arguments (missing ones are
 * undefined). Throws TypeError and returns NULL for a foreign receiver. */
bh_js *bh_js_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv);

/* events.c */
int bh_js_events_start(bh_js *js);  /* create the TSFN and hook it to the data plane */
void bh_js_events_stop(bh_js *js);  /* release the TSFN (threads must already be joined) */

/* dataplane.c */
void bh_js_stop(bh_js *js);
void bh_js_unref(bh_js *js);

/* Method tables (methods.c, report.c). */
napi_value bh_m_add_peer(napi_env env, napi_callback_info info);
napi_value bh_m_remove_peer(napi_env env, napi_callback_info info);
napi_value bh_m_set_endpoint(napi_env env, napi_callback_info info);
napi_value bh_m_install_keypair(napi_env env, napi_callback_info info);
napi_value bh_m_expire_keypairs(napi_env env, napi_callback_info info);
napi_value bh_m_send_raw(napi_env env, napi_callback_info info);
napi_value bh_m_send_control(napi_env env, napi_callback_info info);
napi_value bh_m_send_keepalive(napi_env env, napi_callback_info info);
napi_value bh_m_set_path_mtu(napi_env env, napi_callback_info info); /* pmtu.c */
napi_value bh_m_send_probe(napi_env env, napi_callback_info info);   /* pmtu.c */
napi_value bh_m_set_mss_clamp(napi_env env, napi_callback_info info); /* pmtu.c */
napi_value bh_m_set_data_path(napi_env env, napi_callback_info info); /* datapath.c */
/* options.dataPath: undefined -> auto; else 'auto' | 'light' | 'pipeline' (bh_path_policy) */
int bh_parse_data_path(napi_env env, napi_value v, const char *name, int *out); /* datapath.c */
napi_value bh_m_set_relay(napi_env env, napi_callback_info info);     /* pmtu.c */
napi_value bh_m_set_steering(napi_env env, napi_callback_info info); /* steer.c */
napi_value bh_m_set_mac1_key(napi_env env, napi_callback_info info); /* pmtu.c */
napi_value bh_trim_memory_js(napi_env env, napi_callback_info info); /* memory.c */
napi_value bh_m_set_qos(napi_env env, napi_callback_info info);       /* qos.c */
napi_value bh_m_qos_stats(napi_env env, napi_callback_info info);     /* qos.c */
void bh_qos_drops(napi_env env, bh_dp *dp, napi_value drops);         /* qos.c: drops.qos_band_full */
/* failover.c: partial failover (dp_failover.h) */
napi_value bh_m_set_failover_options(napi_env env, napi_callback_info info);
napi_value bh_m_set_neighbor(napi_env env, napi_callback_info info);
napi_value bh_m_delete_neighbor(napi_env env, napi_callback_info info);
napi_value bh_m_neighbors(napi_env env, napi_callback_info info);
napi_value bh_m_set_quarantine(napi_env env, napi_callback_info info);
napi_value bh_m_announce(napi_env env, napi_callback_info info);
napi_value bh_m_probe(napi_env env, napi_callback_info info);
napi_value bh_m_failover_stats(napi_env env, napi_callback_info info);
napi_value bh_failover_event_value(napi_env env, const bh_event *ev); /* NULL: not a failover event */
napi_value bh_m_test_write_frame(napi_env env, napi_callback_info info);
napi_value bh_m_test_read_frame(napi_env env, napi_callback_info info);
napi_value bh_m_stats(napi_env env, napi_callback_info info);
napi_value bh_m_thread_cpus(napi_env env, napi_callback_info info);   /* affinity.c */
napi_value bh_allowed_cpus_js(napi_env env, napi_callback_info info); /* affinity.c */
/* options.cpuAffinity: undefined (pin = 0) or { rx, tx } (affinity.c); -1 + exception on bad input */
int bh_parse_cpu_affinity(napi_env env, napi_value v, int *pin, int *rx, int *tx);
napi_value bh_m_mac_table(napi_env env, napi_callback_info info);

/* Class and free functions, for addon.c. */
napi_value bh_js_define_class(napi_env env);
napi_value bh_aead_seal_js(napi_env env, napi_callback_info info);
napi_value bh_aead_open_js(napi_env env, napi_callback_info info);
int bh_aead_module_init(napi_env env);
/* limits.c: the frozen `limits` export (path MTU, frame sizes, nice, WAN rate, QoS share/rules). */
napi_value bh_limits_object(napi_env env);

#endif
