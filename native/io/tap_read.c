/* tap_read: fill a batch of frame slots from the TAP (tap_read.h).
 *
 *   pending super-frame? -> its next segments first
 *   plain:   read(slot) per frame until EAGAIN / batch full
 *   offload: readv(header | slot | scratch tail): a non-GSO frame lands in its slot (checksum
 *            completed in place when NEEDS_CSUM); a larger or GSO frame is made contiguous in
 *            scratch (the slot part copied back) -> bh_tso_prepare (MSS lowered so each segment
 *            fits one tunnel datagram at the smallest path MTU) -> bh_tso_emit into the slots;
 *            segments that do not fit stay pending and the batch ends */
#include "tap_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dp_base.h"
#include "dp_frag.h"
#include "tap_linux.h"

bh_tap_reader *bh_tap_reader_new(int offload, int gro) {
  bh_tap_reader *r = calloc(1, sizeof *r);
  if (r) {
    r->offload = offload != 0;
    r->gro = offload && gro;
    r->gro_udp = r->gro && (offload & BH_TAP_OFFLOAD_USO_WRITE);
  }
  return r;
}

void bh_tap_reader_free(bh_tap_reader *r) { free(r); }

static ssize_t tap_readv(bh_dp *dp, struct iovec *iov, int n) {
  if (!dp->tap_is_socket) return readv(dp->tap_fd, iov, n);
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
  return recvmsg(dp->tap_fd, &m, MSG_DONTWAIT);
}

static unsigned read_plain(bh_dp *dp, uint8_t *frames, size_t stride, uint16_t *len, unsigned max, int *failed) {
  unsigned n = 0;
  while (n < max) {
    uint8_t *slot = frames + (size_t)n * stride;
    ssize_t r = dp->tap_is_socket ? recv(dp->tap_fd, slot, stride, MSG_DONTWAIT) : read(dp->tap_fd, slot, stride);
    if (r < 0) {
      if (errno == EINTR) continue;
      *failed = errno != EAGAIN && errno != EWOULDBLOCK; /* e.g. the TAP was deleted under us */
      break;
    }
    len[n++] = (uint16_t)r;
    if (r == 0) break; /* empty datagram, or EOF of the test socketpair: do not spin here */
  }
  return n;
}

static unsigned emit_pending(bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len, unsigned room) {
  unsigned k = bh_tso_emit(&r->hdr, r->scratch + BH_VNET_HDR_LEN, r->len, &r->plan, r->next_segment, room, frames,
                           stride, len);
  r->next_segment += k;
  r->pending -= k;
  return k;
}

/* The largest segment frame that crosses to every peer as ONE tunnel datagram (path MTU budget -
 * transport overhead), 0 when no path MTU is set: super-frames are cut to fit it (bh_tso_prepare
 * seg_max), so TSO traffic needs no tunnel fragmentation even without MSS clamping. */
static size_t tunnel_seg_max(bh_dp *dp) {
  size_t m = 0;
  pthread_rwlock_rdlock(&dp->peers_lock);
  for (uint32_t i = 0; i < dp->peers.count; i++) {
    size_t b = bh_dp_udp_budget(dp->peers.list[i]);
    if (b >= 65507 || b <= BH_DATA_HDR + BH_TAG) continue;
    b -= BH_DATA_HDR + BH_TAG;
    if (!m || b < m) m = b;
  }
  pthread_rwlock_unlock(&dp->peers_lock);
  return m;
}

static void count_error(bh_dp *dp, int rc) {
  if (rc == BH_TSO_TOO_BIG)
    BH_DROP(&dp->ctr_tap, TAP_FRAME_OVERSIZE);
  else
    BH_DROP(&dp->ctr_tap, TAP_OFFLOAD_BAD);
}

static unsigned read_offload(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                             unsigned max, int *failed) {
  unsigned n = 0;
  if (r->pending) {
    n = emit_pending(r, frames, stride, len, max);
    if (r->pending) return n;
  }
  uint8_t *frame = r->scratch + BH_VNET_HDR_LEN;
  size_t seg_max = SIZE_MAX; /* looked up at the batch's first super-frame */
  while (n < max) {
    uint8_t *slot = frames + (size_t)n * stride;
    struct iovec iov[3] = {{r->scratch, BH_VNET_HDR_LEN},
                           {slot, stride},
                           {frame + stride, sizeof r->scratch - BH_VNET_HDR_LEN - stride}};
    ssize_t got = tap_readv(dp, iov, 3);
    if (got < 0) {
      if (errno == EINTR) continue;
      *failed = errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
    if (got == 0) {
      len[n++] = 0; /* EOF of the test socketpair: ends the batch, counted as tap_frame_short */
      break;
    }
    if (got < BH_VNET_HDR_LEN) {
      BH_DROP(&dp->ctr_tap, TAP_FRAME_SHORT);
      continue;
    }
    size_t flen = (size_t)got - BH_VNET_HDR_LEN;
    bh_vnet_hdr h;
    bh_vnet_hdr_read(r->scratch, &h);
    bh_tso_plan plan;
    if (h.gso_type == BH_VNET_GSO_NONE && flen <= stride) { /* the common small frame: in place */
      int rc = bh_tso_prepare(&h, slot, flen, stride, 0, &plan);
      if (rc != BH_TSO_OK) {
        count_error(dp, rc);
        continue;
      }
      bh_tso_csum_complete(&h, slot, flen);
      len[n++] = (uint16_t)flen;
      continue;
    }
    memcpy(frame, slot, flen < stride ? flen : stride);
    if (seg_max == SIZE_MAX) seg_max = tunnel_seg_max(dp);
    int rc = bh_tso_prepare(&h, frame, flen, stride, seg_max, &r->plan);
    if (rc != BH_TSO_OK) {
      count_error(dp, rc);
      continue;
    }
    if (r->plan.segments > 1) BH_COUNT(&dp->ctr_tap, TAP_GSO_FRAMES, 1);
    r->hdr = h;
    r->len = flen;
    r->next_segment = 0;
    r->pending = r->plan.segments;
    n += emit_pending(r, slot, stride, len + n, max - n);
    if (r->pending) break; /* batch full: the rest opens the next one */
  }
  return n;
}

unsigned bh_tap_read_batch(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                           unsigned max, int *failed) {
  if (r->offload) return read_offload(dp, r, frames, stride, len, max, failed);
  return read_plain(dp, frames, stride, len, max, failed);
}
