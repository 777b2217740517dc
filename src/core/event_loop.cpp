// The loop: wait in the backend, expire timers, run active callbacks by
// priority with libevent 2.1's closures and exit rules.
#include <event2/event.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <unistd.h>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

inline void unlock(event_base *base) {
  if (base->locking) base->mu.unlock();
}
inline void relock(event_base *base) {
  if (base->locking) base->mu.lock();
}

bool have_events(const event_base *base) {
  return base->virtual_event_count > 0 || base->event_count > 0;
}

int64_t next_timeout_ns(event_base *base) {
  if (base->heap.empty()) return -1;
  int64_t d = base->heap.top_deadline() - mono_now_ns();
  return d > 0 ? d : 0;
}

void make_later_active(event_base *base) {
  while (struct event_callback *cb = base->active_later.first) {
    base->active_later.remove(cb);
    cb->evcb_flags = static_cast<short>((cb->evcb_flags & ~EVLIST_ACTIVE_LATER) | EVLIST_ACTIVE);
    size_t pri = cb->evcb_pri;
    if (pri >= base->active.size()) pri = base->active.size() - 1;
    base->active[pri].push_back(cb);
  }
}

void timeout_process(event_base *base) {
  if (base->heap.empty()) return;
  const int64_t now = base_now(base);
  while (!base->heap.empty() && base->heap.top_deadline() <= now) {
    struct event *ev = base->heap.top();
    event_del_nolock(ev, kDelNoBlock);
    event_active_nolock(ev, EV_TIMEOUT, 1);
  }
}

// EV_PERSIST with a timeout: the next deadline follows the previous one when
// the timeout fired (so a periodic timer does not drift), else runs from now.
// A zero interval is not rescheduled (libevent's rule): such an event fires
// once by timeout instead of spinning the loop.
void persist_reschedule(struct event *ev) {
  if (ev->ev_interval <= 0) return;
  const int64_t interval = ev->ev_interval * 1000;
  const int64_t now = mono_now_ns();
  int64_t run_at = now + interval;
  if (ev->ev_res & EV_TIMEOUT) {
    run_at = ev->ev_deadline + interval;
    if (run_at < now) run_at = now + interval;
  }
  event_add_deadline_nolock(ev, run_at);
}

void run_signal_closure(event_base *base, struct event *ev) {
  short ncalls = ev->ev_ncalls;
  if (ncalls) ev->ev_pncalls = &ncalls;
  const evutil_socket_t fd = ev->ev_fd;
  const short res = ev->ev_res;
  event_callback_fn fn = ev->ev_evcallback.evcb_cb_union.evcb_callback;
  void *arg = ev->ev_evcallback.evcb_arg;
  unlock(base);
  while (ncalls) {
    ncalls--;
    // A callback that deletes or frees ev zeroes ncalls through ev_pncalls,
    // so ev is not touched again after that.
    ev->ev_ncalls = ncalls;
    if (ncalls == 0) ev->ev_pncalls = nullptr;
    fn(fd, res, arg);
    if (base->gotbreak.load(std::memory_order_relaxed)) {
      // ev is still alive (deleting it would have zeroed ncalls): it must
      // not keep pointing at this frame's counter once we return.
      if (ncalls) ev->ev_pncalls = nullptr;
      break;
    }
  }
  relock(base);
}

