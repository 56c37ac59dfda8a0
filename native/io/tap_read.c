/* tap_read: fill a batch of frame slots from the TAP (tap_read.h).
 *
 *   pending super-frame? -> its next segments first
 *   plain:   read(slot) per frame until EAGAIN / batch full
 *   offload: readv(header | slot | scratch tail): a non-GSO frame lands in its slot (checksum
 *            completed in place when NEEDS_CSUM); a larger or GSO frame is made contiguous in
 *            scratch (the slot part copied back) -> bh_tso_prepare (MSS lowered so each segment
 *            fits one tunnel datagram at the smallest path MTU) -> bh_tso_emit into the slots;
 *            segments that do not fit stay pending and the batch ends
 *   io_uring (tap_uring.h): the same, a chain of reads per submit; plain frames land in their
 *            slots, offload frames in stage buffers (copied to the slot, or segmented from there) */
#include "tap_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dp_base.h"
#include "dp_frag.h"
#include "tap_linux.h"

static void uring_stop(bh_tap_reader *r) {
  bh_tap_uring_free(r->uring);
  r->uring = NULL;
  if (r->stage) munmap(r->stage, (size_t)r->chain_max * BH_TAP_STAGE);
  r->stage = NULL;
}

static int uring_start(bh_tap_reader *r, int fd, int is_socket) {
  r->chain_max = r->offload ? BH_TAP_URING_OFFLOAD_CHAIN : BH_TAP_URING_DEPTH;
  r->chain = 2;
  r->staged_more = 1;
  if (r->offload) {
    void *m = mmap(NULL, (size_t)r->chain_max * BH_TAP_STAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return -ENOMEM;
    r->stage = m;
  }
  int rc = bh_tap_uring_new(fd, is_socket, &r->uring);
  if (rc < 0) uring_stop(r);
  return rc;
}

bh_tap_reader *bh_tap_reader_new(int offload, int gro, int fd, int is_socket, int mode, int *err, int *why) {
  bh_tap_reader *r = calloc(1, sizeof *r);
  *err = *why = 0;
  if (!r) {
    *err = -ENOMEM;
    return NULL;
  }
  r->offload = offload != 0;
  r->gro = offload && gro;
  r->gro_udp = r->gro && (offload & BH_TAP_OFFLOAD_USO_WRITE);
  if (mode != BH_TAP_READER_READ) { /* an explicit 'read' never calls io_uring_setup (seccomp kills) */
    int rc = uring_start(r, fd, is_socket);
    if (rc < 0 && mode == BH_TAP_READER_IO_URING) {
      free(r);
      *err = rc;
      return NULL;
    }
    *why = rc;
  }
  return r;
}

void bh_tap_reader_free(bh_tap_reader *r) {
  if (!r) return;
  uring_stop(r);
  free(r);
}

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
  unsigned k = bh_tso_emit(&r->hdr, r->pend_frame, r->len, &r->plan, r->next_segment, room, frames,
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

/* One frame read with its virtio_net_hdr (got bytes in all; header at hdrb). in_slot: the frame's
 * first stride bytes are in slot n and the rest at body + stride (the readv layout); else the
 * whole frame is at body (a stage buffer). Returns 1 when the batch ends (segments pending, EOF). */
static int take_frame(bh_dp *dp, bh_tap_reader *r, const uint8_t *hdrb, uint8_t *body, size_t got, int in_slot,
                      uint8_t *frames, size_t stride, uint16_t *len, unsigned *n, unsigned max, size_t *seg_max) {
  uint8_t *slot = frames + (size_t)*n * stride;
  if (got == 0) {
    len[(*n)++] = 0; /* EOF of the test socketpair: ends the batch, counted as tap_frame_short */
    return 1;
  }
  if (got < BH_VNET_HDR_LEN) {
    BH_DROP(&dp->ctr_tap, TAP_FRAME_SHORT);
    return 0;
  }
  size_t flen = got - BH_VNET_HDR_LEN;
  bh_vnet_hdr h;
  bh_vnet_hdr_read(hdrb, &h);
  bh_tso_plan plan;
  if (h.gso_type == BH_VNET_GSO_NONE && flen <= stride) { /* the common small frame: in place */
    if (!in_slot) memcpy(slot, body, flen);
    int rc = bh_tso_prepare(&h, slot, flen, stride, 0, &plan);
    if (rc != BH_TSO_OK) {
      count_error(dp, rc);
      return 0;
    }
    bh_tso_csum_complete(&h, slot, flen);
    len[(*n)++] = (uint16_t)flen;
    return 0;
  }
  if (in_slot) memcpy(body, slot, flen < stride ? flen : stride);
  if (*seg_max == SIZE_MAX) *seg_max = tunnel_seg_max(dp); /* looked up at the batch's first super-frame */
  int rc = bh_tso_prepare(&h, body, flen, stride, *seg_max, &r->plan);
  if (rc != BH_TSO_OK) {
    count_error(dp, rc);
    return 0;
  }
  if (r->plan.segments > 1) BH_COUNT(&dp->ctr_tap, TAP_GSO_FRAMES, 1);
  r->hdr = h;
  r->len = flen;
  r->pend_frame = body;
  r->next_segment = 0;
  r->pending = r->plan.segments;
  *n += emit_pending(r, slot, stride, len + *n, max - *n);
  return r->pending != 0; /* batch full: the rest opens the next one */
}

static unsigned read_offload(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                             unsigned max, int *failed) {
  uint8_t *frame = r->scratch + BH_VNET_HDR_LEN;
  size_t seg_max = SIZE_MAX;
  unsigned n = 0;
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
    if (take_frame(dp, r, r->scratch, frame, (size_t)got, 1, frames, stride, len, &n, max, &seg_max)) break;
  }
  return n;
}

/* A result that is not a frame: -EAGAIN (queue empty then), -ECANCELED (chain cut), -EINTR lose
 * nothing; anything else is the read() loop's persistent error (e.g. the TAP was deleted). */
static int hard_error(int32_t res) { return res != -EAGAIN && res != -EWOULDBLOCK && res != -ECANCELED && res != -EINTR; }

/* Chain bookkeeping after a submit of want reads that found got frames. */
static void chain_done(bh_dp *dp, bh_tap_reader *r, unsigned want, unsigned got) {
  BH_COUNT(&dp->ctr_tap, TAP_URING_SUBMITS, 1);
  if (got) BH_COUNT(&dp->ctr_tap, TAP_URING_FRAMES, got);
  if (got == want)
    r->chain = want * 2 < r->chain_max ? want * 2 : r->chain_max;
  else
    r->chain = got + 1 < 2 ? 2 : got + 1;
}

/* The submit failed (or was partial): io_uring is given up for the read() loop, for good. */
static void uring_failed(bh_dp *dp, bh_tap_reader *r, int rc) {
  bh_tap_uring_free(r->uring); /* the stage buffers stay: staged frames are still handed out */
  r->uring = NULL;
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_READER], 0);
  atomic_store(&dp->ctr_tap.g[BH_G_TAP_READER_ERRNO], (uint64_t)(rc < 0 ? -rc : EIO));
}

