// event_base lifecycle (backend choice, free, reinit, priorities) and the
// event state machine: add, del, activate — libevent 2.1's semantics.
#include "core/event_base.hpp"

#include <event2/event.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "core/debug_registry.hpp"
#include "thread/lock.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

std::atomic<uint64_t> g_base_serial{0};

struct BackendChoice {
  const char *name;
  const char *env;
  std::unique_ptr<Backend> (*make)();
};

const BackendChoice kBackends[] = {
    {"epoll", "EVENT_NOEPOLL", make_epoll_backend},
    {"poll", "EVENT_NOPOLL", make_poll_backend},
    {"select", "EVENT_NOSELECT", make_select_backend},
};

// Set at all counts, even to "" (libevent's rule).
bool env_set(const char *name) {
  return std::getenv(name) != nullptr;
}

bool is_io(const struct event *ev) {
  return (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED));
}

void slot_link(FdSlot &slot, struct event *ev) {
  ev->ev_next.le_next = slot.head;
  if (slot.head) slot.head->ev_next.le_prev = &ev->ev_next.le_next;
  slot.head = ev;
  ev->ev_next.le_prev = &slot.head;
}

void slot_unlink(struct event *ev) {
  if (ev->ev_next.le_next) ev->ev_next.le_next->ev_next.le_prev = ev->ev_next.le_prev;
  *ev->ev_next.le_prev = ev->ev_next.le_next;
  ev->ev_next.le_next = nullptr;
  ev->ev_next.le_prev = nullptr;
}

// What the backend is told: EV_ET only where the backend has it (libevent's
// poll and select accept EV_ET and ignore it).
short kernel_mask(const event_base *base, const FdSlot &slot) {
  short m = slot.mask();
  if (!(base->features & EV_FEATURE_ET)) m &= ~EV_ET;
  return m;
}

int io_add(event_base *base, struct event *ev) {
  const int fd = ev->ev_fd;
  if (fd < 0) {
    log(kLogWarn, "event_add: cannot watch invalid fd %d", fd);
    errno = EBADF;
    return -1;
  }
  if (static_cast<size_t>(fd) >= base->fds.size()) {
    try {
      base->fds.resize(std::max<size_t>(fd + 1, base->fds.size() * 2));
    } catch (...) {
      errno = ENOMEM;
      return -1;
    }
    // The list heads moved: point their first events' back-links at them again.
    for (FdSlot &s : base->fds)
      if (s.head) s.head->ev_next.le_prev = &s.head;
  }
  FdSlot &slot = base->fds[fd];
  const bool et = ev->ev_events & EV_ET;
  if (slot.count && slot.et != et) {
    log(kLogWarn, "Tried to mix edge-triggered and non-edge-triggered events on fd %d", fd);
    errno = EINVAL;
    return -1;
  }
  if (slot.count == UINT16_MAX) {
    log(kLogWarn, "Too many events reading or writing on fd %d", fd);
    errno = EINVAL;
    return -1;
  }
  const short old_mask = kernel_mask(base, slot);
  FdSlot next = slot;
  next.et = et;
  next.count++;
  if (ev->ev_events & EV_READ) next.nread++;
  if (ev->ev_events & EV_WRITE) next.nwrite++;
  if (ev->ev_events & EV_CLOSED) next.nclose++;
  const short new_mask = kernel_mask(base, next);
  if (new_mask != old_mask && base->backend->change(fd, old_mask, new_mask) < 0) {
    log_errno(kLogWarn, "event_add: %s backend cannot watch fd %d", base->backend->name(), fd);
    return -1;
  }
  next.head = slot.head;
  slot = next;
  slot_link(slot, ev);
  return 0;
}

void io_del(event_base *base, struct event *ev) {
  FdSlot &slot = base->fds[ev->ev_fd];
  const short old_mask = kernel_mask(base, slot);
  slot.count--;
  if (ev->ev_events & EV_READ) slot.nread--;
  if (ev->ev_events & EV_WRITE) slot.nwrite--;
  if (ev->ev_events & EV_CLOSED) slot.nclose--;
  const short new_mask = kernel_mask(base, slot);
  slot_unlink(ev);
  if (new_mask != old_mask && base->backend->change(ev->ev_fd, old_mask, new_mask) < 0)
    log_errno(kLogDebug, "event_del: %s backend failed to update fd %d", base->backend->name(),
              ev->ev_fd);
}

