/* args: argument checking and small value builders (see args.h). */
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 320

static void vthrow(napi_env env, int kind, const char *code, const char *fmt, va_list ap) {
  char msg[MSG_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  if (kind == 1)
    napi_throw_type_error(env, code, msg);
  else if (kind == 2)
    napi_throw_range_error(env, code, msg);
  else
    napi_throw_error(env, code, msg);
}

void bh_throw(napi_env env, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vthrow(env, 0, code, fmt, ap);
  va_end(ap);
}

void bh_throw_type(napi_env env, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vthrow(env, 1, "ERR_INVALID_ARG_TYPE", fmt, ap);
  va_end(ap);
}

void bh_throw_range(napi_env env, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vthrow(env, 2, "ERR_OUT_OF_RANGE", fmt, ap);
  va_end(ap);
}

void bh_throw_last_error(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bh_throw(env, "ERR_NAPI", "internal N-API failure in %s: %s", what,
           info && info->error_message ? info->error_message : "unknown");
}

void bh_throw_errno(napi_env env, const char *what, int err) {
  int e = err < 0 ? -err : err;
  const char *name = strerrorname_np(e);
  bh_throw(env, name ? name : "EUNKNOWN", "%s: %s", what, strerror(e));
}

void bh_describe(napi_env env, napi_value v, char *out, size_t cap) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  switch (t) {
    case napi_undefined: snprintf(out, cap, "undefined"); return;
    case napi_null: snprintf(out, cap, "null"); return;
    case napi_boolean: {
      bool b = false;
      napi_get_value_bool(env, v, &b);
      snprintf(out, cap, "%s", b ? "true" : "false");
      return;
    }
    case napi_number: {
      double d = 0;
      napi_get_value_double(env, v, &d);
      snprintf(out, cap, "%.17g", d);
      return;
    }
    case napi_string: {
      char s[64];
      size_t n = 0;
      napi_get_value_string_utf8(env, v, s, sizeof s, &n);
      snprintf(out, cap, "'%s'%s", s, n >= sizeof s - 1 ? "..." : "");
      return;
    }
    case napi_function: snprintf(out, cap, "a function"); return;
    case napi_bigint: snprintf(out, cap, "a bigint"); return;
    case napi_symbol: snprintf(out, cap, "a symbol"); return;
    default: break;
  }
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type tt;
    size_t len = 0;
    napi_get_typedarray_info(env, v, &tt, &len, NULL, NULL, NULL);
    snprintf(out, cap, "a typed array of length %zu", len);
    return;
  }
  napi_is_array(env, v, &is);
  snprintf(out, cap, is ? "an array" : "an object");
}

int bh_is_undefined(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  return t == napi_undefined;
}

int bh_get(napi_env env, napi_value obj, const char *key, napi_value *out) {
  if (napi_get_named_property(env, obj, key, out) != napi_ok) {
    bh_throw_last_error(env, key);
    return -1;
  }
  return 0;
}

static int expect_type(napi_env env, napi_value v, const char *name, napi_valuetype want, const char *what) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  if (t == want) return 0;
  char d[96];
  bh_describe(env, v, d, sizeof d);
  bh_throw_type(env, "%s must be %s, got %s", name, what, d);
  return -1;
}

int bh_arg_object(napi_env env, napi_value v, const char *name) {
  return expect_type(env, v, name, napi_object, "an object");
}

int bh_arg_function(napi_env env, napi_value v, const char *name) {
  return expect_type(env, v, name, napi_function, "a function");
}

int bh_arg_bool(napi_env env, napi_value v, const char *name, int *out) {
  if (expect_type(env, v, name, napi_boolean, "a boolean") < 0) return -1;
  bool b = false;
  napi_get_value_bool(env, v, &b);
  *out = b;
  return 0;
}

int bh_arg_uint(napi_env env, napi_value v, const char *name, uint64_t min, uint64_t max, uint64_t *out) {
  char d[96];
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  if (t != napi_number) {
    bh_describe(env, v, d, sizeof d);
    bh_throw_type(env, "%s must be an integer in [%llu, %llu], got %s", name, (unsigned long long)min,
                  (unsigned long long)max, d);
    return -1;
  }
  double x = 0;
  napi_get_value_double(env, v, &x);
  if (!(x >= (double)min && x <= (double)max) || x != (double)(uint64_t)x) {
    bh_describe(env, v, d, sizeof d);
    bh_throw_range(env, "%s must be an integer in [%llu, %llu], got %s", name, (unsigned long long)min,
                   (unsigned long long)max, d);
    return -1;
  }
  *out = (uint64_t)x;
  return 0;
}

