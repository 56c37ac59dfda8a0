#include <stdlib.h>
#include <string.h>

#include "../bh_fq.h"
#include "test.h"

#define MS 1000000ULL
#define MAXF 1523

/* Ethernet + IPv4 + UDP frame of `len` bytes (>= 42) for flow `port`; payload[0..3] = seq. */
static uint32_t mk_udp(uint8_t *f, uint32_t len, uint16_t port, uint32_t seq) {
  memset(f, 0, len);
  memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[9] = 17;
  memcpy(ip + 12, "\xc6\x12\0\x01\xc6\x12\0\x02", 8);
  ip[20] = (uint8_t)(port >> 8);
  ip[21] = (uint8_t)port;
  ip[22] = 0x13;
  ip[23] = 0x88;
  memcpy(f + 42, &seq, len >= 46 ? 4 : 0);
  return len;
}

static uint32_t seq_of(const bh_fq_item *it) {
  uint32_t s = 0;
  if (it->len >= 46) memcpy(&s, it->data + 42, 4);
  return s;
}
static uint16_t port_of(const bh_fq_item *it) { return (uint16_t)(it->data[34] << 8 | it->data[35]); }

/* two ports that map to different flow queues */
static void two_flows(bh_fq *fq, uint16_t *a, uint16_t *b) {
  uint8_t f[64];
  *a = 1000;
  uint32_t fa = bh_fq_flow_of(fq, f, mk_udp(f, 64, *a, 0));
  for (*b = 1001;; (*b)++)
    if (bh_fq_flow_of(fq, f, mk_udp(f, 64, *b, 0)) != fa) break;
}

TEST(fq_new_rejects_bad_sizes) {
  CHECK(bh_fq_new(1, 100000, MAXF, 1) == NULL);
  CHECK(bh_fq_new(16, 100, MAXF, 1) == NULL);
  CHECK(bh_fq_new(16, 100000, 0, 1) == NULL);
  CHECK(bh_fq_new(16, 100000, 70000, 1) == NULL);
  bh_fq *fq = bh_fq_new(16, 100000, MAXF, 1);
  CHECK(fq != NULL);
  bh_fq_item it;
  CHECK_EQ(bh_fq_dequeue(fq, 0, &it), 0);
  bh_fq_free(fq);
  bh_fq_free(NULL);
}

TEST(fq_single_flow_keeps_order) {
  bh_fq *fq = bh_fq_new(64, 1 << 20, MAXF, 7);
  uint8_t f[MAXF];
  for (uint32_t i = 0; i < 50; i++) CHECK_EQ(bh_fq_enqueue(fq, f, mk_udp(f, 100 + i, 5, i), MS), BH_FQ_QUEUED);
  CHECK_EQ(bh_fq_backlog(fq), 50);
  for (uint32_t i = 0; i < 50; i++) {
    bh_fq_item it;
    CHECK_EQ(bh_fq_dequeue(fq, 2 * MS, &it), 1);
    CHECK_EQ(seq_of(&it), i);
    CHECK_EQ(it.len, 100 + i);
    bh_fq_release(fq, it.slot);
  }
  bh_fq_item it;
  CHECK_EQ(bh_fq_dequeue(fq, 2 * MS, &it), 0);
  bh_fq_counters c = bh_fq_counters_get(fq);
  CHECK_EQ(c.enqueued, 50);
  CHECK_EQ(c.dequeued, 50);
  CHECK_EQ(c.backlog_frames, 0);
  CHECK_EQ(c.backlog_bytes, 0);
  bh_fq_free(fq);
}

TEST(fq_drr_shares_bytes_between_bulk_flows) {
  bh_fq *fq = bh_fq_new(2048, 4 << 20, MAXF, 3);
  uint16_t a, b;
  two_flows(fq, &a, &b);
  uint8_t f[MAXF];
  /* flow a sends 1500-byte frames, flow b 300-byte frames; both keep a backlog */
  for (uint32_t i = 0; i < 600; i++) {
    bh_fq_enqueue(fq, f, mk_udp(f, 1500, a, i), MS);
    for (int k = 0; k < 5; k++) bh_fq_enqueue(fq, f, mk_udp(f, 300, b, i * 5 + (uint32_t)k), MS);
  }
  uint64_t bytes_a = 0, bytes_b = 0;
  for (int n = 0; n < 1000; n++) {
    bh_fq_item it;
    CHECK_EQ(bh_fq_dequeue(fq, MS, &it), 1); /* same time: no CoDel drops */
    if (port_of(&it) == a) bytes_a += it.len;
    else bytes_b += it.len;
    bh_fq_release(fq, it.slot);
  }
  CHECK(bytes_a > 0 && bytes_b > 0);
  /* equal byte shares within one quantum per round */
  long long diff = (long long)bytes_a - (long long)bytes_b;
  CHECK(diff < 2 * BH_FQ_QUANTUM && diff > -2 * BH_FQ_QUANTUM);
  bh_fq_free(fq);
}

