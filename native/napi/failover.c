/* failover: the partial-failover methods of DataPlane (docs/INTERNALS.md section 2 and 5.3):
 * setFailoverOptions, setNeighbor, deleteNeighbor, neighbors, setQuarantine, announce, probe,
 * failoverStats, and the event objects 'neigh', 'neigh-gone', 'probe-answer', 'mac-table-full'.
 * Arguments are checked strictly; errors quote the bad value. The operations go through
 * native/io/dp_ops.c (which takes the locks) into native/io/dp_failover.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/dp_ops.h"
#include "args.h"
#include "js_dp.h"

/* ---- argument parsing ---- */

static int arg_ip(napi_env env, napi_value v, const char *name, bh_ipaddr *out) {
  char buf[64];
  if (bh_arg_string(env, v, name, buf, sizeof buf) < 0) return -1;
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, buf, out->addr) == 1) {
    out->family = 4;
    return 0;
  }
  if (inet_pton(AF_INET6, buf, out->addr) == 1) {
    out->family = 6;
    return 0;
  }
  bh_throw_range(env, "%s must be an IPv4 or IPv6 address, got '%s'", name, buf);
  return -1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "aa:bb:cc:dd:ee:ff" (either case), a unicast, non-zero address. */
static int arg_mac(napi_env env, napi_value v, const char *name, uint8_t mac[6]) {
  char buf[64];
  if (bh_arg_string(env, v, name, buf, sizeof buf) < 0) return -1;
  int ok = strlen(buf) == 17;
  for (int i = 0; ok && i < 6; i++) {
    int hi = hexval(buf[3 * i]), lo = hexval(buf[3 * i + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && buf[3 * i + 2] != ':')) ok = 0;
    else mac[i] = (uint8_t)(hi << 4 | lo);
  }
  if (!ok) {
    bh_throw_range(env, "%s must be a MAC address like 02:00:00:00:00:01, got '%s'", name, buf);
    return -1;
  }
  if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
    bh_throw_range(env, "%s must be a unicast, non-zero MAC address, got '%s'", name, buf);
    return -1;
  }
  return 0;
}

static int arg_bool_opt(napi_env env, napi_value obj, const char *key, const char *name, int def, int *out) {
  napi_value v;
  *out = def;
  if (bh_get(env, obj, key, &v) < 0) return -1;
  return bh_is_undefined(env, v) ? 0 : bh_arg_bool(env, v, name, out);
}

static int arg_u32_field(napi_env env, napi_value obj, const char *key, const char *name, uint64_t max, uint32_t *out) {
  napi_value v;
  uint64_t x;
  if (bh_get(env, obj, key, &v) < 0 || bh_arg_uint(env, v, name, 0, max, &x) < 0) return -1;
  *out = (uint32_t)x;
  return 0;
}

/* CIDR "a.b.c.d/len" or "x::/len", no host bits. */
static int arg_prefix(napi_env env, napi_value v, const char *name, bh_prefix *out) {
  char buf[80];
  if (bh_arg_string(env, v, name, buf, sizeof buf) < 0) return -1;
  char *slash = strchr(buf, '/'), *end = NULL;
  memset(out, 0, sizeof *out);
  int ok = slash && slash[1] >= '0' && slash[1] <= '9';
  long len = ok ? strtol(slash + 1, &end, 10) : -1;
  if (ok) {
    *slash = 0;
    ok = *end == 0 && (slash[1] != '0' || slash[2] == 0);
    if (ok && inet_pton(AF_INET, buf, out->net.addr) == 1) out->net.family = 4;
    else if (ok && inet_pton(AF_INET6, buf, out->net.addr) == 1) out->net.family = 6;
    else ok = 0;
    *slash = '/';
  }
  if (ok) {
    bh_prefixset probe;
    bh_prefixset_init(&probe);
    ok = len >= 0 && len <= 128 && bh_prefixset_add(&probe, &out->net, (uint8_t)len) == 0;
    out->len = (uint8_t)len;
  }
  if (!ok) bh_throw_range(env, "%s must be a CIDR prefix without host bits (e.g. 198.18.0.0/15), got '%s'", name, buf);
  return ok ? 0 : -1;
}

