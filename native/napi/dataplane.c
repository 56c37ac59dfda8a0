/* dataplane: the DataPlane class: constructor (options -> bh_dp_create), start/stop, the wrapper
 * finalizer (stops a data plane that was garbage-collected without stop()) and the env cleanup
 * hook. Methods are in methods.c and report.c, event delivery in events.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "js_dp.h"

static const napi_type_tag dp_tag = {0x6272696467656865ULL, 0x6164445050000001ULL};

bh_js *bh_js_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  size_t want = argc ? *argc : 0;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (argc && *argc < want) {
    napi_value u;
    napi_get_undefined(env, &u);
    for (size_t i = *argc; i < want; i++) argv[i] = u;
  }
  bool ok = false;
  void *js = NULL;
  if (napi_check_object_type_tag(env, self, &dp_tag, &ok) != napi_ok || !ok ||
      napi_unwrap(env, self, &js) != napi_ok || !js) {
    bh_throw_type(env, "DataPlane method called on an object that is not a DataPlane");
    return NULL;
  }
  return js;
}

void bh_js_unref(bh_js *js) {
  if (--js->refs > 0) return;
  bh_dp_destroy(js->dp);
  free(js);
}

static void cleanup_hook(void *arg) {
  bh_js *js = arg;
  js->hook_added = 0; /* being run: do not remove */
  bh_js_stop(js);
}

void bh_js_stop(bh_js *js) {
  bh_dp_stop(js->dp); /* joins the threads, closes fds, wipes keys; idempotent */
  bh_js_events_stop(js);
  if (js->hook_added) {
    napi_remove_env_cleanup_hook(js->env, cleanup_hook, js);
    js->hook_added = 0;
  }
}

static void wrapper_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  bh_js *js = data;
  js->wrapper_alive = 0;
  bh_js_stop(js);
  if (js->self) napi_delete_reference(env, js->self);
  js->self = NULL;
  bh_js_unref(js);
}

/* ---- options ---- */

typedef struct {
  char tap_name[IFNAMSIZ];
  int socketpair;
  char address[BH_ADDRSTRLEN];
  uint64_t port, mac_capacity, mac_age_ms, event_capacity, max_frame, neigh_capacity, neigh_age_ms;
  int fq, tap_offload, qos, udp_offload, tap_gro, reuse_port, data_path, tap_reader;
  int64_t thread_nice;
  int pin_threads, cpu_rx, cpu_tx;
  uint64_t pipeline_batch, busy_poll_us;
  napi_value on_event;
} dp_opts;

static int parse_tap(napi_env env, napi_value tap, dp_opts *o) {
  napi_value sp, name;
  if (bh_arg_object(env, tap, "options.tap") < 0) return -1;
  if (bh_get(env, tap, "socketpair", &sp) < 0 || bh_get(env, tap, "name", &name) < 0) return -1;
  if (!bh_is_undefined(env, sp)) {
    int b = 0;
    if (bh_arg_bool(env, sp, "options.tap.socketpair", &b) < 0) return -1;
    if (!b) {
      bh_throw_type(env, "options.tap.socketpair must be true when given (use { name } for a TAP device)");
      return -1;
    }
    o->socketpair = 1;
    return 0;
  }
  if (bh_is_undefined(env, name)) {
    bh_throw_type(env, "options.tap must be { name: string } or { socketpair: true }, got an object with neither");
    return -1;
  }
  return bh_arg_string(env, name, "options.tap.name", o->tap_name, sizeof o->tap_name);
}

/* options.tapReader: undefined -> read (the measured default, docs/BENCHMARKS.md issue 15); auto =
 * io_uring when the kernel allows it, else read() */
static int parse_tap_reader(napi_env env, napi_value v, int *out) {
  char buf[16];
  *out = BH_TAP_READER_READ;
  if (bh_is_undefined(env, v)) return 0;
  if (bh_arg_string(env, v, "options.tapReader", buf, sizeof buf) < 0) return -1;
  if (!strcmp(buf, "io_uring")) *out = BH_TAP_READER_IO_URING;
  else if (!strcmp(buf, "auto")) *out = BH_TAP_READER_AUTO;
  else if (strcmp(buf, "read")) {
    bh_throw_range(env, "options.tapReader: expected 'auto', 'io_uring' or 'read', got '%s'", buf);
    return -1;
  }
  return 0;
}

