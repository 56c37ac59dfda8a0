/* Writes the seed corpora of the fuzz targets (corpus/<target>/<name>): real frames and
 * datagrams in each target's input format, built with the core's own builders (ARP, ND, AEAD
 * sealing, TSO segmentation) and a small Ethernet/IP/TCP/UDP builder with valid checksums.
 * Run by `make seeds`; the output is committed, so the corpora are stable and reviewable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bh_arp.h"
#include "../bh_keypair.h"
#include "../bh_nd.h"
#include "../bh_tso.h"
#include "../bh_frag.h"

static const char *dir;

static void put(const char *target, const char *name, const uint8_t *p, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) perror(path), exit(1);
  snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) perror(path), exit(1);
}

/* Concatenation buffer for record-structured inputs. */
static uint8_t cat[200000];
static size_t cat_n;
static void cat_u8(uint8_t b) { cat[cat_n++] = b; }
static void cat_rec(const uint8_t *p, size_t n) {
  cat_u8((uint8_t)(n >> 8)), cat_u8((uint8_t)n);
  memcpy(cat + cat_n, p, n), cat_n += n;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s) {
  for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)p[n - 1] << 8;
  return s;
}
static uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

typedef struct {
  int v6, tags;          /* tags: 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
  uint8_t pcp, tos, proto, tcp_flags, ttl;
  uint16_t sport, dport, ip_id;
  uint32_t seq;
  const uint8_t *opts;   /* TCP options (multiple of 4) */
  size_t olen, payload;
  const uint8_t *dst_mac; /* NULL: unicast 02:..:02 */
  const uint8_t *dst_ip;  /* NULL: 198.18.0.21 / 2001:db8::21 */
} frame_spec;

/* Ethernet + IPv4/IPv6 + TCP/UDP (or raw payload for other protocols), checksums valid.
 * Returns the length; *l3 / *l4 receive the header offsets. */
static size_t frame(uint8_t *f, const frame_spec *s, size_t *l3_out, size_t *l4_out) {
  static const uint8_t dst_def[6] = {0x02, 0, 0, 0, 0, 0x02}, src[6] = {0x02, 0, 0, 0, 0, 0x01};
  memcpy(f, s->dst_mac ? s->dst_mac : dst_def, 6), memcpy(f + 6, src, 6);
  size_t off = 12;
  if (s->tags == 2) f[off] = 0x88, f[off + 1] = 0xa8, f[off + 2] = 0, f[off + 3] = 7, off += 4;
  if (s->tags) f[off] = 0x81, f[off + 1] = 0, f[off + 2] = (uint8_t)(s->pcp << 5), f[off + 3] = 42, off += 4;
  wr16(f + off, s->v6 ? 0x86dd : 0x0800), off += 2;
  uint8_t *ip = f + off;
  size_t ihl = s->v6 ? 40 : 20, l4h = s->proto == 6 ? 20 + s->olen : s->proto == 17 ? 8 : 0;
  size_t l4_len = l4h + s->payload;
  memset(ip, 0, ihl);
  if (s->v6) {
    ip[0] = (uint8_t)(0x60 | s->tos >> 4), ip[1] = (uint8_t)(s->tos << 4);
    wr16(ip + 4, (uint16_t)l4_len), ip[6] = s->proto, ip[7] = s->ttl ? s->ttl : 64;
    static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x11}, b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x21};
    memcpy(ip + 8, a, 16), memcpy(ip + 24, s->dst_ip ? s->dst_ip : b, 16);
  } else {
    ip[0] = 0x45, ip[1] = s->tos, wr16(ip + 2, (uint16_t)(20 + l4_len)), wr16(ip + 4, s->ip_id), ip[6] = 0x40;
    ip[8] = s->ttl ? s->ttl : 64, ip[9] = s->proto;
    static const uint8_t a[4] = {198, 18, 0, 11}, b[4] = {198, 18, 0, 21};
    memcpy(ip + 12, a, 4), memcpy(ip + 16, s->dst_ip ? s->dst_ip : b, 4);
    wr16(ip + 10, fold(sum16(ip, 20, 0)));
  }
  uint8_t *l4 = ip + ihl;
  for (size_t i = 0; i < s->payload; i++) l4[l4h + i] = (uint8_t)(i * 7 + i / 251);
  if (s->proto == 6) {
    memset(l4, 0, 20);
    wr16(l4, s->sport), wr16(l4 + 2, s->dport);
    l4[4] = (uint8_t)(s->seq >> 24), l4[5] = (uint8_t)(s->seq >> 16), l4[6] = (uint8_t)(s->seq >> 8), l4[7] = (uint8_t)s->seq;
    l4[11] = 1, l4[12] = (uint8_t)((5 + s->olen / 4) << 4), l4[13] = s->tcp_flags, wr16(l4 + 14, 0xfaf0);
    if (s->olen) memcpy(l4 + 20, s->opts, s->olen);
  } else if (s->proto == 17) {
    wr16(l4, s->sport), wr16(l4 + 2, s->dport), wr16(l4 + 4, (uint16_t)l4_len), wr16(l4 + 6, 0);
  }
  if (s->proto == 6 || s->proto == 17) {
    uint32_t ps = s->v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
    ps += s->proto + (uint32_t)l4_len;
    uint16_t c = fold(sum16(l4, l4_len, ps));
    wr16(l4 + (s->proto == 6 ? 16 : 6), s->proto == 17 && c == 0 ? 0xffff : c);
  }
  if (l3_out) *l3_out = off;
  if (l4_out) *l4_out = off + ihl;
  return off + ihl + l4_len;
}

