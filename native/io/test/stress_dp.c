/* stress_dp: two data planes (socketpair mode, 127.0.0.1) hammered from several threads while
 * the "JS thread" (main) rekeys, roams, removes/re-adds peers, sets neighbors, quarantine and
 * failover options, probes, and takes snapshots. Built with
 * -fsanitize=thread (or address) by the Makefile next to it; exit 0 = no crash, frames flowed.
 * Not part of the addon build (binding.gyp takes only the .c files directly in native/io). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../dp.h"
#include "../dp_ops.h"

static atomic_int stop_all;
static atomic_ulong delivered, events_seen;

typedef struct {
  bh_dp *dp;
  uint8_t src_last;
} pump_arg;

/* The partial-failover operations of the JS thread (dp_ops.h), against the data threads. */
static void failover_ops(bh_dp *dp, unsigned round) {
  uint8_t ip4[4] = {198, 18, 0, (uint8_t)(1 + round % 200)}, mac[6] = {2, 0, 0, 0, 9, (uint8_t)round};
  bh_ipaddr ip = bh_ipaddr_v4(ip4);
  bh_neigh_entry e = {.ip = ip, .site = (bh_port)(round & 1), .seq = round, .origin = BH_NEIGH_ORIGIN_PEER};
  memcpy(e.mac, mac, 6);
  bh_dp_set_neighbor(dp, &e, (int)(round % 3 == 0));
  if (round % 5 == 0) bh_dp_delete_neighbor(dp, &ip);
  bh_dp_set_quarantine(dp, mac, (int)(round & 1));
  if (round % 11 == 0) {
    bh_dp_fo_options o;
    memset(&o, 0, sizeof o);
    o.proxy_arp = o.proxy_nd = 1;
    o.loop_guard = (uint8_t)(round & 1);
    bh_dp_fo_default_storm(&o.storm);
    bh_dp_set_failover_options(dp, &o);
  }
  if (round % 13 == 0) bh_dp_probe_neighbor(dp, &ip);
  uint32_t n;
  free(bh_dp_neighbors(dp, &n));
  bh_dp_fo_stats fs;
  bh_dp_failover_stats_get(dp, &fs);
}