TEST(fq_sparse_flow_overtakes_bulk_backlog) {
  bh_fq *fq = bh_fq_new(1024, 2 << 20, MAXF, 11);
  uint16_t bulk, ping;
  two_flows(fq, &bulk, &ping);
  uint8_t f[MAXF];
  for (uint32_t i = 0; i < 500; i++) bh_fq_enqueue(fq, f, mk_udp(f, 1500, bulk, i), MS);
  bh_fq_item it;
  for (int n = 0; n < 3; n++) { /* the bulk flow is being served */
    CHECK_EQ(bh_fq_dequeue(fq, MS, &it), 1);
    bh_fq_release(fq, it.slot);
  }
  CHECK_EQ(bh_fq_enqueue(fq, f, mk_udp(f, 98, ping, 77), 2 * MS), BH_FQ_QUEUED);
  int pos = -1;
  for (int n = 0; n < 10; n++) {
    CHECK_EQ(bh_fq_dequeue(fq, 2 * MS, &it), 1);
    if (port_of(&it) == ping) {
      pos = n;
      CHECK_EQ(seq_of(&it), 77);
    }
    bh_fq_release(fq, it.slot);
  }
  CHECK(pos >= 0 && pos <= 1); /* next or right after the frame in flight */
  bh_fq_free(fq);
}

TEST(fq_codel_drops_in_standing_queue) {
  bh_fq *fq = bh_fq_new(4096, 8 << 20, MAXF, 5);
  uint8_t f[MAXF];
  uint64_t now = 1000 * MS;
  uint32_t seq = 0, last = 0;
  int order_ok = 1;
  /* arrivals at 2 frames / ms, departures at 1 / ms: the queue (and the sojourn) grows */
  for (int ms = 0; ms < 1000; ms++, now += MS) {
    bh_fq_enqueue(fq, f, mk_udp(f, 1500, 9, seq++), now);
    bh_fq_enqueue(fq, f, mk_udp(f, 1500, 9, seq++), now);
    bh_fq_item it;
    if (bh_fq_dequeue(fq, now, &it)) {
      uint32_t s = seq_of(&it);
      if (s < last) order_ok = 0;
      last = s;
      bh_fq_release(fq, it.slot);
    }
  }
  bh_fq_counters c = bh_fq_counters_get(fq);
  CHECK(c.codel_drops > 10);
  CHECK_EQ(c.overflow_drops, 0);
  CHECK(order_ok);
  CHECK_EQ(c.enqueued, c.dequeued + c.codel_drops + c.backlog_frames);
  bh_fq_free(fq);
}

TEST(fq_short_queue_never_codel_drops) {
  bh_fq *fq = bh_fq_new(64, 1 << 20, MAXF, 5);
  uint8_t f[MAXF];
  /* one frame at a time, each waits 50 ms: a lone frame is never dropped */
  for (uint64_t t = 0; t < 200; t++) {
    bh_fq_enqueue(fq, f, mk_udp(f, 1500, 9, (uint32_t)t), t * 100 * MS);
    bh_fq_item it;
    CHECK_EQ(bh_fq_dequeue(fq, t * 100 * MS + 50 * MS, &it), 1);
    bh_fq_release(fq, it.slot);
  }
  CHECK_EQ(bh_fq_counters_get(fq).codel_drops, 0);
  bh_fq_free(fq);
}

TEST(fq_overflow_drops_from_fattest_flow) {
  bh_fq *fq = bh_fq_new(32, 1 << 20, MAXF, 13);
  uint16_t bulk, sparse;
  two_flows(fq, &bulk, &sparse);
  uint8_t f[MAXF];
  for (uint32_t i = 0; i < 32; i++) CHECK_EQ(bh_fq_enqueue(fq, f, mk_udp(f, 1000, bulk, i), MS), BH_FQ_QUEUED);
  /* the pool is full: the sparse newcomer is queued, the bulk flow's head goes */
  CHECK_EQ(bh_fq_enqueue(fq, f, mk_udp(f, 100, sparse, 500), MS), BH_FQ_QUEUED);
  CHECK_EQ(bh_fq_enqueue(fq, f, mk_udp(f, 100, sparse, 501), MS), BH_FQ_QUEUED);
  bh_fq_counters c = bh_fq_counters_get(fq);
  CHECK_EQ(c.overflow_drops, 2);
  CHECK_EQ(c.backlog_frames, 32);
  bh_fq_item it;
  int sparse_seen = 0;
  uint32_t first_bulk = UINT32_MAX;
  while (bh_fq_dequeue(fq, MS, &it)) {
    if (port_of(&it) == sparse) sparse_seen++;
    else if (first_bulk == UINT32_MAX) first_bulk = seq_of(&it);
    bh_fq_release(fq, it.slot);
  }
  CHECK_EQ(sparse_seen, 2);
  CHECK_EQ(first_bulk, 2); /* seq 0 and 1 were dropped from the head */
  bh_fq_free(fq);
}

