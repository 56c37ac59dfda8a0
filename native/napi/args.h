/* args: argument checking for the binding, in the style of sodium-native's binding.c: every
 * failure throws a TypeError or RangeError that names the argument and quotes the bad value, and
 * returns -1 (the caller returns NULL at once). Success returns 0. */
#ifndef BH_NAPI_ARGS_H
#define BH_NAPI_ARGS_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/endpoint.h"

/* Evaluate a napi call; on failure throw a generic error (if none is pending) and return NULL. */
#define BH_NAPI(env, call)                              \
  do {                                                  \
    if ((call) != napi_ok) {                            \
      bh_throw_last_error((env), #call);                \
      return NULL;                                      \
    }                                                   \
  } while (0)

void bh_throw_last_error(napi_env env, const char *what);
/* Error with code = errno name (e.g. "EPERM") and message "<what>: <strerror>". err is -errno. */
void bh_throw_errno(napi_env env, const char *what, int err);
void bh_throw(napi_env env, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void bh_throw_type(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bh_throw_range(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A short human description of any value: 42, 'text', undefined, null, an object, ... */
void bh_describe(napi_env env, napi_value v, char *out, size_t cap);

int bh_is_undefined(napi_env env, napi_value v);
/* obj[key]; *out is undefined when missing. */
int bh_get(napi_env env, napi_value obj, const char *key, napi_value *out);

int bh_arg_object(napi_env env, napi_value v, const char *name);
int bh_arg_function(napi_env env, napi_value v, const char *name);
int bh_arg_bool(napi_env env, napi_value v, const char *name, int *out);
/* An integer-valued number in [min, max]. */
int bh_arg_uint(napi_env env, napi_value v, const char *name, uint64_t min, uint64_t max, uint64_t *out);
/* An integer-valued number in [min, max] (signed); undefined yields def. */
int bh_arg_int_opt(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out);
/* Like bh_arg_uint, but undefined yields def. */
int bh_arg_uint_opt(napi_env env, napi_value v, const char *name, uint64_t min, uint64_t max, uint64_t def,
                    uint64_t *out);
/* A string of 1..cap-1 UTF-8 bytes, copied NUL-terminated into buf. */
int bh_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t cap);
/* A Buffer/Uint8Array. exact != SIZE_MAX demands that length; else length in [min, max]. The data
 * pointer is never NULL (empty views yield a static empty buffer). */
int bh_arg_bytes(napi_env env, napi_value v, const char *name, size_t exact, size_t min, size_t max,
                 const uint8_t **data, size_t *len);
/* { address: string, port: integer } for a socket of family sock_family. port_min 0 or 1. */
int bh_arg_endpoint(napi_env env, napi_value v, const char *name, int sock_family, uint32_t port_min,
                    bh_endpoint *ep);

/* Builders. */
napi_value bh_endpoint_value(napi_env env, const bh_endpoint *ep); /* {address, port} or NULL */
int bh_set_u64(napi_env env, napi_value obj, const char *key, uint64_t v);
int bh_set_i64(napi_env env, napi_value obj, const char *key, int64_t v);

#endif