static int arg_storm_dir(napi_env env, napi_value storm, const char *key, bh_storm_rate rate[3]) {
  static const char *const pps[] = {"broadcastPps", "multicastPps", "unknownUnicastPps"};
  static const char *const burst[] = {"broadcastBurst", "multicastBurst", "unknownUnicastBurst"};
  napi_value d;
  char name[96];
  snprintf(name, sizeof name, "options.storm.%s", key);
  if (bh_get(env, storm, key, &d) < 0 || bh_arg_object(env, d, name) < 0) return -1;
  for (int k = 0; k < 3; k++) {
    char n1[128], n2[128];
    snprintf(n1, sizeof n1, "%s.%s", name, pps[k]);
    snprintf(n2, sizeof n2, "%s.%s", name, burst[k]);
    if (arg_u32_field(env, d, pps[k], n1, BH_STORM_MAX_PPS, &rate[k].pps) < 0 ||
        arg_u32_field(env, d, burst[k], n2, BH_STORM_MAX_PPS, &rate[k].burst) < 0)
      return -1;
    if (rate[k].pps && !rate[k].burst) {
      bh_throw_range(env, "%s must be at least 1 when %s is not 0, got 0", n2, n1);
      return -1;
    }
  }
  return 0;
}

static int parse_options(napi_env env, napi_value v, bh_dp_fo_options *o) {
  int b;
  memset(o, 0, sizeof *o);
  if (bh_arg_object(env, v, "options") < 0) return -1;
  if (arg_bool_opt(env, v, "proxyArp", "options.proxyArp", 1, &b) < 0) return -1;
  o->proxy_arp = (uint8_t)b;
  if (arg_bool_opt(env, v, "proxyNd", "options.proxyNd", 1, &b) < 0) return -1;
  o->proxy_nd = (uint8_t)b;
  if (arg_bool_opt(env, v, "loopGuard", "options.loopGuard", 0, &b) < 0) return -1;
  o->loop_guard = (uint8_t)b;
  napi_value lp, iso, storm;
  if (bh_get(env, v, "learnPrefixes", &lp) < 0) return -1;
  if (!bh_is_undefined(env, lp)) {
    bool is = false;
    uint32_t n = 0;
    if (napi_is_array(env, lp, &is) != napi_ok || !is) {
      char d[96];
      bh_describe(env, lp, d, sizeof d);
      bh_throw_type(env, "options.learnPrefixes must be an array of CIDR strings, got %s", d);
      return -1;
    }
    napi_get_array_length(env, lp, &n);
    if (n > BH_PREFIXSET_CAP) {
      bh_throw_range(env, "options.learnPrefixes holds at most %d prefixes, got %u", BH_PREFIXSET_CAP, n);
      return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
      napi_value e;
      char name[48];
      snprintf(name, sizeof name, "options.learnPrefixes[%u]", i);
      if (napi_get_element(env, lp, i, &e) != napi_ok || arg_prefix(env, e, name, &o->prefixes[i]) < 0) return -1;
    }
    o->n_prefixes = n;
  }
  if (bh_get(env, v, "isolate", &iso) < 0) return -1;
  if (!bh_is_undefined(env, iso)) {
    static const char *const keys[] = {"dhcp", "vrrp", "hsrp", "ra"};
    static const uint32_t bits[] = {BH_L2F_ISOLATE_DHCP, BH_L2F_ISOLATE_VRRP, BH_L2F_ISOLATE_HSRP, BH_L2F_ISOLATE_RA};
    if (bh_arg_object(env, iso, "options.isolate") < 0) return -1;
    for (int k = 0; k < 4; k++) {
      char name[48];
      snprintf(name, sizeof name, "options.isolate.%s", keys[k]);
      if (arg_bool_opt(env, iso, keys[k], name, 0, &b) < 0) return -1;
      if (b) o->isolate |= bits[k];
    }
  }
  bh_dp_fo_default_storm(&o->storm);
  if (bh_get(env, v, "storm", &storm) < 0) return -1;
  if (!bh_is_undefined(env, storm)) {
    if (bh_arg_object(env, storm, "options.storm") < 0 ||
        arg_storm_dir(env, storm, "toTunnel", o->storm.rate[BH_STORM_TO_TUNNEL]) < 0 ||
        arg_storm_dir(env, storm, "fromTunnel", o->storm.rate[BH_STORM_FROM_TUNNEL]) < 0)
      return -1;
  }
  return 0;
}

/* ---- value builders ---- */

