/* bh_macset: bounded MAC set, linear scan (see bh_macset.h). */
#include "bh_macset.h"

#include <string.h>

void bh_macset_init(bh_macset *s) { memset(s, 0, sizeof *s); }

static int find(const bh_macset *s, const uint8_t mac[6]) {
  for (uint32_t i = 0; i < s->count; i++)
    if (memcmp(s->mac[i], mac, 6) == 0) return (int)i;
  return -1;
}

int bh_macset_add(bh_macset *s, const uint8_t mac[6]) {
  if (find(s, mac) >= 0) return 0;
  if (s->count >= BH_MACSET_CAP) return -1;
  memcpy(s->mac[s->count++], mac, 6);
  return 1;
}

int bh_macset_remove(bh_macset *s, const uint8_t mac[6]) {
  int i = find(s, mac);
  if (i < 0) return 0;
  s->count--;
  if ((uint32_t)i != s->count) memcpy(s->mac[i], s->mac[s->count], 6);
  return 1;
}

int bh_macset_contains(const bh_macset *s, const uint8_t mac[6]) { return s->count && find(s, mac) >= 0; }
