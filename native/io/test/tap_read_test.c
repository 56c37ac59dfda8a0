/* tap_read_test: bh_tap_read_batch (tap_read.h) driven directly on a data plane in socketpair
 * mode (no threads started), for each reader: the io_uring chain and the read() loop, with and
 * without virtio_net_hdr framing. Checks: numbered frames in bursts arrive complete and in order;
 * a chain longer than the queue (cut by -EAGAIN mid-way) loses nothing and ends the batch; a
 * batch that fills up leaves the rest for the next call; io_uring counts one submit per chain;
 * a bad fd sets *failed; 'read' never sets up io_uring. Exit 0 = pass. Built by the Makefile
 * beside it (ASan/UBSan) and run by scripts/test.sh tier 1. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../dp.h"
#include "../stats.h"
#include "../tap_read.h"

#define STRIDE 2048
#define BURST 8 /* AF_UNIX datagram queues hold ~10 (net.unix.max_dgram_qlen) */

static int failures;
#define CHECK(c, ...)                                       \
  do {                                                      \
    if (!(c)) {                                             \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                         \
      fprintf(stderr, "\n");                                \
      failures++;                                           \
    }                                                       \
  } while (0)

static uint8_t frames[BH_BATCH][STRIDE];
static uint16_t lens[BH_BATCH];

static bh_dp *make(int mode, int offload) {
  bh_dp_config cfg = {.listen_address = "127.0.0.1", .mac_capacity = 64, .mac_age_ns = 300000000000ULL,
                      .event_capacity = 64, .tap_offload = offload, .tap_reader = mode};
  int err = 0;
  const char *step = "";
  bh_dp *dp = bh_dp_create(&cfg, &err, &step);
  if (!dp) {
    fprintf(stderr, "bh_dp_create (%s): %s\n", step, strerror(-err));
    exit(1);
  }
  return dp;
}

static uint64_t g(bh_dp *dp, int id) { return atomic_load(&dp->ctr_tap.g[id]); }

/* frame seq: 14 + seq % 300 bytes, seq in bytes 14..17 (after a zero vnet header when offload) */
static size_t put(bh_dp *dp, int offload, uint32_t seq) {
  uint8_t b[BH_VNET_HDR_LEN + 400] = {0};
  size_t h = offload ? BH_VNET_HDR_LEN : 0, len = 18 + seq % 300;
  uint8_t *f = b + h;
  memset(f, 0xff, 6);
  f[11] = 1;
  f[12] = 0x88, f[13] = 0xb5;
  memcpy(f + 14, &seq, 4);
  for (size_t i = 18; i < len; i++) f[i] = (uint8_t)(seq + i);
  ssize_t w = send(dp->test_fd, b, h + len, MSG_DONTWAIT);
  CHECK(w == (ssize_t)(h + len), "test write %u: %zd (%s)", seq, w, strerror(errno));
  return len;
}

static void expect(uint32_t seq, unsigned k) {
  uint32_t got;
  memcpy(&got, frames[k] + 14, 4);
  CHECK(got == seq, "frame %u: got %u", seq, got);
  CHECK(lens[k] == 18 + seq % 300, "frame %u: length %u", seq, lens[k]);
}