void remove_timeout(event_base *base, struct event *ev) {
  if (ev_flags(ev) & kListCommonTimeout)
    common_timeout_remove(base, ev);
  else
    base->heap.erase(ev);
  count_dec(base, ev_flags(ev));
  ev_flags(ev) &= ~(EVLIST_TIMEOUT | kListCommonTimeout);
}

// Shared tail of event_add: (re)schedule ev's timeout at deadline, or in the
// common-timeout queue ct when given.
int schedule_timeout(event_base *base, struct event *ev, int64_t deadline, CommonTimeout *ct) {
  const short flags = ev_flags(ev);
  if ((flags & EVLIST_TIMEOUT) && !(flags & kListCommonTimeout) && !ct &&
      !((flags & EVLIST_ACTIVE) && (ev->ev_res & EV_TIMEOUT))) {
    // Already in the heap (a re-armed timeout): re-key it where it sits.
    ev->ev_deadline = deadline;
    base->heap.update(ev, deadline);
    if (base->heap.top() == ev) base_notify(base);
    return 0;
  }
  if (flags & EVLIST_TIMEOUT) remove_timeout(base, ev);
  // An event active because of its timeout is rescheduled, not run.
  if ((ev_flags(ev) & EVLIST_ACTIVE) && (ev->ev_res & EV_TIMEOUT)) {
    if ((ev->ev_events & EV_SIGNAL) && ev->ev_ncalls) {
      if (ev->ev_pncalls) *ev->ev_pncalls = 0;
      ev->ev_ncalls = 0;
    }
    callback_cancel_nolock(base, &ev->ev_evcallback);
  }
  ev->ev_deadline = deadline;
  if (ct) {
    common_timeout_schedule(base, ct, ev);
    ev_flags(ev) |= kListCommonTimeout;
  } else {
    base->heap.push(ev, deadline);
    if (base->heap.top() == ev) base_notify(base);
  }
  ev_flags(ev) |= EVLIST_TIMEOUT;
  count_inc(base, ev_flags(ev));
  return 0;
}

int add_common(struct event *ev, const timeval *tv, int64_t deadline, bool have_deadline,
               CommonTimeout *ct) {
  event_base *base = ev->ev_base;
  if (ev_flags(ev) & EVLIST_FINALIZING) {
    log(kLogWarn, "event_add: event %p is being finalized", static_cast<void *>(ev));
    errno = EINVAL;
    return -1;
  }
  const bool want_timeout = tv || have_deadline;
  if (tv && !have_deadline && common_timeout_lookup(base, tv, &ct) && !ct) {
    log(kLogWarn, "event_add: unknown common timeout for this base");
    errno = EINVAL;
    return -1;
  }
  if (want_timeout && !ct && !(ev_flags(ev) & EVLIST_TIMEOUT) && !base->heap.reserve_one()) {
    errno = ENOMEM;
    return -1;
  }
  if ((ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL)) &&
      !(ev_flags(ev) & (EVLIST_INSERTED | EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))) {
    int r = (ev->ev_events & EV_SIGNAL) ? base_signal_add(base, ev) : io_add(base, ev);
    if (r < 0) return -1;
    ev_flags(ev) |= EVLIST_INSERTED;
    count_inc(base, ev_flags(ev));
    base_notify(base);
  }
  if (!want_timeout) return 0;
  if (tv && ev->ev_evcallback.evcb_closure == kClosurePersist) {
    ev->ev_common_timeout_idx = 0;
    if (ct) {
      ev->ev_interval = common_timeout_duration_ns(ct) / 1000;
      ev->ev_common_timeout_idx = static_cast<uint16_t>(((tv->tv_usec >> 20) & 0xff) + 1);
    } else {
      ev->ev_interval = int64_t(tv->tv_sec) * 1000000 + tv->tv_usec;
    }
  }
  if (tv) deadline = mono_now_ns() + (ct ? common_timeout_duration_ns(ct) : timeval_to_ns(*tv));
  return schedule_timeout(base, ev, deadline, ct);
}

}  // namespace

void fd_ready(void *ctx, int fd, short what) {
  auto *base = static_cast<event_base *>(ctx);
  if (fd < 0 || static_cast<size_t>(fd) >= base->fds.size()) return;
  for (struct event *ev = base->fds[fd].head; ev; ev = ev->ev_next.le_next) {
    const short res = ev->ev_events & what & (EV_READ | EV_WRITE | EV_CLOSED);
    if (res) event_active_nolock(ev, res, 1);
  }
}

