/* report: DataPlane.stats() and DataPlane.macTable(): snapshots taken under the data plane's
 * locks (dp_ops.c), converted to plain objects outside them. */
#include <stdlib.h>

#include "../core/bh_eth.h"
#include "../io/dp_ops.h"
#include "../io/dp_frag.h"
#include "args.h"
#include "js_dp.h"

static const char *const global_names[BH_G__COUNT] = {
    [BH_G_RX_DATAGRAMS] = "rxDatagrams",   [BH_G_RX_BYTES] = "rxBytes",
    [BH_G_TX_DATAGRAMS] = "txDatagrams",   [BH_G_TX_BYTES] = "txBytes",
    [BH_G_TAP_RX_FRAMES] = "tapRxFrames",  [BH_G_TAP_TX_FRAMES] = "tapTxFrames",
    [BH_G_FLOODS] = "floods",              [BH_G_HANDSHAKE_QUEUED] = "handshakeQueued",
    [BH_G_UDP_GSO] = "udpGso",             [BH_G_UDP_GRO] = "udpGro",
    [BH_G_TX_GSO_SENDS] = "txGsoSends",    [BH_G_RX_GRO_BUFFERS] = "rxGroBuffers",
    [BH_G_TX_FRAGMENTS] = "txFragments",   [BH_G_RX_FRAGMENTS] = "rxFragments",
    [BH_G_REASSEMBLED] = "reassembled",    [BH_G_MSS_CLAMPED] = "mssClamped",
    [BH_G_TAP_OFFLOAD] = "tapOffload",     [BH_G_TAP_GSO_FRAMES] = "tapGsoFrames",
    [BH_G_MAX_FRAME_SIZE] = "maxFrameSize", [BH_G_TAP_GRO_FRAMES] = "tapGroFrames",
    [BH_G_TAP_UDP_GRO] = "tapUdpGro",      [BH_G_TX_INLINE_DRAINS] = "txInlineDrains",
    [BH_G_TX_LIGHT_FRAMES] = "txLightFrames", [BH_G_TX_PIPELINE_FRAMES] = "txPipelineFrames",
    [BH_G_PATH_TO_PIPELINE] = "pathToPipeline", [BH_G_PATH_TO_LIGHT] = "pathToLight",
    [BH_G_RELAYED] = "relayed",            [BH_G_RELAY_FLOODS] = "relayFloods",
    [BH_G_TAP_READER] = "tapReaderIoUring", [BH_G_TAP_READER_ERRNO] = "tapReaderErrno",
    [BH_G_TAP_URING_SUBMITS] = "tapUringSubmits", [BH_G_TAP_URING_FRAMES] = "tapUringFrames",
};

/* stats().fq and the drops fq_codel / fq_overflow (counted inside the fq, dp_fq.h) */
static napi_value bh_fq_stats_value(napi_env env, const bh_dp_stats *s, napi_value drops) {
  napi_value o, on;
  BH_NAPI(env, napi_create_object(env, &o));
  napi_get_boolean(env, s->fq_enabled != 0, &on);
  napi_set_named_property(env, o, "enabled", on);
  bh_set_u64(env, o, "enqueued", s->fq.enqueued);
  bh_set_u64(env, o, "dequeued", s->fq.dequeued);
  bh_set_u64(env, o, "codelDrops", s->fq.codel_drops);
  bh_set_u64(env, o, "overflowDrops", s->fq.overflow_drops);
  bh_set_u64(env, o, "rejected", s->fq.rejected);
  bh_set_u64(env, o, "backlogFrames", s->fq.backlog_frames);
  bh_set_u64(env, o, "backlogBytes", s->fq.backlog_bytes);
  bh_set_u64(env, drops, "fq_codel", s->fq.codel_drops);
  bh_set_u64(env, drops, "fq_overflow", s->fq.overflow_drops);
  return o;
}

