/* tap_write: frames to the TAP, merged into TSO / USO super-frames where possible (tap_write.h).
 *
 *   for each frame: offload and bh_gro_begin? -> bh_gro_append the following frames while they
 *   continue the run -> bh_gro_end -> one writev (header + head + payloads); else one write */
#include "tap_write.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../core/bh_gro.h"
#include "dp_base.h"
#include "tap_read.h"

/* One datagram/write of iov[0..cnt) carrying `frames` frames; counts the outcome. */
static void write_iov(bh_dp *dp, struct iovec *iov, int cnt, unsigned frames, int *may_wait) {
  size_t want = 0;
  for (int i = 0; i < cnt; i++) want += iov[i].iov_len;
  ssize_t w;
  do {
    if (!dp->tap_is_socket) {
      w = writev(dp->tap_fd, iov, cnt);
    } else {
      int dontwait = !*may_wait || atomic_load_explicit(&dp->stopping, memory_order_relaxed);
      struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
      w = sendmsg(dp->tap_fd, &m, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0));
    }
  } while (w < 0 && errno == EINTR);
  if (w == (ssize_t)want) {
    BH_COUNT(&dp->ctr_rx, TAP_TX_FRAMES, frames);
    if (frames > 1) BH_COUNT(&dp->ctr_rx, TAP_GRO_FRAMES, 1);
    return;
  }
  if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) *may_wait = 0;
  bh_ctr_add(&dp->ctr_rx.drop[BH_DROP_TAP_WRITE_FAILED], frames);
}

void bh_tap_write_batch(bh_dp *dp, uint8_t *const *frame, const uint16_t *len, unsigned n) {
  static const uint8_t zero_hdr[BH_VNET_HDR_LEN];
  int may_wait = 1, vnet = dp->tap_reader->offload, gro = dp->tap_reader->gro, udp = dp->tap_reader->gro_udp;
  uint8_t hdr[BH_VNET_HDR_LEN];
  struct iovec iov[BH_GRO_MAX_SEGMENTS + 1];
  for (unsigned i = 0; i < n;) {
    bh_gro_run run;
    if (!gro || !bh_gro_begin(&run, frame[i], len[i], udp)) {
      iov[0] = (struct iovec){(void *)zero_hdr, BH_VNET_HDR_LEN};
      iov[1] = (struct iovec){frame[i], len[i]};
      write_iov(dp, vnet ? iov : iov + 1, vnet ? 2 : 1, 1, &may_wait);
      i++;
      continue;
    }
    int cnt = 2;
    unsigned j = i + 1;
    for (size_t off = 0; j < n && bh_gro_append(&run, frame[j], len[j], &off); j++)
      iov[cnt++] = (struct iovec){frame[j] + off, len[j] - off};
    bh_vnet_hdr h;
    bh_gro_end(&run, &h); /* rewrites frame[i]'s headers when j > i + 1 */
    bh_vnet_hdr_write(hdr, &h);
    iov[0] = (struct iovec){hdr, BH_VNET_HDR_LEN};
    iov[1] = (struct iovec){frame[i], len[i]};
    write_iov(dp, iov, cnt, j - i, &may_wait);
    i = j;
  }
}