static napi_value str(napi_env env, const char *s) {
  napi_value v = NULL;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static void set_str(napi_env env, napi_value o, const char *k, const char *s) {
  napi_set_named_property(env, o, k, str(env, s));
}

static void set_bool(napi_env env, napi_value o, const char *k, int b) {
  napi_value v;
  napi_get_boolean(env, b != 0, &v);
  napi_set_named_property(env, o, k, v);
}

static void ip_text(const bh_ipaddr *ip, char out[INET6_ADDRSTRLEN]) {
  if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr, out, INET6_ADDRSTRLEN)) strcpy(out, "?");
}

static void mac_text(const uint8_t mac[6], char out[18]) {
  snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static const char *origin_name(uint8_t o) {
  static const char *const names[] = {"?", "arp", "nd", "traffic", "peer", "static"};
  return o < sizeof names / sizeof names[0] ? names[o] : "?";
}

static int origin_parse(const char *s) {
  for (int o = BH_NEIGH_ORIGIN_ARP; o <= BH_NEIGH_ORIGIN_STATIC; o++)
    if (strcmp(s, origin_name((uint8_t)o)) == 0) return o;
  return -1;
}

/* The failover events (events.c calls this for the types it does not know); NULL = unknown. */
napi_value bh_failover_event_value(napi_env env, const bh_event *ev) {
  napi_value o;
  char ip[INET6_ADDRSTRLEN], mac[18];
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  switch (ev->type) {
    case BH_EV_NEIGH:
    case BH_EV_PROBE_ANSWER: {
      bh_fo_neigh_event d;
      if (ev->len != sizeof d) return NULL;
      memcpy(&d, ev->data, sizeof d);
      ip_text(&d.ip, ip);
      mac_text(d.mac, mac);
      set_str(env, o, "type", ev->type == BH_EV_NEIGH ? "neigh" : "probe-answer");
      set_str(env, o, "ip", ip);
      set_str(env, o, "mac", mac);
      if (ev->type == BH_EV_NEIGH) {
        set_str(env, o, "how", bh_fo_how_name((bh_fo_how)d.how));
        set_bool(env, o, "router", d.router);
        set_str(env, o, "result", bh_neigh_result_name((bh_neigh_result)d.result));
        bh_set_u64(env, o, "seq", d.seq);
      }
      return o;
    }
    case BH_EV_NEIGH_GONE: {
      bh_ipaddr a;
      if (ev->len != sizeof a) return NULL;
      memcpy(&a, ev->data, sizeof a);
      ip_text(&a, ip);
      set_str(env, o, "type", "neigh-gone");
      set_str(env, o, "ip", ip);
      return o;
    }
    case BH_EV_MAC_TABLE_FULL:
      set_str(env, o, "type", "mac-table-full");
      bh_set_u64(env, o, "capacity", ev->local_index);
      return o;
    case BH_EV_LOOP: {
      bh_fo_loop_event d;
      if (ev->len != sizeof d) return NULL;
      memcpy(&d, ev->data, sizeof d);
      set_str(env, o, "type", "loop");
      set_str(env, o, "state", d.detected ? "detected" : "cleared");
      if (d.detected) {
        mac_text(d.mac, mac);
        set_str(env, o, "mac", mac);
      }
      return o;
    }
    default: return NULL;
  }
}

/* ---- methods ---- */

napi_value bh_m_set_failover_options(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bh_js *js = bh_js_this(env, info, &argc, argv);
  if (!js) return NULL;
  bh_dp_fo_options *o = malloc(sizeof *o);
  if (!o) {
    bh_throw_errno(env, "setFailoverOptions", -ENOMEM);
    return NULL;
  }
  int rc = parse_options(env, argv[0], o);
  if (rc == 0 && (rc = bh_dp_set_failover_options(js->dp, o)) < 0) bh_throw_errno(env, "setFailoverOptions", rc);
  free(o);
  return NULL;
}

napi_value bh_m_set_neighbor(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], v;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  if (!js) return NULL;
  bh_neigh_entry e;
  memset(&e, 0, sizeof e);
  uint64_t peer, seq;
  int router, frozen;
  if (arg_ip(env, argv[0], "ip", &e.ip) < 0 || bh_arg_object(env, argv[1], "entry") < 0) return NULL;
  if (bh_get(env, argv[1], "mac", &v) < 0 || arg_mac(env, v, "entry.mac", e.mac) < 0) return NULL;
  if (bh_get(env, argv[1], "peer", &v) < 0 || bh_arg_uint(env, v, "entry.peer", 0, 65535, &peer) < 0) return NULL;
  if (bh_get(env, argv[1], "seq", &v) < 0 || bh_arg_uint(env, v, "entry.seq", 0, UINT32_MAX, &seq) < 0) return NULL;
  if (arg_bool_opt(env, argv[1], "router", "entry.router", 0, &router) < 0 ||
      arg_bool_opt(env, argv[1], "frozen", "entry.frozen", 0, &frozen) < 0)
    return NULL;
  e.site = (bh_port)peer;
  e.seq = (uint32_t)seq;
  e.flags = router ? BH_NEIGH_F_ROUTER : 0;
  e.origin = peer ? BH_NEIGH_ORIGIN_PEER : BH_NEIGH_ORIGIN_STATIC;
  if (bh_get(env, argv[1], "origin", &v) < 0) return NULL;
  if (!bh_is_undefined(env, v)) {
    char o[16];
    int oi = -1;
    if (bh_arg_string(env, v, "entry.origin", o, sizeof o) < 0) return NULL;
    if ((oi = origin_parse(o)) < 0) {
      bh_throw_range(env, "entry.origin must be 'arp', 'nd', 'traffic', 'peer' or 'static', got '%s'", o);
      return NULL;
    }
    e.origin = (uint8_t)oi;
  } else if (!peer) {
    e.origin = e.ip.family == 4 ? BH_NEIGH_ORIGIN_ARP : BH_NEIGH_ORIGIN_ND; /* local, ages like learned */
  }
  bh_neigh_result r = bh_dp_set_neighbor(js->dp, &e, frozen);
  return str(env, bh_neigh_result_name(r));
}