static void run(int mode, int offload) {
  const char *name = mode == BH_TAP_READER_IO_URING ? "io_uring" : "read";
  bh_dp *dp = make(mode, offload);
  bh_tap_reader *r = dp->tap_reader;
  int failed = 0;
  CHECK((r->uring != NULL) == (mode == BH_TAP_READER_IO_URING), "%s: uring set up %d", name, r->uring != NULL);
  CHECK(g(dp, BH_G_TAP_READER) == (mode == BH_TAP_READER_IO_URING), "%s: tapReader gauge", name);

  /* 2,000 numbered frames in bursts of 1..BURST, each burst read by one or more batches */
  uint32_t seq = 0, next = 0;
  for (unsigned burst = 0; seq < 2000; burst++) {
    unsigned n = 1 + burst % BURST;
    for (unsigned i = 0; i < n && seq < 2000; i++) put(dp, offload, seq++);
    unsigned max = 1 + burst % 5; /* small batches too: a chain fills the batch, the rest waits */
    for (unsigned got; next < seq; next += got) {
      got = bh_tap_read_batch(dp, r, &frames[0][0], STRIDE, lens, max, &failed);
      CHECK(got > 0 && got <= max, "%s offload %d: batch of %u (max %u) at %u", name, offload, got, max, next);
      if (!got) return;
      for (unsigned k = 0; k < got; k++) expect(next + k, k);
    }
    CHECK(bh_tap_read_batch(dp, r, &frames[0][0], STRIDE, lens, BH_BATCH, &failed) == 0, "%s: empty queue", name);
  }
  CHECK(!failed, "%s: failed set on a healthy socket", name);
  if (mode == BH_TAP_READER_IO_URING) {
    uint64_t sub = g(dp, BH_G_TAP_URING_SUBMITS), fr = g(dp, BH_G_TAP_URING_FRAMES);
    CHECK(fr == 2000, "io_uring frames %llu", (unsigned long long)fr);
    CHECK(sub < fr, "io_uring: %llu submits for %llu frames: no chain read two", (unsigned long long)sub,
          (unsigned long long)fr);
    /* a chain longer than the queue: the first -EAGAIN ends it, nothing is lost, one submit */
    if (!offload) {
      r->chain = 16;
      for (unsigned i = 0; i < 5; i++) put(dp, offload, seq + i);
      uint64_t s0 = g(dp, BH_G_TAP_URING_SUBMITS);
      unsigned got = bh_tap_read_batch(dp, r, &frames[0][0], STRIDE, lens, BH_BATCH, &failed);
      CHECK(got == 5, "cut chain: %u of 5 frames", got);
      for (unsigned k = 0; k < got; k++) expect(seq + k, k);
      CHECK(g(dp, BH_G_TAP_URING_SUBMITS) - s0 == 1, "cut chain: %llu submits",
            (unsigned long long)(g(dp, BH_G_TAP_URING_SUBMITS) - s0));
      CHECK(r->chain == 6, "cut chain: the next chain is %u long (found 5: 6)", r->chain);
      seq += 5;
    }
  }
  printf("tap_read_test: %s offload %d: 2000 frames in order", name, offload);
  if (mode == BH_TAP_READER_IO_URING)
    printf(", %.2f frames per submit", (double)g(dp, BH_G_TAP_URING_FRAMES) / (double)g(dp, BH_G_TAP_URING_SUBMITS));
  printf("\n");

  /* the fd goes bad: *failed, as with the read() loop */
  int saved = dup(dp->tap_fd);
  close(dp->tap_fd);
  failed = 0;
  unsigned got = bh_tap_read_batch(dp, r, &frames[0][0], STRIDE, lens, BH_BATCH, &failed);
  CHECK(got == 0 && failed == 1, "%s offload %d: bad fd: %u frames, failed %d", name, offload, got, failed);
  dup2(saved, dp->tap_fd);
  close(saved);
  bh_dp_destroy(dp);
}

/* In a child: a seccomp filter answers io_uring_setup with `action` (EPERM, as the systemd units'
 * SystemCallErrorNumber=EPERM would, or KILL) and a data plane is made with `mode`. Exit codes:
 * 0 = created and the gauges say read() with EPERM (auto) or io_uring not tried ('read');
 * 2 = creation refused with EPERM ('io_uring'); 1 = anything else. */
static int seccomp_child(int mode, uint32_t action) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, action),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) return 1;
  bh_dp_config cfg = {.listen_address = "127.0.0.1", .mac_capacity = 64, .mac_age_ns = 300000000000ULL,
                      .event_capacity = 64, .tap_reader = mode};
  int err = 0;
  const char *step = "";
  bh_dp *dp = bh_dp_create(&cfg, &err, &step);
  if (!dp) return mode == BH_TAP_READER_IO_URING && err == -EPERM ? 2 : 1;
  int ok = !dp->tap_reader->uring && g(dp, BH_G_TAP_READER) == 0 &&
           g(dp, BH_G_TAP_READER_ERRNO) == (mode == BH_TAP_READER_AUTO ? EPERM : 0);
  put(dp, 0, 7); /* and the read() loop reads */
  int failed = 0;
  ok = ok && bh_tap_read_batch(dp, dp->tap_reader, &frames[0][0], STRIDE, lens, BH_BATCH, &failed) == 1;
  bh_dp_destroy(dp);
  return ok ? 0 : 1;
}

