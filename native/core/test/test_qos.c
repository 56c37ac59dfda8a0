/* QoS cores: classification (bh_qos_classify), band scheduler (bh_qos_sched), shaper (bh_qos_shaper). */
#include <stdlib.h>
#include <string.h>

#include "../bh_qos_classify.h"
#include "../bh_qos_sched.h"
#include "../bh_qos_shaper.h"
#include "test.h"

#define MS 1000000ULL

/* Ethernet (+ `tags` 802.1Q tags with pcp) + IPv4 (tos) + L4 proto with ports. Returns length. */
static uint32_t mk4(uint8_t *f, int tags, int pcp, uint8_t tos, uint8_t proto, uint16_t sport, uint16_t dport) {
  memset(f, 0, 128);
  memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
  uint32_t o = 12;
  for (int t = 0; t < tags; t++) {
    f[o] = t == 0 && tags == 2 ? 0x88 : 0x81;
    f[o + 1] = t == 0 && tags == 2 ? 0xa8 : 0x00;
    f[o + 2] = (uint8_t)(pcp << 5);
    f[o + 3] = 10;
    o += 4;
  }
  f[o] = 0x08, f[o + 1] = 0x00;
  uint8_t *ip = f + o + 2;
  ip[0] = 0x45;
  ip[1] = tos;
  ip[9] = proto;
  ip[20] = (uint8_t)(sport >> 8), ip[21] = (uint8_t)sport;
  ip[22] = (uint8_t)(dport >> 8), ip[23] = (uint8_t)dport;
  return o + 2 + 28;
}

static uint32_t mk6(uint8_t *f, uint8_t tclass, uint8_t nh, const uint8_t *ext, uint32_t ext_len, uint16_t sport,
                    uint16_t dport) {
  memset(f, 0, 160);
  memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x86\xdd", 14);
  uint8_t *ip = f + 14;
  ip[0] = (uint8_t)(0x60 | tclass >> 4);
  ip[1] = (uint8_t)(tclass << 4);
  ip[6] = nh;
  ip[7] = 64;
  if (ext_len) memcpy(ip + 40, ext, ext_len);
  uint8_t *l4 = ip + 40 + ext_len;
  l4[0] = (uint8_t)(sport >> 8), l4[1] = (uint8_t)sport;
  l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
  return 14 + 40 + ext_len + 8;
}

static bh_qos_rules voice_rules(void) {
  bh_qos_rules r = {.n = 3};
  r.rule[0] = (bh_qos_rule){.proto = BH_QOS_PROTO_TCP_UDP, .band = BH_QOS_REALTIME, .port_from = 5060, .port_to = 5061};
  r.rule[1] = (bh_qos_rule){.proto = 17, .band = BH_QOS_REALTIME, .port_from = 16384, .port_to = 32767};
  r.rule[2] = (bh_qos_rule){.proto = 6, .band = BH_QOS_BULK, .port_from = 873, .port_to = 873};
  return r;
}

TEST(classify_dscp_table) {
  static const struct { uint8_t dscp; bh_qos_band band; } t[] = {
      {0, BH_QOS_BEST_EFFORT}, {46, BH_QOS_REALTIME}, {40, BH_QOS_REALTIME}, {44, BH_QOS_REALTIME},
      {48, BH_QOS_NETWORK_CONTROL}, {56, BH_QOS_NETWORK_CONTROL}, {34, BH_QOS_INTERACTIVE},
      {36, BH_QOS_INTERACTIVE}, {38, BH_QOS_INTERACTIVE}, {32, BH_QOS_INTERACTIVE}, {26, BH_QOS_INTERACTIVE},
      {30, BH_QOS_INTERACTIVE}, {24, BH_QOS_INTERACTIVE}, {8, BH_QOS_BULK}, {1, BH_QOS_BULK},
      {10, BH_QOS_BEST_EFFORT}, {18, BH_QOS_BEST_EFFORT}, {47, BH_QOS_BEST_EFFORT}, {63, BH_QOS_BEST_EFFORT}};
  uint8_t f[160];
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    uint32_t n = mk4(f, 0, 0, (uint8_t)(t[i].dscp << 2 | 1 /* ECN bits ignored */), 17, 40000, 9);
    CHECK_EQ(bh_qos_classify(NULL, f, n), t[i].band);
    n = mk6(f, (uint8_t)(t[i].dscp << 2), 17, NULL, 0, 40000, 9);
    CHECK_EQ(bh_qos_classify(NULL, f, n), t[i].band);
    n = mk4(f, 1, 0, (uint8_t)(t[i].dscp << 2), 17, 40000, 9); /* tagged, PCP 0: the DSCP decides */
    CHECK_EQ(bh_qos_classify(NULL, f, n), t[i].band);
  }
}