static unsigned read_plain_uring(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                                 unsigned max, int *failed) {
  unsigned n = 0;
  while (n < max && r->uring) {
    unsigned want = r->chain < max - n ? r->chain : max - n, got = 0, start = n;
    uint8_t *buf[BH_TAP_URING_DEPTH];
    uint32_t cap[BH_TAP_URING_DEPTH];
    int32_t res[BH_TAP_URING_DEPTH];
    for (unsigned k = 0; k < want; k++) {
      buf[k] = frames + (size_t)(start + k) * stride;
      cap[k] = (uint32_t)stride;
    }
    int rc = bh_tap_uring_read(r->uring, buf, cap, want, res);
    if (rc < 0) {
      uring_failed(dp, r, rc);
      break;
    }
    int end = 0;
    for (unsigned k = 0; k < (unsigned)rc; k++) {
      if (res[k] < 0) {
        if (hard_error(res[k])) *failed = 1;
        end = 1; /* the queue was empty there: this batch ends after the chain's later frames */
        continue;
      }
      if (n != start + k) memmove(frames + (size_t)n * stride, buf[k], (size_t)res[k]); /* close a gap */
      len[n++] = (uint16_t)res[k];
      got++;
      if (res[k] == 0) end = 1; /* empty datagram or EOF of the test socketpair: do not spin here */
    }
    chain_done(dp, r, want, got);
    if ((unsigned)rc < want) uring_failed(dp, r, -EIO);
    if (end || *failed) return n;
  }
  if (n < max && !r->uring && !*failed) n += read_plain(dp, frames + (size_t)n * stride, stride, len + n, max - n, failed);
  return n;
}