static int parse_opts(napi_env env, napi_value v, dp_opts *o) {
  napi_value tap, listen, addr, port, cap, age, evq;
  memset(o, 0, sizeof *o);
  if (bh_arg_object(env, v, "options") < 0) return -1;
  if (bh_get(env, v, "tap", &tap) < 0 || parse_tap(env, tap, o) < 0) return -1;
  if (bh_get(env, v, "listen", &listen) < 0 || bh_arg_object(env, listen, "options.listen") < 0) return -1;
  if (bh_get(env, listen, "address", &addr) < 0 ||
      bh_arg_string(env, addr, "options.listen.address", o->address, sizeof o->address) < 0)
    return -1;
  bh_endpoint probe;
  if (bh_endpoint_parse(&probe, o->address, 0, AF_INET6) != 0) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE", "options.listen.address must be an IPv4 or IPv6 address, got '%s'",
             o->address);
    return -1;
  }
  if (bh_get(env, listen, "port", &port) < 0 || bh_arg_uint(env, port, "options.listen.port", 0, 65535, &o->port) < 0)
    return -1;
  if (bh_get(env, v, "macTableCapacity", &cap) < 0 ||
      bh_arg_uint_opt(env, cap, "options.macTableCapacity", 1, 1u << 20, 4096, &o->mac_capacity) < 0)
    return -1;
  if (bh_get(env, v, "macAgeMs", &age) < 0 ||
      bh_arg_uint_opt(env, age, "options.macAgeMs", 1, 86400000ULL * 7, 300000, &o->mac_age_ms) < 0)
    return -1;
  if (bh_get(env, v, "eventQueueCapacity", &evq) < 0 ||
      bh_arg_uint_opt(env, evq, "options.eventQueueCapacity", 1, BH_EVRING_MAX_CAPACITY, 1024, &o->event_capacity) < 0)
    return -1;
  napi_value fq;
  if (bh_get(env, v, "fq", &fq) < 0 || (!bh_is_undefined(env, fq) && bh_arg_bool(env, fq, "options.fq", &o->fq) < 0))
    return -1;
  napi_value qos;
  if (bh_get(env, v, "qos", &qos) < 0 || (!bh_is_undefined(env, qos) && bh_arg_bool(env, qos, "options.qos", &o->qos) < 0))
    return -1;
  napi_value mfs, off;
  if (bh_get(env, v, "maxFrameSize", &mfs) < 0 ||
      bh_arg_uint_opt(env, mfs, "options.maxFrameSize", BH_FRAME_MIN_CONFIG, BH_FRAME_MAX, BH_FRAME_DEFAULT,
                      &o->max_frame) < 0)
    return -1;
  if (bh_get(env, v, "tapOffload", &off) < 0 ||
      (!bh_is_undefined(env, off) && bh_arg_bool(env, off, "options.tapOffload", &o->tap_offload) < 0))
    return -1;
  napi_value udp_off, gro;
  o->udp_offload = o->tap_gro = 1;
  if (bh_get(env, v, "udpOffload", &udp_off) < 0 ||
      (!bh_is_undefined(env, udp_off) && bh_arg_bool(env, udp_off, "options.udpOffload", &o->udp_offload) < 0) ||
      bh_get(env, v, "tapGro", &gro) < 0 ||
      (!bh_is_undefined(env, gro) && bh_arg_bool(env, gro, "options.tapGro", &o->tap_gro) < 0))
    return -1;
  napi_value reuse; /* multi-tenant provider: join a SO_REUSEPORT group (steer.c) */
  if (bh_get(env, v, "reusePort", &reuse) < 0 ||
      (!bh_is_undefined(env, reuse) && bh_arg_bool(env, reuse, "options.reusePort", &o->reuse_port) < 0))
    return -1;
  napi_value nice;
  if (bh_get(env, v, "threadNice", &nice) < 0 ||
      bh_arg_int_opt(env, nice, "options.threadNice", BH_THREAD_NICE_MIN, BH_THREAD_NICE_MAX, BH_THREAD_NICE, &o->thread_nice) < 0)
    return -1;
  napi_value aff; /* thread CPU affinity (affinity.c) */
  if (bh_get(env, v, "cpuAffinity", &aff) < 0 || bh_parse_cpu_affinity(env, aff, &o->pin_threads, &o->cpu_rx, &o->cpu_tx) < 0)
    return -1;
  napi_value dpath, pbatch, bpoll; /* light path vs pipeline (native/io/dp_path.h) */
  if (bh_get(env, v, "dataPath", &dpath) < 0 || bh_parse_data_path(env, dpath, "options.dataPath", &o->data_path) < 0 ||
      bh_get(env, v, "pipelineBatch", &pbatch) < 0 ||
      bh_arg_uint_opt(env, pbatch, "options.pipelineBatch", 2, BH_BATCH, BH_PATHSEL_ENTER_DEFAULT, &o->pipeline_batch) < 0 ||
      bh_get(env, v, "busyPollUs", &bpoll) < 0 ||
      bh_arg_uint_opt(env, bpoll, "options.busyPollUs", 0, BH_BUSY_POLL_MAX_US, BH_BUSY_POLL_DEFAULT_US, &o->busy_poll_us) < 0)
    return -1;
  napi_value treader; /* options.tapReader: 'auto' | 'io_uring' | 'read' (native/io/tap_read.h) */
  if (bh_get(env, v, "tapReader", &treader) < 0 || parse_tap_reader(env, treader, &o->tap_reader) < 0) return -1;
  napi_value ncap, nage; /* partial failover's neighbor table (dp_failover.h) */
  if (bh_get(env, v, "neighborCapacity", &ncap) < 0 ||
      bh_arg_uint_opt(env, ncap, "options.neighborCapacity", 1, 1u << 20, 4096, &o->neigh_capacity) < 0 ||
      bh_get(env, v, "neighborAgeMs", &nage) < 0 ||
      bh_arg_uint_opt(env, nage, "options.neighborAgeMs", 1, 86400000ULL * 7, 300000, &o->neigh_age_ms) < 0)
    return -1;
  if (bh_get(env, v, "onEvent", &o->on_event) < 0 || bh_arg_function(env, o->on_event, "options.onEvent") < 0)
    return -1;
  return 0;
}