TEST(classify_pcp) {
  static const bh_qos_band want[8] = {BH_QOS_BEST_EFFORT, BH_QOS_BULK, BH_QOS_BEST_EFFORT, BH_QOS_BEST_EFFORT,
                                      BH_QOS_INTERACTIVE, BH_QOS_REALTIME, BH_QOS_NETWORK_CONTROL,
                                      BH_QOS_NETWORK_CONTROL};
  uint8_t f[160];
  for (int pcp = 1; pcp < 8; pcp++) {
    uint32_t n = mk4(f, 1, pcp, 0, 17, 40000, 9);
    CHECK_EQ(bh_qos_classify(NULL, f, n), want[pcp]);
    n = mk4(f, 2, pcp, 46 << 2, 17, 40000, 9); /* QinQ: outer PCP, and it beats the DSCP */
    CHECK_EQ(bh_qos_classify(NULL, f, n), want[pcp]);
  }
  /* tagged non-IP frame: PCP; untagged unknown EtherType: best effort */
  uint32_t n = mk4(f, 1, 5, 0, 17, 1, 2);
  f[16] = 0x12, f[17] = 0x34;
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_REALTIME);
  n = mk4(f, 0, 0, 0, 17, 1, 2);
  f[12] = 0x12, f[13] = 0x34;
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_BEST_EFFORT);
}

TEST(classify_control_frames) {
  uint8_t f[160];
  uint32_t n = mk4(f, 0, 0, 0, 17, 1, 2);
  f[12] = 0x08, f[13] = 0x06; /* ARP */
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_NETWORK_CONTROL);
  n = mk4(f, 1, 0, 0, 17, 1, 2);
  f[16] = 0x08, f[17] = 0x06; /* tagged ARP */
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_NETWORK_CONTROL);
  f[16] = 0x88, f[17] = 0xcc; /* LLDP */
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_NETWORK_CONTROL);
  n = mk4(f, 0, 0, 0, 17, 1, 2);
  memcpy(f, "\x01\x80\xc2\0\0\0", 6); /* STP */
  f[12] = 0, f[13] = 0x26;
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_NETWORK_CONTROL);
  uint8_t ns[4] = {135, 0, 0, 0};
  n = mk6(f, 0, 58, NULL, 0, 0, 0);
  memcpy(f + 54, ns, 4);
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_NETWORK_CONTROL);
  f[54] = 128; /* echo request: not control */
  CHECK_EQ(bh_qos_classify(NULL, f, n), BH_QOS_BEST_EFFORT);
}

