/* pmtu: DataPlane.setPathMtu(peer, bytes): the path MTU the data plane fragments to for one peer
 * (dp_frag.h; the UDP payload budget is bytes - IP header - 8). 0 = not set (no tunnel
 * fragmentation). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "../io/dp_ops.h"
#include "../io/dp_frag.h"
#include "args.h"
#include "js_dp.h"

napi_value bh_m_set_path_mtu(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint64_t id, mtu;
  if (!js || bh_arg_uint(env, argv[0], "id", 1, 65535, &id) < 0 ||
      bh_arg_uint(env, argv[1], "bytes", 0, BH_PMTU_MAX, &mtu) < 0)
    return NULL;
  if (mtu != 0 && mtu < BH_PMTU_MIN) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE", "DataPlane.setPathMtu: bytes must be 0 or %d..%d", BH_PMTU_MIN, BH_PMTU_MAX);
    return NULL;
  }
  if (bh_dp_set_path_mtu(js->dp, (uint16_t)id, (uint32_t)mtu) == -ENOENT) {
    bh_throw(env, "ERR_UNKNOWN_PEER", "DataPlane.setPathMtu: unknown peer %u", (unsigned)id);
    return NULL;
  }
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* DataPlane.sendProbe(peer, size, id): one path MTU probe of `size` bytes (the whole IP packet,
 * dp_ops.h). true = sent; false = refused (larger than the local interface MTU: EMSGSIZE), no
 * session, or stopped. */
napi_value bh_m_send_probe(napi_env env, napi_callback_info info) {
  napi_value argv[3], out;
  size_t argc = 3;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint64_t id, size, probe;
  if (!js || bh_arg_uint(env, argv[0], "id", 1, 65535, &id) < 0 ||
      bh_arg_uint(env, argv[1], "size", BH_PMTU_MIN, BH_PMTU_MAX, &size) < 0 ||
      bh_arg_uint(env, argv[2], "probeId", 0, 0xffffffffu, &probe) < 0)
    return NULL;
  int rc = js->dp->state == BH_DP_STOPPED ? -ENOTCONN : bh_dp_send_probe(js->dp, (uint16_t)id, (uint32_t)size, (uint32_t)probe);
  if (rc == -ENOENT) {
    bh_throw(env, "ERR_UNKNOWN_PEER", "DataPlane.sendProbe: unknown peer %u", (unsigned)id);
    return NULL;
  }
  napi_get_boolean(env, rc == 0, &out);
  return out;
}

/* The shape of a DataPlane boolean switch: one argument, true or false, else a TypeError naming
 * the method. */
static napi_value set_switch(napi_env env, napi_callback_info info, const char *what, void (*set)(bh_dp *, int)) {
  napi_value argv[1], u;
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  bool on = false;
  if (!js) return NULL;
  if (napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "DataPlane.%s: expected true or false", what);
    bh_throw(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  set(js->dp, on);
  napi_get_undefined(env, &u);
  return u;
}

/* DataPlane.setMssClamp(on): lower the MSS option of TCP SYN / SYN-ACK frames sent to a peer so
 * that full-size segments fit its path MTU without tunnel fragmentation (bh_mss.h). Off by default. */
napi_value bh_m_set_mss_clamp(napi_env env, napi_callback_info info) {
  return set_switch(env, info, "setMssClamp", bh_dp_set_mss_clamp);
}

/* DataPlane.setRelay(on): this appliance is the hub of a multi-site segment: frames from one
 * peer go on to the others (known unicast to the peer that has the MAC, flooding to every peer
 * but the sender; bh_forward_from_peer_relay_view). Off by default (mesh / spoke / two sites). */
napi_value bh_m_set_relay(napi_env env, napi_callback_info info) {
  return set_switch(env, info, "setRelay", bh_dp_set_relay);
}

/* DataPlane.setMac1Key(key): from now on handshake initiations and responses whose mac1 is not
 * right for this 32-byte key (the control plane's mac1Key(own public key)) are dropped by the RX
 * thread (drops.bad_mac1) and never become 'handshake' events. Called again after rotate-key. */
napi_value bh_m_set_mac1_key(napi_env env, napi_callback_info info) {
  napi_value argv[1], u;
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  const uint8_t *key = NULL;
  size_t n = 0;
  if (!js || bh_arg_bytes(env, argv[0], "key", 32, 0, 0, &key, &n) < 0) return NULL;
  bh_dp_set_mac1_key(js->dp, key);
  napi_get_undefined(env, &u);
  return u;
}
