/* bh_neigh: bounded neighbor table IP (v4 or v6) -> {MAC, site, mobility sequence number, origin,
 * flags, last seen}, for proxy-ARP/ND and host mobility (EVPN-style sequence numbers, RFC 7432
 * section 15). Open addressing with a seeded keyed hash and backward-shift deletion, like
 * bh_mactable; all memory is allocated once in _new. Not thread-safe: callers lock.
 *
 * Two writers:
 *  - the data plane, with what it sees on the local LAN (bh_neigh_learn_local, site = local);
 *  - the control plane, with the peer's entries and operator decisions (bh_neigh_apply, explicit
 *    site and sequence number).
 * Sequence-number rules (per IP):
 *  - a host seen locally whose entry lives at another site moves here with seq + 1 (MOVED);
 *  - an applied update with a higher seq wins; a lower seq is stale (ignored, counted);
 *    an equal seq from a different site, or with a different MAC, is a CONFLICT (entry unchanged);
 *  - a gratuitous ARP / unsolicited NA (announce) updates the entry at once, even to a new MAC;
 *    ordinary ARP/ND from a different MAC than a remote entry is a CONFLICT; ordinary traffic never
 *    changes an entry's MAC (a routed packet carries the router's MAC), it only creates, refreshes
 *    and moves entries with the same MAC;
 *  - entries flagged QUARANTINE or STATIC are never changed by local learning. */
#ifndef BH_NEIGH_H
#define BH_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include "bh_mactable.h" /* bh_port: 0 = local site, 1..65535 = peer id */

typedef struct {
  uint8_t family;   /* 4 or 6 */
  uint8_t addr[16]; /* IPv4 in addr[0..3] (network order), the rest zero */
} bh_ipaddr;

typedef enum {
  BH_NEIGH_ORIGIN_ARP = 1,
  BH_NEIGH_ORIGIN_ND = 2,
  BH_NEIGH_ORIGIN_TRAFFIC = 3,
  BH_NEIGH_ORIGIN_PEER = 4,
  BH_NEIGH_ORIGIN_STATIC = 5
} bh_neigh_origin;

#define BH_NEIGH_F_ROUTER 1     /* NA Router flag as last seen/announced */
#define BH_NEIGH_F_QUARANTINE 2 /* set by the control plane during a conflict: not proxied, not learned over */

typedef struct {
  bh_ipaddr ip;
  uint8_t mac[6];
  uint8_t origin; /* bh_neigh_origin */
  uint8_t flags;  /* BH_NEIGH_F_* */
  bh_port site;
  uint32_t seq;
  uint64_t last_seen_ns;
} bh_neigh_entry;

typedef enum {
  BH_NEIGH_NEW = 0,
  BH_NEIGH_REFRESHED = 1,
  BH_NEIGH_MOVED = 2,       /* site changed (local learning: seq + 1) */
  BH_NEIGH_MAC_CHANGED = 3, /* same site, new MAC (local learning: seq + 1) */
  BH_NEIGH_UPDATED = 4,     /* applied higher seq, same site and MAC */
  BH_NEIGH_STALE = 5,       /* applied lower seq: ignored */
  BH_NEIGH_CONFLICT = 6,    /* see the rules above: entry unchanged, report to the control plane */
  BH_NEIGH_FULL = 7,        /* table full: not learned */
  BH_NEIGH_IGNORED = 8      /* invalid input, weak evidence, quarantined or static entry */
} bh_neigh_result;

typedef struct {
  uint64_t learned, moved, mac_changed, stale, conflicts, full, aged, ignored, removed;
} bh_neigh_counters;

typedef struct bh_neigh bh_neigh;

/* capacity 1 .. 1<<22; local_age_ns > 0 (local learned entries); remote_age_ns: entries of other
 * sites age after this, 0 = never (the control plane withdraws them). STATIC entries never age.
 * NULL on bad arguments or OOM. */
