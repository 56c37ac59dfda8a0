/* bh_gro: merge in-order TCP segments, or same-size UDP datagrams, of one flow into a GSO
 * super-frame (bh_gro.h).
 *
 *   parse(frame) -> offsets, protocol, flags, sequence / IPv4 ID, payload size, checksum verified
 *   begin: parse + eligibility; append: parse + header equality against the head + sequence (TCP)
 *          or next IPv4 ID (UDP) and size
 *   end:   head's IP total length / payload length + header checksum, TCP flags or UDP length,
 *          pseudo-header sum */
#include "bh_gro.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }
static inline void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20
#define F_CWR 0x80

typedef struct {
  uint16_t l3, l4, hdrs, payload;
  uint8_t v6, flags, proto;
  uint16_t ip_id; /* IPv4 */
  uint32_t seq;   /* TCP */
} seg;

/* Offsets and lengths of an Ethernet/IP/TCP segment or UDP datagram (when udp) with exact
 * lengths and a valid checksum. */
static int parse(const uint8_t *f, size_t len, int udp, seg *s) {
  /* untagged only: the kernel refuses a GSO write whose Ethernet type is a VLAN tag
   * (virtio_net_hdr_to_skb: the header's protocol must match gso_type) */
  if (len < 14 || len > 14 + BH_GRO_MAX_IP) return 0;
  size_t l3 = 14;
  uint16_t et = rd16(f + 12);
  size_t l4, tcp_len;
  uint32_t sum;
  uint8_t proto;
  s->ip_id = 0;
  if (et == 0x0800) {
    if (len < l3 + 20 || f[l3] != 0x45 || (rd16(f + l3 + 6) & 0x3fff)) return 0;
    proto = f[l3 + 9];
    if (rd16(f + l3 + 2) != len - l3) return 0;
    l4 = l3 + 20;
    tcp_len = len - l4;
    sum = bh_csum_add(0, f + l3 + 12, 8) + proto + (uint32_t)tcp_len;
    s->v6 = 0;
    s->ip_id = rd16(f + l3 + 4);
  } else if (et == 0x86dd) {
    if (len < l3 + 40 || f[l3] >> 4 != 6) return 0;
    proto = f[l3 + 6];
    if (rd16(f + l3 + 4) != len - l3 - 40) return 0;
    l4 = l3 + 40;
    tcp_len = len - l4;
    sum = bh_csum_add(0, f + l3 + 8, 32) + proto + (uint32_t)tcp_len;
    s->v6 = 1;
  } else {
    return 0;
  }
  s->proto = proto;
  if (proto == 17 && udp) {
    /* UDP: exact length, some payload, a checksum (IPv4's optional zero is left alone: merging
     * would make the kernel compute one the sender did not send) */
    if (tcp_len <= 8 || rd16(f + l4 + 4) != tcp_len || rd16(f + l4 + 6) == 0) return 0;
    if (bh_csum_fold(bh_csum_add(sum, f + l4, tcp_len)) != 0) return 0;
    s->l3 = (uint16_t)l3;
    s->l4 = (uint16_t)l4;
    s->hdrs = (uint16_t)(l4 + 8);
    s->payload = (uint16_t)(tcp_len - 8);
    s->flags = 0;
    s->seq = 0;
    return 1;
  }
  if (proto != 6 || tcp_len < 20) return 0;
  size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
  if (doff < 20 || doff >= tcp_len) return 0; /* no payload: nothing to merge */
  if (bh_csum_fold(bh_csum_add(sum, f + l4, tcp_len)) != 0) return 0; /* bad checksum: the kernel drops it */
  s->l3 = (uint16_t)l3;
  s->l4 = (uint16_t)l4;
  s->hdrs = (uint16_t)(l4 + doff);
  s->payload = (uint16_t)(tcp_len - doff);
  s->flags = f[l4 + 13];
  s->seq = rd32(f + l4 + 4);
  return 1;
}

int bh_gro_begin(bh_gro_run *r, uint8_t *frame, size_t len, int udp) {
  memset(r, 0, sizeof *r);
  seg s;
  if (!parse(frame, len, udp, &s)) return 0;
  if (s.proto == 6 && (s.flags & (F_ACK | F_SYN | F_RST | F_URG | F_FIN | F_PSH | F_CWR)) != F_ACK) return 0;
  r->head = frame;
  r->head_len = len;
  r->l3 = s.l3;
  r->l4 = s.l4;
  r->hdrs = s.hdrs;
  r->v6 = s.v6;
  r->udp = s.proto == 17;
  r->mss = s.payload;
  r->next_seq = s.seq + s.payload;
  r->next_id = (uint16_t)(s.ip_id + 1);
  r->payload = s.payload;
  r->count = 1;
  return 1;
}

/* UDP: the kernel splits a UDP_L4 super-frame into gso_size datagrams (the last may be shorter)
 * with consecutive IPv4 IDs from the head's; so only such a run is merged, and the datagrams it
 * delivers are the ones that arrived, IDs included. */
