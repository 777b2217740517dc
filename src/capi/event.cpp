// The C face of the reactor (event2/event.h): checks arguments, logs misuse
// with libevent's return conventions, takes the base lock, calls the core.
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <new>
#include <thread>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using namespace eventide::detail;

namespace eventide::detail {
event_base *g_current_base = nullptr;  // event_init's "current" base (legacy API)
}

namespace {

char g_self_cbarg_sentinel;

bool check_base(const event_base *base, const char *fn) {
  if (base) return true;
  log(kLogWarn, "%s: NULL event_base", fn);
  errno = EINVAL;
  return false;
}

// The checks every call on an existing event makes.
bool check_event(const struct event *ev, const char *fn, bool need_base) {
  if (!ev) {
    log(kLogWarn, "%s: NULL event", fn);
    errno = EINVAL;
    return false;
  }
  if (!debug_check_event(ev, fn, need_base)) {
    errno = EINVAL;
    return false;
  }
  if (need_base && !(ev->ev_evcallback.evcb_flags & EVLIST_INIT)) {
    log(kLogWarn, "%s: event %p was never set up with event_assign or event_new", fn,
        static_cast<const void *>(ev));
    errno = EINVAL;
    return false;
  }
  if (need_base && !ev->ev_base) {
    log(kLogWarn, "%s: event %p has no event_base set", fn, static_cast<const void *>(ev));
    errno = EINVAL;
    return false;
  }
  return true;
}

void loopexit_cb(evutil_socket_t, short, void *arg) {
  static_cast<event_base *>(arg)->gotterm = true;
}

}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL void event_enable_debug_mode(void) {
  debug_mode_enable();
}

EVENT2_EXPORT_SYMBOL void event_debug_unassign(struct event *ev) {
  if (ev) debug_note_teardown(ev);
}

EVENT2_EXPORT_SYMBOL struct event_base *event_base_new(void) {
  return base_create(nullptr);
}

EVENT2_EXPORT_SYMBOL struct event_base *event_base_new_with_config(const struct event_config *cfg) {
  return base_create(cfg);
}

// Freeing a base from one of its own callbacks would leave the running loop
// on freed memory (libevent crashes): refuse, and keep the base alive.
static bool freed_from_own_loop(const struct event_base *base, const char *fn) {
  if (!base->running_loop || base->owner != std::this_thread::get_id()) return false;
  log(kLogErr,
      "%s: called from a callback of the base's own loop; refused (free it after the loop returns)",
      fn);
  return true;
}

EVENT2_EXPORT_SYMBOL void event_base_free(struct event_base *base) {
  if (!base) base = g_current_base;
  if (!base) {
    log(kLogWarn, "event_base_free: no base to free");
    return;
  }
  if (freed_from_own_loop(base, "event_base_free")) return;
  if (base == g_current_base) g_current_base = nullptr;
  base_destroy(base, true);
}

EVENT2_EXPORT_SYMBOL void event_base_free_nofinalize(struct event_base *base) {
  if (!base) base = g_current_base;
  if (!base) {
    log(kLogWarn, "event_base_free_nofinalize: no base to free");
    return;
  }
  if (freed_from_own_loop(base, "event_base_free_nofinalize")) return;
  if (base == g_current_base) g_current_base = nullptr;
  base_destroy(base, false);
}

EVENT2_EXPORT_SYMBOL int event_reinit(struct event_base *base) {
  if (!check_base(base, "event_reinit")) return -1;
  return base_reinit(base);
}

EVENT2_EXPORT_SYMBOL int event_base_dispatch(struct event_base *base) {
  return event_base_loop(base, 0);
}

EVENT2_EXPORT_SYMBOL int event_base_loop(struct event_base *base, int flags) {
  if (!check_base(base, "event_base_loop")) return -1;
  return base_loop(base, flags);
}

