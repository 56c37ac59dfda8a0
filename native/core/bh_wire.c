/* bh_wire: classify UDP payloads and read/write the transport data header (INTERNALS.md 1). */
#include "bh_wire.h"

bh_wire_class bh_wire_classify(const uint8_t *pkt, size_t len) {
  if (!pkt || len < 4) return BH_WIRE_SHORT;
  switch (pkt[0]) {
    case BH_MSG_INITIATION:
    case BH_MSG_RESPONSE:
    case BH_MSG_COOKIE_REPLY: {
      if (pkt[1] | pkt[2] | pkt[3]) return BH_WIRE_BAD_TYPE;
      size_t want = pkt[0] == BH_MSG_INITIATION ? BH_INITIATION_SIZE
                  : pkt[0] == BH_MSG_RESPONSE   ? BH_RESPONSE_SIZE : BH_COOKIE_REPLY_SIZE;
      return len == want ? BH_WIRE_HANDSHAKE : BH_WIRE_BAD_SIZE;
    }
    case BH_MSG_DATA:
      if (pkt[2] | pkt[3]) return BH_WIRE_BAD_TYPE;
      return len < BH_DATA_MIN ? BH_WIRE_SHORT : BH_WIRE_DATA;
    default:
      return BH_WIRE_BAD_TYPE;
  }
}

void bh_wire_data_hdr_write(uint8_t out[BH_DATA_HDR], uint8_t subtype, uint32_t receiver, uint64_t counter) {
  out[0] = BH_MSG_DATA;
  out[1] = subtype;
  out[2] = 0;
  out[3] = 0;
  bh_put_le32(out + 4, receiver);
  bh_put_le64(out + 8, counter);
}

void bh_wire_data_hdr_read(const uint8_t in[BH_DATA_HDR], bh_data_hdr *h) {
  h->subtype = in[1];
  h->receiver = bh_le32(in + 4);
  h->counter = bh_le64(in + 8);
}

uint32_t bh_wire_data_receiver(const uint8_t *pkt) { return bh_le32(pkt + 4); }

void bh_wire_nonce(uint8_t nonce[12], uint64_t counter) {
  nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
  bh_put_le64(nonce + 4, counter);
}
