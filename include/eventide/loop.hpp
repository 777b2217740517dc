// eventide::Loop: the reactor — an RAII owner (or a borrowed view) of an
// event_base that waits for fds, timers and signals and runs their callbacks.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "eventide/error.hpp"

namespace eventide {

namespace detail {
struct PostQueue;

// Timeouts longer than this (about 68 years) are clamped to it.
inline constexpr long kMaxTimeoutSeconds = 2147483647L;

// A duration as the C face's timeval, rounded up to whole microseconds so a
// timeout never ends early; zero, negative or NaN give zero.
template <class Rep, class Period>
timeval to_timeval(std::chrono::duration<Rep, Period> d) noexcept {
  using namespace std::chrono;
  timeval tv{0, 0};
  if (!(d > duration<Rep, Period>::zero())) return tv;
  if (duration<double>(d).count() >= static_cast<double>(kMaxTimeoutSeconds)) {
    tv.tv_sec = kMaxTimeoutSeconds;
    return tv;
  }
  const int64_t us = ceil<microseconds>(d).count();
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(us / 1000000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>(us % 1000000);
  return tv;
}

// A move-only void() callable (Loop::post accepts lambdas owning unique_ptrs).
class Task {
 public:
  Task() noexcept = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Task>>>
  Task(F &&f) : p_(new Impl<std::decay_t<F>>(std::forward<F>(f))) {}
  explicit operator bool() const noexcept { return p_ != nullptr; }
  void operator()() { p_->run(); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void run() = 0;
  };
  template <class F>
  struct Impl final : Base {
    explicit Impl(F &&f) : fn(std::move(f)) {}
    explicit Impl(const F &f) : fn(f) {}
    void run() override { fn(); }
    F fn;
  };
  std::unique_ptr<Base> p_;
};
}  // namespace detail

// Backend capabilities (libevent's EV_FEATURE_* bits).
enum class Feature : int {
  None = 0,
  EdgeTriggered = EV_FEATURE_ET,
  O1 = EV_FEATURE_O1,
  AnyFd = EV_FEATURE_FDS,
  EarlyClose = EV_FEATURE_EARLY_CLOSE,
};
// Union of two feature sets.
constexpr Feature operator|(Feature a, Feature b) noexcept {
  return static_cast<Feature>(static_cast<int>(a) | static_cast<int>(b));
}
// Intersection of two feature sets.
constexpr Feature operator&(Feature a, Feature b) noexcept {
  return static_cast<Feature>(static_cast<int>(a) & static_cast<int>(b));
}
// True when every feature of `wanted` is in `set`.
constexpr bool has(Feature set, Feature wanted) noexcept {
  return (set & wanted) == wanted;
}

// How a Loop picks and sets up its backend (event_config).
struct LoopOptions {
  std::string backend;             // "epoll", "poll", "select"; empty: the best one allowed
  std::vector<std::string> avoid;  // backends never to use
  // Refuse backends lacking any of these features.
  Feature require_features = Feature::None;
  bool precise_timer = false;  // EVENT_BASE_FLAG_PRECISE_TIMER (eventide is always precise)
  bool ignore_env = false;     // ignore EVENT_NO<backend> and EVENT_SHOW_METHOD
  int priorities = 1;          // callback priorities, 1..255 (0 runs first)
};

// Why run(), run_once() or run_nonblocking() returned (event_base_loop's result).
enum class RunResult : int {
  Ok = 0,        // stop()/stop_after(), or the single pass of run_once/run_nonblocking ended
  NoEvents = 1,  // nothing was left to wait for
  Error = -1,    // the backend failed, the Loop is empty, or the loop was already running
};

// Owns (or borrows) one event_base. Move-only; moving it does not disturb the
// watchers made on it (they hold the event_base, not the Loop). Not
// thread-safe: create, run and destroy it in one thread; stop() and post() are
// the exceptions (see there). Destroy the Events/Timers/Signals of a Loop
// before it (one destroyed later is harmless but no longer watches anything);
// never destroy a Loop from inside its own callbacks.
class EVENT2_EXPORT_SYMBOL Loop {
 public:
  using Clock = std::chrono::steady_clock;  // the clock of timer deadlines (CLOCK_MONOTONIC)