EVENT2_EXPORT_SYMBOL int event_base_loopexit(struct event_base *base, const struct timeval *tv) {
  if (!check_base(base, "event_base_loopexit")) return -1;
  return base_once(base, -1, EV_TIMEOUT, loopexit_cb, base, tv);
}

EVENT2_EXPORT_SYMBOL int event_base_loopbreak(struct event_base *base) {
  if (!check_base(base, "event_base_loopbreak")) return -1;
  BaseGuard g(base);
  base->gotbreak = true;
  base_notify(base);
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_loopcontinue(struct event_base *base) {
  if (!check_base(base, "event_base_loopcontinue")) return -1;
  BaseGuard g(base);
  base->continue_ = true;
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_got_exit(struct event_base *base) {
  if (!check_base(base, "event_base_got_exit")) return -1;
  BaseGuard g(base);
  return base->gotterm ? 1 : 0;
}

EVENT2_EXPORT_SYMBOL int event_base_got_break(struct event_base *base) {
  if (!check_base(base, "event_base_got_break")) return -1;
  BaseGuard g(base);
  return base->gotbreak ? 1 : 0;
}

EVENT2_EXPORT_SYMBOL const char *event_base_get_method(const struct event_base *base) {
  if (!check_base(base, "event_base_get_method")) return nullptr;
  return base->backend->name();
}

EVENT2_EXPORT_SYMBOL const char **event_get_supported_methods(void) {
  static const char *methods[] = {"epoll", "poll", "select", nullptr};
  return methods;
}

EVENT2_EXPORT_SYMBOL int event_base_get_features(const struct event_base *base) {
  if (!check_base(base, "event_base_get_features")) return 0;
  return base->features;
}

EVENT2_EXPORT_SYMBOL int event_gettime_monotonic(struct event_base *base, struct timeval *tp) {
  if (!check_base(base, "event_gettime_monotonic")) return -1;
  if (!tp) {
    EVENTIDE_BAD_ARG("event_gettime_monotonic: NULL timeval");
    return -1;
  }
  *tp = ns_to_timeval(mono_now_ns());
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_get_num_events(struct event_base *base, unsigned int type) {
  if (!check_base(base, "event_base_get_num_events")) return -1;
  BaseGuard g(base);
  int r = 0;
  if (type & EVENT_BASE_COUNT_ACTIVE) r += base->event_count_active;
  if (type & EVENT_BASE_COUNT_VIRTUAL) r += base->virtual_event_count;
  if (type & EVENT_BASE_COUNT_ADDED) r += base->event_count;
  return r;
}

EVENT2_EXPORT_SYMBOL int event_base_get_max_events(struct event_base *base, unsigned int type,
                                                   int clear) {
  if (!check_base(base, "event_base_get_max_events")) return -1;
  BaseGuard g(base);
  int r = 0;
  if (type & EVENT_BASE_COUNT_ACTIVE) {
    r += base->event_count_active_max;
    if (clear) base->event_count_active_max = 0;
  }
  if (type & EVENT_BASE_COUNT_VIRTUAL) {
    r += base->virtual_event_count_max;
    if (clear) base->virtual_event_count_max = 0;
  }
  if (type & EVENT_BASE_COUNT_ADDED) {
    r += base->event_count_max;
    if (clear) base->event_count_max = 0;
  }
  return r;
}

EVENT2_EXPORT_SYMBOL struct event_config *event_config_new(void) {
  return new (std::nothrow) event_config;
}

EVENT2_EXPORT_SYMBOL void event_config_free(struct event_config *cfg) {
  delete cfg;
}

EVENT2_EXPORT_SYMBOL int event_config_avoid_method(struct event_config *cfg, const char *method) {
  if (!cfg || !method) {
    log(kLogWarn, "event_config_avoid_method: NULL %s", cfg ? "method" : "config");
    return -1;
  }
  try {
    cfg->avoided.emplace_back(method);
  } catch (...) {
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_config_require_features(struct event_config *cfg, int feature) {
  if (!cfg) {
    log(kLogWarn, "event_config_require_features: NULL config");
    return -1;
  }
  cfg->require_features = feature;
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_config_set_flag(struct event_config *cfg, int flag) {
  if (!cfg) {
    log(kLogWarn, "event_config_set_flag: NULL config");
    return -1;
  }
  cfg->flags |= flag;
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_config_set_num_cpus_hint(struct event_config *cfg, int) {
  if (!cfg) {
    log(kLogWarn, "event_config_set_num_cpus_hint: NULL config");
    return -1;
  }
  return 0;  // only IOCP uses it; no IOCP here
}

EVENT2_EXPORT_SYMBOL int event_config_set_max_dispatch_interval(struct event_config *cfg,
                                                                const struct timeval *max_interval,
                                                                int max_callbacks,
                                                                int min_priority) {
  if (!cfg) {
    log(kLogWarn, "event_config_set_max_dispatch_interval: NULL config");
    return -1;
  }
  cfg->max_dispatch_ns = max_interval ? timeval_to_ns(*max_interval) : -1;
  cfg->max_dispatch_callbacks = max_callbacks >= 0 ? max_callbacks : INT_MAX;
  cfg->limit_callbacks_after_prio = min_priority < 0 ? 0 : min_priority;
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_set(struct event_base *base, struct event *ev) {
  if (!check_base(base, "event_base_set") || !check_event(ev, "event_base_set", false)) return -1;
  if (ev->ev_evcallback.evcb_flags != EVLIST_INIT) {
    log(kLogWarn, "event_base_set: event %p is pending or active", static_cast<void *>(ev));
    return -1;
  }
  ev->ev_base = base;
  ev->ev_evcallback.evcb_pri = static_cast<uint8_t>(base->active.size() / 2);
  debug_note_assign(ev);
  return 0;
}

EVENT2_EXPORT_SYMBOL void *event_self_cbarg(void) {
  return &g_self_cbarg_sentinel;
}

EVENT2_EXPORT_SYMBOL int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
                                      short events, event_callback_fn cb, void *arg) {
  if (!ev) {
    log(kLogWarn, "event_assign: NULL event");
    errno = EINVAL;
    return -1;
  }
  if (!base) base = g_current_base;
  if (arg == &g_self_cbarg_sentinel) arg = ev;
  if ((events & EV_SIGNAL) && (events & (EV_READ | EV_WRITE | EV_CLOSED))) {
    log(kLogWarn, "event_assign: EV_SIGNAL is not compatible with EV_READ, EV_WRITE or EV_CLOSED");
    errno = EINVAL;
    return -1;
  }
  if (debug_is_known(ev) && (ev->ev_evcallback.evcb_flags & ~EVLIST_INIT)) {
    log(kLogErr, "event_assign: event %p is already pending or active: delete it first",
        static_cast<void *>(ev));
    errno = EINVAL;
    return -1;
  }
  std::memset(ev, 0, sizeof *ev);
  ev->ev_base = base;
  ev->ev_fd = fd;
  ev->ev_events = events;
  ev->ev_interval = -1;
  ev->ev_timeout_pos.min_heap_idx = -1;
  ev->ev_evcallback.evcb_flags = EVLIST_INIT;
  ev->ev_evcallback.evcb_cb_union.evcb_callback = cb;
  ev->ev_evcallback.evcb_arg = arg;
  if (events & EV_SIGNAL)
    ev->ev_evcallback.evcb_closure = kClosureSignal;
  else if (events & EV_PERSIST)
    ev->ev_evcallback.evcb_closure = kClosurePersist;
  else
    ev->ev_evcallback.evcb_closure = kClosureEvent;
  if (base) ev->ev_evcallback.evcb_pri = static_cast<uint8_t>(base->active.size() / 2);
  debug_note_assign(ev);
  return 0;
}

EVENT2_EXPORT_SYMBOL struct event *event_new(struct event_base *base, evutil_socket_t fd,
                                             short events, event_callback_fn cb, void *arg) {
  // A NULL base means event_init's current base, or none yet: libevent hands
  // out such an event (event_base_set may give it a base later).
  auto *ev = static_cast<struct event *>(mm_malloc(sizeof(struct event)));
  if (!ev) return nullptr;
  std::memset(ev, 0, sizeof *ev);
  if (arg == &g_self_cbarg_sentinel) arg = ev;
  if (event_assign(ev, base, fd, events, cb, arg) < 0) {
    mm_free(ev);
    return nullptr;
  }
  return ev;
}

EVENT2_EXPORT_SYMBOL void event_free(struct event *ev) {
  if (!ev) return;
  if (!check_event(ev, "event_free", false)) return;
  if (!ev->ev_base)
    log(kLogWarn, "event_free: event %p has no event_base set", static_cast<void *>(ev));
  else if (ev->ev_evcallback.evcb_flags & ~EVLIST_INIT) {
    BaseGuard g(ev->ev_base);
    event_del_nolock(ev, kDelAutoBlock);
  }
  debug_note_teardown(ev);
  mm_free(ev);
}

static int finalize_common(struct event *ev, bool free_after, event_finalize_callback_fn cb,
                           const char *fn) {
  if (!check_event(ev, fn, true)) return -1;
  if (!cb) {
    log(kLogWarn, "%s: NULL finalizer", fn);
    return -1;
  }
  BaseGuard g(ev->ev_base);
  return event_finalize_nolock(ev, free_after, cb);
}

EVENT2_EXPORT_SYMBOL int event_finalize(unsigned, struct event *ev, event_finalize_callback_fn cb) {
  return finalize_common(ev, false, cb, "event_finalize");
}

EVENT2_EXPORT_SYMBOL int event_free_finalize(unsigned, struct event *ev,
                                             event_finalize_callback_fn cb) {
  return finalize_common(ev, true, cb, "event_free_finalize");
}

EVENT2_EXPORT_SYMBOL int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
                                         event_callback_fn cb, void *arg,
                                         const struct timeval *tv) {
  if (!check_base(base, "event_base_once")) return -1;
  if (!cb) {
    log(kLogWarn, "event_base_once: NULL callback");
    return -1;
  }
  return base_once(base, fd, events, cb, arg, tv);
}

EVENT2_EXPORT_SYMBOL int event_add(struct event *ev, const struct timeval *tv) {
  if (!check_event(ev, "event_add", true)) return -1;
  BaseGuard g(ev->ev_base);
  return event_add_nolock(ev, tv, false);
}

EVENT2_EXPORT_SYMBOL int event_remove_timer(struct event *ev) {
  if (!check_event(ev, "event_remove_timer", true)) return -1;
  BaseGuard g(ev->ev_base);
  return event_remove_timer_nolock(ev);
}

static int del_common(struct event *ev, DelMode mode, const char *fn) {
  if (!check_event(ev, fn, false)) return -1;
  if (!ev->ev_base) {
    log(kLogWarn, "%s: event %p has no event_base set", fn, static_cast<void *>(ev));
    return -1;
  }
  // Debug mode knows whether the base is still alive: never lock a freed one.
  if (!debug_check_event(ev, fn, true)) return -1;
  BaseGuard g(ev->ev_base);
  return event_del_nolock(ev, mode);
}

EVENT2_EXPORT_SYMBOL int event_del(struct event *ev) {
  return del_common(ev, kDelAutoBlock, "event_del");
}
EVENT2_EXPORT_SYMBOL int event_del_noblock(struct event *ev) {
  return del_common(ev, kDelNoBlock, "event_del_noblock");
}
EVENT2_EXPORT_SYMBOL int event_del_block(struct event *ev) {
  return del_common(ev, kDelBlock, "event_del_block");
}

EVENT2_EXPORT_SYMBOL void event_active(struct event *ev, int res, short ncalls) {
  if (!check_event(ev, "event_active", true)) return;
  BaseGuard g(ev->ev_base);
  event_active_nolock(ev, res, ncalls);
}

EVENT2_EXPORT_SYMBOL int event_pending(const struct event *ev, short events, struct timeval *tv) {
  if (!check_event(ev, "event_pending", false)) return 0;
  if (!ev->ev_base) {
    log(kLogWarn, "event_pending: event %p has no event_base set", static_cast<const void *>(ev));
    return 0;
  }
  if (!debug_check_event(ev, "event_pending", true)) return 0;
  BaseGuard g(ev->ev_base);
  return event_pending_nolock(ev, events, tv);
}

EVENT2_EXPORT_SYMBOL struct event *event_base_get_running_event(struct event_base *base) {
  if (!check_base(base, "event_base_get_running_event")) return nullptr;
  BaseGuard g(base);
  struct event_callback *cb = base->current_event;
  if (!cb || (cb->evcb_flags & EVLIST_INIT) == 0) return nullptr;
  return as_event(cb);
}

EVENT2_EXPORT_SYMBOL int event_initialized(const struct event *ev) {
  if (!ev) return 0;
  return (ev->ev_evcallback.evcb_flags & EVLIST_INIT) ? 1 : 0;
}

EVENT2_EXPORT_SYMBOL evutil_socket_t event_get_fd(const struct event *ev) {
  return check_event(ev, "event_get_fd", false) ? ev->ev_fd : -1;
}
EVENT2_EXPORT_SYMBOL struct event_base *event_get_base(const struct event *ev) {
  return check_event(ev, "event_get_base", false) ? ev->ev_base : nullptr;
}
EVENT2_EXPORT_SYMBOL short event_get_events(const struct event *ev) {
  return check_event(ev, "event_get_events", false) ? ev->ev_events : 0;
}
EVENT2_EXPORT_SYMBOL event_callback_fn event_get_callback(const struct event *ev) {
  return check_event(ev, "event_get_callback", false)
             ? ev->ev_evcallback.evcb_cb_union.evcb_callback
             : nullptr;
}
EVENT2_EXPORT_SYMBOL void *event_get_callback_arg(const struct event *ev) {
  return check_event(ev, "event_get_callback_arg", false) ? ev->ev_evcallback.evcb_arg : nullptr;
}
EVENT2_EXPORT_SYMBOL int event_get_priority(const struct event *ev) {
  return check_event(ev, "event_get_priority", false) ? ev->ev_evcallback.evcb_pri : -1;
}
EVENT2_EXPORT_SYMBOL void event_get_assignment(const struct event *ev, struct event_base **base_out,
                                               evutil_socket_t *fd_out, short *events_out,
                                               event_callback_fn *callback_out, void **arg_out) {
  if (!check_event(ev, "event_get_assignment", false)) return;
  if (base_out) *base_out = ev->ev_base;
  if (fd_out) *fd_out = ev->ev_fd;
  if (events_out) *events_out = ev->ev_events;
  if (callback_out) *callback_out = ev->ev_evcallback.evcb_cb_union.evcb_callback;
  if (arg_out) *arg_out = ev->ev_evcallback.evcb_arg;
}
EVENT2_EXPORT_SYMBOL size_t event_get_struct_event_size(void) {
  return sizeof(struct event);
}

EVENT2_EXPORT_SYMBOL const char *event_get_version(void) {
  return EVENT__VERSION;
}
EVENT2_EXPORT_SYMBOL ev_uint32_t event_get_version_number(void) {
  return EVENT__NUMERIC_VERSION;
}

EVENT2_EXPORT_SYMBOL int event_base_priority_init(struct event_base *base, int npriorities) {
  if (!check_base(base, "event_base_priority_init")) return -1;
  BaseGuard g(base);
  if (base_priority_init(base, npriorities) < 0) {
    log(kLogWarn, "event_base_priority_init: cannot set %d priorities%s", npriorities,
        base->n_active ? " while callbacks are active" : " (1..255)");
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_get_npriorities(struct event_base *base) {
  if (!base) base = g_current_base;  // libevent's rule for this call
  if (!check_base(base, "event_base_get_npriorities")) return -1;
  BaseGuard g(base);
  return static_cast<int>(base->active.size());
}

EVENT2_EXPORT_SYMBOL int event_priority_set(struct event *ev, int pri) {
  if (!check_event(ev, "event_priority_set", true)) return -1;
  BaseGuard g(ev->ev_base);
  if (ev->ev_evcallback.evcb_flags & EVLIST_ACTIVE) {
    log(kLogWarn, "event_priority_set: event %p is active", static_cast<void *>(ev));
    return -1;
  }
  if (pri < 0 || static_cast<size_t>(pri) >= ev->ev_base->active.size()) {
    log(kLogWarn, "event_priority_set: priority %d out of range (0..%zu)", pri,
        ev->ev_base->active.size() - 1);
    return -1;
  }
  ev->ev_evcallback.evcb_pri = static_cast<uint8_t>(pri);
  return 0;
}

EVENT2_EXPORT_SYMBOL const struct timeval *event_base_init_common_timeout(
    struct event_base *base, const struct timeval *duration) {
  if (!check_base(base, "event_base_init_common_timeout")) return nullptr;
  if (!duration) {
    log(kLogWarn, "event_base_init_common_timeout: NULL duration");
    return nullptr;
  }
  BaseGuard g(base);
  return common_timeout_init(base, duration);
}

EVENT2_EXPORT_SYMBOL void event_base_dump_events(struct event_base *base, FILE *out) {
  if (!check_base(base, "event_base_dump_events")) return;
  if (!out) {
    EVENTIDE_BAD_ARG("event_base_dump_events: NULL FILE");
    return;
  }
  BaseGuard g(base);
  base_dump(base, out);
}

EVENT2_EXPORT_SYMBOL void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd,
                                                  short events) {
  if (!check_base(base, "event_base_active_by_fd")) return;
  BaseGuard g(base);
  base_active_by_fd(base, fd, events);
}

EVENT2_EXPORT_SYMBOL void event_base_active_by_signal(struct event_base *base, int sig) {
  if (!check_base(base, "event_base_active_by_signal")) return;
  BaseGuard g(base);
  base_active_by_signal(base, sig);
}

EVENT2_EXPORT_SYMBOL int event_base_foreach_event(struct event_base *base,
                                                  event_base_foreach_event_cb fn, void *arg) {
  if (!check_base(base, "event_base_foreach_event")) return -1;
  if (!fn) {
    log(kLogWarn, "event_base_foreach_event: NULL callback");
    return -1;
  }
  BaseGuard g(base);
  return base_foreach(base, fn, arg);
}

EVENT2_EXPORT_SYMBOL int event_base_gettimeofday_cached(struct event_base *base,
                                                        struct timeval *tv) {
  if (!tv) {
    EVENTIDE_BAD_ARG("event_base_gettimeofday_cached: NULL timeval");
    return -1;
  }
  if (!base) base = g_current_base;
  if (!base) return gettimeofday(tv, nullptr);
  BaseGuard g(base);
  if (!base->cached_now) return gettimeofday(tv, nullptr);
  *tv = ns_to_timeval(mono_to_wall_ns(base->cached_now));
  return 0;
}

EVENT2_EXPORT_SYMBOL int event_base_update_cache_time(struct event_base *base) {
  if (!base) base = g_current_base;  // libevent's rule for this call
  if (!base) return -1;
  BaseGuard g(base);
  if (base->running_loop && !(base->flags & EVENT_BASE_FLAG_NO_CACHE_TIME))
    base->cached_now = mono_now_ns();
  return 0;
}

EVENT2_EXPORT_SYMBOL void libevent_global_shutdown(void) {}

}  // extern "C"