bh_neigh *bh_neigh_new(uint32_t capacity, uint64_t local_age_ns, uint64_t remote_age_ns, uint64_t seed);
void bh_neigh_free(bh_neigh *t);

/* What the data plane saw on the local LAN. */
typedef struct {
  bh_ipaddr ip;
  const uint8_t *mac;
  uint8_t origin;   /* ARP, ND or TRAFFIC */
  uint8_t announce; /* gratuitous ARP / unsolicited NA */
  uint8_t router;   /* NA Router flag (ND only) */
} bh_neigh_seen;

/* before (optional): the entry as it was (zeroed if absent); after (optional): as it is now.
 * Invalid input (family, group/zero MAC, unspecified/multicast address) -> IGNORED. */
bh_neigh_result bh_neigh_learn_local(bh_neigh *t, const bh_neigh_seen *seen, uint64_t now_ns, bh_neigh_entry *before,
                                     bh_neigh_entry *after);
/* Control-plane update (peer entries, operator, mobility decisions): in->ip, mac, site, seq,
 * origin, flags; last_seen_ns is set to now_ns. An update keeps the entry's QUARANTINE bit (only
 * bh_neigh_set_flags changes it); a new entry takes in->flags as given. */
bh_neigh_result bh_neigh_apply(bh_neigh *t, const bh_neigh_entry *in, uint64_t now_ns, bh_neigh_entry *before,
                               bh_neigh_entry *after);

/* 1 = present and not aged (*out filled), 0 = unknown. */
int bh_neigh_lookup(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns, bh_neigh_entry *out);
/* Proxy answer: 1 iff the IP is known to live at another site (site != local), fresh (not aged)
 * and not quarantined; *out holds the MAC and flags to answer with. */
int bh_neigh_proxy_lookup(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns, bh_neigh_entry *out);
/* Refresh last_seen without other changes; 1 if present. */
int bh_neigh_touch(bh_neigh *t, const bh_ipaddr *ip, uint64_t now_ns);
/* Set/clear BH_NEIGH_F_* bits; 1 if present. */
int bh_neigh_set_flags(bh_neigh *t, const bh_ipaddr *ip, uint8_t set, uint8_t clear);
int bh_neigh_remove(bh_neigh *t, const bh_ipaddr *ip); /* 1 if removed (counted) */
/* Incremental aging sweep of at most `budget` slots, resuming where the last call stopped. */
uint32_t bh_neigh_expire(bh_neigh *t, uint64_t now_ns, uint32_t budget);
/* Optional: called with each aged entry just before it is removed (by the sweep, or when its slot
 * is reclaimed by a lookup or an insert), so the caller can report it ('neigh-gone').
 * fn must not modify the table. NULL turns it off. */
typedef void (*bh_neigh_aged_fn)(void *ctx, const bh_neigh_entry *e);
void bh_neigh_on_aged(bh_neigh *t, bh_neigh_aged_fn fn, void *ctx);
void bh_neigh_forget_site(bh_neigh *t, bh_port site); /* peer removed: drop its entries */

uint32_t bh_neigh_size(const bh_neigh *t);
uint32_t bh_neigh_capacity(const bh_neigh *t);
uint32_t bh_neigh_slots(const bh_neigh *t);
bh_neigh_counters bh_neigh_counters_get(const bh_neigh *t);
const char *bh_neigh_result_name(bh_neigh_result r);

/* Visits every stored entry (aged-but-not-swept included). fn must not modify the table. */
typedef void (*bh_neigh_visit)(void *ctx, const bh_neigh_entry *e);
void bh_neigh_foreach(const bh_neigh *t, bh_neigh_visit fn, void *ctx);

/* Helpers: IPv4 (4 bytes) / IPv6 (16 bytes) into a key. */
bh_ipaddr bh_ipaddr_v4(const uint8_t a[4]);
bh_ipaddr bh_ipaddr_v6(const uint8_t a[16]);

#endif
