/* qos: DataPlane.setQos(settings) and DataPlane.qosStats() (QoS bands + shaper, native/io/dp_qos.h).
 * Only a data plane created with options.qos = true has the band scheduler; on others setQos
 * throws ERR_QOS_OFF and qosStats() answers { enabled: false, bands: [], ... }. setQos replaces
 * every setting: an omitted field takes its default (no rate, share 50, the default DSCP map, no
 * rules). Also bh_qos_drops: the drop counter qos_band_full for stats().drops. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../io/dp_ops.h"
#include "args.h"
#include "js_dp.h"

#define WHAT "DataPlane.setQos"

static int band_of_name(const char *s) {
  for (int b = 0; b < BH_QOS_BANDS; b++)
    if (strcmp(s, bh_qos_band_names[b]) == 0) return b;
  return -1;
}

static int parse_band(napi_env env, napi_value v, const char *name, uint8_t *out) {
  char buf[32];
  if (bh_arg_string(env, v, name, buf, sizeof buf) < 0) return -1;
  int b = band_of_name(buf);
  if (b < 0) {
    bh_throw(env, "ERR_INVALID_ARG_VALUE",
             "%s must be one of network-control, realtime, interactive, best-effort, bulk, got '%s'", name, buf);
    return -1;
  }
  *out = (uint8_t)b;
  return 0;
}

static int parse_rule(napi_env env, napi_value v, uint32_t i, bh_qos_rule *r) {
  char name[64];
  napi_value proto, from, to, band;
  uint64_t p, a, b;
  snprintf(name, sizeof name, WHAT ": rules[%u]", i);
  if (bh_arg_object(env, v, name) < 0) return -1;
  if (bh_get(env, v, "proto", &proto) < 0 || bh_get(env, v, "portFrom", &from) < 0 ||
      bh_get(env, v, "portTo", &to) < 0 || bh_get(env, v, "band", &band) < 0)
    return -1;
  snprintf(name, sizeof name, WHAT ": rules[%u].proto", i);
  if (bh_arg_uint(env, proto, name, 0, 255, &p) < 0) return -1;
  snprintf(name, sizeof name, WHAT ": rules[%u].portFrom", i);
  if (bh_arg_uint(env, from, name, 0, 65535, &a) < 0) return -1;
  snprintf(name, sizeof name, WHAT ": rules[%u].portTo", i);
  if (bh_arg_uint(env, to, name, a, 65535, &b) < 0) return -1;
  snprintf(name, sizeof name, WHAT ": rules[%u].band", i);
  if (parse_band(env, band, name, &r->band) < 0) return -1;
  r->proto = (uint8_t)p;
  r->port_from = (uint16_t)a;
  r->port_to = (uint16_t)b;
  return 0;
}

static int parse_rules(napi_env env, napi_value v, bh_qos_rules *rules) {
  if (bh_is_undefined(env, v)) return 0;
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, v, &is_array);
  if (!is_array) {
    bh_throw_type(env, WHAT ": rules must be an array");
    return -1;
  }
  napi_get_array_length(env, v, &n);
  if (n > BH_QOS_MAX_RULES) {
    bh_throw_range(env, WHAT ": at most %d rules, got %u", BH_QOS_MAX_RULES, n);
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok || parse_rule(env, e, i, &rules->rule[i]) < 0) return -1;
  }
  rules->n = n;
  return 0;
}

static int parse_dscp(napi_env env, napi_value v, uint8_t dscp[BH_QOS_BANDS]) {
  if (bh_is_undefined(env, v)) return 0;
  if (bh_arg_object(env, v, WHAT ": outerDscp") < 0) return -1;
  for (int b = 0; b < BH_QOS_BANDS; b++) {
    napi_value x;
    char name[64];
    uint64_t d;
    snprintf(name, sizeof name, WHAT ": outerDscp['%s']", bh_qos_band_names[b]);
    if (bh_get(env, v, bh_qos_band_names[b], &x) < 0 || bh_arg_uint_opt(env, x, name, 0, 63, dscp[b], &d) < 0)
      return -1;
    dscp[b] = (uint8_t)d;
  }
  return 0;
}

napi_value bh_m_set_qos(napi_env env, napi_callback_info info) {
  napi_value argv[1], rate, share, rules, dscp, u;
  size_t argc = 1;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  if (!js) return NULL;
  bh_dp_qos_settings s;
  bh_dp_qos_default_settings(&s);
  uint64_t r, pct;
  if (bh_arg_object(env, argv[0], WHAT ": settings") < 0 || bh_get(env, argv[0], "wanRateBitsPerS", &rate) < 0 ||
      bh_get(env, argv[0], "realtimeSharePct", &share) < 0 || bh_get(env, argv[0], "rules", &rules) < 0 ||
      bh_get(env, argv[0], "outerDscp", &dscp) < 0)
    return NULL;
  if (bh_arg_uint_opt(env, rate, WHAT ": wanRateBitsPerS", 0, BH_QOS_RATE_MAX, 0, &r) < 0 ||
      bh_arg_uint_opt(env, share, WHAT ": realtimeSharePct", 1, 100, BH_QOS_DEFAULT_SHARE, &pct) < 0 ||
      parse_rules(env, rules, &s.rules) < 0 || parse_dscp(env, dscp, s.dscp) < 0)
    return NULL;
  s.rate_bits_per_s = r;
  s.priority_share_pct = (uint32_t)pct;
  if (bh_dp_set_qos(js->dp, &s) == -ENOTSUP) {
    bh_throw(env, "ERR_QOS_OFF", WHAT ": this data plane was created without options.qos");
    return NULL;
  }
  napi_get_undefined(env, &u);
  return u;
}

static napi_value band_value(napi_env env, const bh_dp_qos_snapshot *q, int b) {
  napi_value o, name;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, bh_qos_band_names[b], NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, o, "name", name);
  bh_set_u64(env, o, "dscp", q->set.dscp[b]);
  bh_set_u64(env, o, "enqueued", q->band[b].enqueued);
  bh_set_u64(env, o, "sent", q->band[b].sent);
  bh_set_u64(env, o, "sentBytes", q->band[b].sent_bytes);
  bh_set_u64(env, o, "dropped", q->band[b].dropped);
  bh_set_u64(env, o, "depthPackets", q->band[b].depth_packets);
  bh_set_u64(env, o, "depthBytes", q->band[b].depth_bytes);
  bh_set_u64(env, o, "limitPackets", q->limit[b].packets);
  bh_set_u64(env, o, "limitBytes", q->limit[b].bytes);
  return o;
}

static napi_value rule_value(napi_env env, const bh_qos_rule *r) {
  napi_value o, band;
  napi_create_object(env, &o);
  bh_set_u64(env, o, "proto", r->proto);
  bh_set_u64(env, o, "portFrom", r->port_from);
  bh_set_u64(env, o, "portTo", r->port_to);
  napi_create_string_utf8(env, bh_qos_band_names[r->band < BH_QOS_BANDS ? r->band : BH_QOS_BEST_EFFORT],
                          NAPI_AUTO_LENGTH, &band);
  napi_set_named_property(env, o, "band", band);
  return o;
}

napi_value bh_m_qos_stats(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  bh_dp_qos_snapshot q;
  memset(&q, 0, sizeof q);
  int on = bh_dp_qos_get(js->dp, &q);
  napi_value out, enabled, bands, rules;
  napi_create_object(env, &out);
  napi_get_boolean(env, on, &enabled);
  napi_set_named_property(env, out, "enabled", enabled);
  bh_set_u64(env, out, "wanRateBitsPerS", q.set.rate_bits_per_s);
  bh_set_u64(env, out, "realtimeSharePct", q.set.priority_share_pct);
  bh_set_u64(env, out, "shaperDelayed", q.shaper_delayed);
  napi_create_array_with_length(env, on ? BH_QOS_BANDS : 0, &bands);
  for (int b = 0; on && b < BH_QOS_BANDS; b++) napi_set_element(env, bands, (uint32_t)b, band_value(env, &q, b));
  napi_create_array_with_length(env, q.set.rules.n, &rules);
  for (uint32_t i = 0; i < q.set.rules.n; i++) napi_set_element(env, rules, i, rule_value(env, &q.set.rules.rule[i]));
  napi_set_named_property(env, out, "bands", bands);
  napi_set_named_property(env, out, "rules", rules);
  return out;
}

void bh_qos_drops(napi_env env, bh_dp *dp, napi_value drops) {
  bh_dp_qos_snapshot q;
  uint64_t sum = 0;
  if (bh_dp_qos_get(dp, &q))
    for (int b = 0; b < BH_QOS_BANDS; b++) sum += q.band[b].dropped;
  bh_set_u64(env, drops, "qos_band_full", sum);
}
