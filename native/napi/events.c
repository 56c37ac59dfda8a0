/* events: delivery of data-plane events to JavaScript.
 *
 *   data-plane thread: bh_dp_emit -> bh_evring_push (bounded; full -> dropped + counted)
 *        -> ring went non-empty and no call outstanding -> napi_call_threadsafe_function(nonblocking)
 *   JS thread: call_js -> clear `pending` -> pop up to `capacity` events -> build each object ->
 *        this._onEvent(ev) (a throw becomes 'uncaughtException'); left-overs (producers kept
 *        up) re-arm the TSFN.
 *
 * Nothing per packet comes here: only handshakes, control messages and state changes. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "js_dp.h"

static void notify(void *ctx) {
  bh_js *js = ctx;
  napi_call_threadsafe_function(js->tsfn, NULL, napi_tsfn_nonblocking);
}

static int set_str(napi_env env, napi_value o, const char *k, const char *s) {
  napi_value v;
  return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) == napi_ok &&
                 napi_set_named_property(env, o, k, v) == napi_ok
             ? 0
             : -1;
}

static int set_buf(napi_env env, napi_value o, const char *k, const uint8_t *d, size_t n) {
  napi_value v;
  void *copy;
  if (napi_create_buffer_copy(env, n, n ? (const void *)d : (const void *)"", &copy, &v) != napi_ok) return -1;
  return napi_set_named_property(env, o, k, v) == napi_ok ? 0 : -1;
}

static napi_value event_value(napi_env env, const bh_event *ev) {
  napi_value o, ep;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  int rc = 0;
  switch (ev->type) {
    case BH_EV_HANDSHAKE:
      ep = bh_endpoint_value(env, &ev->ep);
      rc |= set_str(env, o, "type", "handshake");
      rc |= !ep || napi_set_named_property(env, o, "from", ep) != napi_ok;
      rc |= set_buf(env, o, "data", ev->data, ev->len);
      break;
    case BH_EV_CONTROL:
      rc |= set_str(env, o, "type", "control");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      rc |= set_buf(env, o, "data", ev->data, ev->len);
      break;
    case BH_EV_KEYPAIR_CONFIRMED:
      rc |= set_str(env, o, "type", "keypair-confirmed");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      rc |= bh_set_u64(env, o, "localIndex", ev->local_index);
      break;
    case BH_EV_ENDPOINT:
      ep = bh_endpoint_value(env, &ev->ep);
      rc |= set_str(env, o, "type", "endpoint");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      rc |= !ep || napi_set_named_property(env, o, "endpoint", ep) != napi_ok;
      break;
    case BH_EV_NEED_HANDSHAKE:
      rc |= set_str(env, o, "type", "need-handshake");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      break;
    case BH_EV_MTU_EXCEEDED:
      rc |= set_str(env, o, "type", "mtu-exceeded");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      break;
    case BH_EV_PROBE_ACK:
      if (ev->len < 6) return NULL;
      rc |= set_str(env, o, "type", "probe-ack");
      rc |= bh_set_u64(env, o, "peer", ev->peer);
      rc |= bh_set_u64(env, o, "id", (uint32_t)ev->data[0] | (uint32_t)ev->data[1] << 8 |
                                         (uint32_t)ev->data[2] << 16 | (uint32_t)ev->data[3] << 24);
      rc |= bh_set_u64(env, o, "size", (uint32_t)ev->data[4] | (uint32_t)ev->data[5] << 8);
      break;
    default: return bh_failover_event_value(env, ev); /* failover.c */
  }
  return rc ? NULL : o;
}

/* Delivers one event. If the callback throws, the error is raised as an 'uncaughtException'
 * (Node would otherwise only print a warning for exceptions left pending in a TSFN callback) and
 * delivery continues with the next event. */
static void deliver(napi_env env, bh_js *js, const bh_event *ev) {
  napi_value self = NULL, fn, obj, result;
  if (!js->wrapper_alive || !js->self || napi_get_reference_value(env, js->self, &self) != napi_ok || !self)
    return; /* the DataPlane was collected: nobody to tell */
  if (napi_get_named_property(env, self, BH_ONEVENT_KEY, &fn) != napi_ok) return;
  obj = event_value(env, ev);
  if (obj && napi_call_function(env, self, fn, 1, &obj, &result) == napi_ok) return;
  bool pending = false;
  napi_value err;
  napi_is_exception_pending(env, &pending);
  if (pending && napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)data;
  bh_js *js = context;
  if (!env) return; /* TSFN being torn down with the environment: events are freed with the ring */
  bh_evring *ring = &js->dp->events;
  bh_evring_begin_drain(ring);
  bh_event ev;
  for (uint32_t n = 0; n < ring->cap && bh_evring_pop(ring, &ev); n++) {
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) {
      free(ev.data);
      break;
    }
    deliver(env, js, &ev);
    napi_close_handle_scope(env, scope);
    free(ev.data);
  }
  if (bh_evring_rearm(ring) && js->tsfn) napi_call_threadsafe_function(js->tsfn, NULL, napi_tsfn_nonblocking);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  bh_js_unref(data);
}

int bh_js_events_start(bh_js *js) {
  napi_env env = js->env;
  napi_value name;
  if (napi_create_string_utf8(env, "bridgehead.events", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, js, tsfn_finalize, js, call_js, &js->tsfn) !=
          napi_ok) {
    js->tsfn = NULL;
    bh_throw_last_error(env, "napi_create_threadsafe_function");
    return -1;
  }
  js->refs++; /* dropped by tsfn_finalize */
  bh_dp_set_notify(js->dp, notify, js);
  /* Events queued before start (no notifier yet) left `pending` set: deliver them now. */
  bh_evring_begin_drain(&js->dp->events);
  if (bh_evring_rearm(&js->dp->events)) notify(js);
  return 0;
}

void bh_js_events_stop(bh_js *js) {
  if (!js->tsfn) return;
  bh_dp_set_notify(js->dp, NULL, NULL); /* threads are joined: no concurrent reader */
  napi_threadsafe_function t = js->tsfn;
  js->tsfn = NULL;
  napi_release_threadsafe_function(t, napi_tsfn_release); /* queued calls still drain the ring */
}
