/* evring: bounded MPSC event ring with notify-on-non-empty (see evring.h). */
#include "evring.h"

#include <stdlib.h>
#include <string.h>

int bh_evring_init(bh_evring *r, uint32_t capacity) {
  memset(r, 0, sizeof *r);
  if (capacity == 0 || capacity > BH_EVRING_MAX_CAPACITY) return -1;
  r->slots = calloc(capacity, sizeof *r->slots);
  if (!r->slots) return -1;
  r->cap = capacity;
  pthread_mutex_init(&r->mu, NULL);
  return 0;
}

void bh_evring_free(bh_evring *r) {
  if (!r->slots) return;
  bh_event ev;
  while (bh_evring_pop(r, &ev)) free(ev.data);
  free(r->slots);
  r->slots = NULL;
  pthread_mutex_destroy(&r->mu);
}

static void count_drop(bh_evring *r) { atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed); }

int bh_evring_push(bh_evring *r, const bh_event *ev, const uint8_t *data, uint32_t len) {
  if (len > BH_EVRING_MAX_DATA) {
    count_drop(r);
    return BH_EVRING_FULL;
  }
  pthread_mutex_lock(&r->mu);
  if (r->count == r->cap) {
    pthread_mutex_unlock(&r->mu);
    count_drop(r);
    return BH_EVRING_FULL;
  }
  uint8_t *copy = NULL;
  if (len) {
    copy = malloc(len);
    if (!copy) {
      pthread_mutex_unlock(&r->mu);
      count_drop(r);
      return BH_EVRING_FULL;
    }
    memcpy(copy, data, len);
  }
  bh_event *slot = &r->slots[(r->head + r->count) % r->cap];
  *slot = *ev;
  slot->data = copy;
  slot->len = len;
  r->count++;
  int notify = !r->pending;
  r->pending = 1;
  pthread_mutex_unlock(&r->mu);
  return notify ? BH_EVRING_NOTIFY : BH_EVRING_QUEUED;
}

void bh_evring_begin_drain(bh_evring *r) {
  pthread_mutex_lock(&r->mu);
  r->pending = 0;
  pthread_mutex_unlock(&r->mu);
}

int bh_evring_pop(bh_evring *r, bh_event *out) {
  pthread_mutex_lock(&r->mu);
  if (r->count == 0) {
    pthread_mutex_unlock(&r->mu);
    return 0;
  }
  *out = r->slots[r->head];
  memset(&r->slots[r->head], 0, sizeof r->slots[r->head]);
  r->head = (r->head + 1) % r->cap;
  r->count--;
  pthread_mutex_unlock(&r->mu);
  return 1;
}

int bh_evring_rearm(bh_evring *r) {
  pthread_mutex_lock(&r->mu);
  int notify = r->count > 0 && !r->pending;
  if (notify) r->pending = 1;
  pthread_mutex_unlock(&r->mu);
  return notify;
}

uint64_t bh_evring_dropped(const bh_evring *r) {
  return atomic_load_explicit(&((bh_evring *)r)->dropped, memory_order_relaxed);
}
