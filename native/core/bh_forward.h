/* bh_forward: the L2 forwarding decision (learn source, look up destination) for frames from
 * the TAP and from peers. Uses bh_mactable; caller holds the table's lock. */
#ifndef BH_FORWARD_H
#define BH_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "bh_frame.h"
#include "bh_mactable.h"

/* 4 is taken by the data plane (BH_DP_FWD_FILTERED, native/io/dp_failover.h). */
typedef enum {
  BH_FWD_UNICAST = 0,
  BH_FWD_FLOOD = 1,
  BH_FWD_DROP_LOCAL = 2,
  BH_FWD_DROP_INVALID = 3,
  BH_FWD_RELAY = 5,      /* from a peer, at the hub: to peer *out_port only (not the TAP) */
  BH_FWD_RELAY_FLOOD = 6 /* from a peer, at the hub: the TAP and every peer except the sender */
} bh_fwd_action;

/* A frame read from the TAP: learns src as BH_PORT_LOCAL, looks up dst; unicast to a known peer
 * -> UNICAST (*out_port), group or unknown dst -> FLOOD, dst known to be local -> DROP_LOCAL,
 * short frame or group/zero src MAC -> DROP_INVALID. */
bh_fwd_action bh_forward_from_tap(bh_mactable *t, const uint8_t *frame, size_t len, uint64_t now_ns,
                                  bh_port *out_port);
/* A frame that arrived from peer `from`: learns src as `from`; returns UNICAST (deliver to TAP)
 * or DROP_INVALID (short frame, group/zero src MAC, or from == BH_PORT_LOCAL). */
bh_fwd_action bh_forward_from_peer(bh_mactable *t, bh_port from, const uint8_t *frame, size_t len, uint64_t now_ns);

/* Same from the frame view (bh_frame.h; the frame parsed once), also reporting how the source MAC
 * was learned (for 'MAC moved' / 'table full' events and counters); *learn_out is
 * BH_LEARN_IGNORED when the frame was DROP_INVALID. */
bh_fwd_action bh_forward_from_tap_view(bh_mactable *t, const bh_frame *v, uint64_t now_ns, bh_port *out_port,
                                       bh_learn_result *learn_out);
bh_fwd_action bh_forward_from_peer_view(bh_mactable *t, bh_port from, const bh_frame *v, uint64_t now_ns,
                                        bh_learn_result *learn_out);

/* Multi-site (docs/INTERNALS.md "Multi-site data plane"). relay = 0 (mesh, or a spoke, or two
 * sites): exactly bh_forward_from_peer_view, the frame goes to the TAP only (split horizon: a
 * frame from a peer is never sent to another peer). relay = 1 (this appliance is the hub that
 * its spokes pair with): learns src as `from`, then
 *   dst group or unknown            -> RELAY_FLOOD (TAP + every peer except `from`)
 *   dst known at another peer Y      -> RELAY (*out_port = Y; not the TAP)
 *   dst known local, or at `from`    -> UNICAST (TAP only; never back to the sender)
 *   invalid (as from_peer_view)      -> DROP_INVALID */
bh_fwd_action bh_forward_from_peer_relay_view(bh_mactable *t, bh_port from, const bh_frame *v, uint64_t now_ns,
                                              int relay, bh_port *out_port, bh_learn_result *learn_out);

#endif
