// eventide::Event: an RAII watcher of one file descriptor (readable, writable,
// closed by the peer, or a timeout) that calls a C++ callback from its Loop.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <system_error>
#include <utility>

#include "eventide/error.hpp"
#include "eventide/loop.hpp"

namespace eventide {

// What an Event watches, or what woke it (libevent's EV_* bits).
class Events {
 public:
  constexpr Events() noexcept = default;
  // Wraps raw EV_* bits.
  constexpr explicit Events(short bits) noexcept : bits_(bits) {}
  // The raw EV_* bits, for C calls.
  constexpr short bits() const noexcept { return bits_; }
  // True when every bit of e is set (false for an empty e).
  constexpr bool has(Events e) const noexcept { return e.bits_ && (bits_ & e.bits_) == e.bits_; }
  // True when any bit is set.
  constexpr explicit operator bool() const noexcept { return bits_ != 0; }
  friend constexpr Events operator|(Events a, Events b) noexcept {
    return Events(static_cast<short>(a.bits_ | b.bits_));
  }
  friend constexpr Events operator&(Events a, Events b) noexcept {
    return Events(static_cast<short>(a.bits_ & b.bits_));
  }
  friend constexpr Events operator~(Events a) noexcept {
    return Events(static_cast<short>(~a.bits_));
  }
  // Adds the bits of b.
  constexpr Events &operator|=(Events b) noexcept { return *this = *this | b; }
  // Keeps only the bits also in b.
  constexpr Events &operator&=(Events b) noexcept { return *this = *this & b; }
  friend constexpr bool operator==(Events a, Events b) noexcept = default;

 private:
  short bits_ = 0;
};

inline constexpr Events Timeout{EV_TIMEOUT};   // fired: the timeout passed
inline constexpr Events Read{EV_READ};         // readable (or EOF)
inline constexpr Events Write{EV_WRITE};       // writable
inline constexpr Events Closed{EV_CLOSED};     // the peer closed (EV_FEATURE_EARLY_CLOSE)
inline constexpr Events Persist{EV_PERSIST};   // stays added after it fires
inline constexpr Events EdgeTriggered{EV_ET};  // edge-triggered where the backend has it

namespace detail {

// Moves an assigned event from src to dst (same base, fd, flags, priority,
// timeout deadline, persist period and activation), leaving src unassigned and
// zeroed; dst calls fn(arg). Loop thread only (or while the loop is idle).
EVENT2_EXPORT_SYMBOL void event_relocate(struct event *dst, struct event *src, event_callback_fn fn,
                                         void *arg) noexcept;

// Absolute CLOCK_MONOTONIC (= steady_clock) nanoseconds of ev's pending
// timeout, or -1 when it has none.
EVENT2_EXPORT_SYMBOL int64_t event_deadline_ns(const struct event *ev) noexcept;

// What a running callback's trampoline keeps on its stack: it learns from
// here whether its handle moved or died while the user's code ran.
struct RunFrame {
  void *self;
  bool destroyed = false;
  bool replaced = false;
};

// The machinery Event, Timer and Signal share: the embedded struct event, the
// callback, RAII, moves and the trampoline. Derived supplies
// `static void invoke(Fn &, Derived &, short what)`.
//
// Lifetime rules (all in the loop's thread):
// - The struct event lives inside the handle: no allocation besides the handle
//   itself and what std::function needs for large callables.
// - Moving re-seats the struct event in the new handle (event_relocate): it
//   stays pending with the same deadline, and its callback arg follows.
// - The trampoline moves the callback onto its own stack while it runs, so a
//   callback may destroy, reset or move its own handle and still use its
//   captures afterwards; the handle is not touched again once it died.
// - A callback that throws terminates the program (the loop is not unwound).
// - Destroy handles before their Loop; a handle whose event is no longer
//   pending (the Loop freed it) is still safe to destroy.
template <class Derived, class Fn>
class Watcher {
 public:
  Watcher(const Watcher &) = delete;
  Watcher &operator=(const Watcher &) = delete;

  // True when the handle holds an event (not default-made or moved from).
  bool valid() const noexcept { return event_initialized(&ev_) != 0; }
  explicit operator bool() const noexcept { return valid(); }

  // The embedded struct event for C calls, nullptr when empty. The handle keeps ownership.
  struct event *native() noexcept {
    return valid() ? &ev_ : nullptr;
  }
  const struct event *native() const noexcept { return valid() ? &ev_ : nullptr; }

  // The base this handle's event belongs to, nullptr when empty.
  event_base *native_base() const noexcept { return valid() ? event_get_base(&ev_) : nullptr; }

  // Priority 0 (first) .. loop.priorities()-1. Fails while the event is active.
  std::error_code set_priority(int priority) noexcept {
    return check_call([&] { return event_priority_set(&ev_, priority); });
  }
  int priority() const noexcept { return valid() ? event_get_priority(&ev_) : -1; }

  // Replaces the callback; from inside the callback it applies from the next call.
  void set_callback(Fn fn) {
    cb_ = std::move(fn);
    if (frame_) frame_->replaced = true;
  }

 protected:
  Watcher() noexcept { clear(); }

  Watcher(Loop &loop, evutil_socket_t fd, short what, Fn fn) : cb_(std::move(fn)) {
    clear();
    if (!loop.native())
      throw_error(std::make_error_code(std::errc::invalid_argument), "eventide: empty Loop");
    errno = 0;
    if (event_assign(&ev_, loop.native(), fd, what, &trampoline, static_cast<Watcher *>(this)) < 0)
      throw_last_error("eventide: event_assign");
  }

  ~Watcher() { reset(); }