void count_inc(event_base *base, short flags) {
  if (flags & EVLIST_INTERNAL) return;
  if (++base->event_count > base->event_count_max) base->event_count_max = base->event_count;
}

void count_dec(event_base *base, short flags) {
  if (flags & EVLIST_INTERNAL) return;
  --base->event_count;
}

event_base *base_create(const event_config *cfg) {
  const int flags = cfg ? cfg->flags : 0;
  const bool use_env = !(flags & EVENT_BASE_FLAG_IGNORE_ENV);
  auto *base = new (std::nothrow) event_base;
  if (!base) return nullptr;
  base->flags = flags;
  for (const BackendChoice &c : kBackends) {
    bool avoided = false;
    if (cfg)
      for (const std::string &a : cfg->avoided)
        if (a == c.name) avoided = true;
    if (avoided || (use_env && env_set(c.env))) continue;
    std::unique_ptr<Backend> b = c.make();
    if (!b) continue;
    if (cfg && (b->features() & cfg->require_features) != cfg->require_features) continue;
    base->backend = std::move(b);
    break;
  }
  if (!base->backend) {
    log(kLogWarn, "No event backend satisfies the configuration (or the environment)");
    delete base;
    return nullptr;
  }
  base->features = base->backend->features();
  if (use_env && env_set("EVENT_SHOW_METHOD"))
    log(kLogMsg, "libevent using: %s", base->backend->name());
  if (cfg) {
    base->max_dispatch_ns = cfg->max_dispatch_ns;
    base->max_dispatch_callbacks =
        cfg->max_dispatch_callbacks >= 0 ? cfg->max_dispatch_callbacks : INT32_MAX;
    base->limit_callbacks_after_prio = cfg->limit_callbacks_after_prio;
  }
  base->active.resize(1);
  base->sigs.resize(NSIG);
  base->serial = ++g_base_serial;
  base->locking = threading_enabled() && !(flags & EVENT_BASE_FLAG_NOLOCK);
  std::memset(&base->notify_ev, 0, sizeof base->notify_ev);
  if (base->locking && base_ensure_notify(base) < 0) {
    delete base;
    return nullptr;
  }
  debug_note_base(base, true);
  return base;
}

void base_destroy(event_base *base, bool run_finalizers) {
  {
    BaseGuard g(base);
    once_free_all(base);
    // Every event still known becomes non-pending (its memory is the user's).
    for (FdSlot &slot : base->fds)
      while (slot.head) event_del_nolock(slot.head, kDelEvenIfFinalizing);
    for (FdSlot &slot : base->sigs)
      while (slot.head) event_del_nolock(slot.head, kDelEvenIfFinalizing);
    while (!base->heap.empty()) event_del_nolock(base->heap.top(), kDelEvenIfFinalizing);
    common_timeouts_free(base);
    // Finalizers and deferred callbacks still queued.
    auto drain = [&](CallbackQueue &q) {
      while (struct event_callback *cb = q.first) {
        callback_cancel_nolock(base, cb);
        if (!run_finalizers) continue;
        switch (cb->evcb_closure) {
          case kClosureEventFinalize:
          case kClosureEventFinalizeFree: {
            struct event *ev = as_event(cb);
            ev_flags(ev) &= ~EVLIST_FINALIZING;
            // Read before the finalizer runs: it may free the memory that
            // holds the event (a listener's finalizer does).
            const bool free_event = cb->evcb_closure == kClosureEventFinalizeFree;
            cb->evcb_cb_union.evcb_evfinalize(ev, cb->evcb_arg);
            if (free_event) {
              debug_note_teardown(ev);
              mm_free(ev);
            }
            break;
          }
          case kClosureCbFinalize:
            cb->evcb_cb_union.evcb_cbfinalize(cb, cb->evcb_arg);
            break;
          default:
            break;
        }
      }
    };
    for (CallbackQueue &q : base->active) drain(q);
    drain(base->active_later);
  }
  base_signals_release(base);
  if (base->notify_fd >= 0) close(base->notify_fd);
  debug_note_base(base, false);
  delete base;
}

