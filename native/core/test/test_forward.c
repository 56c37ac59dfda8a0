/* bh_forward: every branch of from_tap, from_peer and the hub's relay decision. */
#include <string.h>

#include "../bh_eth.h"
#include "../bh_forward.h"
#include "test.h"

static const uint8_t H1[6] = {0x02, 0, 0, 0, 0, 1}, H2[6] = {0x02, 0, 0, 0, 0, 2}, H3[6] = {0x02, 0, 0, 0, 0, 3};
static const uint8_t BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, MC[6] = {0x01, 0x00, 0x5e, 0, 0, 5};
static const uint8_t ZERO[6] = {0};

static uint8_t f[64];
static const uint8_t *fr(const uint8_t *dst, const uint8_t *src) {
  memset(f, 0, sizeof f);
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  f[12] = 0x08;
  return f;
}

/* The frame view the data plane hands to the _view forms (bh_frame.h). */
static bh_frame v;
static const bh_frame *view(const uint8_t *frame, size_t len) {
  bh_frame_parse(frame, len, &v);
  return &v;
}

TEST(fwd_tap) {
  bh_mactable *t = bh_mactable_new(64, 1000);
  bh_port p = 0;
  bh_learn_result lr;
  /* unknown dst -> flood; src learned local */
  CHECK_EQ(bh_forward_from_tap_view(t, view(fr(H2, H1), 60), 1, &p, &lr), BH_FWD_FLOOD);
  CHECK_EQ(lr, BH_LEARN_NEW);
  CHECK_EQ(bh_mactable_lookup(t, H1, 1, &p), 1);
  CHECK_EQ(p, BH_PORT_LOCAL);
  /* group dst -> flood */
  CHECK_EQ(bh_forward_from_tap(t, fr(BC, H1), 60, 2, &p), BH_FWD_FLOOD);
  CHECK_EQ(bh_forward_from_tap(t, fr(MC, H1), 60, 2, &p), BH_FWD_FLOOD);
  /* dst behind peer 7 -> unicast */
  CHECK_EQ(bh_forward_from_peer(t, 7, fr(H1, H2), 60, 3), BH_FWD_UNICAST);
  p = 0;
  CHECK_EQ(bh_forward_from_tap_view(t, view(fr(H2, H1), 60), 4, &p, &lr), BH_FWD_UNICAST);
  CHECK_EQ(p, 7);
  CHECK_EQ(lr, BH_LEARN_REFRESHED);
  /* dst known local -> drop */
  CHECK_EQ(bh_forward_from_tap(t, fr(H3, H3), 60, 5, &p), BH_FWD_DROP_LOCAL);
  CHECK_EQ(bh_forward_from_tap(t, fr(H1, H3), 60, 5, &p), BH_FWD_DROP_LOCAL);
  /* invalid: short, group src, zero src */
  CHECK_EQ(bh_forward_from_tap_view(t, view(fr(H2, H1), 13), 6, &p, &lr), BH_FWD_DROP_INVALID);
  CHECK_EQ(lr, BH_LEARN_IGNORED);
  CHECK_EQ(bh_forward_from_tap(t, fr(H2, BC), 60, 6, &p), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_tap(t, fr(H2, MC), 60, 6, &p), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_tap(t, fr(H2, ZERO), 60, 6, &p), BH_FWD_DROP_INVALID);
  f[12] = 0x81; /* truncated VLAN tag */
  f[13] = 0x00;
  CHECK_EQ(bh_forward_from_tap(t, f, 16, 6, &p), BH_FWD_DROP_INVALID);
  /* a local host that moves to a peer is reported as moved; aged dst floods again */
  CHECK_EQ(bh_forward_from_peer_view(t, 9, view(fr(H2, H1), 60), 7, &lr), BH_FWD_UNICAST);
  CHECK_EQ(lr, BH_LEARN_MOVED);
  CHECK_EQ(bh_forward_from_tap(t, fr(H1, H3), 60, 8, &p), BH_FWD_UNICAST);
  CHECK_EQ(p, 9);
  CHECK_EQ(bh_forward_from_tap(t, fr(H1, H3), 60, 2000, &p), BH_FWD_FLOOD);
  /* unicast with NULL out_port is allowed */
  CHECK_EQ(bh_forward_from_peer(t, 9, fr(H2, H1), 60, 2001), BH_FWD_UNICAST);
  CHECK_EQ(bh_forward_from_tap(t, fr(H1, H3), 60, 2001, NULL), BH_FWD_UNICAST);
  bh_mactable_free(t);
}

