// eventide::Timer: an RAII one-shot or repeating timer on a Loop, with
// std::chrono durations of any unit (rounded up: it never fires early).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>

#include "eventide/event.hpp"
#include "eventide/loop.hpp"

namespace eventide {

// A timer; the same lifetime rules as Event (see detail::Watcher): move-only,
// safe to destroy, move or restart from inside its callback; loop thread only.
class Timer : public detail::Watcher<Timer, std::function<void(Timer &)>> {
 public:
  // Called with the handle when the timer fires, on the loop thread.
  using Callback = std::function<void(Timer &)>;
  // The clock of expiry() (steady_clock, as Loop::Clock).
  using Clock = Loop::Clock;

  // An empty handle: start() fails with EINVAL.
  Timer() noexcept = default;
  // A stopped timer on loop. Throws std::system_error on an empty Loop.
  Timer(Loop &loop, Callback cb) : Watcher(loop, -1, 0, std::move(cb)) {}

  // Moves the timer (it stays scheduled with its deadline); the source becomes empty.
  Timer(Timer &&) noexcept = default;
  // Cancels this handle's timer, then takes over the source's.
  Timer &operator=(Timer &&) noexcept = default;
  ~Timer() = default;

  // Fires once, `after` from now (rounded up to microseconds); restarting a
  // running timer reschedules it. Errors: EINVAL (empty handle), ENOMEM.
  template <class Rep, class Period>
  std::error_code start(std::chrono::duration<Rep, Period> after) noexcept {
    return schedule(0, detail::to_timeval(after));
  }

  // Fires every `period` (rounded up to microseconds; a zero period is 1 µs);
  // each deadline follows the previous one, so the timer does not drift.
  template <class Rep, class Period>
  std::error_code start_repeating(std::chrono::duration<Rep, Period> period) noexcept {
    timeval tv = detail::to_timeval(period);
    if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;  // 0 would spin without polling
    return schedule(EV_PERSIST, tv);
  }

  // Cancels the timer (and a run already due). Idempotent.
  std::error_code stop() noexcept {
    if (!valid()) return std::make_error_code(std::errc::invalid_argument);
    return detail::check_call([&] { return event_del(&ev_); });
  }

  // True while scheduled or due to run (a repeating timer stays active inside
  // its callback; a one-shot timer does not).
  bool active() const noexcept { return valid() && event_pending(&ev_, EV_TIMEOUT, nullptr) != 0; }

  // True for a timer started with start_repeating().
  bool repeating() const noexcept { return valid() && (event_get_events(&ev_) & EV_PERSIST); }

  // The next deadline on Loop::Clock, or nullopt when not scheduled.
  std::optional<Clock::time_point> expiry() const noexcept {
    const int64_t ns = valid() ? detail::event_deadline_ns(&ev_) : -1;
    if (ns < 0) return std::nullopt;
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
  }

  // Empties the handle (cancels the timer); safe from inside its callback.
  void reset() noexcept { Watcher::reset(); }

 private:
  friend class detail::Watcher<Timer, Callback>;
  static void invoke(Callback &fn, Timer &self, short) { fn(self); }

  std::error_code schedule(short kind, const timeval &tv) noexcept {
    if (!valid()) return std::make_error_code(std::errc::invalid_argument);
    if ((event_get_events(&ev_) & EV_PERSIST) != kind)
      if (auto ec = reassign(-1, kind)) return ec;
    return detail::check_call([&] { return event_add(&ev_, &tv); });
  }
};

}  // namespace eventide