TEST(classify_rules_override_dscp) {
  bh_qos_rules r = voice_rules();
  uint8_t f[160];
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 17, 40000, 5060)), BH_QOS_REALTIME);
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 6, 5061, 40000)), BH_QOS_REALTIME); /* source port */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 8 << 2, 17, 40000, 20000)), BH_QOS_REALTIME); /* over CS1 */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 6, 40000, 20000)), BH_QOS_BEST_EFFORT);  /* RTP rule is UDP */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 46 << 2, 6, 40000, 873)), BH_QOS_BULK);    /* over EF */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 1, 6, 0, 6, 40000, 873)), BH_QOS_BULK);          /* over PCP */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 17, 32768, 9)), BH_QOS_BEST_EFFORT);    /* edges */
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 17, 16384, 9)), BH_QOS_REALTIME);
  CHECK_EQ(bh_qos_classify(&r, f, mk4(f, 0, 0, 0, 17, 16383, 9)), BH_QOS_BEST_EFFORT);
  /* IPv6 with a hop-by-hop and a (first) fragment header in front of UDP */
  uint8_t ext[16] = {44, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 1};
  uint32_t n = mk6(f, 0, 0, ext, 16, 40000, 5060);
  CHECK_EQ(bh_qos_classify(&r, f, n), BH_QOS_REALTIME);
  ext[10] = 0x05, ext[11] = 0xa8; /* not the first fragment: no ports, the DSCP decides */
  n = mk6(f, 46 << 2, 0, ext, 16, 40000, 5060);
  CHECK_EQ(bh_qos_classify(&r, f, n), BH_QOS_REALTIME);
  n = mk6(f, 0, 0, ext, 16, 40000, 5060);
  CHECK_EQ(bh_qos_classify(&r, f, n), BH_QOS_BEST_EFFORT);
  /* IPv4 non-first fragment: no ports */
  n = mk4(f, 0, 0, 0, 17, 40000, 5060);
  f[20] = 0x00, f[21] = 0x10;
  CHECK_EQ(bh_qos_classify(&r, f, n), BH_QOS_BEST_EFFORT);
  /* IPv4 options (IHL 6): ports behind them */
  n = mk4(f, 0, 0, 0, 17, 0, 0);
  f[14] = 0x46;
  f[38] = 0x13, f[39] = 0xc4;
  CHECK_EQ(bh_qos_classify(&r, f, n), BH_QOS_REALTIME);
}

TEST(classify_truncated) {
  bh_qos_rules r = voice_rules();
  uint8_t f[160];
  uint32_t full = mk4(f, 0, 0, 46 << 2, 17, 40000, 5060);
  for (uint32_t n = 0; n <= full; n++) {
    bh_qos_band b = bh_qos_classify(&r, f, n); /* never reads past n (ASan) */
    CHECK(b < BH_QOS_BANDS);
    if (n < 34) CHECK_EQ(b, BH_QOS_BEST_EFFORT);
    if (n >= 34 && n < 38) CHECK_EQ(b, BH_QOS_REALTIME); /* DSCP EF, ports cut off */
  }
  uint8_t ext[8] = {17, 200, 0, 0, 0, 0, 0, 0}; /* hop-by-hop claiming 1608 bytes */
  uint32_t n6 = mk6(f, 46 << 2, 0, ext, 8, 1, 5060);
  for (uint32_t n = 0; n <= n6; n++) CHECK(bh_qos_classify(&r, f, n) < BH_QOS_BANDS);
  CHECK_EQ(bh_qos_classify(&r, f, n6), BH_QOS_REALTIME);
  f[14] = 0x45; /* IPv6 EtherType with a version-4 header */
  CHECK_EQ(bh_qos_classify(&r, f, n6), BH_QOS_BEST_EFFORT);
  CHECK_EQ(bh_qos_classify(&r, NULL, 0), BH_QOS_BEST_EFFORT);
  uint8_t tagged[18] = {0};
  tagged[12] = 0x81;
  for (uint32_t n = 0; n <= 18; n++) CHECK(bh_qos_classify(&r, tagged, n) < BH_QOS_BANDS);
}

/* --- scheduler --- */

static bh_qos_sched *mk_sched(uint32_t share) {
  bh_qos_sched_config c;
  bh_qos_sched_defaults(&c);
  c.priority_share_pct = share;
  return bh_qos_sched_new(&c, 1600, 64);
}

static void put(bh_qos_sched *q, bh_qos_band b, uint32_t len, uint32_t tag) {
  uint8_t f[1600] = {0};
  memcpy(f, &tag, 4);
  bh_qos_sched_enqueue(q, b, f, len);
}

static int take(bh_qos_sched *q, bh_qos_band *b, uint32_t *len, uint32_t *tag) {
  bh_qos_item it;
  if (!bh_qos_sched_dequeue(q, &it)) return 0;
  *b = it.band;
  *len = it.len;
  memcpy(tag, it.data, 4);
  bh_qos_sched_release(q, it.slot);
  return 1;
}