static unsigned read_offload_uring(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                                   unsigned max, int *failed) {
  size_t seg_max = SIZE_MAX;
  unsigned n = 0;
  for (;;) {
    while (r->staged_next < r->staged_n) { /* the last chain's frames, in TAP order */
      if (n >= max) return n;
      unsigned k = r->staged_next++;
      int32_t res = r->staged_res[k];
      if (res < 0) {
        if (hard_error(res)) *failed = 1;
        continue;
      }
      uint8_t *b = r->stage + (size_t)k * BH_TAP_STAGE;
      if (take_frame(dp, r, b, b + BH_VNET_HDR_LEN, (size_t)res, 0, frames, stride, len, &n, max, &seg_max)) {
        if (res == 0) r->staged_more = 0;
        return n; /* segments pending (or EOF): the rest opens the next batch */
      }
    }
    if (!r->staged_more || *failed || n >= max || !r->uring) break;
    unsigned want = r->chain < max - n ? r->chain : max - n, got = 0;
    uint8_t *buf[BH_TAP_URING_DEPTH];
    uint32_t cap[BH_TAP_URING_DEPTH];
    for (unsigned k = 0; k < want; k++) {
      buf[k] = r->stage + (size_t)k * BH_TAP_STAGE;
      cap[k] = (uint32_t)(BH_VNET_HDR_LEN + BH_TSO_MAX_INPUT + 1);
    }
    int rc = bh_tap_uring_read(r->uring, buf, cap, want, r->staged_res);
    if (rc < 0) {
      uring_failed(dp, r, rc);
      break;
    }
    for (unsigned k = 0; k < (unsigned)rc; k++) got += r->staged_res[k] >= 0;
    r->staged_next = 0;
    r->staged_n = (unsigned)rc;
    r->staged_more = got == want; /* else the queue was empty at some point: the batch ends */
    chain_done(dp, r, want, got);
    if ((unsigned)rc < want) uring_failed(dp, r, -EIO);
  }
  r->staged_more = 1; /* the next call reads */
  return n;
}

unsigned bh_tap_read_batch(bh_dp *dp, bh_tap_reader *r, uint8_t *frames, size_t stride, uint16_t *len,
                           unsigned max, int *failed) {
  if (!r->offload) return r->uring ? read_plain_uring(dp, r, frames, stride, len, max, failed)
                                   : read_plain(dp, frames, stride, len, max, failed);
  unsigned n = 0;
  if (r->pending) {
    n = emit_pending(r, frames, stride, len, max);
    if (r->pending) return n;
  }
  uint8_t *f = frames + (size_t)n * stride;
  if (r->uring || r->staged_next < r->staged_n)
    n += read_offload_uring(dp, r, f, stride, len + n, max - n, failed);
  else
    n += read_offload(dp, r, f, stride, len + n, max - n, failed);
  return n;
}