static int in_child(int mode, uint32_t action) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(seccomp_child(mode, action));
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A real TAP (root only), in the child's own network namespace (gone with it): frames queued on
 * the TAP's kernel side through AF_PACKET are read by few submits, in order. A plain linked chain
 * is cut by the first (short) TAP read: one frame per submit. Exit 0 = pass, 3 = no root. */
static int real_tap_child(void) {
  if (unshare(CLONE_NEWNET) < 0) return errno == EPERM ? 3 : 1;
  int v6 = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY); /* no router solicitations */
  if (v6 >= 0) {
    (void)!write(v6, "1", 1);
    close(v6);
  }
  bh_dp_config cfg = {.tap_name = "bhtest0", .listen_address = "127.0.0.1", .mac_capacity = 64,
                      .mac_age_ns = 300000000000ULL, .event_capacity = 64, .tap_reader = BH_TAP_READER_IO_URING};
  int err = 0;
  const char *step = "";
  bh_dp *dp = bh_dp_create(&cfg, &err, &step);
  if (!dp) return fprintf(stderr, "real TAP: %s: %s\n", step, strerror(-err)), 1;
  int s = socket(AF_INET, SOCK_DGRAM, 0), ps = socket(AF_PACKET, SOCK_RAW, 0);
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dp->tap_name);
  ioctl(s, SIOCGIFFLAGS, &ifr);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0 || ps < 0) return 1;
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(dp->tap_name)};
  uint8_t f[60] = {0};
  memset(f, 0xff, 6);
  f[11] = 1, f[12] = 0x88, f[13] = 0xb5;
  for (uint32_t i = 0; i < 40; i++) {
    memcpy(f + 14, &i, 4);
    if (sendto(ps, f, sizeof f, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof f) return 1;
  }
  uint32_t next = 0;
  int failed = 0;
  for (int tries = 0; next < 40 && tries < 100; tries++) {
    unsigned got = bh_tap_read_batch(dp, dp->tap_reader, &frames[0][0], STRIDE, lens, 16, &failed);
    for (unsigned k = 0; k < got; k++) {
      uint32_t seq;
      memcpy(&seq, frames[k] + 14, 4);
      if (lens[k] != sizeof f || seq != next) return fprintf(stderr, "real TAP: frame %u: got %u\n", next, seq), 1;
      next++;
    }
  }
  uint64_t sub = g(dp, BH_G_TAP_URING_SUBMITS);
  printf("tap_read_test: real TAP: %u frames in %llu io_uring submits\n", next, (unsigned long long)sub);
  int ok = next == 40 && !failed && sub <= 10; /* chains of 2, 4, 8, 16, 16 ... (one per frame: broken) */
  bh_dp_destroy(dp);
  return ok ? 0 : 1;
}

int main(void) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int rc = real_tap_child();
    fflush(NULL);
    _exit(rc);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
    printf("tap_read_test: real TAP skipped (needs root)\n");
  else
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "real TAP: io_uring chains read the TAP in order, several frames a submit");

  /* io_uring refused by seccomp: auto falls back to read(), io_uring refuses to start, and an
   * explicit 'read' never calls io_uring_setup (the filter would kill the process) */
  CHECK(in_child(BH_TAP_READER_AUTO, SECCOMP_RET_ERRNO | EPERM) == 0, "auto under seccomp EPERM: fallback to read()");
  CHECK(in_child(BH_TAP_READER_IO_URING, SECCOMP_RET_ERRNO | EPERM) == 2, "io_uring under seccomp EPERM: refused");
  CHECK(in_child(BH_TAP_READER_READ, SECCOMP_RET_KILL_PROCESS) == 0, "'read' called io_uring_setup (killed)");
  printf("tap_read_test: seccomp: auto falls back, io_uring refuses, read never calls io_uring_setup\n");

  for (int offload = 0; offload <= 1; offload++) {
    run(BH_TAP_READER_READ, offload);
    run(BH_TAP_READER_IO_URING, offload);
  }
  if (failures) fprintf(stderr, "tap_read_test: %d failures\n", failures);
  return failures != 0;
}
