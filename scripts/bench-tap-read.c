/* bench-tap-read: what reading one TAP frame costs, read() per frame against io_uring chains (a
 * diagnostic benchmark: it prints figures and asserts nothing; docs/BENCHMARKS.md issue 15,
 * docs/INTERNALS.md 2h). In its own network namespace (unshare; needs root), a TAP is filled with
 * 4000 64-byte frames through AF_PACKET, then drained; only the drain's thread CPU time is
 * counted, 50 rounds per variant, variants interleaved 3 times:
 *   read         one read() per frame (tap_read.c's loop)
 *   hardlink N   chains of N hard-linked RWF_NOWAIT READs per io_uring_submit_and_wait (tap_uring.c)
 *   link N       the same with IOSQE_IO_LINK (cut by the first short read: one frame per submit)
 *   unlinked N   N unlinked READs per submit (no ordering guarantee: for comparison only)
 * Build and run from the repository root:
 *   cc -O2 scripts/bench-tap-read.c -o /tmp/bench-tap-read -luring && nice /tmp/bench-tap-read */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUEUED 4000
#define ROUNDS 50

static int tap, pkt, ifindex;
static struct io_uring ring;
static unsigned char buf[64][2048];

static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fill(void) {
  static unsigned char f[64];
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex};
  struct iovec io = {f, sizeof f};
  struct mmsghdr m[32];
  memset(f, 0xff, 6);
  f[11] = 1, f[12] = 0x88, f[13] = 0xb5;
  for (int i = 0; i < 32; i++) {
    memset(&m[i], 0, sizeof m[i]);
    m[i].msg_hdr = (struct msghdr){.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &io, .msg_iovlen = 1};
  }
  for (int i = 0; i < QUEUED / 32; i++) sendmmsg(pkt, m, 32, 0);
}

/* drains the TAP; returns frames read, adds syscalls to *calls */
static unsigned long drain(int kind, unsigned chain, unsigned long *calls) {
  unsigned long frames = 0;
  for (int more = 1; more;) {
    if (kind == 0) {
      (*calls)++;
      if (read(tap, buf[0], sizeof buf[0]) < 0) break;
      frames++;
      continue;
    }
    for (unsigned k = 0; k < chain; k++) {
      struct io_uring_sqe *s = io_uring_get_sqe(&ring);
      io_uring_prep_read(s, tap, buf[k], sizeof buf[k], 0);
      s->rw_flags = RWF_NOWAIT;
      if (k + 1 < chain && kind == 1) s->flags |= IOSQE_IO_HARDLINK;
      if (k + 1 < chain && kind == 2) s->flags |= IOSQE_IO_LINK;
    }
    io_uring_submit_and_wait(&ring, chain);
    (*calls)++;
    struct io_uring_cqe *c;
    for (unsigned seen = 0; seen < chain && io_uring_peek_cqe(&ring, &c) == 0; seen++) {
      if (c->res > 0) frames++;
      else if (c->res == -EAGAIN) more = 0;
      io_uring_cqe_seen(&ring, c);
    }
  }
  return frames;
}

static void variant(const char *name, int kind, unsigned chain) {
  unsigned long frames = 0, calls = 0;
  double cpu = 0;
  for (int r = 0; r < ROUNDS; r++) {
    fill();
    double c0 = thread_cpu();
    frames += drain(kind, chain, &calls);
    cpu += thread_cpu() - c0;
  }
  printf("%-10s chain %2u: %7lu frames, %5.1f frames/syscall, %4.0f ns CPU per frame\n", name, kind ? chain : 1, frames,
         (double)frames / (double)calls, cpu / (double)frames * 1e9);
}

int main(void) {
  if (unshare(CLONE_NEWNET) < 0) return perror("unshare (needs root)"), 1;
  tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
  strcpy(ifr.ifr_name, "bench0");
  if (tap < 0 || ioctl(tap, TUNSETIFF, &ifr) < 0) return perror("TAP"), 1;
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  ifr.ifr_qlen = QUEUED * 2;
  ioctl(s, SIOCSIFTXQLEN, &ifr);
  ioctl(s, SIOCGIFFLAGS, &ifr);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return perror("up"), 1;
  ifindex = (int)if_nametoindex("bench0");
  pkt = socket(AF_PACKET, SOCK_RAW, 0);
  if (pkt < 0 || io_uring_queue_init(64, &ring, 0) < 0) return perror("AF_PACKET / io_uring"), 1;
  for (int rep = 0; rep < 3; rep++) {
    variant("read", 0, 1);
    variant("hardlink", 1, 64);
    variant("hardlink", 1, 16);
    variant("link", 2, 64);
    variant("unlinked", 3, 64);
  }
  return 0;
}
