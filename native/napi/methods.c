/* methods: DataPlane peer, key, send and test-hook methods. Arguments are checked first (TypeError /
 * RangeError naming the argument), then the operation runs in dp_ops.c under the data plane's
 * locks. Configuration after stop() throws ERR_DATAPLANE_STOPPED; sends after stop() return false;
 * removePeer/expireKeypairs after stop() are no-ops (keys are already wiped). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/dp_ops.h"
#include "args.h"
#include "js_dp.h"

#define TEST_WRITE_WAIT_MS 1000
#define TEST_READ_MAX_MS 60000
#define RAW_MAX 65507 /* largest UDP payload */

static napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value boolean(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

static int peer_id(napi_env env, napi_value v, uint16_t *id) {
  uint64_t x;
  if (bh_arg_uint(env, v, "id", 1, 65535, &x) < 0) return -1;
  *id = (uint16_t)x;
  return 0;
}

static int not_stopped(napi_env env, bh_js *js, const char *method) {
  if (js->dp->state != BH_DP_STOPPED) return 0;
  bh_throw(env, "ERR_DATAPLANE_STOPPED", "DataPlane.%s: the data plane is stopped", method);
  return -1;
}

/* Maps a dp_ops error to an exception. */
static napi_value fail(napi_env env, const char *method, uint16_t id, int rc) {
  switch (rc) {
    case -ENOENT: bh_throw(env, "ERR_UNKNOWN_PEER", "DataPlane.%s: unknown peer id %u", method, id); break;
    case -EEXIST: bh_throw(env, "ERR_DUPLICATE", "DataPlane.%s: peer id %u already exists", method, id); break;
    case -ENOSPC: bh_throw(env, "ERR_TABLE_FULL", "DataPlane.%s: table full (peers <= %d)", method, BH_MAX_PEERS); break;
    default: {
      char what[64];
      snprintf(what, sizeof what, "DataPlane.%s", method);
      bh_throw_errno(env, what, rc);
    }
  }
  return NULL;
}

napi_value bh_m_add_peer(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  bh_endpoint ep;
  if (!js || peer_id(env, argv[0], &id) < 0) return NULL;
  int has_ep = !bh_is_undefined(env, argv[1]);
  if (has_ep && bh_arg_endpoint(env, argv[1], "endpoint", js->dp->udp_family, 1, &ep) < 0) return NULL;
  if (not_stopped(env, js, "addPeer") < 0) return NULL;
  int rc = bh_dp_add_peer(js->dp, id, has_ep ? &ep : NULL);
  return rc < 0 ? fail(env, "addPeer", id, rc) : undef(env);
}

napi_value bh_m_remove_peer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  if (!js || peer_id(env, argv[0], &id) < 0) return NULL;
  (void)bh_dp_remove_peer(js->dp, id); /* unknown id: nothing to do (idempotent) */
  return undef(env);
}

napi_value bh_m_set_endpoint(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  bh_endpoint ep;
  if (!js || peer_id(env, argv[0], &id) < 0) return NULL;
  if (bh_arg_endpoint(env, argv[1], "endpoint", js->dp->udp_family, 1, &ep) < 0) return NULL;
  if (not_stopped(env, js, "setEndpoint") < 0) return NULL;
  int rc = bh_dp_set_endpoint(js->dp, id, &ep);
  return rc < 0 ? fail(env, "setEndpoint", id, rc) : undef(env);
}

napi_value bh_m_install_keypair(napi_env env, napi_callback_info info) {
  napi_value argv[2], li, ri, sk, rk, ini;
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  uint64_t local, remote;
  const uint8_t *send_key, *recv_key;
  size_t n;
  int initiator;
  if (!js || peer_id(env, argv[0], &id) < 0 || bh_arg_object(env, argv[1], "kp") < 0) return NULL;
  if (bh_get(env, argv[1], "localIndex", &li) < 0 || bh_get(env, argv[1], "remoteIndex", &ri) < 0 ||
      bh_get(env, argv[1], "sendKey", &sk) < 0 || bh_get(env, argv[1], "recvKey", &rk) < 0 ||
      bh_get(env, argv[1], "initiator", &ini) < 0)
    return NULL;
  if (bh_arg_uint(env, li, "kp.localIndex", 0, UINT32_MAX, &local) < 0 ||
      bh_arg_uint(env, ri, "kp.remoteIndex", 0, UINT32_MAX, &remote) < 0 ||
      bh_arg_bytes(env, sk, "kp.sendKey", 32, 0, 0, &send_key, &n) < 0 ||
      bh_arg_bytes(env, rk, "kp.recvKey", 32, 0, 0, &recv_key, &n) < 0 ||
      bh_arg_bool(env, ini, "kp.initiator", &initiator) < 0)
    return NULL;
  if (not_stopped(env, js, "installKeypair") < 0) return NULL;
  bh_keypair_params p = {.local_index = (uint32_t)local,
                         .remote_index = (uint32_t)remote,
                         .send_key = send_key,
                         .recv_key = recv_key,
                         .initiator = initiator};
  int rc = bh_dp_install_keypair(js->dp, id, &p);
  if (rc == -EEXIST) {
    bh_throw(env, "ERR_DUPLICATE", "DataPlane.installKeypair: kp.localIndex %u is already in use",
             (unsigned)local);
    return NULL;
  }
  return rc < 0 ? fail(env, "installKeypair", id, rc) : undef(env);
}