// Runs the callbacks of one priority queue. Returns how many non-internal
// callbacks ran, or -1 when loopbreak was asked.
int process_queue(event_base *base, CallbackQueue &q, int max_to_run, int64_t endtime) {
  int count = 0;
  while (struct event_callback *cb = q.first) {
    struct event *ev = nullptr;
    if (cb->evcb_closure <= kClosurePersist || cb->evcb_closure >= kClosureEventFinalize) {
      ev = as_event(cb);
      if ((ev->ev_events & EV_PERSIST) || (cb->evcb_flags & EVLIST_FINALIZING))
        callback_cancel_nolock(base, cb);
      else
        event_del_nolock(ev, kDelNoBlock);
    } else {
      callback_cancel_nolock(base, cb);
    }
    if (!(cb->evcb_flags & EVLIST_INTERNAL)) ++count;
    base->current_event = cb;
    base->current_event_waiters = 0;

    switch (cb->evcb_closure) {
      case kClosureSignal:
        run_signal_closure(base, ev);
        break;
      case kClosurePersist:
        persist_reschedule(ev);
        [[fallthrough]];
      case kClosureEvent: {
        event_callback_fn fn = cb->evcb_cb_union.evcb_callback;
        if (!fn) {  // event_assign took a NULL callback, as libevent does
          log(kLogWarn, "event %p became active but has no callback; ignored",
              static_cast<void *>(ev));
          break;
        }
        const short res = ev->ev_res;
        const evutil_socket_t fd = ev->ev_fd;
        void *arg = cb->evcb_arg;
        unlock(base);
        fn(fd, res, arg);
        relock(base);
        break;
      }
      case kClosureCbSelf: {
        auto fn = cb->evcb_cb_union.evcb_selfcb;
        void *arg = cb->evcb_arg;
        unlock(base);
        fn(cb, arg);
        relock(base);
        break;
      }
      case kClosureEventFinalize:
      case kClosureEventFinalizeFree: {
        const bool free_it = cb->evcb_closure == kClosureEventFinalizeFree;
        auto fn = cb->evcb_cb_union.evcb_evfinalize;
        void *arg = cb->evcb_arg;
        base->current_event = nullptr;
        cb->evcb_flags &= ~EVLIST_FINALIZING;
        unlock(base);
        fn(ev, arg);
        if (free_it) {
          debug_note_teardown(ev);
          mm_free(ev);
        }
        relock(base);
        break;
      }
      case kClosureCbFinalize: {
        auto fn = cb->evcb_cb_union.evcb_cbfinalize;
        void *arg = cb->evcb_arg;
        base->current_event = nullptr;
        cb->evcb_flags &= ~EVLIST_FINALIZING;
        unlock(base);
        fn(cb, arg);
        relock(base);
        break;
      }
      default:
        break;
    }

    base->current_event = nullptr;
    if (base->current_event_waiters) {
      base->current_event_waiters = 0;
      base->current_event_cond.notify_all();
    }
    if (base->gotbreak.load(std::memory_order_relaxed)) return -1;
    if (count >= max_to_run) return count;
    if (count && endtime >= 0 && mono_now_ns() >= endtime) return count;
    if (base->continue_) break;
  }
  return count;
}

int process_active(event_base *base) {
  int c = 0;
  int64_t endtime = -1;
  if (base->max_dispatch_ns >= 0) endtime = mono_now_ns() + base->max_dispatch_ns;
  for (size_t i = 0; i < base->active.size(); ++i) {
    if (base->active[i].empty()) continue;
    base->running_priority = static_cast<int>(i);
    if (static_cast<int>(i) < base->limit_callbacks_after_prio)
      c = process_queue(base, base->active[i], INT_MAX, -1);
    else
      c = process_queue(base, base->active[i], base->max_dispatch_callbacks, endtime);
    if (c != 0) break;  // a real callback ran (or break): lower priorities wait
  }
  base->running_priority = -1;
  return c;
}

}  // namespace

bool base_in_loop_thread(const event_base *base) {
  return !base->running_loop || base->owner == std::this_thread::get_id();
}

void base_notify(event_base *base) {
  if (!base->locking || !base->running_loop || base->notify_pending || base->notify_fd < 0 ||
      base_in_loop_thread(base))
    return;
  base->notify_pending = true;
  uint64_t one = 1;
  ssize_t r = write(base->notify_fd, &one, sizeof one);
  (void)r;
}

int base_loop(event_base *base, int flags) {
  relock(base);
  if (base->running_loop) {
    log(kLogWarn,
        "event_base_loop: reentrant invocation.  Only one event_base_loop can run on each "
        "event_base at once.");
    unlock(base);
    return -1;
  }
  base->running_loop = true;
  base->owner = std::this_thread::get_id();
  base->cached_now = 0;
  base->gotterm = false;
  base->gotbreak = false;
  int retval = 0;
  bool done = false;
  while (!done) {
    base->continue_ = false;
    base->n_deferreds_queued = 0;
    if (base->gotterm || base->gotbreak) break;
    int64_t timeout = 0;
    if (!base->n_active && !(flags & EVLOOP_NONBLOCK)) timeout = next_timeout_ns(base);
    if (!(flags & EVLOOP_NO_EXIT_ON_EMPTY) && !have_events(base) && !base->n_active) {
      retval = 1;
      break;
    }
    make_later_active(base);
    base->cached_now = 0;
    if (base->backend->dispatch(timeout, base->locking ? &base->mu : nullptr, fd_ready, base) < 0) {
      log_errno(kLogWarn, "event_base_loop: %s dispatch failed", base->backend->name());
      retval = -1;
      break;
    }
    if (!(base->flags & EVENT_BASE_FLAG_NO_CACHE_TIME)) base->cached_now = mono_now_ns();
    timeout_process(base);
    if (base->n_active) {
      int n = process_active(base);
      if ((flags & EVLOOP_ONCE) && base->n_active == 0 && n != 0) done = true;
    } else if (flags & EVLOOP_NONBLOCK) {
      done = true;
    }
  }
  base->cached_now = 0;
  base->running_loop = false;
  unlock(base);
  return retval;
}

}  // namespace eventide::detail
