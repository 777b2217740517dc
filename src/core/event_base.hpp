// struct event_base: the reactor. Owns the backend, the fd and signal maps,
// the timer heap, the active queues by priority and the loop state. The C face
// (src/capi/event.cpp) checks arguments and calls these members; all of them
// expect the base lock to be held (Base::Guard), which costs nothing unless
// threading was enabled before the base was created.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.hpp"
#include "core/timer_heap.hpp"

struct event_config {
  std::vector<std::string> avoided;
  int require_features = 0;
  int flags = 0;
  int64_t max_dispatch_ns = -1;
  int max_dispatch_callbacks = -1;
  int limit_callbacks_after_prio = 1;
};

namespace eventide::detail {

// Closures: how the loop runs a callback (libevent's values).
enum Closure : uint8_t {
  kClosureEvent = 0,
  kClosureSignal = 1,
  kClosurePersist = 2,
  kClosureCbSelf = 3,
  kClosureCbFinalize = 4,
  kClosureEventFinalize = 5,
  kClosureEventFinalizeFree = 6,
};

// Not part of EVLIST_ALL: an event whose timeout sits in a common-timeout queue.
constexpr short kListCommonTimeout = 0x100;

// Intrusive FIFO of callbacks (evcb_active_next links).
struct CallbackQueue {
  struct event_callback *first = nullptr;
  struct event_callback **last = &first;
  CallbackQueue() = default;
  // `last` points into the queue itself, so a copy must start empty with its
  // own head, never share the source's (queues are only copied while empty,
  // when event_base_priority_init resizes the vector).
  CallbackQueue(const CallbackQueue &) {}
  CallbackQueue &operator=(const CallbackQueue &) {
    first = nullptr;
    last = &first;
    return *this;
  }
  bool empty() const { return first == nullptr; }
  void push_back(struct event_callback *cb) {
    cb->evcb_active_next.tqe_next = nullptr;
    cb->evcb_active_next.tqe_prev = last;
    *last = cb;
    last = &cb->evcb_active_next.tqe_next;
  }
  void remove(struct event_callback *cb) {
    if (cb->evcb_active_next.tqe_next)
      cb->evcb_active_next.tqe_next->evcb_active_next.tqe_prev = cb->evcb_active_next.tqe_prev;
    else
      last = cb->evcb_active_next.tqe_prev;
    *cb->evcb_active_next.tqe_prev = cb->evcb_active_next.tqe_next;
  }
};

// Events of one fd (or one signal) and the interest they add up to.
struct FdSlot {
  struct event *head = nullptr;
  uint16_t nread = 0, nwrite = 0, nclose = 0;
  uint16_t count = 0;
  bool et = false;
  short mask() const {
    short m = 0;
    if (nread) m |= EV_READ;
    if (nwrite) m |= EV_WRITE;
    if (nclose) m |= EV_CLOSED;
    if (m && et) m |= EV_ET;
    return m;
  }
};

struct CommonTimeout;
struct OnceEvent;

struct Base;

}  // namespace eventide::detail

struct event_base {
  std::unique_ptr<eventide::detail::Backend> backend;
  int features = 0;
  int flags = 0;  // EVENT_BASE_FLAG_*

  std::vector<eventide::detail::FdSlot> fds;
  std::vector<eventide::detail::FdSlot> sigs;  // indexed by signal number
  eventide::detail::TimerHeap heap;
  std::vector<eventide::detail::CommonTimeout *> common_timeouts;

  std::vector<eventide::detail::CallbackQueue> active;  // one per priority
  eventide::detail::CallbackQueue active_later;
  int n_active = 0;  // callbacks in active queues, including active_later
  int n_deferreds_queued = 0;

  // Counters for event_base_get_num_events (non-internal only).
  int event_count = 0, event_count_max = 0;
  int event_count_active = 0, event_count_active_max = 0;
  int virtual_event_count = 0, virtual_event_count_max = 0;

  // Loop state.
  bool running_loop = false;
  std::atomic<bool> gotterm{false}, gotbreak{false};
  bool continue_ = false;
  int running_priority = -1;
  struct event_callback *current_event = nullptr;
  std::thread::id owner;
  int64_t max_dispatch_ns = -1;
  int max_dispatch_callbacks = INT32_MAX;
  int limit_callbacks_after_prio = 1;

