/* dp_base: the helpers every data-plane stage uses (see dp_base.h). */
#include "dp_base.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int bh_dp_emit(bh_dp *dp, const bh_event *ev, const uint8_t *data, uint32_t len) {
  int rc = bh_evring_push(&dp->events, ev, data, len);
  if (rc == BH_EVRING_NOTIFY && dp->notify) dp->notify(dp->notify_ctx);
  return rc;
}

void bh_dp_need_handshake(bh_dp *dp, bh_peer *peer, uint64_t now_ns) {
  uint64_t last = atomic_load_explicit(&peer->last_need_ns, memory_order_relaxed);
  if (last != 0 && now_ns - last < BH_NEED_HANDSHAKE_INTERVAL_NS) return;
  if (!atomic_compare_exchange_strong(&peer->last_need_ns, &last, now_ns ? now_ns : 1)) return;
  bh_event ev = {.type = BH_EV_NEED_HANDSHAKE, .peer = peer->id};
  bh_dp_emit(dp, &ev, NULL, 0);
}

void bh_dp_thread_setup(const bh_dp *dp, const char *name) {
  pthread_setname_np(pthread_self(), name);
  (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), dp->thread_nice);
}