static int define_value(napi_env env, napi_value obj, const char *key, napi_value v, napi_property_attributes attr) {
  napi_property_descriptor d = {.utf8name = key, .value = v, .attributes = attr};
  return napi_define_properties(env, obj, 1, &d) == napi_ok ? 0 : -1;
}

static napi_value dp_construct(napi_env env, napi_callback_info info) {
  napi_value argv[1], self, target;
  size_t argc = 1;
  BH_NAPI(env, napi_get_new_target(env, info, &target));
  if (!target) {
    bh_throw_type(env, "Class constructor DataPlane cannot be invoked without 'new'");
    return NULL;
  }
  BH_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 1) napi_get_undefined(env, &argv[0]);
  dp_opts o;
  if (parse_opts(env, argv[0], &o) < 0) return NULL;

  bh_dp_config cfg = {
      .tap_name = o.socketpair ? NULL : o.tap_name,
      .listen_address = o.address,
      .listen_port = (uint16_t)o.port,
      .mac_capacity = (uint32_t)o.mac_capacity,
      .mac_age_ns = o.mac_age_ms * 1000000ULL,
      .event_capacity = (uint32_t)o.event_capacity,
      .fq = o.fq,
      .qos = o.qos,
      .max_frame = (uint32_t)o.max_frame,
      .tap_offload = o.tap_offload,
      .neigh_capacity = (uint32_t)o.neigh_capacity,
      .neigh_age_ns = o.neigh_age_ms * 1000000ULL,
      .thread_nice = (int)o.thread_nice,
      .udp_offload_off = !o.udp_offload,
      .tap_gro_off = !o.tap_gro,
      .reuse_port = o.reuse_port,
      .data_path = o.data_path,
      .pipeline_batch = (uint32_t)o.pipeline_batch,
      .busy_poll_us = (uint32_t)o.busy_poll_us,
      .pin_threads = o.pin_threads,
      .cpu_rx = o.cpu_rx,
      .cpu_tx = o.cpu_tx,
      .tap_reader = o.tap_reader,
  };
  int err = 0;
  const char *step = "create";
  bh_dp *dp = bh_dp_create(&cfg, &err, &step);
  if (!dp) {
    char what[128];
    snprintf(what, sizeof what, "DataPlane: %s", step);
    bh_throw_errno(env, what, err);
    return NULL;
  }
  bh_js *js = calloc(1, sizeof *js);
  if (!js) {
    bh_dp_destroy(dp);
    bh_throw_errno(env, "DataPlane: allocate", -ENOMEM);
    return NULL;
  }
  js->env = env;
  js->dp = dp;
  js->refs = 1;
  js->wrapper_alive = 1;
  js->socketpair = o.socketpair;
  if (napi_wrap(env, self, js, wrapper_finalize, NULL, NULL) != napi_ok) {
    bh_dp_destroy(dp);
    free(js);
    bh_throw_last_error(env, "napi_wrap");
    return NULL;
  }
  /* From here on the finalizer owns js. */
  napi_value name, port;
  BH_NAPI(env, napi_type_tag_object(env, self, &dp_tag));
  BH_NAPI(env, napi_create_reference(env, self, 0, &js->self));
  BH_NAPI(env, napi_create_string_utf8(env, dp->tap_name, NAPI_AUTO_LENGTH, &name));
  BH_NAPI(env, napi_create_uint32(env, dp->port, &port));
  /* onEvent lives on the object (not in a strong napi_ref) so an unreachable DataPlane whose
   * callback closes over it can still be collected. */
  if (define_value(env, self, "tapName", name, napi_enumerable) < 0 ||
      define_value(env, self, "port", port, napi_enumerable) < 0 ||
      define_value(env, self, BH_ONEVENT_KEY, o.on_event, napi_default) < 0) {
    bh_throw_last_error(env, "define properties");
    return NULL;
  }
  return self;
}

