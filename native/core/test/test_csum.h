/* Checksum helpers shared by the tests that check TCP/IP headers from scratch (test_mss.c,
 * test_tso.c, test_gro.c): an independent RFC 1071 implementation, not the code under test. */
#ifndef BH_TEST_CSUM_H
#define BH_TEST_CSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t sum16(const uint8_t *p, size_t n, uint32_t s) {
  for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)p[n - 1] << 8;
  return s;
}
static inline uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

/* TCP checksum over pseudo-header + segment (ip: the IPv4/IPv6 header); 0 when the stored
 * checksum is right, the checksum itself when the field holds 0. */
static inline uint16_t tcp_verify(const uint8_t *ip, int v6, const uint8_t *tcp, size_t tcp_len) {
  uint32_t s = v6 ? sum16(ip + 8, 32, 0) + (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff) + 6
                  : sum16(ip + 12, 8, 0) + 6 + (uint32_t)tcp_len;
  return fold(sum16(tcp, tcp_len, s));
}

#endif
