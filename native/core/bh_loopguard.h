/* bh_loopguard: detects a second L2 path between the two sites (a backdoor VLAN or cable that also
 * connects the two bridged LANs), which would loop every flooded frame through the tunnel.
 *
 *   every interval: bh_lg_build_probe -> a broadcast frame (ethertype 0x88B5, IEEE local
 *     experimental) carrying this appliance's random id, written to the local LAN only
 *   frames from the LAN: bh_lg_from_tap -> loop probes are consumed (never bridged); one carrying
 *     another appliance's id crossed from the other site's LAN without the tunnel: LOOP, flooding
 *     into the tunnel is blocked (bh_lg_flood_blocked) until no such probe was seen for hold_ns
 *   frames from the tunnel: bh_lg_from_peer -> a loop probe never crosses the tunnel (dropped)
 *   bh_lg_tick: the hold expired -> CLEARED
 *
 * Pure: no clock, no I/O, no allocation; caller-owned state; not thread-safe. */
#ifndef BH_LOOPGUARD_H
#define BH_LOOPGUARD_H

#include <stddef.h>
#include <stdint.h>

#define BH_LG_ETHERTYPE 0x88B5
#define BH_LG_FRAME_LEN 60 /* minimum Ethernet frame: dst, src, type, "BHLG", id (8), seq (8), zero pad */

typedef enum { BH_LG_NONE = 0, BH_LG_DETECTED = 1, BH_LG_CLEARED = 2 } bh_lg_event;

typedef struct {
  uint64_t probes_sent, foreign_seen, own_seen, from_peer_dropped, loops, malformed;
} bh_lg_counters;

typedef struct {
  uint8_t mac[6];   /* source of our probes */
  uint64_t id;      /* this appliance's random id */
  uint64_t hold_ns; /* blocked until no foreign probe seen for this long */
  uint64_t seq;
  uint8_t blocked;
  uint64_t last_foreign_ns, blocked_since_ns;
  uint8_t foreign_mac[6]; /* source MAC of the last foreign probe (the other appliance) */
  bh_lg_counters c;
} bh_loopguard;

void bh_lg_init(bh_loopguard *g, const uint8_t mac[6], uint64_t id, uint64_t hold_ns);
/* The next probe into out (cap >= BH_LG_FRAME_LEN); its length, 0 if cap is too small. */
size_t bh_lg_build_probe(bh_loopguard *g, uint8_t *out, size_t cap);
/* 1 = the frame is a loop probe (consume it; *ev says whether a loop was just detected), 0 = not. */
int bh_lg_from_tap(bh_loopguard *g, const uint8_t *frame, size_t len, uint64_t now_ns, bh_lg_event *ev);
/* 1 = a loop probe from the tunnel: drop it. */
int bh_lg_from_peer(bh_loopguard *g, const uint8_t *frame, size_t len);
/* BH_LG_CLEARED when the hold has expired since the last foreign probe. */
bh_lg_event bh_lg_tick(bh_loopguard *g, uint64_t now_ns);
static inline int bh_lg_flood_blocked(const bh_loopguard *g) { return g->blocked; }

#endif