static napi_value peer_value(napi_env env, const bh_dp_peer_stats *p) {
  napi_value o, ep, key;
  BH_NAPI(env, napi_create_object(env, &o));
  bh_set_u64(env, o, "id", p->id);
  if (p->ep.len) {
    ep = bh_endpoint_value(env, &p->ep);
  } else {
    napi_get_null(env, &ep);
  }
  if (ep) napi_set_named_property(env, o, "endpoint", ep);
  bh_set_u64(env, o, "rxBytes", p->rx_bytes);
  bh_set_u64(env, o, "txBytes", p->tx_bytes);
  bh_set_u64(env, o, "rxFrames", p->rx_frames);
  bh_set_u64(env, o, "txFrames", p->tx_frames);
  bh_set_i64(env, o, "lastRxMs", p->last_rx_ms);
  bh_set_i64(env, o, "lastTxMs", p->last_tx_ms);
  bh_set_u64(env, o, "pathMtu", p->path_mtu);
  if (p->has_key) {
    BH_NAPI(env, napi_create_object(env, &key));
    bh_set_u64(env, key, "localIndex", p->key_local_index);
    bh_set_u64(env, key, "ageMs", p->key_age_ms);
    bh_set_u64(env, key, "sendCounter", p->key_send_counter);
  } else {
    napi_get_null(env, &key);
  }
  napi_set_named_property(env, o, "currentKey", key);
  return o;
}

napi_value bh_m_stats(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  bh_dp_stats s;
  bh_dp_stats_get(js->dp, &s);
  bh_dp_peer_stats *ps = malloc(sizeof *ps * BH_MAX_PEERS);
  if (!ps) {
    bh_throw_errno(env, "DataPlane.stats", -12);
    return NULL;
  }
  uint32_t np = bh_dp_peer_stats_get(js->dp, ps);

  napi_value out, g, drops, mt, peers;
  napi_create_object(env, &out);
  napi_create_object(env, &g);
  napi_create_object(env, &drops);
  napi_create_object(env, &mt);
  napi_create_array_with_length(env, np, &peers);
  for (int i = 0; i < BH_G__COUNT; i++) bh_set_u64(env, g, global_names[i], s.g[i]);
  bh_set_u64(env, g, "eventsDropped", s.events_dropped);
  for (int i = 0; i < BH_DROP__COUNT; i++) bh_set_u64(env, drops, bh_drop_names[i], s.drop[i]);
  bh_set_u64(env, mt, "size", s.mac_size);
  bh_set_u64(env, mt, "capacity", s.mac_capacity);
  bh_set_u64(env, mt, "learned", s.mac.learned);
  bh_set_u64(env, mt, "moved", s.mac.moved);
  bh_set_u64(env, mt, "full", s.mac.full);
  bh_set_u64(env, mt, "aged", s.mac.aged);
  napi_value fq = bh_fq_stats_value(env, &s, drops);
  bh_qos_drops(env, js->dp, drops);
  for (uint32_t i = 0; i < np; i++) {
    napi_value p = peer_value(env, &ps[i]);
    if (p) napi_set_element(env, peers, i, p);
  }
  free(ps);
  napi_set_named_property(env, out, "global", g);
  napi_set_named_property(env, out, "drops", drops);
  napi_set_named_property(env, out, "macTable", mt);
  if (fq) napi_set_named_property(env, out, "fq", fq);
  napi_set_named_property(env, out, "peers", peers);
  return out;
}

napi_value bh_m_mac_table(napi_env env, napi_callback_info info) {
  bh_js *js = bh_js_this(env, info, NULL, NULL);
  if (!js) return NULL;
  uint32_t n = 0;
  bh_dp_mac_entry *v = bh_dp_mac_snapshot(js->dp, &n);
  napi_value arr;
  if (napi_create_array_with_length(env, n, &arr) != napi_ok) {
    free(v);
    bh_throw_last_error(env, "napi_create_array_with_length");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value o, s;
    char mac[18];
    bh_mac_format(v[i].mac, mac);
    napi_create_object(env, &o);
    napi_create_string_utf8(env, mac, NAPI_AUTO_LENGTH, &s);
    napi_set_named_property(env, o, "mac", s);
    bh_set_u64(env, o, "peer", v[i].port);
    bh_set_u64(env, o, "ageMs", v[i].age_ms);
    napi_set_element(env, arr, i, o);
  }
  free(v);
  return arr;
}
