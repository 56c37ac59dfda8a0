/* bh_wire: classification of every class, reserved bytes, header and nonce layout. */
#include <string.h>

#include "../bh_wire.h"
#include "test.h"

TEST(wire_classify) {
  uint8_t p[256] = {0};
  CHECK_EQ(bh_wire_classify(p, 0), BH_WIRE_SHORT);
  CHECK_EQ(bh_wire_classify(NULL, 100), BH_WIRE_SHORT);
  p[0] = 4;
  CHECK_EQ(bh_wire_classify(p, 3), BH_WIRE_SHORT);
  CHECK_EQ(bh_wire_classify(p, 31), BH_WIRE_SHORT);
  CHECK_EQ(bh_wire_classify(p, 32), BH_WIRE_DATA);
  CHECK_EQ(bh_wire_classify(p, 256), BH_WIRE_DATA);
  p[1] = 0xff; /* subtype is not checked here */
  CHECK_EQ(bh_wire_classify(p, 32), BH_WIRE_DATA);
  p[2] = 1;
  CHECK_EQ(bh_wire_classify(p, 32), BH_WIRE_BAD_TYPE);
  p[2] = 0;
  p[3] = 0x80;
  CHECK_EQ(bh_wire_classify(p, 32), BH_WIRE_BAD_TYPE);
  memset(p, 0, sizeof p);

  p[0] = 1;
  CHECK_EQ(bh_wire_classify(p, BH_INITIATION_SIZE), BH_WIRE_HANDSHAKE);
  CHECK_EQ(bh_wire_classify(p, BH_INITIATION_SIZE - 1), BH_WIRE_BAD_SIZE);
  CHECK_EQ(bh_wire_classify(p, BH_INITIATION_SIZE + 1), BH_WIRE_BAD_SIZE);
  CHECK_EQ(bh_wire_classify(p, BH_RESPONSE_SIZE), BH_WIRE_BAD_SIZE);
  for (int i = 1; i < 4; i++) {
    p[i] = 1;
    CHECK_EQ(bh_wire_classify(p, BH_INITIATION_SIZE), BH_WIRE_BAD_TYPE);
    p[i] = 0;
  }
  p[0] = 2;
  CHECK_EQ(bh_wire_classify(p, BH_RESPONSE_SIZE), BH_WIRE_HANDSHAKE);
  CHECK_EQ(bh_wire_classify(p, BH_INITIATION_SIZE), BH_WIRE_BAD_SIZE);
  p[1] = 1;
  CHECK_EQ(bh_wire_classify(p, BH_RESPONSE_SIZE), BH_WIRE_BAD_TYPE);
  p[1] = 0;
  p[0] = 3; /* cookie reply */
  CHECK_EQ(bh_wire_classify(p, BH_COOKIE_REPLY_SIZE), BH_WIRE_HANDSHAKE);
  CHECK_EQ(bh_wire_classify(p, BH_COOKIE_REPLY_SIZE + 1), BH_WIRE_BAD_SIZE);
  CHECK_EQ(bh_wire_classify(p, BH_RESPONSE_SIZE), BH_WIRE_BAD_SIZE);
  p[3] = 1;
  CHECK_EQ(bh_wire_classify(p, BH_COOKIE_REPLY_SIZE), BH_WIRE_BAD_TYPE);
  p[3] = 0;
  for (int t = 0; t < 256; t++) {
    if (t == 1 || t == 2 || t == 3 || t == 4) continue;
    p[0] = (uint8_t)t;
    CHECK_EQ(bh_wire_classify(p, 100), BH_WIRE_BAD_TYPE);
  }
}

TEST(wire_header_roundtrip) {
  uint8_t h[BH_DATA_HDR];
  bh_wire_data_hdr_write(h, BH_SUB_CONTROL, 0x11223344u, 0x0102030405060708ULL);
  const uint8_t want[16] = {4, 2, 0, 0, 0x44, 0x33, 0x22, 0x11, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(memcmp(h, want, 16) == 0);
  CHECK_EQ(bh_wire_classify(h, 16), BH_WIRE_SHORT);
  bh_data_hdr d;
  bh_wire_data_hdr_read(h, &d);
  CHECK_EQ(d.subtype, 2);
  CHECK_EQ(d.receiver, 0x11223344u);
  CHECK(d.counter == 0x0102030405060708ULL);
  CHECK_EQ(bh_wire_data_receiver(h), 0x11223344u);
  uint8_t n[12];
  memset(n, 0xee, sizeof n);
  bh_wire_nonce(n, 0x0102030405060708ULL);
  const uint8_t wn[12] = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(memcmp(n, wn, 12) == 0);
}

void suite_wire(void) {
  RUN(wire_classify);
  RUN(wire_header_roundtrip);
}
