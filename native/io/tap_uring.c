/* tap_uring: a linked chain of non-blocking TAP reads, one io_uring_enter (tap_uring.h). */
#include "tap_uring.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

struct bh_tap_uring {
  struct io_uring ring;
  int fd, is_socket;
};

int bh_tap_uring_new(int fd, int is_socket, bh_tap_uring **out) {
  bh_tap_uring *u = calloc(1, sizeof *u);
  if (!u) return -ENOMEM;
  int rc = io_uring_queue_init(BH_TAP_URING_DEPTH, &u->ring, 0);
  if (rc < 0) {
    free(u);
    return rc;
  }
  u->fd = fd;
  u->is_socket = is_socket;
  *out = u;
  return 0;
}

void bh_tap_uring_free(bh_tap_uring *u) {
  if (!u) return;
  io_uring_queue_exit(&u->ring);
  free(u);
}

int bh_tap_uring_read(bh_tap_uring *u, uint8_t *const *buf, const uint32_t *cap, unsigned n, int32_t *res) {
  for (unsigned k = 0; k < n; k++) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring); /* the ring is empty between calls: never NULL */
    if (u->is_socket) {
      io_uring_prep_recv(sqe, u->fd, buf[k], cap[k], MSG_DONTWAIT);
    } else {
      io_uring_prep_read(sqe, u->fd, buf[k], cap[k], 0);
      sqe->rw_flags = RWF_NOWAIT;
    }
    sqe->user_data = k;
    /* hard links: a plain IOSQE_IO_LINK chain is cut by a short read, and every TAP read is short
     * (measured on 6.18: each chain read one frame); a hard link keeps the order and the chain */
    if (k + 1 < n) sqe->flags |= IOSQE_IO_HARDLINK;
    res[k] = -ECANCELED;
  }
  int rc;
  do rc = io_uring_submit_and_wait(&u->ring, n);
  while (rc == -EINTR);
  if (rc <= 0) return rc < 0 ? rc : -EIO;
  /* submitted SQEs all complete (read, -EAGAIN or -ECANCELED) before the wait returns */
  unsigned want = (unsigned)rc < n ? (unsigned)rc : n, seen = 0;
  struct io_uring_cqe *cqe;
  while (seen < want && io_uring_wait_cqe(&u->ring, &cqe) == 0) {
    if (cqe->user_data < n) res[cqe->user_data] = cqe->res;
    io_uring_cqe_seen(&u->ring, cqe);
    seen++;
  }
  return (int)want;
}