napi_value bh_m_expire_keypairs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  if (!js || peer_id(env, argv[0], &id) < 0) return NULL;
  if (js->dp->state == BH_DP_STOPPED) return undef(env);
  int rc = bh_dp_expire_keypairs(js->dp, id);
  return rc < 0 ? fail(env, "expireKeypairs", id, rc) : undef(env);
}

napi_value bh_m_send_raw(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  bh_endpoint ep;
  const uint8_t *d;
  size_t n;
  if (!js || bh_arg_endpoint(env, argv[0], "endpoint", js->dp->udp_family, 1, &ep) < 0 ||
      bh_arg_bytes(env, argv[1], "data", SIZE_MAX, 1, RAW_MAX, &d, &n) < 0)
    return NULL;
  if (js->dp->state == BH_DP_STOPPED) return boolean(env, 0);
  return boolean(env, bh_dp_send_raw(js->dp, &ep, d, n) == 0);
}

static napi_value send_sealed(napi_env env, napi_callback_info info, uint8_t subtype, const char *method) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint16_t id;
  const uint8_t *d = (const uint8_t *)"";
  size_t n = 0;
  if (!js || peer_id(env, argv[0], &id) < 0) return NULL;
  if (subtype == BH_SUB_CONTROL && bh_arg_bytes(env, argv[1], "data", SIZE_MAX, 0, BH_CONTROL_MAX, &d, &n) < 0)
    return NULL;
  if (js->dp->state == BH_DP_STOPPED) return boolean(env, 0);
  int rc = bh_dp_send_sealed(js->dp, id, subtype, d, n);
  if (rc == -ENOENT) return fail(env, method, id, rc);
  return boolean(env, rc == 0);
}

napi_value bh_m_send_control(napi_env env, napi_callback_info info) {
  return send_sealed(env, info, BH_SUB_CONTROL, "sendControl");
}

napi_value bh_m_send_keepalive(napi_env env, napi_callback_info info) {
  return send_sealed(env, info, BH_SUB_KEEPALIVE, "sendKeepalive");
}

static int socketpair_mode(napi_env env, bh_js *js, const char *method) {
  if (!js->socketpair) {
    bh_throw(env, "ERR_NOT_SOCKETPAIR", "DataPlane.%s is only available with options.tap = { socketpair: true }",
             method);
    return -1;
  }
  if (js->dp->state == BH_DP_STOPPED) {
    bh_throw(env, "ERR_DATAPLANE_STOPPED", "DataPlane.%s: the data plane is stopped", method);
    return -1;
  }
  return 0;
}

napi_value bh_m_test_write_frame(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  const uint8_t *d;
  size_t n;
  if (!js || bh_arg_bytes(env, argv[0], "frame", SIZE_MAX, 0, 65535, &d, &n) < 0) return NULL;
  if (socketpair_mode(env, js, "testWriteFrame") < 0) return NULL;
  int rc = bh_dp_test_write(js->dp, d, n, TEST_WRITE_WAIT_MS);
  if (rc < 0) bh_throw_errno(env, "DataPlane.testWriteFrame (TAP queue full for 1 s?)", rc);
  return rc < 0 ? NULL : undef(env);
}

#define TEST_READ_BUF (65536 + 16)

napi_value bh_m_test_read_frame(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint64_t ms;
  if (!js || bh_arg_uint(env, argv[0], "timeoutMs", 0, TEST_READ_MAX_MS, &ms) < 0) return NULL;
  if (socketpair_mode(env, js, "testReadFrame") < 0) return NULL;
  uint8_t *buf = malloc(TEST_READ_BUF); /* a TSO super-frame with its virtio_net_hdr (tap_write.h) */
  if (!buf) {
    bh_throw_errno(env, "DataPlane.testReadFrame", -ENOMEM);
    return NULL;
  }
  long n = bh_dp_test_read(js->dp, buf, TEST_READ_BUF, (int)ms);
  if (n <= 0) {
    free(buf);
    if (n < 0) bh_throw_errno(env, "DataPlane.testReadFrame", (int)n);
    else napi_get_null(env, &out);
    return n < 0 ? NULL : out;
  }
  void *copy;
  napi_status st = napi_create_buffer_copy(env, (size_t)n, buf, &copy, &out);
  free(buf);
  if (st != napi_ok) {
    bh_throw_last_error(env, "napi_create_buffer_copy");
    return NULL;
  }
  return out;
}