napi_value bh_m_delete_neighbor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  bh_ipaddr ip;
  if (!js || arg_ip(env, argv[0], "ip", &ip) < 0) return NULL;
  napi_get_boolean(env, bh_dp_delete_neighbor(js->dp, &ip) != 0, &out);
  return out;
}

napi_value bh_m_neighbors(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  uint32_t n = 0;
  bh_dp_fo_neighbor *list = bh_dp_neighbors(js->dp, &n);
  napi_value arr;
  if (napi_create_array_with_length(env, n, &arr) != napi_ok) {
    free(list);
    bh_throw_last_error(env, "napi_create_array_with_length");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value o;
    char ip[INET6_ADDRSTRLEN], mac[18];
    const bh_neigh_entry *e = &list[i].e;
    napi_create_object(env, &o);
    ip_text(&e->ip, ip);
    mac_text(e->mac, mac);
    set_str(env, o, "ip", ip);
    set_str(env, o, "mac", mac);
    bh_set_u64(env, o, "peer", e->site);
    bh_set_u64(env, o, "seq", e->seq);
    set_str(env, o, "origin", origin_name(e->origin));
    set_bool(env, o, "router", e->flags & BH_NEIGH_F_ROUTER);
    set_bool(env, o, "frozen", e->flags & BH_NEIGH_F_QUARANTINE);
    bh_set_u64(env, o, "ageMs", list[i].age_ms);
    napi_set_element(env, arr, i, o);
  }
  free(list);
  return arr;
}

napi_value bh_m_set_quarantine(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bh_js *js = bh_js_this(env, info, &argc, argv);
  uint8_t mac[6];
  int on;
  if (!js || arg_mac(env, argv[0], "mac", mac) < 0 || bh_arg_bool(env, argv[1], "on", &on) < 0) return NULL;
  if (bh_dp_set_quarantine(js->dp, mac, on) < 0)
    bh_throw_range(env, "setQuarantine: at most %d quarantined MACs; cannot add '%02x:%02x:%02x:%02x:%02x:%02x'",
                   BH_MACSET_CAP, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return NULL;
}

napi_value bh_m_announce(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  bh_ipaddr ip;
  uint8_t mac[6];
  int router = 0;
  if (!js || arg_ip(env, argv[0], "ip", &ip) < 0 || arg_mac(env, argv[1], "mac", mac) < 0) return NULL;
  if (!bh_is_undefined(env, argv[2]) && bh_arg_bool(env, argv[2], "router", &router) < 0) return NULL;
  int rc = bh_dp_announce(js->dp, &ip, mac, router);
  if (rc == -EINVAL) {
    char t[INET6_ADDRSTRLEN];
    ip_text(&ip, t);
    bh_throw_range(env, "announce: ip must be a unicast address, got '%s'", t);
    return NULL;
  }
  napi_get_boolean(env, rc == 0, &out);
  return out;
}

napi_value bh_m_probe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  bh_js *js = bh_js_this(env, info, &argc, argv);
  bh_ipaddr ip;
  if (!js || arg_ip(env, argv[0], "ip", &ip) < 0) return NULL;
  int rc = bh_dp_probe_neighbor(js->dp, &ip);
  if (rc == -EINVAL) {
    char t[INET6_ADDRSTRLEN];
    ip_text(&ip, t);
    bh_throw_range(env, "probe: ip must be a unicast address, got '%s'", t);
    return NULL;
  }
  napi_get_boolean(env, rc == 0, &out);
  return out;
}

