/* bh_loopguard: loop probes out, foreign probes in -> block flooding into the tunnel (see .h). */
#include "bh_loopguard.h"

#include <string.h>

static const uint8_t MAGIC[4] = {'B', 'H', 'L', 'G'};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void bh_lg_init(bh_loopguard *g, const uint8_t mac[6], uint64_t id, uint64_t hold_ns) {
  memset(g, 0, sizeof *g);
  memcpy(g->mac, mac, 6);
  g->id = id;
  g->hold_ns = hold_ns;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

size_t bh_lg_build_probe(bh_loopguard *g, uint8_t *out, size_t cap) {
  if (cap < BH_LG_FRAME_LEN) return 0;
  memset(out, 0, BH_LG_FRAME_LEN);
  memcpy(out, BCAST, 6);
  memcpy(out + 6, g->mac, 6);
  out[12] = BH_LG_ETHERTYPE >> 8;
  out[13] = BH_LG_ETHERTYPE & 0xff;
  memcpy(out + 14, MAGIC, 4);
  put64(out + 18, g->id);
  put64(out + 26, ++g->seq);
  g->c.probes_sent++;
  return BH_LG_FRAME_LEN;
}

static int is_probe_type(const uint8_t *frame, size_t len) {
  return len >= 14 && frame[12] == (BH_LG_ETHERTYPE >> 8) && frame[13] == (BH_LG_ETHERTYPE & 0xff);
}

int bh_lg_from_tap(bh_loopguard *g, const uint8_t *frame, size_t len, uint64_t now_ns, bh_lg_event *ev) {
  *ev = BH_LG_NONE;
  if (!is_probe_type(frame, len)) return 0;
  if (len < 34 || memcmp(frame + 14, MAGIC, 4) != 0) {
    g->c.malformed++; /* another user of the experimental ethertype: not ours, bridged as usual */
    return 0;
  }
  if (get64(frame + 18) == g->id) {
    g->c.own_seen++; /* our own probe came back from our LAN: a loop inside it, not across the sites */
    return 1;
  }
  g->c.foreign_seen++;
  g->last_foreign_ns = now_ns;
  memcpy(g->foreign_mac, frame + 6, 6);
  if (!g->blocked) {
    g->blocked = 1;
    g->blocked_since_ns = now_ns;
    g->c.loops++;
    *ev = BH_LG_DETECTED;
  }
  return 1;
}

int bh_lg_from_peer(bh_loopguard *g, const uint8_t *frame, size_t len) {
  if (!is_probe_type(frame, len) || len < 34 || memcmp(frame + 14, MAGIC, 4) != 0) return 0;
  g->c.from_peer_dropped++;
  return 1;
}

bh_lg_event bh_lg_tick(bh_loopguard *g, uint64_t now_ns) {
  if (!g->blocked || now_ns - g->last_foreign_ns < g->hold_ns) return BH_LG_NONE;
  g->blocked = 0;
  return BH_LG_CLEARED;
}
