/* bench_dp: one-way throughput of the data path A -> B (TAP read, forward, seal, sendmmsg, loopback
 * UDP, recvmmsg, open, forward, TAP write) with socketpair "TAPs", no JavaScript involved.
 * Usage: bench_dp [seconds] [frame_len]. A measurement aid, not a test. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dp.h"
#include "../dp_ops.h"

static atomic_int done;
static atomic_ulong got;

static void *reader(void *arg) {
  uint8_t buf[2048];
  while (!atomic_load(&done))
    if (bh_dp_test_read(arg, buf, sizeof buf, 10) > 0) atomic_fetch_add_explicit(&got, 1, memory_order_relaxed);
  return NULL;
}

static bh_dp *make(void) {
  bh_dp_config c = {NULL, "127.0.0.1", 0, 4096, 300000000000ULL, 1024};
  int err;
  const char *step;
  bh_dp *dp = bh_dp_create(&c, &err, &step);
  if (!dp) exit(1);
  return dp;
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 3;
  size_t len = argc > 2 ? (size_t)atoi(argv[2]) : 1400;
  bh_dp *a = make(), *b = make();
  bh_endpoint ea, eb;
  bh_endpoint_parse(&ea, "127.0.0.1", a->port, AF_INET);
  bh_endpoint_parse(&eb, "127.0.0.1", b->port, AF_INET);
  bh_dp_add_peer(a, 1, &eb);
  bh_dp_add_peer(b, 1, &ea);
  uint8_t k1[32] = {1}, k2[32] = {2};
  bh_keypair_params pa = {10, 11, k1, k2, 1}, pb = {11, 10, k2, k1, 1};
  bh_dp_install_keypair(a, 1, &pa);
  bh_dp_install_keypair(b, 1, &pb);
  const char *step;
  bh_dp_start(a, &step);
  bh_dp_start(b, &step);
  uint8_t f[2048];
  memset(f, 0x5a, sizeof f);
  /* teach A that the destination MAC lives behind peer 1: a frame from it via B */
  uint8_t dst[6] = {2, 0, 0, 0, 0, 2}, src[6] = {2, 0, 0, 0, 0, 1};
  memcpy(f, src, 6), memcpy(f + 6, dst, 6), f[12] = 8, f[13] = 0;
  bh_dp_test_write(b, f, 64, 1000);
  uint8_t tmp[2048];
  bh_dp_test_read(a, tmp, sizeof tmp, 1000);
  memcpy(f, dst, 6), memcpy(f + 6, src, 6);

  pthread_t r;
  pthread_create(&r, NULL, reader, b);
  uint64_t t0 = bh_now_ns(), end = t0 + (uint64_t)seconds * 1000000000ULL;
  unsigned long sent = 0;
  while (bh_now_ns() < end)
    for (int i = 0; i < 64; i++) sent += bh_dp_test_write(a, f, len, 100) == 0;
  double secs = (double)(bh_now_ns() - t0) / 1e9;
  usleep(200000);
  atomic_store(&done, 1);
  pthread_join(r, NULL);
  bh_dp_stats sa, sb;
  bh_dp_stats_get(a, &sa);
  bh_dp_stats_get(b, &sb);
  unsigned long g = atomic_load(&got);
  printf("frame %zu B: sent %lu, delivered %lu in %.2f s = %.0f frames/s, %.2f Gbit/s of frames; floods %llu; "
         "udp rx %llu / tx %llu\n",
         len, sent, g, secs, g / secs, g * len * 8 / secs / 1e9, (unsigned long long)sa.g[BH_G_FLOODS],
         (unsigned long long)sb.g[BH_G_RX_DATAGRAMS], (unsigned long long)sa.g[BH_G_TX_DATAGRAMS]);
  bh_dp_destroy(a);
  bh_dp_destroy(b);
  return 0;
}
