/* bh_forward: the L2 forwarding decision (learn source, look up destination) for frames from
 * the TAP and from peers. Uses bh_mactable; caller holds the table's lock. */
#ifndef BH_FORWARD_H
#define BH_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "bh_frame.h"
#include "bh_mactable.h"

typedef enum { BH_FWD_UNICAST = 0, BH_FWD_FLOOD = 1, BH_FWD_DROP_LOCAL = 2, BH_FWD_DROP_INVALID = 3 } bh_fwd_action;

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

#endif
