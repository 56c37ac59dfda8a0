/* Fuzz body for bh_tso (TAP offload segmentation) and bh_gro: the first 10 bytes are a virtio_net_hdr with
 * the GSO type folded onto the interesting values, the rest the frame; every other input is
 * shaped into Ethernet/IPv4-or-IPv6/TCP so the segmenter itself runs. Output slots are small on
 * purpose (TOO_BIG paths) and ASan checks every write. */
#ifndef BH_FUZZ_TSO_H
#define BH_FUZZ_TSO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../bh_gro.h"
#include "../bh_tso.h"

#define BH_FUZZ_TSO_SLOT 1600
#define BH_FUZZ_TSO_SLOTS 8

static inline unsigned bh_fuzz_tso_one(uint8_t (*slots)[BH_FUZZ_TSO_SLOT], uint8_t *scratch, const uint8_t *d,
                                       size_t n, int shape) {
  if (n < BH_VNET_HDR_LEN) return 0;
  static const uint8_t types[4] = {BH_VNET_GSO_NONE, BH_VNET_GSO_TCPV4, BH_VNET_GSO_TCPV6, BH_VNET_GSO_TCPV4 | 0x80};
  bh_vnet_hdr h;
  bh_vnet_hdr_read(d, &h);
  h.gso_type = types[d[1] & 3];
  h.flags &= 3;
  size_t len = n - BH_VNET_HDR_LEN;
  memcpy(scratch, d + BH_VNET_HDR_LEN, len);
  if (shape && len >= 14 + 40 + 20) {
    int v6 = h.gso_type == BH_VNET_GSO_TCPV6;
    scratch[12] = v6 ? 0x86 : 0x08;
    scratch[13] = v6 ? 0xdd : 0x00;
    if (v6) {
      scratch[14] = 0x60, scratch[20] = 6;
    } else {
      scratch[14] = (uint8_t)(0x45 + (d[2] & 3)), scratch[23] = 6, scratch[20] &= 0x40, scratch[21] = 0;
    }
    scratch[14 + (v6 ? 40 : 20 + 4 * (d[2] & 3)) + 12] = (uint8_t)((5 + (d[3] & 3)) << 4);
    h.gso_size = (uint16_t)(1 + h.gso_size % 1500);
  }
  bh_tso_plan plan;
  uint16_t lens[BH_FUZZ_TSO_SLOTS];
  bh_gro_run raw; /* GRO parsing of the raw (often malformed) frame */
  size_t raw_off = 0;
  if (bh_gro_begin(&raw, scratch, len, d[4] & 1)) (void)bh_gro_append(&raw, scratch, len, &raw_off);
  if (bh_tso_prepare(&h, scratch, len, BH_FUZZ_TSO_SLOT, (d[5] & 1) ? 300 + (size_t)d[6] * 5 : 0, &plan) != BH_TSO_OK) return 1;
  unsigned acc = 0;
  for (unsigned first = 0; first < plan.segments && first < 64;) {
    unsigned k = bh_tso_emit(&h, scratch, len, &plan, first, BH_FUZZ_TSO_SLOTS, &slots[0][0], BH_FUZZ_TSO_SLOT, lens);
    for (unsigned i = 0; i < k; i++) acc += lens[i] + slots[i][0];
    bh_gro_run run; /* and back: GRO over the segments just produced (and the raw input) */
    if (k && bh_gro_begin(&run, slots[0], lens[0], d[4] & 1))
      for (unsigned i = 1; i < k; i++) {
        size_t off = 0;
        acc += (unsigned)bh_gro_append(&run, slots[i], lens[i], &off) + (unsigned)off;
      }
    bh_vnet_hdr vh;
    if (k) acc += (unsigned)bh_gro_end(&run, &vh);
    first += k;
  }
  return acc;
}

#endif