static const uint8_t OPT_MSS_TS[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7};
static const uint8_t OPT_TS[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
static uint8_t buf[70000], buf2[70000];

static void seeds_l2(void) { /* forward, qos, l2filter, mss, frag, nd (ip source), arp */
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};
  static const uint8_t vrrp4[4] = {224, 0, 0, 18}, hsrp4[4] = {224, 0, 0, 2}, bc4[4] = {255, 255, 255, 255};
  static const uint8_t allnodes6[16] = {0xff, 0x02, [15] = 1}, mcast6[6] = {0x33, 0x33, 0, 0, 0, 1};
  struct { const char *name; frame_spec s; } fs[] = {
    {"tcp4-syn-mss", {.proto = 6, .tcp_flags = 0x02, .sport = 40000, .dport = 443, .opts = OPT_MSS_TS, .olen = 20}},
    {"tcp6-synack-mss-vlan", {.v6 = 1, .tags = 1, .proto = 6, .tcp_flags = 0x12, .sport = 22, .dport = 50000, .opts = OPT_MSS_TS, .olen = 20}},
    {"tcp4-qinq-syn", {.tags = 2, .proto = 6, .tcp_flags = 0x02, .sport = 1, .dport = 2, .opts = OPT_MSS_TS, .olen = 20}},
    {"tcp4-data", {.proto = 6, .tcp_flags = 0x10, .sport = 40000, .dport = 80, .opts = OPT_TS, .olen = 12, .payload = 1200}},
    {"udp4-sip-ef", {.proto = 17, .tos = 46 << 2, .sport = 5060, .dport = 5060, .payload = 200}},
    {"udp6-rtp-pcp5", {.v6 = 1, .tags = 1, .pcp = 5, .proto = 17, .sport = 16384, .dport = 16386, .payload = 160}},
    {"udp4-dhcp-bcast", {.proto = 17, .sport = 68, .dport = 67, .payload = 240, .dst_mac = bcast, .dst_ip = bc4}},
    {"udp4-dhcp-offer", {.proto = 17, .sport = 67, .dport = 68, .payload = 240, .dst_mac = bcast, .dst_ip = bc4}},
    {"vrrp4", {.proto = 112, .payload = 20, .dst_ip = vrrp4}},
    {"udp4-hsrp", {.proto = 17, .sport = 1985, .dport = 1985, .payload = 20, .dst_ip = hsrp4}},
    {"icmp6-ra", {.v6 = 1, .proto = 58, .payload = 16, .dst_mac = mcast6, .dst_ip = allnodes6}},
    {"udp4-bulk-cs1", {.proto = 17, .tos = 8 << 2, .sport = 9, .dport = 9, .payload = 1400}},
  };
  char name[64];
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
    size_t n = frame(buf, &fs[i].s, NULL, NULL);
    if (fs[i].s.proto == 58) buf[14 + 40] = 134; /* ICMPv6 type RA */
    cat_n = 0, cat_u8(1), cat_rec(buf, n), cat_u8(0), cat_rec(buf, n); /* from the LAN, then from the peer */
    put("forward", fs[i].name, cat, cat_n);
    put("nd", fs[i].name, buf, n);
    uint8_t rules[13] = {2, 17, 1, 0x13, 0xc4, 0x13, 0xc5, 6, 4, 0, 0, 0x04, 0x00}; /* udp 5060-5061 -> 1, tcp 0-1024 -> 4 */
    memcpy(buf2, rules, sizeof rules), memcpy(buf2 + sizeof rules, buf, n);
    put("qos", fs[i].name, buf2, sizeof rules + n);
    buf2[0] = 0xf, memcpy(buf2 + 1, buf, n);
    put("l2filter", fs[i].name, buf2, 1 + n);
    buf2[0] = 0x05, buf2[1] = 0x00, memcpy(buf2 + 2, buf, n); /* max_frame 1280 */
    put("mss", fs[i].name, buf2, 2 + n);
    snprintf(name, sizeof name, "roundtrip-%s", fs[i].name);
    put("frag", name, buf, n);
  }
  memset(buf, 0, 64), memcpy(buf, stp, 6), buf[6] = 2, buf[12] = 0, buf[13] = 39; /* 802.3 length: an STP BPDU */
  buf[14] = 0x42, buf[15] = 0x42, buf[16] = 3;
  buf2[0] = 0, memcpy(buf2 + 1, buf, 60);
  put("l2filter", "stp-bpdu", buf2, 61);
}