TEST(sched_strict_priority_and_fifo) {
  bh_qos_sched *q = mk_sched(100);
  for (uint32_t i = 0; i < 10; i++) put(q, BH_QOS_BULK, 1500, 100 + i);
  for (uint32_t i = 0; i < 3; i++) put(q, BH_QOS_REALTIME, 200, 200 + i);
  put(q, BH_QOS_NETWORK_CONTROL, 60, 300);
  bh_qos_band b;
  uint32_t len, tag;
  CHECK(take(q, &b, &len, &tag));
  CHECK_EQ(b, BH_QOS_NETWORK_CONTROL);
  for (uint32_t i = 0; i < 3; i++) {
    CHECK(take(q, &b, &len, &tag));
    CHECK_EQ(b, BH_QOS_REALTIME);
    CHECK_EQ(tag, 200 + i);
  }
  for (uint32_t i = 0; i < 10; i++) {
    CHECK(take(q, &b, &len, &tag));
    CHECK_EQ(tag, 100 + i); /* FIFO */
  }
  CHECK(!take(q, &b, &len, &tag));
  bh_qos_band_counters c[BH_QOS_BANDS];
  bh_qos_sched_counters(q, c);
  CHECK_EQ(c[BH_QOS_REALTIME].enqueued, 3);
  CHECK_EQ(c[BH_QOS_REALTIME].sent, 3);
  CHECK_EQ(c[BH_QOS_BULK].sent_bytes, 15000);
  CHECK_EQ(c[BH_QOS_BULK].depth_packets, 0);
  bh_qos_sched_free(q);
}

TEST(sched_realtime_share_bound) {
  bh_qos_sched *q = mk_sched(50);
  /* both backlogged: realtime may not take more than half of the bytes */
  for (int i = 0; i < 200; i++) put(q, BH_QOS_REALTIME, 1000, 1);
  for (int i = 0; i < 200; i++) put(q, BH_QOS_BEST_EFFORT, 1000, 2);
  uint64_t rt = 0, be = 0;
  bh_qos_band b;
  uint32_t len, tag;
  for (int i = 0; i < 200; i++) {
    CHECK(take(q, &b, &len, &tag));
    if (b == BH_QOS_REALTIME) rt += len; else be += len;
  }
  CHECK(rt <= 101000 && rt >= 99000);
  CHECK(be > 0);
  bh_qos_sched_free(q);

  /* share 20 %, realtime 1000-byte frames vs best effort 1500 */
  q = mk_sched(20);
  for (int i = 0; i < 250; i++) put(q, BH_QOS_REALTIME, 1000, 1);
  for (int i = 0; i < 250; i++) put(q, BH_QOS_BEST_EFFORT, 1500, 2);
  rt = be = 0;
  for (int i = 0; i < 200; i++) {
    CHECK(take(q, &b, &len, &tag));
    if (b == BH_QOS_REALTIME) rt += len; else be += len;
  }
  CHECK(rt * 100 <= 21 * (rt + be));
  CHECK(rt * 100 >= 19 * (rt + be));
  /* once the others are empty, realtime takes everything (work conserving) */
  while (take(q, &b, &len, &tag)) {}
  for (int i = 0; i < 5; i++) put(q, BH_QOS_REALTIME, 100, 1);
  for (int i = 0; i < 5; i++) {
    CHECK(take(q, &b, &len, &tag));
    CHECK_EQ(b, BH_QOS_REALTIME);
  }
  /* a sparse realtime frame arriving into a backlog is served next */
  for (int i = 0; i < 50; i++) put(q, BH_QOS_BULK, 1500, 3);
  for (int i = 0; i < 10; i++) take(q, &b, &len, &tag);
  put(q, BH_QOS_REALTIME, 200, 4);
  CHECK(take(q, &b, &len, &tag));
  CHECK_EQ(tag, 4);
  bh_qos_sched_free(q);
}

TEST(sched_drr_fair_by_bytes) {
  bh_qos_sched *q = mk_sched(50); /* weights interactive 4, best effort 2, bulk 1 */
  for (int i = 0; i < 1000; i++) {
    put(q, BH_QOS_INTERACTIVE, 300, 1); /* small frames must not win by count */
    put(q, BH_QOS_BEST_EFFORT, 1500, 2);
    if (i < 1000) put(q, BH_QOS_BULK, 900, 3);
  }
  uint64_t by[BH_QOS_BANDS] = {0};
  bh_qos_band b;
  uint32_t len, tag;
  for (int i = 0; i < 300; i++) { /* no band runs dry (interactive holds 512 frames) */
    CHECK(take(q, &b, &len, &tag));
    by[b] += len;
  }
  uint64_t total = by[BH_QOS_INTERACTIVE] + by[BH_QOS_BEST_EFFORT] + by[BH_QOS_BULK];
  /* expected 4/7, 2/7, 1/7 of the bytes, within a quantum-ish tolerance */
  CHECK(by[BH_QOS_INTERACTIVE] * 700 > total * 380 && by[BH_QOS_INTERACTIVE] * 700 < total * 420);
  CHECK(by[BH_QOS_BEST_EFFORT] * 700 > total * 180 && by[BH_QOS_BEST_EFFORT] * 700 < total * 220);
  CHECK(by[BH_QOS_BULK] * 700 > total * 80 && by[BH_QOS_BULK] * 700 < total * 120);
  bh_qos_sched_free(q);
}