static napi_value storm_dir(napi_env env, const bh_storm_counters *c) {
  static const char *const names[] = {"broadcast", "multicast", "unknownUnicast"};
  napi_value d;
  napi_create_object(env, &d);
  for (int k = 0; k < 3; k++) {
    napi_value x;
    napi_create_object(env, &x);
    bh_set_u64(env, x, "passed", c->passed[k]);
    bh_set_u64(env, x, "dropped", c->dropped[k]);
    napi_set_named_property(env, d, names[k], x);
  }
  return d;
}

napi_value bh_m_failover_stats(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  bh_dp_fo_stats s;
  bh_dp_failover_stats_get(js->dp, &s);
  napi_value out, nt, storm, probes;
  napi_create_object(env, &out);
  napi_create_object(env, &nt);
  bh_set_u64(env, nt, "size", s.neigh_size);
  bh_set_u64(env, nt, "capacity", s.neigh_capacity);
  bh_set_u64(env, nt, "learned", s.neigh.learned);
  bh_set_u64(env, nt, "moved", s.neigh.moved);
  bh_set_u64(env, nt, "macChanged", s.neigh.mac_changed);
  bh_set_u64(env, nt, "stale", s.neigh.stale);
  bh_set_u64(env, nt, "conflicts", s.neigh.conflicts);
  bh_set_u64(env, nt, "full", s.neigh.full);
  bh_set_u64(env, nt, "aged", s.neigh.aged);
  bh_set_u64(env, nt, "ignored", s.neigh.ignored);
  bh_set_u64(env, nt, "removed", s.neigh.removed);
  napi_set_named_property(env, out, "neighTable", nt);
  napi_create_object(env, &storm);
  napi_set_named_property(env, storm, "toTunnel", storm_dir(env, &s.storm[BH_STORM_TO_TUNNEL]));
  napi_set_named_property(env, storm, "fromTunnel", storm_dir(env, &s.storm[BH_STORM_FROM_TUNNEL]));
  napi_set_named_property(env, out, "storm", storm);
  bh_set_u64(env, out, "arpProxied", s.fo.arp_proxied);
  bh_set_u64(env, out, "ndProxied", s.fo.nd_proxied);
  bh_set_u64(env, out, "quarantinedMacs", s.quarantined_macs);
  bh_set_u64(env, out, "quarantinedDropped", s.fo.quarantined_dropped);
  bh_set_u64(env, out, "autoPrefixesFull", s.fo.auto_prefixes_full);
  bh_set_u64(env, out, "arpInvalid", s.fo.arp_invalid);
  bh_set_u64(env, out, "ndInvalid", s.fo.nd_invalid);
  bh_set_u64(env, out, "macTableFullEvents", s.mac_full_events);
  napi_create_object(env, &probes);
  bh_set_u64(env, probes, "sent", s.fo.probes_sent);
  bh_set_u64(env, probes, "answered", s.fo.probe_answers);
  bh_set_u64(env, probes, "expired", s.fo.probes_expired);
  bh_set_u64(env, probes, "evicted", s.fo.probes_evicted);
  napi_set_named_property(env, out, "probes", probes);
  napi_value lg;
  napi_create_object(env, &lg);
  set_bool(env, lg, "blocked", s.lg_blocked);
  bh_set_u64(env, lg, "loops", s.lg.loops);
  bh_set_u64(env, lg, "probesSent", s.lg.probes_sent);
  bh_set_u64(env, lg, "foreignSeen", s.lg.foreign_seen);
  bh_set_u64(env, lg, "ownSeen", s.lg.own_seen);
  bh_set_u64(env, lg, "fromTunnelDropped", s.lg.from_peer_dropped);
  napi_set_named_property(env, out, "loopGuard", lg);
  return out;
}