static int append_udp(bh_gro_run *r, const uint8_t *f, const seg *s) {
  if (!r->v6 && s->ip_id != r->next_id) return 0;
  const uint8_t *a = f + r->l3, *b = r->head + r->l3;
  if (r->v6) {
    if (memcmp(a, b, 4) != 0 || memcmp(a + 6, b + 6, 34) != 0) return 0; /* class/flow, next/hop, addresses */
  } else {
    if (a[1] != b[1] || memcmp(a + 6, b + 6, 4) != 0 || memcmp(a + 12, b + 12, 8) != 0) return 0; /* TOS, DF, TTL, proto, addresses */
  }
  if (memcmp(f + r->l4, r->head + r->l4, 4) != 0) return 0; /* ports */
  r->next_id++;
  return 1;
}

int bh_gro_append(bh_gro_run *r, const uint8_t *f, size_t len, size_t *payload_off) {
  if (!r->head || r->closed || r->count >= BH_GRO_MAX_SEGMENTS) return 0;
  seg s;
  if (!parse(f, len, r->udp, &s)) return 0;
  if (s.l3 != r->l3 || s.l4 != r->l4 || s.hdrs != r->hdrs || s.v6 != r->v6 || s.proto != (r->udp ? 17 : 6)) return 0;
  if (s.payload > r->mss) return 0;
  if ((size_t)r->hdrs - r->l3 + r->payload + s.payload > BH_GRO_MAX_IP) return 0;
  const uint8_t *h = r->head;
  if (memcmp(f, h, r->l3) != 0) return 0; /* Ethernet addresses, tag, type */
  if (r->udp) {
    if (!append_udp(r, f, &s)) return 0;
    r->count++;
    r->payload += s.payload;
    if (s.payload < r->mss) r->closed = 1;
    *payload_off = s.hdrs;
    return 1;
  }
  if (s.seq != r->next_seq) return 0;
  const uint8_t *a = f + r->l3, *b = h + r->l3;
  if (r->v6) {
    if (memcmp(a, b, 4) != 0 || memcmp(a + 6, b + 6, 34) != 0) return 0; /* class/flow, next/hop, addresses */
  } else {
    if (a[1] != b[1] || memcmp(a + 6, b + 6, 4) != 0 || memcmp(a + 12, b + 12, 8) != 0) return 0; /* TOS, DF, TTL, proto, addresses */
  }
  const uint8_t *t = f + r->l4, *u = h + r->l4;
  if (memcmp(t, u, 4) != 0 || memcmp(t + 8, u + 8, 5) != 0 || memcmp(t + 14, u + 14, 2) != 0) return 0; /* ports, ack, doff, window */
  if ((s.flags & ~(F_PSH | F_FIN)) != u[13]) return 0;
  if (memcmp(t + 18, u + 18, (size_t)(r->hdrs - r->l4 - 18)) != 0) return 0; /* urgent pointer and options */
  r->count++;
  r->payload += s.payload;
  r->next_seq += s.payload;
  r->last_flags = s.flags & (F_PSH | F_FIN);
  if (r->last_flags || s.payload < r->mss) r->closed = 1;
  *payload_off = s.hdrs;
  return 1;
}

size_t bh_gro_end(bh_gro_run *r, bh_vnet_hdr *h) {
  memset(h, 0, sizeof *h);
  if (r->count < 2) return r->head_len;
  uint8_t *ip = r->head + r->l3, *l4 = r->head + r->l4;
  size_t l4_len = (size_t)(r->hdrs - r->l4) + r->payload;
  uint32_t ps;
  if (r->v6) {
    wr16(ip + 4, (uint16_t)l4_len);
    ps = bh_csum_add(0, ip + 8, 32);
  } else {
    wr16(ip + 2, (uint16_t)(20 + l4_len));
    wr16(ip + 10, 0);
    wr16(ip + 10, bh_csum_fold(bh_csum_add(0, ip, 20)));
    ps = bh_csum_add(0, ip + 12, 8);
  }
  /* NEEDS_CSUM: the field holds the folded pseudo-header sum, not inverted (the kernel completes
   * it; for UDP it swaps the length in that sum for each datagram's own) */
  uint8_t csum_offset = r->udp ? 6 : 16;
  if (r->udp) {
    wr16(l4 + 4, (uint16_t)l4_len);
    h->gso_type = BH_VNET_GSO_UDP_L4;
  } else {
    l4[13] |= r->last_flags;
    h->gso_type = r->v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4;
  }
  wr16(l4 + csum_offset, (uint16_t)~bh_csum_fold(ps + (r->udp ? 17 : 6) + (uint32_t)l4_len));
  h->flags = BH_VNET_F_NEEDS_CSUM;
  h->hdr_len = r->hdrs;
  h->gso_size = r->mss;
  h->csum_start = r->l4;
  h->csum_offset = csum_offset;
  return r->hdrs + (size_t)r->payload;
}