TEST(sched_limits_and_drops) {
  bh_qos_sched_config c;
  bh_qos_sched_defaults(&c);
  c.limit[BH_QOS_REALTIME] = (bh_qos_limit){4, 100000};
  c.limit[BH_QOS_BEST_EFFORT] = (bh_qos_limit){100, 3000};
  c.limit[BH_QOS_BULK] = (bh_qos_limit){3, 100000};
  bh_qos_sched *q = bh_qos_sched_new(&c, 1600, 4);
  CHECK(q);
  for (uint32_t i = 0; i < 6; i++) put(q, BH_QOS_REALTIME, 100, i); /* tail drop by packets */
  for (uint32_t i = 0; i < 3; i++) put(q, BH_QOS_BEST_EFFORT, 1400, i); /* tail drop by bytes */
  for (uint32_t i = 0; i < 5; i++) put(q, BH_QOS_BULK, 500, i);         /* head drop */
  uint8_t big[1700] = {0};
  CHECK_EQ(bh_qos_sched_enqueue(q, BH_QOS_BEST_EFFORT, big, 1601), BH_QOS_DROPPED); /* > max_frame */
  CHECK_EQ(bh_qos_sched_enqueue(q, BH_QOS_BEST_EFFORT, big, 0), BH_QOS_DROPPED);
  bh_qos_band_counters k[BH_QOS_BANDS];
  bh_qos_sched_counters(q, k);
  CHECK_EQ(k[BH_QOS_REALTIME].enqueued, 4);
  CHECK_EQ(k[BH_QOS_REALTIME].dropped, 2);
  CHECK_EQ(k[BH_QOS_REALTIME].depth_packets, 4);
  CHECK_EQ(k[BH_QOS_REALTIME].depth_bytes, 400);
  CHECK_EQ(k[BH_QOS_BEST_EFFORT].enqueued, 2);
  CHECK_EQ(k[BH_QOS_BEST_EFFORT].dropped, 3);
  CHECK_EQ(k[BH_QOS_BEST_EFFORT].depth_bytes, 2800);
  CHECK_EQ(k[BH_QOS_BULK].enqueued, 5);
  CHECK_EQ(k[BH_QOS_BULK].dropped, 2);
  CHECK_EQ(k[BH_QOS_BULK].depth_packets, 3);
  CHECK_EQ(bh_qos_sched_backlog(q), 9);
  bh_qos_band b;
  uint32_t len, tag, rt_seen = 0;
  uint32_t bulk_tags[3], nb = 0;
  while (take(q, &b, &len, &tag)) {
    if (b == BH_QOS_REALTIME) CHECK_EQ(tag, rt_seen++); /* the first four were kept */
    if (b == BH_QOS_BULK && nb < 3) bulk_tags[nb++] = tag;
  }
  CHECK_EQ(nb, 3);
  CHECK_EQ(bulk_tags[0], 2); /* the oldest two were dropped */
  CHECK_EQ(bulk_tags[2], 4);
  bh_qos_sched_counters(q, k);
  for (int i = 0; i < BH_QOS_BANDS; i++) CHECK_EQ(k[i].depth_packets, 0);
  /* refill after draining works (slots returned) */
  for (int round = 0; round < 100; round++) {
    put(q, BH_QOS_REALTIME, 100, 0);
    CHECK(take(q, &b, &len, &tag));
  }
  bh_qos_sched_free(q);
  /* bad configs */
  c.priority_share_pct = 0;
  CHECK(bh_qos_sched_new(&c, 1600, 4) == NULL);
  bh_qos_sched_defaults(&c);
  c.limit[BH_QOS_BULK].packets = 0;
  CHECK(bh_qos_sched_new(&c, 1600, 4) == NULL);
}