static void seeds_arp_nd(void) {
  static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01}, ip[4] = {198, 18, 0, 11}, tip[4] = {198, 18, 0, 21};
  static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x11}, tip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x21};
  bh_vlan none = {0, 0}, tag = {0x8100, 42};
  uint8_t f[128], req[64];
  size_t n;
  n = bh_arp_build_garp(mac, ip, none, 0, f, sizeof f), put("arp", "garp-request", f, n);
  n = bh_arp_build_garp(mac, ip, tag, 1, f, sizeof f), put("arp", "garp-reply-vlan", f, n);
  n = bh_arp_build_probe(mac, tip, none, f, sizeof f), put("arp", "probe", f, n);
  /* an ordinary request who-has 198.18.0.21 tell 198.18.0.11 (the proxy answers it) */
  size_t rq = bh_arp_build_garp(mac, ip, none, 0, req, sizeof req);
  memcpy(req + 14 + 24, tip, 4);
  put("arp", "request", req, rq);
  uint8_t rqv[64];
  size_t rqvn = bh_arp_build_garp(mac, ip, tag, 0, rqv, sizeof rqv);
  memcpy(rqv + 18 + 24, tip, 4);
  put("arp", "request-vlan", rqv, rqvn);
  n = bh_nd_build_unsolicited_na(mac, ip6, 1, none, f, sizeof f), put("nd", "unsolicited-na", f, n);
  size_t una = n;
  uint8_t unaf[128];
  memcpy(unaf, f, una);
  n = bh_nd_build_dad_ns(mac, tip6, tag, f, sizeof f), put("nd", "dad-ns-vlan", f, n);
  /* an ordinary NS from 2001:db8::11 for 2001:db8::21 with a source link-layer option */
  uint8_t ns[86] = {0x33, 0x33, 0xff, 0, 0, 0x21, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd};
  uint8_t *p = ns + 14;
  p[0] = 0x60, p[5] = 32, p[6] = 58, p[7] = 255;
  memcpy(p + 8, ip6, 16);
  static const uint8_t sn[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 0x21};
  memcpy(p + 24, sn, 16);
  p[40] = BH_ND_NS, memcpy(p + 48, tip6, 16), p[64] = 1, p[65] = 1, memcpy(p + 66, mac, 6);
  wr16(p + 42, bh_icmp6_checksum(p + 8, p + 24, p + 40, 32));
  put("nd", "ns-sll", ns, sizeof ns);

  /* failover: config byte, then op + record; proxy ARP/ND on, learn prefix */
  cat_n = 0, cat_u8(0x43);
  cat_u8(1), cat_rec(req, rq);        /* learn the requester */
  cat_u8(4), cat_rec(req, rq);        /* the peer announces the requested IP */
  cat_u8(1), cat_rec(req, rq);        /* -> answered */
  cat_u8(4), cat_rec(ns, sizeof ns);  /* the same for ND */
  cat_u8(1), cat_rec(ns, sizeof ns);
  cat_u8(3), cat_rec(unaf, una);      /* from the peer */
  cat_u8(6 | 0x10), cat_rec(tip, 4);  /* a probe for 198.18.0.21 */
  cat_u8(1), cat_rec(rqv, rqvn);
  cat_u8(0xf8 | 7), cat_rec(req, 0);  /* time passes, probes expire */
  put("failover", "proxy-arp-nd-probe", cat, cat_n);
  cat_n = 0, cat_u8(0x3c);
  cat_u8(5), cat_rec(req, rq), cat_u8(1), cat_rec(req, rq); /* quarantined target: not answered */
  cat_u8(0), cat_rec(rqv, rqvn), cat_u8(2), cat_rec(unaf, una);
  put("failover", "quarantine-isolate", cat, cat_n);
}