  // Time: monotonic ns cached for one dispatch (0: not cached).
  int64_t cached_now = 0;

  // Once-events still pending, freed with the base.
  eventide::detail::OnceEvent *once_head = nullptr;

  // Wake-up and signal notification: one eventfd, made only when needed.
  int notify_fd = -1;
  struct event notify_ev;
  bool notify_pending = false;
  int sig_slot = -1;
  int sig_added = 0;

  // Threading (only when enabled before the base was made).
  bool locking = false;
  std::mutex mu;
  std::condition_variable_any current_event_cond;
  int current_event_waiters = 0;

  uint64_t serial = 0;  // identity for debug mode
};

namespace eventide::detail {

// RAII holder of a base's lock; a no-op when the base has no locking.
class BaseGuard {
 public:
  explicit BaseGuard(event_base *b) : b_(b) {
    if (b_->locking) b_->mu.lock();
  }
  ~BaseGuard() {
    if (b_->locking) b_->mu.unlock();
  }
  BaseGuard(const BaseGuard &) = delete;
  BaseGuard &operator=(const BaseGuard &) = delete;

 private:
  event_base *b_;
};

inline short &ev_flags(struct event *ev) {
  return ev->ev_evcallback.evcb_flags;
}
inline short ev_flags(const struct event *ev) {
  return ev->ev_evcallback.evcb_flags;
}
inline struct event *as_event(struct event_callback *cb) {
  return reinterpret_cast<struct event *>(cb);
}

// Lifecycle.
event_base *base_create(const event_config *cfg);
void base_destroy(event_base *base, bool run_finalizers);
int base_reinit(event_base *base);
int base_priority_init(event_base *base, int npriorities);

// Events (lock held).
int event_add_nolock(struct event *ev, const timeval *tv, bool tv_is_absolute);
int event_add_deadline_nolock(struct event *ev, int64_t deadline_ns);
enum DelMode { kDelBlock, kDelNoBlock, kDelAutoBlock, kDelEvenIfFinalizing };
int event_del_nolock(struct event *ev, DelMode mode);
void event_active_nolock(struct event *ev, int res, short ncalls);
int event_remove_timer_nolock(struct event *ev);
int event_pending_nolock(const struct event *ev, short events, timeval *tv);
int event_finalize_nolock(struct event *ev, bool free_after, event_finalize_callback_fn cb);
void callback_activate_nolock(event_base *base, struct event_callback *cb);
bool callback_cancel_nolock(event_base *base, struct event_callback *cb);

// Loop.
void fd_ready(void *ctx, int fd, short what);  // the backend's ReadyFn
int base_loop(event_base *base, int flags);
void base_notify(event_base *base);
bool base_in_loop_thread(const event_base *base);

// Time.
int64_t base_now(event_base *base);  // cached if in dispatch, else fresh
int64_t mono_to_wall_ns(int64_t mono_ns);

// Common timeouts.
const timeval *common_timeout_init(event_base *base, const timeval *duration);
bool common_timeout_lookup(event_base *base, const timeval *tv, CommonTimeout **out);
void common_timeout_schedule(event_base *base, CommonTimeout *ct, struct event *ev);
void common_timeouts_foreach(event_base *base, bool (*fn)(struct event *, void *), void *arg);
void common_timeout_remove(event_base *base, struct event *ev);
void common_timeouts_free(event_base *base);
int64_t common_timeout_duration_ns(const CommonTimeout *ct);

// Once-events.
int base_once(event_base *base, int fd, short events, event_callback_fn cb, void *arg,
              const timeval *tv);
void once_free_all(event_base *base);

// Introspection.
void base_dump(event_base *base, FILE *out);
int base_foreach(event_base *base, event_base_foreach_event_cb fn, void *arg);
void base_active_by_fd(event_base *base, int fd, short events);
void base_active_by_signal(event_base *base, int sig);

// Signals (src/core/signal_hub.cpp): per-base, any number of bases.
int base_signal_add(event_base *base, struct event *ev);
void base_signal_del(event_base *base, struct event *ev);
void base_signals_release(event_base *base);
int base_ensure_notify(event_base *base);

// Counter helpers.
void count_inc(event_base *base, short flags);
void count_dec(event_base *base, short flags);

}  // namespace eventide::detail