TEST(fq_byte_limit_and_held_slots) {
  bh_fq *fq = bh_fq_new(8, 4000, MAXF, 1);
  uint8_t f[MAXF];
  for (uint32_t i = 0; i < 3; i++) bh_fq_enqueue(fq, f, mk_udp(f, 1500, 1, i), MS);
  bh_fq_counters c = bh_fq_counters_get(fq);
  CHECK(c.backlog_bytes <= 4000);
  CHECK_EQ(c.backlog_frames, 2);
  CHECK_EQ(c.overflow_drops, 1);
  /* hold every slot: with nothing queued, a newcomer is dropped, not crashed on */
  bh_fq_item held[8];
  unsigned n = 0;
  while (bh_fq_dequeue(fq, MS, &held[n])) n++;
  bh_fq *small = bh_fq_new(2, 1 << 20, MAXF, 1);
  bh_fq_item h2[2];
  bh_fq_enqueue(small, f, mk_udp(f, 100, 1, 0), MS);
  bh_fq_enqueue(small, f, mk_udp(f, 100, 2, 0), MS);
  CHECK_EQ(bh_fq_dequeue(small, MS, &h2[0]), 1);
  CHECK_EQ(bh_fq_dequeue(small, MS, &h2[1]), 1);
  CHECK_EQ(bh_fq_enqueue(small, f, mk_udp(f, 100, 3, 0), MS), BH_FQ_DROPPED);
  bh_fq_release(small, h2[0].slot);
  CHECK_EQ(bh_fq_enqueue(small, f, mk_udp(f, 100, 3, 0), MS), BH_FQ_QUEUED);
  bh_fq_release(small, h2[1].slot);
  bh_fq_free(small);
  for (unsigned i = 0; i < n; i++) bh_fq_release(fq, held[i].slot);
  bh_fq_release(fq, 99999); /* out of range: ignored */
  bh_fq_free(fq);
}

TEST(fq_hostile_and_short_frames) {
  bh_fq *fq = bh_fq_new(64, 1 << 20, MAXF, 1);
  uint8_t f[MAXF + 10];
  memset(f, 0xff, sizeof f);
  CHECK_EQ(bh_fq_enqueue(fq, f, 0, MS), BH_FQ_REJECTED);
  CHECK_EQ(bh_fq_enqueue(fq, f, MAXF + 1, MS), BH_FQ_REJECTED);
  for (uint32_t len = 1; len < 80; len++) CHECK_EQ(bh_fq_enqueue(fq, f, len, MS), BH_FQ_QUEUED);
  /* VLAN tags claiming IPv4/IPv6 with truncated headers */
  static const uint8_t tails[][6] = {{0x81, 0, 0, 1, 0x08, 0}, {0x88, 0xa8, 0, 1, 0x81, 0}, {0x86, 0xdd, 0x60, 0, 0, 0}};
  for (unsigned k = 0; k < 3; k++) {
    memcpy(f + 12, tails[k], 6);
    for (uint32_t len = 12; len < 70; len++) CHECK(bh_fq_flow_of(fq, f, len) < BH_FQ_FLOWS);
  }
  bh_fq_item it;
  unsigned n = 0;
  while (bh_fq_dequeue(fq, MS, &it)) {
    n++;
    bh_fq_release(fq, it.slot);
  }
  CHECK_EQ(n, 64);
  bh_fq_counters c = bh_fq_counters_get(fq);
  CHECK_EQ(c.rejected, 2);
  CHECK_EQ(c.overflow_drops, 79 - 64);
  bh_fq_free(fq);
}

