/* bh_prefixset: a bounded list of IPv4/IPv6 prefixes (CIDR), for "learn neighbors from ordinary
 * traffic only inside the stretched prefixes". At most BH_PREFIXSET_CAP prefixes; linear match.
 * Pure: caller-owned struct, no allocation, not thread-safe. */
#ifndef BH_PREFIXSET_H
#define BH_PREFIXSET_H

#include <stdint.h>

#include "bh_neigh.h" /* bh_ipaddr */

#define BH_PREFIXSET_CAP 64

typedef struct {
  bh_ipaddr net; /* host bits zero */
  uint8_t len;   /* 0..32 (v4) / 0..128 (v6) */
} bh_prefix;

typedef struct {
  uint32_t count;
  bh_prefix p[BH_PREFIXSET_CAP];
} bh_prefixset;

void bh_prefixset_init(bh_prefixset *s);
/* 0 added; -1 full, bad family, length out of range or host bits set. */
int bh_prefixset_add(bh_prefixset *s, const bh_ipaddr *net, uint8_t len);
/* 1 if ip lies inside one of the prefixes (same family). */
int bh_prefixset_match(const bh_prefixset *s, const bh_ipaddr *ip);

#endif