  Watcher(Watcher &&o) noexcept { take(o); }

  Watcher &operator=(Watcher &&o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }

  // Deletes the event and drops the callback; the handle becomes empty.
  void reset() noexcept {
    if (frame_) {
      frame_->destroyed = true;
      frame_ = nullptr;
    }
    if (valid()) {
      // An event that is neither added nor active needs no base: this keeps a
      // handle that outlived its Loop safe to destroy.
      if (ev_.ev_evcallback.evcb_flags & ~EVLIST_INIT) event_del(&ev_);
      event_debug_unassign(&ev_);
    }
    clear();
    cb_ = nullptr;
  }

  // Re-assigns a non-pending event with new flags, keeping base and priority.
  std::error_code reassign(evutil_socket_t fd, short what) noexcept {
    event_base *base = native_base();
    if (!base) return std::make_error_code(std::errc::invalid_argument);
    const int pri = priority();
    if (auto ec = check_call([&] { return event_del(&ev_); })) return ec;
    if (auto ec = check_call([&] {
          return event_assign(&ev_, base, fd, what, &trampoline, static_cast<Watcher *>(this));
        }))
      return ec;
    return check_call([&] { return event_priority_set(&ev_, pri); });
  }

  static void trampoline(evutil_socket_t, short what, void *arg) noexcept {
    auto *self = static_cast<Derived *>(static_cast<Watcher *>(arg));
    RunFrame frame{self};
    self->frame_ = &frame;
    Fn fn = std::move(self->cb_);
    self->cb_ = nullptr;
    if (fn) Derived::invoke(fn, *self, what);
    if (frame.destroyed) return;  // the handle is gone; fn dies with this frame
    self = static_cast<Derived *>(frame.self);
    self->frame_ = nullptr;
    if (!frame.replaced) self->cb_ = std::move(fn);
  }

  struct event ev_;
  Fn cb_;
  RunFrame *frame_ = nullptr;

 private:
  void clear() noexcept {
    std::memset(&ev_, 0, sizeof ev_);
    ev_.ev_fd = -1;
    ev_.ev_timeout_pos.min_heap_idx = -1;
  }

  void take(Watcher &o) noexcept {
    clear();
    cb_ = std::move(o.cb_);
    o.cb_ = nullptr;
    if (o.valid()) event_relocate(&ev_, &o.ev_, &trampoline, static_cast<Watcher *>(this));
    o.clear();
    frame_ = o.frame_;
    o.frame_ = nullptr;
    if (frame_) frame_->self = static_cast<Derived *>(this);
  }
};

}  // namespace detail

// Watches one fd. Not thread-safe: use it in its Loop's thread (or before the
// loop runs); other threads reach it through Loop::post.
class Event : public detail::Watcher<Event, std::function<void(Event &, Events)>> {
 public:
  // Called with the handle and what fired (Read, Write, Closed, Timeout).
  using Callback = std::function<void(Event &, Events fired)>;

  // An empty handle: every call fails with EINVAL or reports nothing.
  Event() noexcept = default;

  // Watches fd for `what` (Read, Write, Closed, Persist, EdgeTriggered) on
  // loop; not added yet. fd may be -1 for a pure timeout. The caller keeps
  // the fd and must remove() (or destroy) the Event before closing it.
  // Throws std::system_error on bad flags or an empty Loop.
  Event(Loop &loop, evutil_socket_t fd, Events what, Callback cb)
      : Watcher(loop, fd, what.bits(), std::move(cb)) {}

  // Moves the watcher: the event stays pending with its deadline; o becomes empty.
  Event(Event &&) noexcept = default;
  // Deletes this handle's event, then takes over o's as the move constructor does.
  Event &operator=(Event &&) noexcept = default;
  ~Event() = default;

  // Starts watching, without timeout (an earlier timeout is cancelled).
  // Errors: EINVAL (empty handle), EBADF, backend errors (errno of epoll_ctl...).
  std::error_code add() noexcept {
    return detail::check_call([&] { return event_add(&ev_, nullptr); });
  }

  // Starts watching; the callback gets Timeout if nothing happens within
  // `timeout` (rounded up to microseconds). Re-adding reschedules. With
  // Persist the timeout repeats.
  template <class Rep, class Period>
  std::error_code add(std::chrono::duration<Rep, Period> timeout) noexcept {
    const timeval tv = detail::to_timeval(timeout);
    return detail::check_call([&] { return event_add(&ev_, &tv); });
  }

  // Stops watching and cancels a pending run of the callback. Idempotent.
  std::error_code remove() noexcept {
    return detail::check_call([&] { return event_del(&ev_); });
  }

  // Makes the callback run from the loop with `fired`, added or not.
  void activate(Events fired) noexcept {
    if (valid()) event_active(&ev_, fired.bits(), 1);
  }

  // Which of `which` are pending (added, timing out, or active with those bits).
  Events pending(Events which = Timeout | Read | Write | Closed) const noexcept {
    return valid() ? Events(static_cast<short>(event_pending(&ev_, which.bits(), nullptr)))
                   : Events();
  }

  // The watched fd, or -1 for an empty handle or a pure timeout.
  evutil_socket_t fd() const noexcept { return valid() ? event_get_fd(&ev_) : -1; }
  // The Events the handle was made with, empty for an empty handle.
  Events events() const noexcept { return valid() ? Events(event_get_events(&ev_)) : Events(); }

  // Empties the handle (deletes the event); safe from inside its callback.
  void reset() noexcept { Watcher::reset(); }

 private:
  friend class detail::Watcher<Event, Callback>;
  static void invoke(Callback &fn, Event &self, short what) { fn(self, Events(what)); }
};

}  // namespace eventide
