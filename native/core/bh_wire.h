/* bh_wire: the UDP wire format (docs/INTERNALS.md section 1): packet classification and the
 * 16-byte transport data header. All integers little-endian, no alignment assumptions. */
#ifndef BH_WIRE_H
#define BH_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum { BH_MSG_INITIATION = 1, BH_MSG_RESPONSE = 2, BH_MSG_COOKIE_REPLY = 3, BH_MSG_DATA = 4 };
enum { BH_SUB_FRAME = 0, BH_SUB_KEEPALIVE = 1, BH_SUB_CONTROL = 2,
       BH_SUB_FRAGMENT = 3, BH_SUB_PROBE = 4, BH_SUB_PROBE_ACK = 5 /* bh_frag.h, dp_frag.h */ };

#define BH_INITIATION_SIZE 164
#define BH_RESPONSE_SIZE 92
#define BH_COOKIE_REPLY_SIZE 64
#define BH_DATA_HDR 16
#define BH_TAG 16
#define BH_DATA_MIN (BH_DATA_HDR + BH_TAG)

typedef enum { BH_WIRE_DATA, BH_WIRE_HANDSHAKE, BH_WIRE_SHORT, BH_WIRE_BAD_TYPE, BH_WIRE_BAD_SIZE } bh_wire_class;

/* handshake = type 1 with len 164, type 2 with len 92 or type 3 (cookie reply) with len 64,
 * reserved bytes 1..3 must be 0;
 * data = type 4, len >= 32, reserved bytes 2..3 == 0. len < 4 (or data < 32) -> SHORT;
 * unknown type or nonzero reserved -> BAD_TYPE; handshake of wrong length -> BAD_SIZE. */
bh_wire_class bh_wire_classify(const uint8_t *pkt, size_t len);

typedef struct { uint8_t subtype; uint32_t receiver; uint64_t counter; } bh_data_hdr;
void bh_wire_data_hdr_write(uint8_t out[BH_DATA_HDR], uint8_t subtype, uint32_t receiver, uint64_t counter);
void bh_wire_data_hdr_read(const uint8_t in[BH_DATA_HDR], bh_data_hdr *h);
/* Receiver index of a classified data packet (bytes 4..7 LE) without a full read. */
uint32_t bh_wire_data_receiver(const uint8_t *pkt);
void bh_wire_nonce(uint8_t nonce[12], uint64_t counter); /* 4 zero bytes || counter LE */

/* Little-endian helpers, alignment-free. */
static inline uint32_t bh_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t bh_le64(const uint8_t *p) { return (uint64_t)bh_le32(p) | (uint64_t)bh_le32(p + 4) << 32; }
static inline void bh_put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void bh_put_le64(uint8_t *p, uint64_t v) { bh_put_le32(p, (uint32_t)v); bh_put_le32(p + 4, (uint32_t)(v >> 32)); }

#endif
