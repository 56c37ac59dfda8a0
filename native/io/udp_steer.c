/* udp_steer: SO_ATTACH_REUSEPORT_CBPF with the program bh_steer builds (see udp_steer.h). */
#include "udp_steer.h"

#include <errno.h>
#include <linux/filter.h>
#include <sys/socket.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

_Static_assert(sizeof(bh_steer_insn) == sizeof(struct sock_filter), "bh_steer_insn must match struct sock_filter");

int bh_udp_steer_attach(int fd, uint16_t front, const uint16_t slot_pos[BH_STEER_SLOTS]) {
  bh_steer_insn prog[BH_STEER_MAX_INSNS];
  int n = bh_steer_build(front, slot_pos, prog);
  if (n < 0) return -EINVAL;
  struct sock_fprog fp = {.len = (unsigned short)n, .filter = (struct sock_filter *)prog};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof fp) < 0) return -errno;
  return 0;
}