static void seeds_tso_gro(void) {
  static uint8_t slots[64][1600];
  uint16_t lens[64];
  for (int v6 = 0; v6 < 2; v6++)
    for (int tags = 0; tags < 2; tags++) {
      frame_spec s = {.v6 = v6, .tags = tags, .proto = 6, .tcp_flags = 0x18, .sport = 40000, .dport = 5201,
                      .opts = OPT_TS, .olen = 12, .payload = v6 ? 6000 : 9000, .seq = 1000};
      size_t l3, l4, n = frame(buf + BH_VNET_HDR_LEN, &s, &l3, &l4);
      bh_vnet_hdr h = {.flags = BH_VNET_F_NEEDS_CSUM, .gso_type = v6 ? BH_VNET_GSO_TCPV6 : BH_VNET_GSO_TCPV4,
                       .hdr_len = (uint16_t)(l4 + 32), .gso_size = 1448, .csum_start = (uint16_t)l4, .csum_offset = 16};
      bh_vnet_hdr_write(buf, &h);
      char name[64];
      snprintf(name, sizeof name, "tcp%d%s-super", v6 ? 6 : 4, tags ? "-vlan" : "");
      put("tso", name, buf, BH_VNET_HDR_LEN + n);
      if (!tags) { /* the segments, as the peer delivers them, are the GRO seed */
        bh_tso_plan plan;
        if (bh_tso_prepare(&h, buf + BH_VNET_HDR_LEN, n, 1600, 0, &plan) != BH_TSO_OK) fprintf(stderr, "seeds: tso prepare failed\n"), exit(1);
        unsigned k = bh_tso_emit(&h, buf + BH_VNET_HDR_LEN, n, &plan, 0, 64, &slots[0][0], 1600, lens);
        cat_n = 0, cat_u8(0);
        for (unsigned i = 0; i < k; i++) cat_rec(slots[i], lens[i]);
        snprintf(name, sizeof name, "tcp%d-segments", v6 ? 6 : 4);
        put("gro", name, cat, cat_n);
      }
    }
  frame_spec plain = {.proto = 6, .tcp_flags = 0x10, .sport = 1, .dport = 2, .payload = 100};
  size_t n = frame(buf + BH_VNET_HDR_LEN, &plain, NULL, NULL);
  memset(buf, 0, BH_VNET_HDR_LEN);
  put("tso", "plain", buf, BH_VNET_HDR_LEN + n);
  cat_n = 0, cat_u8(1); /* UDP run: equal sizes, consecutive IP IDs */
  for (int i = 0; i < 6; i++) {
    frame_spec u = {.proto = 17, .sport = 5000, .dport = 5001, .payload = 64, .ip_id = (uint16_t)(100 + i)};
    n = frame(buf, &u, NULL, NULL);
    cat_rec(buf, n);
  }
  put("gro", "udp4-run", cat, cat_n);
}