int bh_arg_int_opt(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out) {
  char d[96];
  if (bh_is_undefined(env, v)) {
    *out = def;
    return 0;
  }
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  double x = 0;
  if (t == napi_number) napi_get_value_double(env, v, &x);
  if (t != napi_number || !(x >= (double)min && x <= (double)max) || x != (double)(int64_t)x) {
    bh_describe(env, v, d, sizeof d);
    if (t != napi_number)
      bh_throw_type(env, "%s must be an integer in [%lld, %lld], got %s", name, (long long)min, (long long)max, d);
    else
      bh_throw_range(env, "%s must be an integer in [%lld, %lld], got %s", name, (long long)min, (long long)max, d);
    return -1;
  }
  *out = (int64_t)x;
  return 0;
}

int bh_arg_uint_opt(napi_env env, napi_value v, const char *name, uint64_t min, uint64_t max, uint64_t def,
                    uint64_t *out) {
  if (bh_is_undefined(env, v)) {
    *out = def;
    return 0;
  }
  return bh_arg_uint(env, v, name, min, max, out);
}

int bh_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t cap) {
  if (expect_type(env, v, name, napi_string, "a string") < 0) return -1;
  size_t n = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &n);
  if (n == 0 || n >= cap) {
    char d[96];
    bh_describe(env, v, d, sizeof d);
    bh_throw_range(env, "%s must be a string of 1..%zu bytes, got %s (%zu bytes)", name, cap - 1, d, n);
    return -1;
  }
  napi_get_value_string_utf8(env, v, buf, cap, &n);
  if (strlen(buf) != n) {
    bh_throw_type(env, "%s must not contain NUL characters", name);
    return -1;
  }
  return 0;
}

static const uint8_t empty_bytes[1];

int bh_arg_bytes(napi_env env, napi_value v, const char *name, size_t exact, size_t min, size_t max,
                 const uint8_t **data, size_t *len) {
  bool is = false;
  napi_typedarray_type tt = napi_int8_array;
  void *p = NULL;
  size_t n = 0;
  napi_is_typedarray(env, v, &is);
  if (is) napi_get_typedarray_info(env, v, &tt, &n, &p, NULL, NULL);
  if (!is || tt != napi_uint8_array) {
    char d[96];
    bh_describe(env, v, d, sizeof d);
    bh_throw_type(env, "%s must be a Buffer or Uint8Array, got %s", name, d);
    return -1;
  }
  if (exact != SIZE_MAX && n != exact) {
    bh_throw_range(env, "%s must be exactly %zu bytes long, got %zu bytes", name, exact, n);
    return -1;
  }
  if (exact == SIZE_MAX && (n < min || n > max)) {
    bh_throw_range(env, "%s must be %zu..%zu bytes long, got %zu bytes", name, min, max, n);
    return -1;
  }
  *data = p && n ? p : empty_bytes;
  *len = n;
  return 0;
}

int bh_arg_endpoint(napi_env env, napi_value v, const char *name, int sock_family, uint32_t port_min,
                    bh_endpoint *ep) {
  char key[96], addr[BH_ADDRSTRLEN];
  napi_value a, p;
  uint64_t port;
  if (bh_arg_object(env, v, name) < 0) return -1;
  snprintf(key, sizeof key, "%s.address", name);
  if (bh_get(env, v, "address", &a) < 0 || bh_arg_string(env, a, key, addr, sizeof addr) < 0) return -1;
  snprintf(key, sizeof key, "%s.port", name);
  if (bh_get(env, v, "port", &p) < 0 || bh_arg_uint(env, p, key, port_min, 65535, &port) < 0) return -1;
  int rc = bh_endpoint_parse(ep, addr, (uint16_t)port, sock_family);
  if (rc == -1) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE", "%s.address must be an IPv4 or IPv6 address, got '%s'", name, addr);
    return -1;
  }
  if (rc == -2) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE",
             "%s.address '%s' is IPv6 but the data plane listens on IPv4 (listen on '::' for both)", name, addr);
    return -1;
  }
  return 0;
}

napi_value bh_endpoint_value(napi_env env, const bh_endpoint *ep) {
  napi_value o, a, p;
  char addr[BH_ADDRSTRLEN];
  uint16_t port = bh_endpoint_format(ep, addr);
  if (napi_create_object(env, &o) != napi_ok || napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &a) != napi_ok ||
      napi_create_uint32(env, port, &p) != napi_ok || napi_set_named_property(env, o, "address", a) != napi_ok ||
      napi_set_named_property(env, o, "port", p) != napi_ok)
    return NULL;
  return o;
}

int bh_set_u64(napi_env env, napi_value obj, const char *key, uint64_t v) {
  napi_value x;
  if (napi_create_double(env, (double)v, &x) != napi_ok) return -1;
  return napi_set_named_property(env, obj, key, x) == napi_ok ? 0 : -1;
}

int bh_set_i64(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_value x;
  if (napi_create_double(env, (double)v, &x) != napi_ok) return -1;
  return napi_set_named_property(env, obj, key, x) == napi_ok ? 0 : -1;
}
