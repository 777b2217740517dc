// event_base_once: a heap-allocated one-shot event that frees itself after its
// callback; the base keeps a list so event_base_free releases pending ones.
#include <event2/event.h>

#include <cstring>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {

struct OnceEvent {
  struct event ev;
  event_callback_fn cb;
  void *arg;
  OnceEvent *next;
  OnceEvent **prev;
};

namespace {

void unlink(OnceEvent *o) {
  if (o->next) o->next->prev = o->prev;
  *o->prev = o->next;
}

void once_fire(evutil_socket_t fd, short what, void *arg) {
  auto *o = static_cast<OnceEvent *>(arg);
  event_base *base = o->ev.ev_base;
  {
    BaseGuard g(base);
    unlink(o);
  }
  o->cb(fd, what, o->arg);
  debug_note_teardown(&o->ev);
  mm_free(o);
}

}  // namespace

int base_once(event_base *base, int fd, short events, event_callback_fn cb, void *arg,
              const timeval *tv) {
  if (events & (EV_SIGNAL | EV_PERSIST)) {
    log(kLogWarn, "event_base_once: EV_SIGNAL and EV_PERSIST are not allowed");
    errno = EINVAL;
    return -1;
  }
  auto *o = static_cast<OnceEvent *>(mm_calloc(1, sizeof(OnceEvent)));
  if (!o) return -1;
  o->cb = cb;
  o->arg = arg;
  bool activate = false;
  short kind;
  if ((events & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED)) == EV_TIMEOUT) {
    fd = -1;
    kind = 0;
    if (!tv || (tv->tv_sec == 0 && tv->tv_usec == 0)) activate = true;
  } else if (events & (EV_READ | EV_WRITE | EV_CLOSED)) {
    kind = events & (EV_READ | EV_WRITE | EV_CLOSED);
  } else {
    mm_free(o);
    log(kLogWarn, "event_base_once: no event kind given");
    errno = EINVAL;
    return -1;
  }
  struct event *ev = &o->ev;
  ev->ev_base = base;
  ev->ev_fd = fd;
  ev->ev_events = kind;
  ev->ev_interval = -1;
  ev->ev_timeout_pos.min_heap_idx = -1;
  ev->ev_evcallback.evcb_flags = EVLIST_INIT;
  ev->ev_evcallback.evcb_closure = kClosureEvent;
  ev->ev_evcallback.evcb_cb_union.evcb_callback = once_fire;
  ev->ev_evcallback.evcb_arg = o;
  ev->ev_evcallback.evcb_pri = static_cast<uint8_t>(base->active.size() / 2);
  debug_note_assign(ev);
  BaseGuard g(base);
  int rc = 0;
  if (activate)
    event_active_nolock(ev, EV_TIMEOUT, 1);
  else
    rc = event_add_nolock(ev, tv, false);
  if (rc < 0) {
    debug_note_teardown(ev);
    mm_free(o);
    return -1;
  }
  o->next = base->once_head;
  if (o->next) o->next->prev = &o->next;
  o->prev = &base->once_head;
  base->once_head = o;
  return 0;
}

void once_free_all(event_base *base) {
  while (OnceEvent *o = base->once_head) {
    unlink(o);
    event_del_nolock(&o->ev, kDelEvenIfFinalizing);
    debug_note_teardown(&o->ev);
    mm_free(o);
  }
}

}  // namespace eventide::detail