int base_reinit(event_base *base) {
  BaseGuard g(base);
  if (base->backend->reinit() < 0) {
    log_errno(kLogWarn, "event_reinit: could not re-create the %s backend", base->backend->name());
    return -1;
  }
  // The child must not share the parent's wake-up descriptor.
  if (base->notify_fd >= 0) {
    int old = base->notify_fd;
    base->notify_fd = -1;
    ev_flags(&base->notify_ev) &= ~EVLIST_INSERTED;
    FdSlot &slot = base->fds[old];
    if (slot.head == &base->notify_ev) slot.head = base->notify_ev.ev_next.le_next;
    if (slot.head) slot.head->ev_next.le_prev = &slot.head;
    slot.count--;
    slot.nread--;
    close(old);
    std::memset(&base->notify_ev, 0, sizeof base->notify_ev);
    if (base_ensure_notify(base) < 0) return -1;
  }
  int rc = 0;
  for (size_t fd = 0; fd < base->fds.size(); ++fd) {
    short m = kernel_mask(base, base->fds[fd]);
    if (m && base->backend->change(static_cast<int>(fd), 0, m) < 0) {
      log_errno(kLogWarn, "event_reinit: could not re-add fd %zu", fd);
      rc = -1;
    }
  }
  return rc;
}

int base_priority_init(event_base *base, int n) {
  if (base->n_active || n < 1 || n >= EVENT_MAX_PRIORITIES) return -1;
  try {
    base->active.assign(static_cast<size_t>(n), CallbackQueue{});
  } catch (...) {
    return -1;
  }
  return 0;
}

int event_add_nolock(struct event *ev, const timeval *tv, bool tv_is_absolute) {
  if (tv && tv_is_absolute) return add_common(ev, nullptr, timeval_to_ns(*tv), true, nullptr);
  return add_common(ev, tv, 0, false, nullptr);
}

int event_add_deadline_nolock(struct event *ev, int64_t deadline_ns) {
  CommonTimeout *ct = nullptr;
  const size_t idx = ev->ev_common_timeout_idx;
  if (idx && idx <= ev->ev_base->common_timeouts.size()) ct = ev->ev_base->common_timeouts[idx - 1];
  return add_common(ev, nullptr, deadline_ns, true, ct);
}

int event_del_nolock(struct event *ev, DelMode mode) {
  event_base *base = ev->ev_base;
  if (!base) {
    log(kLogWarn, "event_del: event %p has no event_base set", static_cast<void *>(ev));
    errno = EINVAL;
    return -1;
  }
  if (mode != kDelEvenIfFinalizing && (ev_flags(ev) & EVLIST_FINALIZING)) return 0;
  if ((ev->ev_events & EV_SIGNAL) && ev->ev_ncalls && ev->ev_pncalls) *ev->ev_pncalls = 0;
  if (ev_flags(ev) & EVLIST_TIMEOUT) remove_timeout(base, ev);
  if (ev_flags(ev) & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))
    callback_cancel_nolock(base, &ev->ev_evcallback);
  if (ev_flags(ev) & EVLIST_INSERTED) {
    count_dec(base, ev_flags(ev));
    ev_flags(ev) &= ~EVLIST_INSERTED;
    if (ev->ev_events & EV_SIGNAL)
      base_signal_del(base, ev);
    else if (is_io(ev))
      io_del(base, ev);
    base_notify(base);
  }
  // A callback of ev running in the loop thread: wait for it (so the caller
  // may free what the callback uses), unless told not to or finalizing.
  const bool block = mode == kDelBlock || (mode == kDelAutoBlock && !(ev->ev_events & EV_FINALIZE));
  if (block && base->locking && base->current_event == &ev->ev_evcallback &&
      !base_in_loop_thread(base)) {
    ++base->current_event_waiters;
    std::unique_lock<std::mutex> lk(base->mu, std::adopt_lock);
    base->current_event_cond.wait(lk, [&] { return base->current_event != &ev->ev_evcallback; });
    lk.release();
  }
  return 0;
}

int event_remove_timer_nolock(struct event *ev) {
  if (ev_flags(ev) & EVLIST_TIMEOUT) {
    remove_timeout(ev->ev_base, ev);
    ev->ev_interval = -1;
  }
  return 0;
}