static void seeds_keypair_frag(void) {
  uint8_t key[32];
  memset(key, 0x5a, sizeof key);
  bh_aead *a = bh_aead_new();
  bh_keypair kp;
  bh_keypair_init(&kp, 1, 2, key, key, 1, 0);
  frame_spec s = {.proto = 17, .sport = 1, .dport = 2, .payload = 100};
  size_t n = frame(buf2, &s, NULL, NULL);
  long m = bh_keypair_seal(&kp, a, 0, buf2, n, buf, 0), k0 = bh_keypair_seal(&kp, a, 2, buf2, 0, buf2 + 2000, 0);
  if (m < 0 || k0 < 0) fprintf(stderr, "seeds: seal failed\n"), exit(1);
  put("keypair", "data-frame", buf, (size_t)m);
  put("keypair", "keepalive", buf2 + 2000, (size_t)k0);
  memset(buf, 0, 164), buf[0] = 1, put("keypair", "initiation-shape", buf, 164);
  memset(buf, 0, 92), buf[0] = 2, put("keypair", "response-shape", buf, 92);
  bh_aead_free(a);
  bh_keypair_wipe(&kp);
  /* frag stream: a 3000-byte frame in 3 pieces, out of order, one duplicated */
  frame_spec big = {.proto = 17, .sport = 7, .dport = 7, .payload = 2958};
  n = frame(buf2, &big, NULL, NULL);
  size_t chunk;
  unsigned pieces = bh_frag_plan(n, 1400, &chunk);
  unsigned order[] = {2, 0, 0, 1};
  cat_n = 0;
  for (unsigned i = 0; i < 4; i++) {
    unsigned p = order[i] < pieces ? order[i] : 0;
    size_t off = chunk * p, len = p + 1 < pieces ? chunk : n - off;
    bh_frag_hdr h = {.frame_id = 9, .offset = (uint16_t)off, .total = (uint16_t)n};
    bh_frag_hdr_write(buf, &h);
    memcpy(buf + BH_FRAG_HDR, buf2 + off, len);
    cat_u8(1), cat_rec(buf, BH_FRAG_HDR + len);
  }
  put("frag", "stream-3-pieces", cat, cat_n);
}

static void seeds_neigh(void) {
  /* op, ip selector, mac bytes, [origin flags site seq for apply] */
  static const uint8_t learn_move[] = {0,
    0x10, 0x01, 0x02, 0x01,                 /* ARP from 198.18.0.1 */
    0x14, 0x01, 0x02, 0x02, 4, 0, 1, 3,     /* the peer claims it: apply site 1 seq 3 */
    0x18, 0x01, 0x00, 0x00,                 /* proxy lookup */
    0x11, 0x01, 0x02, 0x01,                 /* local again: MOVED */
    0x1a, 0x01, 0x00, 0x00,                 /* set flags */
    0x83, 0x81, 0x02, 0x03,                 /* ND fe80::1 */
    0x0c, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x0b, 0x01, 0x00, 0x00};
  put("neigh", "learn-move-expire", learn_move, sizeof learn_move);
  uint8_t fill[1 + 40 * 4];
  fill[0] = 1;
  for (int i = 0; i < 40; i++) fill[1 + 4 * i] = (uint8_t)(i & 3), fill[2 + 4 * i] = (uint8_t)i, fill[3 + 4 * i] = 2, fill[4 + 4 * i] = (uint8_t)i;
  put("neigh", "fill-beyond-capacity", fill, sizeof fill);
}

int main(int argc, char **argv) {
  if (argc != 2) fprintf(stderr, "usage: seeds <corpus dir>\n"), exit(2);
  dir = argv[1];
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) perror(dir), exit(1);
  seeds_l2();
  seeds_arp_nd();
  seeds_tso_gro();
  seeds_keypair_frag();
  seeds_neigh();
  return 0;
}