static napi_value dp_start(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  if (js->dp->state == BH_DP_STOPPED) {
    bh_throw(env, "ERR_DATAPLANE_STOPPED", "DataPlane.start: the data plane was stopped and cannot restart");
    return NULL;
  }
  if (js->dp->state == BH_DP_RUNNING) {
    bh_throw(env, "ERR_DATAPLANE_RUNNING", "DataPlane.start: already started");
    return NULL;
  }
  if (bh_js_events_start(js) < 0) return NULL;
  const char *step = "start";
  int rc = bh_dp_start(js->dp, &step);
  if (rc < 0) {
    bh_js_events_stop(js);
    char what[96];
    snprintf(what, sizeof what, "DataPlane.start: %s", step);
    bh_throw_errno(env, what, rc);
    return NULL;
  }
  if (napi_add_env_cleanup_hook(env, cleanup_hook, js) == napi_ok) js->hook_added = 1;
  return NULL;
}

static napi_value dp_stop(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (js) bh_js_stop(js);
  return NULL;
}

napi_value bh_js_define_class(napi_env env) {
#define M(n, f) {.utf8name = n, .method = f, .attributes = napi_default_method}
  napi_property_descriptor props[] = {
      M("start", dp_start),
      M("stop", dp_stop),
      M("addPeer", bh_m_add_peer),
      M("removePeer", bh_m_remove_peer),
      M("setEndpoint", bh_m_set_endpoint),
      M("installKeypair", bh_m_install_keypair),
      M("expireKeypairs", bh_m_expire_keypairs),
      M("sendRaw", bh_m_send_raw),
      M("sendControl", bh_m_send_control),
      M("sendKeepalive", bh_m_send_keepalive),
      M("setPathMtu", bh_m_set_path_mtu),
      M("sendProbe", bh_m_send_probe),
      M("setMssClamp", bh_m_set_mss_clamp),
      M("setDataPath", bh_m_set_data_path),
      M("setRelay", bh_m_set_relay),
      M("setSteering", bh_m_set_steering),
      M("setMac1Key", bh_m_set_mac1_key),
      M("setQos", bh_m_set_qos),
      M("qosStats", bh_m_qos_stats),
      M("stats", bh_m_stats),
      M("threadCpus", bh_m_thread_cpus),
      M("macTable", bh_m_mac_table),
      M("setFailoverOptions", bh_m_set_failover_options),
      M("setNeighbor", bh_m_set_neighbor),
      M("deleteNeighbor", bh_m_delete_neighbor),
      M("neighbors", bh_m_neighbors),
      M("setQuarantine", bh_m_set_quarantine),
      M("announce", bh_m_announce),
      M("probe", bh_m_probe),
      M("failoverStats", bh_m_failover_stats),
      M("testWriteFrame", bh_m_test_write_frame),
      M("testReadFrame", bh_m_test_read_frame),
  };
#undef M
  napi_value cls;
  if (napi_define_class(env, "DataPlane", NAPI_AUTO_LENGTH, dp_construct, NULL, sizeof props / sizeof props[0], props,
                        &cls) != napi_ok)
    return NULL;
  return cls;
}