TEST(fq_flow_hash_uses_ports_and_seed) {
  bh_fq *a = bh_fq_new(4, 1 << 20, MAXF, 1), *b = bh_fq_new(4, 1 << 20, MAXF, 2);
  uint8_t f[100];
  unsigned distinct = 0, differs = 0;
  uint32_t first = bh_fq_flow_of(a, f, mk_udp(f, 100, 0, 0));
  for (uint16_t p = 1; p < 64; p++) {
    mk_udp(f, 100, p, 0);
    distinct += bh_fq_flow_of(a, f, 100) != first;
    differs += bh_fq_flow_of(a, f, 100) != bh_fq_flow_of(b, f, 100);
  }
  CHECK(distinct > 50);
  CHECK(differs > 50);
  /* same flow behind a VLAN tag: still hashed by ports */
  uint8_t v[104];
  memcpy(v, f, 12);
  memcpy(v + 12, "\x81\x00\x00\x05", 4);
  memcpy(v + 16, f + 12, 88);
  uint8_t w[104];
  memcpy(w, v, 104);
  w[16 + 2 + 20 + 1] ^= 1; /* another source port */
  CHECK(bh_fq_flow_of(a, v, 104) != bh_fq_flow_of(a, w, 104) || bh_fq_flow_of(b, v, 104) != bh_fq_flow_of(b, w, 104));
  bh_fq_free(a);
  bh_fq_free(b);
}

TEST(fq_seeded_fuzz_keeps_invariants) {
  unsigned long long rs = 0x5eed;
  for (int round = 0; round < 20; round++) {
    uint32_t frames = 2 + (uint32_t)(bh_t_rand(&rs) % 200);
    uint32_t bytes = MAXF + (uint32_t)(bh_t_rand(&rs) % 300000);
    bh_fq *fq = bh_fq_new(frames, bytes, MAXF, bh_t_rand(&rs));
    uint8_t f[MAXF + 1];
    bh_fq_item held[16];
    unsigned n_held = 0;
    uint32_t last_seq[8] = {0};
    uint32_t next_seq[8] = {0};
    uint64_t now = 1, refused = 0;
    for (int step = 0; step < 5000; step++) {
      now += bh_t_rand(&rs) % (2 * MS);
      unsigned op = (unsigned)(bh_t_rand(&rs) % 10);
      if (op < 5) {
        uint16_t flow = (uint16_t)(bh_t_rand(&rs) % 8);
        uint32_t len = 46 + (uint32_t)(bh_t_rand(&rs) % (MAXF - 45));
        mk_udp(f, len, flow, ++next_seq[flow]);
        if (op == 0) { /* random garbage instead */
          uint32_t glen = (uint32_t)(bh_t_rand(&rs) % (MAXF + 1));
          for (uint32_t i = 0; i < glen; i++) f[i] = (uint8_t)bh_t_rand(&rs);
          f[12] = 0x08; /* not port-shaped: may land anywhere */
          refused += bh_fq_enqueue(fq, f, glen, now) == BH_FQ_DROPPED;
          continue;
        }
        refused += bh_fq_enqueue(fq, f, len, now) == BH_FQ_DROPPED;
      } else if (op < 9 && n_held < 16) {
        if (bh_fq_dequeue(fq, now, &held[n_held])) {
          bh_fq_item *it = &held[n_held];
          if (it->len >= 46 && it->data[12] == 0x08 && it->data[13] == 0 && it->data[23] == 17 && it->data[34] == 0 &&
              it->data[35] < 8 && it->data[36] == 0x13) {
            uint32_t s = seq_of(it), fl = it->data[35];
            CHECK(s > last_seq[fl]); /* per-flow order */
            last_seq[fl] = s;
          }
          n_held++;
        }
      } else {
        while (n_held) bh_fq_release(fq, held[--n_held].slot);
      }
      bh_fq_counters c = bh_fq_counters_get(fq);
      CHECK(c.backlog_frames + n_held <= frames);
      CHECK(c.backlog_bytes <= bytes);
    }
    while (n_held) bh_fq_release(fq, held[--n_held].slot);
    bh_fq_item it;
    while (bh_fq_dequeue(fq, now, &it)) bh_fq_release(fq, it.slot);
    bh_fq_counters c = bh_fq_counters_get(fq);
    CHECK_EQ(c.backlog_frames, 0);
    CHECK_EQ(c.backlog_bytes, 0);
    /* every accepted frame left exactly one way (newcomers refused count only as overflow) */
    CHECK_EQ(c.enqueued, c.dequeued + c.codel_drops + c.overflow_drops - refused);
    bh_fq_free(fq);
  }
}

void suite_fq(void) {
  RUN(fq_new_rejects_bad_sizes);
  RUN(fq_single_flow_keeps_order);
  RUN(fq_drr_shares_bytes_between_bulk_flows);
  RUN(fq_sparse_flow_overtakes_bulk_backlog);
  RUN(fq_codel_drops_in_standing_queue);
  RUN(fq_short_queue_never_codel_drops);
  RUN(fq_overflow_drops_from_fattest_flow);
  RUN(fq_byte_limit_and_held_slots);
  RUN(fq_hostile_and_short_frames);
  RUN(fq_flow_hash_uses_ports_and_seed);
  RUN(fq_seeded_fuzz_keeps_invariants);
}