  // A Loop on the best backend. Throws std::system_error when no base can be made.
  Loop();
  // A Loop as configured. Throws std::system_error (EINVAL: unknown backend
  // name or bad priorities; ENOTSUP: no backend satisfies the options).
  explicit Loop(const LoopOptions &options);
  // A non-owning view of a base made by C code (the C side frees it, after
  // this view and its watchers are gone). Posts wait in the view: keep it
  // alive while the base runs. Throws std::system_error (EINVAL) on nullptr.
  [[nodiscard]] static Loop borrow(event_base *base);

  ~Loop();
  // Takes over other's base (and ownership); other becomes empty.
  Loop(Loop &&other) noexcept;
  // Releases this Loop's base as the destructor does, then takes over other's.
  Loop &operator=(Loop &&other) noexcept;
  Loop(const Loop &) = delete;
  Loop &operator=(const Loop &) = delete;

  // Runs until stop()/stop_after() or until nothing is left to wait for.
  RunResult run() noexcept { return loop(0); }
  // Waits for at least one callback, runs what is ready, returns.
  RunResult run_once() noexcept { return loop(EVLOOP_ONCE); }
  // Runs what is ready now without waiting.
  RunResult run_nonblocking() noexcept { return loop(EVLOOP_NONBLOCK); }

  // Makes the running loop return after the current callback (from any
  // thread once evthread_use_pthreads() ran before the Loop was made). No
  // effect when the loop is not running.
  void stop() noexcept {
    if (base_) event_base_loopbreak(base_);
  }
  // Makes the loop return once `delay` has passed (counted from now, rounded
  // up to microseconds) and the callbacks ready then have run. Errors: ENOMEM, EINVAL.
  template <class Rep, class Period>
  std::error_code stop_after(std::chrono::duration<Rep, Period> delay) noexcept;

  // True when the last run ended because of stop() or stop_after().
  bool stopped() const noexcept {
    return base_ && (event_base_got_break(base_) > 0 || event_base_got_exit(base_) > 0);
  }

  // "epoll", "poll" or "select"; empty for an empty Loop.
  std::string_view backend_name() const noexcept {
    const char *n = base_ ? event_base_get_method(base_) : nullptr;
    return n ? std::string_view(n) : std::string_view();
  }
  // The backend's capabilities; Feature::None for an empty Loop.
  Feature features() const noexcept {
    return base_ ? static_cast<Feature>(event_base_get_features(base_)) : Feature::None;
  }
  // Number of callback priorities, 0 for an empty Loop.
  int priorities() const noexcept { return base_ ? event_base_get_npriorities(base_) : 0; }

  // The base for C calls (nullptr when empty); ownership stays with the Loop.
  event_base *native() const noexcept { return base_; }
  // True if the destructor frees the base (false for borrow() views).
  bool owns_base() const noexcept { return owns_; }

  // The loop's time: cached during a dispatch (one clock read per iteration),
  // else read fresh. Same clock and epoch as Timer::expiry().
  Clock::time_point now() const noexcept;
  // Refreshes the cached time inside a long callback.
  void update_time() noexcept {
    if (base_) event_base_update_cache_time(base_);
  }

  // Runs fn() from the loop on its next iteration, in post order. Loop thread:
  // always; other threads: once evthread_use_pthreads() ran before the Loop
  // was made. Posts still queued when the Loop (or view) dies are destroyed
  // unrun. Errors: EINVAL (empty Loop); throws std::bad_alloc.
  template <class F>
  std::error_code post(F &&fn) {
    return post_task(detail::Task(std::forward<F>(fn)));
  }

 private:
  Loop(event_base *base, bool owns);
  RunResult loop(int flags) noexcept {
    const int r = event_base_loop(base_, flags);
    return r < 0 ? RunResult::Error : r > 0 ? RunResult::NoEvents : RunResult::Ok;
  }
  std::error_code post_task(detail::Task task);
  void init_posts();
  void destroy() noexcept;

  event_base *base_ = nullptr;
  bool owns_ = false;
  detail::PostQueue *posts_ = nullptr;
};

template <class Rep, class Period>
std::error_code Loop::stop_after(std::chrono::duration<Rep, Period> delay) noexcept {
  const timeval tv = detail::to_timeval(delay);
  return detail::check_call([&] { return event_base_loopexit(base_, &tv); });
}

}  // namespace eventide
