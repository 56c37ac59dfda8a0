/* Shared body of the fuzz targets: one input exercises every parser of the core.
 * Used by the deterministic smoke test (test_fuzz_smoke.c); the libFuzzer targets are in ../fuzz. */
#ifndef BH_FUZZ_INPUT_H
#define BH_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../bh_eth.h"
#include "../bh_forward.h"
#include "../bh_keypair.h"
#include "../bh_wire.h"
#include "fuzz_failover.h"
#include "fuzz_tso.h"
#include "../bh_qos_classify.h"

static const bh_qos_rules bh_fuzz_qos_rules = {
    .n = 2, .rule = {{.proto = 0, .band = 1, .port_from = 5060, .port_to = 5061}, {.proto = 17, .band = 4, .port_from = 0, .port_to = 1024}}};

typedef struct {
  bh_mactable *t;
  bh_aead *a;
  bh_keypair kp;
  uint8_t out[2048];
  bh_fuzz_failover fo; /* partial-failover cores */
  uint8_t tso_slots[BH_FUZZ_TSO_SLOTS][BH_FUZZ_TSO_SLOT], tso_scratch[2048]; /* bh_tso */
} bh_fuzz_state;

static inline int bh_fuzz_state_init(bh_fuzz_state *s) {
  uint8_t k[32];
  memset(k, 0x5a, sizeof k);
  s->t = bh_mactable_new_seeded(64, 1000, 1);
  s->a = bh_aead_new();
  bh_keypair_init(&s->kp, 1, 2, k, k, 0, 0);
  return s->t && s->a && bh_fuzz_failover_init(&s->fo) == 0 ? 0 : -1;
}

static inline void bh_fuzz_state_free(bh_fuzz_state *s) {
  bh_mactable_free(s->t);
  bh_aead_free(s->a);
  bh_keypair_wipe(&s->kp);
  bh_fuzz_failover_free(&s->fo);
}

/* Returns a small checksum so the calls cannot be optimised away. */
static inline unsigned bh_fuzz_one(bh_fuzz_state *s, const uint8_t *d, size_t n, uint64_t now) {
  unsigned acc = 0;
  bh_eth_info e;
  bh_port p = 0;
  uint8_t st = 0;
  if (n > sizeof s->out) n = sizeof s->out;
  if (bh_eth_parse(d, n, &e) == 0) acc += e.l3_offset + e.ethertype;
  acc += (unsigned)bh_wire_classify(d, n);
  if (n >= BH_DATA_HDR) {
    bh_data_hdr h;
    bh_wire_data_hdr_read(d, &h);
    acc += h.subtype;
  }
  acc += (unsigned)bh_keypair_open(&s->kp, s->a, d, n, s->out, &st, now);
  acc += (unsigned)bh_forward_from_tap(s->t, d, n, now, &p) + p;
  acc += (unsigned)bh_forward_from_peer(s->t, (bh_port)(n % 5), d, n, now);
  {
    bh_frame v;
    bh_frame_parse(d, n, &v);
    acc += (unsigned)bh_forward_from_peer_relay_view(s->t, (bh_port)(n % 3 + 1), &v, now, 1, &p, NULL) + p;
  }
  bh_mactable_expire(s->t, now, 8);
  acc += bh_fuzz_failover_one(&s->fo, d, n, now);
  acc += bh_fuzz_tso_one(s->tso_slots, s->tso_scratch, d, n, n > 0 && (d[0] & 0x80));
  acc += (unsigned)bh_qos_classify(&bh_fuzz_qos_rules, d, (uint32_t)n); /* QoS classification */
  return acc;
}

#endif