TEST(fwd_peer) {
  bh_mactable *t = bh_mactable_new(64, 1000);
  bh_port p;
  bh_learn_result lr;
  CHECK_EQ(bh_forward_from_peer_view(t, 3, view(fr(BC, H1), 60), 1, &lr), BH_FWD_UNICAST);
  CHECK_EQ(lr, BH_LEARN_NEW);
  CHECK_EQ(bh_mactable_lookup(t, H1, 1, &p), 1);
  CHECK_EQ(p, 3);
  CHECK_EQ(bh_forward_from_peer(t, 3, fr(H2, H1), 13, 1), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_peer(t, 3, fr(H2, BC), 60, 1), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_peer(t, 3, fr(H2, ZERO), 60, 1), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_peer_view(t, BH_PORT_LOCAL, view(fr(H2, H3), 60), 1, &lr), BH_FWD_DROP_INVALID);
  CHECK_EQ(lr, BH_LEARN_IGNORED);
  CHECK_EQ(bh_mactable_lookup(t, H3, 1, &p), 0);
  /* table full: still delivered, reported as FULL */
  bh_mactable *small = bh_mactable_new(1, 1000);
  CHECK_EQ(bh_forward_from_peer(small, 3, fr(H2, H1), 60, 1), BH_FWD_UNICAST);
  CHECK_EQ(bh_forward_from_peer_view(small, 3, view(fr(H1, H2), 60), 1, &lr), BH_FWD_UNICAST);
  CHECK_EQ(lr, BH_LEARN_FULL);
  bh_mactable_free(small);
  bh_mactable_free(t);
}

/* A hub with spokes 1, 2, 3: H1 behind spoke 1, H2 behind spoke 2, H3 local. */
TEST(fwd_relay) {
  bh_mactable *t = bh_mactable_new(64, 1000);
  bh_port p = 0;
  bh_learn_result lr;
  /* relay off (mesh / spoke / two sites): everything from a peer goes to the TAP only */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 2, view(fr(BC, H2), 60), 1, 0, &p, &lr), BH_FWD_UNICAST);
  CHECK_EQ(lr, BH_LEARN_NEW);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 60), 1, 0, &p, &lr), BH_FWD_UNICAST);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H3, H1), 60), 1, 0, &p, &lr), BH_FWD_UNICAST);
  CHECK_EQ(p, 0); /* untouched */
  /* relay on: broadcast, multicast and unknown unicast from spoke 1 flood to all but spoke 1 */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(BC, H1), 60), 2, 1, &p, &lr), BH_FWD_RELAY_FLOOD);
  CHECK_EQ(lr, BH_LEARN_REFRESHED);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(MC, H1), 60), 2, 1, &p, &lr), BH_FWD_RELAY_FLOOD);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H3, H1), 60), 2, 1, &p, &lr), BH_FWD_RELAY_FLOOD);
  /* known at spoke 2: relayed to spoke 2 alone */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 60), 3, 1, &p, &lr), BH_FWD_RELAY);
  CHECK_EQ(p, 2);
  /* known local: TAP only */
  CHECK_EQ(bh_forward_from_tap(t, fr(BC, H3), 60, 4, &p), BH_FWD_FLOOD);
  p = 0;
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H3, H1), 60), 5, 1, &p, &lr), BH_FWD_UNICAST);
  CHECK_EQ(p, 0);
  /* known at the sender itself (stale or hairpin): TAP only, never back to the sender */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 2, view(fr(H1, H2), 60), 6, 1, &p, &lr), BH_FWD_RELAY);
  CHECK_EQ(p, 1);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H1, H1 /* src learned first */), 60), 7, 1, &p, &lr),
           BH_FWD_UNICAST);
  /* invalid frames and the local port stay drops with relay on */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, BC), 60), 8, 1, &p, &lr), BH_FWD_DROP_INVALID);
  CHECK_EQ(lr, BH_LEARN_IGNORED);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 13), 8, 1, &p, &lr), BH_FWD_DROP_INVALID);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, BH_PORT_LOCAL, view(fr(H2, H1), 60), 8, 1, &p, &lr), BH_FWD_DROP_INVALID);
  /* a MAC that moved from spoke 2 to spoke 3 is relayed to spoke 3; aged out it floods again */
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 3, view(fr(BC, H2), 60), 9, 1, &p, &lr), BH_FWD_RELAY_FLOOD);
  CHECK_EQ(lr, BH_LEARN_MOVED);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 60), 10, 1, NULL, &lr), BH_FWD_RELAY);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 60), 10, 1, &p, NULL), BH_FWD_RELAY);
  CHECK_EQ(p, 3);
  CHECK_EQ(bh_forward_from_peer_relay_view(t, 1, view(fr(H2, H1), 60), 3000, 1, &p, &lr), BH_FWD_RELAY_FLOOD);
  bh_mactable_free(t);
}

void suite_forward(void) {
  RUN(fwd_tap);
  RUN(fwd_peer);
  RUN(fwd_relay);
}
