/* tap_linux: TAP device and test socketpair (see tap_linux.h). */
#include "tap_linux.h"

#include "../core/bh_tso.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int link_up(const char *ifname) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  int rc = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    rc = -errno;
  } else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) rc = -errno;
  }
  close(s);
  return rc;
}

static int tap_create(const char *name, size_t n, short flags, char out_name[IFNAMSIZ], const char **step) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *step = "open /dev/net/tun";
    return -errno;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = flags;
  memcpy(ifr.ifr_name, name, n);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    *step = "ioctl TUNSETIFF";
    return -e;
  }
  memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
  out_name[IFNAMSIZ - 1] = 0;
  return fd;
}

/* The offload probe on a fresh IFF_VNET_HDR TAP: header size, little-endian header fields (a
 * no-op on little-endian hosts, needed elsewhere), then checksum + TSO for IPv4/IPv6 (+ECN).
 * 0, or -1 when the kernel refuses any of it. */
#define TSO_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static int enable_offloads(int fd) {
  int sz = BH_VNET_HDR_LEN, le = 1;
  const union { uint16_t u; uint8_t b[2]; } probe = {.u = 1};
  if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) return -1;
  if (ioctl(fd, TUNSETVNETLE, &le) < 0 && probe.b[0] != 1) return -1;
  return ioctl(fd, TUNSETOFFLOAD, (unsigned long)TSO_OFFLOADS) < 0 ? -1 : 0;
}

/* Does the kernel take UDP_L4 GSO writes (bh_gro.h)? TUNSETOFFLOAD knows TUN_F_USO4/6 exactly
 * when virtio_net_hdr_to_skb knows UDP_L4 (both Linux 6.2); an older kernel refuses the unknown
 * flags. The TAP is then set back to TSO only: what the kernel hands us stays TCP super-frames
 * (tap_read.h segments no UDP ones), writes need no feature flag. 1 (USO writes), 0 (none), or
 * -1 when the TAP could not be set back (it must not be used with offloads then). */
static int probe_uso(int fd) {
  if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TSO_OFFLOADS | BH_TUN_F_USO4 | BH_TUN_F_USO6)) < 0) return 0;
  return ioctl(fd, TUNSETOFFLOAD, (unsigned long)TSO_OFFLOADS) == 0 ? 1 : -1;
}

int bh_tap_open(const char *name, int want_offload, char out_name[IFNAMSIZ], int *offload, const char **step) {
  size_t n = strlen(name);
  *offload = 0;
  if (n == 0 || n >= IFNAMSIZ) {
    *step = "tap name length";
    return -EINVAL;
  }
  int fd = -1;
  if (want_offload) {
    fd = tap_create(name, n, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, out_name, step);
    int uso = 0;
    if (fd >= 0 && (enable_offloads(fd) < 0 || (uso = probe_uso(fd)) < 0)) {
      close(fd); /* the TAP disappears with its only fd: recreate it plain below */
      fd = -1;
    }
    if (fd >= 0) *offload = BH_TAP_OFFLOAD_TSO | (uso ? BH_TAP_OFFLOAD_USO_WRITE : 0);
  }
  if (fd < 0) fd = tap_create(name, n, IFF_TAP | IFF_NO_PI, out_name, step);
  if (fd < 0) return fd;
  int rc = link_up(out_name);
  if (rc < 0) {
    close(fd);
    *step = "ioctl SIOCSIFFLAGS (link up)";
    return rc;
  }
  return fd;
}

int bh_tap_socketpair(int *dp_fd, int *test_fd, const char **step) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    *step = "socketpair(AF_UNIX, SOCK_SEQPACKET)";
    return -errno;
  }
  /* Data-plane end: reads use MSG_DONTWAIT/EAGAIN via O_NONBLOCK, but writes must be able to wait
   * a little for the test to read (AF_UNIX datagram queues are short: net.unix.max_dgram_qlen).
   * So the end stays blocking and gets a send timeout; reads use recv(MSG_DONTWAIT). */
  struct timeval tv = {.tv_sec = 0, .tv_usec = BH_TAP_SP_SNDTIMEO_MS * 1000};
  int big = 1 << 20;
  if (setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    *step = "setsockopt SO_SNDTIMEO";
    return -e;
  }
  for (int i = 0; i < 2; i++) {
    (void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof big); /* best effort */
    (void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  *dp_fd = sv[0];
  *test_fd = sv[1];
  return 0;
}