static void *writer(void *arg) {
  pump_arg *a = arg;
  uint8_t f[600];
  memset(f, 0xab, sizeof f);
  memset(f, 0xff, 6); /* broadcast: flood to every peer */
  memcpy(f + 6, (uint8_t[]){2, 0, 0, 0, 0, a->src_last}, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  for (unsigned i = 0; !atomic_load(&stop_all); i++) {
    f[6 + 4] = (uint8_t)(i & 0x0f); /* a few source MACs */
    size_t len = 14 + (i * 37) % 586;
    (void)bh_dp_test_write(a->dp, f, len, 10);
  }
  return NULL;
}

static void *reader(void *arg) {
  bh_dp *dp = arg;
  uint8_t buf[2048];
  while (!atomic_load(&stop_all))
    if (bh_dp_test_read(dp, buf, sizeof buf, 10) > 0) atomic_fetch_add(&delivered, 1);
  return NULL;
}

/* The "JS thread" side of event delivery: drain whenever notified. */
static void notify(void *ctx) {
  bh_evring *r = ctx;
  bh_evring_begin_drain(r);
  bh_event ev;
  while (bh_evring_pop(r, &ev)) {
    free(ev.data);
    atomic_fetch_add(&events_seen, 1);
  }
}

/* tap_reader: A reads its TAP with io_uring chains (tap_uring.h) while its TAP changes hands, B with read() */
static bh_dp *make(int tap_reader) {
  bh_dp_config c = {.tap_name = NULL, .listen_address = "127.0.0.1", .listen_port = 0,
                    .mac_capacity = 64, .mac_age_ns = 50000000ULL, .event_capacity = 16,
                    .pipeline_batch = 4, .busy_poll_us = 20, /* auto path: bursts switch it (dp_path.h) */
                    .tap_reader = tap_reader};
  int err;
  const char *step;
  bh_dp *dp = bh_dp_create(&c, &err, &step);
  if (!dp) {
    fprintf(stderr, "create: %s: %s\n", step, strerror(-err));
    exit(1);
  }
  bh_dp_set_notify(dp, notify, &dp->events);
  return dp;
}

static void keys(bh_dp *a, bh_dp *b, uint32_t base) {
  uint8_t k1[32], k2[32];
  for (int i = 0; i < 32; i++) k1[i] = (uint8_t)(base + i), k2[i] = (uint8_t)(base * 3 + i);
  bh_keypair_params pa = {base, base + 1, k1, k2, 1}, pb = {base + 1, base, k2, k1, 0};
  if (bh_dp_install_keypair(a, 1, &pa) || bh_dp_install_keypair(b, 1, &pb)) fprintf(stderr, "install failed\n");
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 3;
  bh_dp *a = make(BH_TAP_READER_IO_URING), *b = make(BH_TAP_READER_READ);
  bh_endpoint ea, eb;
  bh_endpoint_parse(&ea, "127.0.0.1", a->port, AF_INET);
  bh_endpoint_parse(&eb, "127.0.0.1", b->port, AF_INET);
  bh_dp_add_peer(a, 1, &eb);
  bh_dp_add_peer(b, 1, &ea);
  uint32_t base = 100;
  keys(a, b, base);
  const char *step;
  if (bh_dp_start(a, &step) || bh_dp_start(b, &step)) return 1;

  pthread_t t[4];
  pump_arg wa = {a, 1}, wb = {b, 2};
  pthread_create(&t[0], NULL, writer, &wa);
  pthread_create(&t[1], NULL, writer, &wb);
  pthread_create(&t[2], NULL, reader, a);
  pthread_create(&t[3], NULL, reader, b);

  uint64_t end = bh_now_ns() + (uint64_t)seconds * 1000000000ULL;
  for (unsigned round = 0; bh_now_ns() < end; round++) {
    usleep(2000);
    bh_dp_send_sealed(a, 1, 1, NULL, 0); /* keepalive confirms B's next key */
    uint8_t msg[40] = "control";
    bh_dp_send_sealed(b, 1, 2, msg, sizeof msg);
    if (round % 10 == 0) keys(a, b, base += 2);
    if (round % 25 == 0) bh_dp_expire_keypairs(a, 1);
    if (round % 40 == 0) {
      bh_dp_remove_peer(b, 1);
      bh_dp_add_peer(b, 1, &ea);
      keys(a, b, base += 2);
    }
    if (round % 7 == 0) bh_dp_set_endpoint(a, 1, &eb);
    bh_dp_stats st;
    bh_dp_stats_get(a, &st);
    bh_dp_peer_stats ps[BH_MAX_PEERS];
    bh_dp_peer_stats_get(b, ps);
    uint32_t n;
    free(bh_dp_mac_snapshot(b, &n));
    failover_ops(a, round);
    /* A's TAP changes hands under traffic (forced light, pipeline, auto); B switches by itself */
    bh_dp_set_data_path(a, (bh_path_policy)(round % 3));
  }
  atomic_store(&stop_all, 1);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  bh_dp_stop(a);
  bh_dp_stop(b);
  bh_dp_stop(a); /* idempotent */
  bh_dp_stats sa, sb; /* after stop: no batch half counted */
  bh_dp_stats_get(a, &sa);
  bh_dp_stats_get(b, &sb);
  printf("delivered %lu frames, %lu events; A tx %llu datagrams, B rx %llu; drops A no_session %llu, B auth %llu "
         "replay %llu unknown_index %llu tap_write_failed %llu\n",
         (unsigned long)delivered, (unsigned long)events_seen, (unsigned long long)sa.g[BH_G_TX_DATAGRAMS],
         (unsigned long long)sb.g[BH_G_RX_DATAGRAMS], (unsigned long long)sa.drop[BH_DROP_NO_SESSION],
         (unsigned long long)sb.drop[BH_DROP_AUTH_FAILED], (unsigned long long)sb.drop[BH_DROP_REPLAY],
         (unsigned long long)sb.drop[BH_DROP_UNKNOWN_INDEX], (unsigned long long)sb.drop[BH_DROP_TAP_WRITE_FAILED]);
  printf("A: TAP frames %llu = light %llu + pipeline %llu; B: switches to pipeline %llu, to light %llu\n",
         (unsigned long long)sa.g[BH_G_TAP_RX_FRAMES], (unsigned long long)sa.g[BH_G_TX_LIGHT_FRAMES],
         (unsigned long long)sa.g[BH_G_TX_PIPELINE_FRAMES], (unsigned long long)sb.g[BH_G_PATH_TO_PIPELINE],
         (unsigned long long)sb.g[BH_G_PATH_TO_LIGHT]);
  printf("A: io_uring read %llu TAP frames in %llu submits; B: %llu (read())\n",
         (unsigned long long)sa.g[BH_G_TAP_URING_FRAMES], (unsigned long long)sa.g[BH_G_TAP_URING_SUBMITS],
         (unsigned long long)sb.g[BH_G_TAP_URING_FRAMES]);
  int paths_ok = sa.g[BH_G_TX_LIGHT_FRAMES] > 0 && sa.g[BH_G_TX_PIPELINE_FRAMES] > 0 &&
                 sa.g[BH_G_TX_LIGHT_FRAMES] + sa.g[BH_G_TX_PIPELINE_FRAMES] == sa.g[BH_G_TAP_RX_FRAMES] &&
                 sa.g[BH_G_TAP_URING_FRAMES] == sa.g[BH_G_TAP_RX_FRAMES] && sb.g[BH_G_TAP_URING_SUBMITS] == 0;
  bh_dp_destroy(a);
  bh_dp_destroy(b);
  if (!paths_ok) fprintf(stderr, "stress: A's TAP frames are not split between the two paths as counted, or not all read by io_uring\n");
  return delivered == 0 ? 2 : !paths_ok ? 3 : 0;
}