/* --- shaper --- */

TEST(shaper_token_bucket) {
  bh_qos_shaper s;
  uint64_t t = 1000 * MS;
  CHECK_EQ(bh_qos_shaper_init(&s, 8000000, 10000, t), 0); /* 1 MB/s, burst 10000 bytes */
  int sent = 0;
  while (bh_qos_shaper_may_send(&s)) {
    bh_qos_shaper_charge(&s, 1000);
    sent++;
  }
  CHECK_EQ(sent, 11); /* 10 from the burst + one into the negative */
  CHECK_EQ(bh_qos_shaper_wait_ns(&s), 1 * MS); /* -1000 bytes at 1 MB/s */
  bh_qos_shaper_refill(&s, t + MS / 2);
  CHECK(!bh_qos_shaper_may_send(&s));
  CHECK_EQ(bh_qos_shaper_wait_ns(&s), MS / 2);
  bh_qos_shaper_refill(&s, t + MS);
  CHECK(bh_qos_shaper_may_send(&s));
  CHECK_EQ(bh_qos_shaper_wait_for_ns(&s, 0), 0);
  CHECK_EQ(bh_qos_shaper_wait_for_ns(&s, 4000), 4 * MS);     /* 4000 bytes at 1 MB/s */
  CHECK_EQ(bh_qos_shaper_wait_for_ns(&s, 50000), 10 * MS);   /* capped at the burst */
  /* long run: 1 s of 1000-byte frames sent as soon as allowed = 1 MB (+ the burst) */
  bh_qos_shaper_init(&s, 8000000, 10000, t);
  uint64_t bytes = 0, now = t;
  while (now < t + 1000 * MS) {
    bh_qos_shaper_refill(&s, now);
    if (bh_qos_shaper_may_send(&s)) {
      bh_qos_shaper_charge(&s, 1000);
      bytes += 1000;
    } else {
      now += bh_qos_shaper_wait_ns(&s);
    }
  }
  CHECK(bytes >= 1000000 + 10000 && bytes <= 1000000 + 12000);
  CHECK(s.delayed > 900);
  /* time going backwards refills nothing; a long pause refills only the burst */
  bh_qos_shaper_refill(&s, t);
  bh_qos_shaper_refill(&s, now + 3600ULL * 1000 * MS);
  CHECK_EQ(s.tokens, s.burst);
  /* unlimited */
  bh_qos_shaper_init(&s, 0, 0, t);
  for (int i = 0; i < 1000; i++) {
    CHECK(bh_qos_shaper_may_send(&s));
    bh_qos_shaper_charge(&s, 65535);
  }
  CHECK_EQ(bh_qos_shaper_wait_ns(&s), 0);
  /* default burst: 2 ms at the rate, at least 8 KiB; 190 Mbit/s -> 47500 bytes */
  bh_qos_shaper_init(&s, 190000000, 0, t);
  CHECK_EQ(s.burst / 1000000000LL, 47500);
  bh_qos_shaper_init(&s, 1000000, 0, t);
  CHECK_EQ(s.burst / 1000000000LL, BH_QOS_BURST_MIN);
  CHECK_EQ(bh_qos_shaper_init(&s, BH_QOS_RATE_MAX + 1, 0, t), -1);
  /* highest rate, huge elapsed time: no overflow (UBSan) */
  bh_qos_shaper_init(&s, BH_QOS_RATE_MAX, 0, 0);
  bh_qos_shaper_charge(&s, 65535);
  bh_qos_shaper_refill(&s, UINT64_MAX);
  CHECK_EQ(s.tokens, s.burst);
}

void suite_qos(void) {
  RUN(classify_dscp_table);
  RUN(classify_pcp);
  RUN(classify_control_frames);
  RUN(classify_rules_override_dscp);
  RUN(classify_truncated);
  RUN(sched_strict_priority_and_fifo);
  RUN(sched_realtime_share_bound);
  RUN(sched_drr_fair_by_bytes);
  RUN(sched_limits_and_drops);
  RUN(shaper_token_bucket);
}
