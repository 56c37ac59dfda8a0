/* bh_prefixset: bounded prefix list, linear first match (see bh_prefixset.h). */
#include "bh_prefixset.h"

#include <string.h>

void bh_prefixset_init(bh_prefixset *s) { memset(s, 0, sizeof *s); }

/* 1 if the first len bits of a and b are equal. */
static int prefix_equal(const uint8_t *a, const uint8_t *b, unsigned len) {
  unsigned full = len / 8, rest = len % 8;
  if (memcmp(a, b, full) != 0) return 0;
  if (!rest) return 1;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

static int has_host_bits(const bh_ipaddr *net, unsigned len) {
  unsigned bytes = net->family == 4 ? 4 : 16;
  for (unsigned bit = len; bit < bytes * 8; bit++)
    if (net->addr[bit / 8] & (0x80 >> (bit % 8))) return 1;
  return 0;
}

int bh_prefixset_add(bh_prefixset *s, const bh_ipaddr *net, uint8_t len) {
  if (!net || (net->family != 4 && net->family != 6)) return -1;
  if (len > (net->family == 4 ? 32 : 128) || has_host_bits(net, len)) return -1;
  if (s->count >= BH_PREFIXSET_CAP) return -1;
  bh_prefix *p = &s->p[s->count++];
  memset(p, 0, sizeof *p);
  p->net.family = net->family;
  memcpy(p->net.addr, net->addr, net->family == 4 ? 4 : 16);
  p->len = len;
  return 0;
}

int bh_prefixset_match(const bh_prefixset *s, const bh_ipaddr *ip) {
  for (uint32_t i = 0; i < s->count; i++)
    if (s->p[i].net.family == ip->family && prefix_equal(s->p[i].net.addr, ip->addr, s->p[i].len)) return 1;
  return 0;
}