void event_active_nolock(struct event *ev, int res, short ncalls) {
  event_base *base = ev->ev_base;
  if (ev_flags(ev) & EVLIST_FINALIZING) return;
  switch (ev_flags(ev) & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER)) {
    case EVLIST_ACTIVE:
      ev->ev_res |= static_cast<short>(res);
      return;
    case EVLIST_ACTIVE_LATER:
      ev->ev_res |= static_cast<short>(res);
      break;
    default:
      ev->ev_res = static_cast<short>(res);
      break;
  }
  if (ev->ev_evcallback.evcb_pri < base->running_priority) base->continue_ = true;
  if (ev->ev_events & EV_SIGNAL) {
    ev->ev_ncalls = ncalls;
    ev->ev_pncalls = nullptr;
  }
  callback_activate_nolock(base, &ev->ev_evcallback);
}

void callback_activate_nolock(event_base *base, struct event_callback *cb) {
  if (cb->evcb_flags & EVLIST_FINALIZING && cb->evcb_closure < kClosureCbFinalize) return;
  if (cb->evcb_flags & EVLIST_ACTIVE) return;
  if (cb->evcb_flags & EVLIST_ACTIVE_LATER) {
    base->active_later.remove(cb);
    cb->evcb_flags &= ~EVLIST_ACTIVE_LATER;
  } else {
    base->n_active++;
    count_inc(base, cb->evcb_flags);
    if (!(cb->evcb_flags & EVLIST_INTERNAL) &&
        ++base->event_count_active > base->event_count_active_max)
      base->event_count_active_max = base->event_count_active;
  }
  size_t pri = cb->evcb_pri;
  if (pri >= base->active.size()) pri = base->active.size() - 1;
  base->active[pri].push_back(cb);
  cb->evcb_flags |= EVLIST_ACTIVE;
  base_notify(base);
}

bool callback_cancel_nolock(event_base *base, struct event_callback *cb) {
  if (cb->evcb_flags & EVLIST_ACTIVE) {
    size_t pri = cb->evcb_pri;
    if (pri >= base->active.size()) pri = base->active.size() - 1;
    base->active[pri].remove(cb);
  } else if (cb->evcb_flags & EVLIST_ACTIVE_LATER) {
    base->active_later.remove(cb);
  } else {
    return false;
  }
  cb->evcb_flags &= ~(EVLIST_ACTIVE | EVLIST_ACTIVE_LATER);
  base->n_active--;
  count_dec(base, cb->evcb_flags);
  if (!(cb->evcb_flags & EVLIST_INTERNAL)) base->event_count_active--;
  return true;
}

int event_pending_nolock(const struct event *ev, short events, timeval *tv) {
  int flags = 0;
  const short f = ev_flags(ev);
  if (f & EVLIST_INSERTED) flags |= (ev->ev_events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL));
  if (f & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER)) flags |= ev->ev_res;
  if (f & EVLIST_TIMEOUT) {
    flags |= EV_TIMEOUT;
    if (tv && (events & EV_TIMEOUT)) *tv = ns_to_timeval(mono_to_wall_ns(ev->ev_deadline));
  }
  return flags & events & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
}

int event_finalize_nolock(struct event *ev, bool free_after, event_finalize_callback_fn cb) {
  event_base *base = ev->ev_base;
  event_del_nolock(ev, kDelEvenIfFinalizing);
  ev->ev_evcallback.evcb_closure = free_after ? kClosureEventFinalizeFree : kClosureEventFinalize;
  ev->ev_evcallback.evcb_cb_union.evcb_evfinalize = cb;
  ev->ev_res = EV_FINALIZE;
  callback_activate_nolock(base, &ev->ev_evcallback);
  ev_flags(ev) |= EVLIST_FINALIZING;
  return 0;
}

int64_t base_now(event_base *base) {
  return base->cached_now ? base->cached_now : mono_now_ns();
}

// wall - monotonic is kept, not recomputed per call: a fresh difference
// jitters by a microsecond, and the same deadline must always read the same
// (libevent keeps one too). A wall-clock step over 1 ms is picked up at once.
int64_t mono_to_wall_ns(int64_t mono_ns) {
  static std::atomic<int64_t> offset{INT64_MIN};
  const int64_t fresh = wall_now_ns() - mono_now_ns();
  int64_t cur = offset.load(std::memory_order_relaxed);
  if (cur == INT64_MIN || fresh - cur > 1000000 || cur - fresh > 1000000) {
    offset.store(fresh, std::memory_order_relaxed);
    cur = fresh;
  }
  return mono_ns + cur;
}

}  // namespace eventide::detail
