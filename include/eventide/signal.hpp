// eventide::Signal: an RAII watcher of one POSIX signal that runs a callback
// from the Loop (not from the signal handler); several Loops may watch one signal.
#pragma once

#include <csignal>
#include <functional>
#include <string>
#include <system_error>
#include <utility>

#include "eventide/event.hpp"
#include "eventide/loop.hpp"

namespace eventide {

// Watches signo while started; the callback runs once per delivery (two
// raise() before the loop runs give two calls). Same lifetime rules as Event
// (see detail::Watcher); loop thread only. While any watcher of signo is
// started, eventide's handler replaces the signal's disposition; the previous
// one comes back when the last watcher stops.
class Signal : public detail::Watcher<Signal, std::function<void(Signal &)>> {
 public:
  // Called once per delivery, with the handle, on the loop thread.
  using Callback = std::function<void(Signal &)>;

  // An empty handle: start() fails with EINVAL.
  Signal() noexcept = default;
  // A stopped watcher of signo on loop. Throws std::system_error (EINVAL) for
  // a signal number out of range or an empty Loop.
  Signal(Loop &loop, int signo, Callback cb)
      : Watcher(loop, checked(signo), EV_SIGNAL | EV_PERSIST, std::move(cb)) {}

  // Moves the watcher (it stays started); the source becomes empty.
  Signal(Signal &&) noexcept = default;
  // Stops this handle's watcher, then takes over the source's.
  Signal &operator=(Signal &&) noexcept = default;
  ~Signal() = default;

  // Starts watching (installs the handler). Errors: EINVAL (empty handle or a
  // signal that cannot be caught), sigaction's errno.
  std::error_code start() noexcept {
    if (!valid()) return std::make_error_code(std::errc::invalid_argument);
    return detail::check_call([&] { return event_add(&ev_, nullptr); });
  }

  // Stops watching; deliveries not yet run are dropped. Idempotent.
  std::error_code stop() noexcept {
    if (!valid()) return std::make_error_code(std::errc::invalid_argument);
    return detail::check_call([&] { return event_del(&ev_); });
  }

  // True while started.
  bool active() const noexcept { return valid() && event_pending(&ev_, EV_SIGNAL, nullptr) != 0; }
  // The watched signal number, or -1 for an empty handle.
  int signo() const noexcept { return valid() ? event_get_signal(&ev_) : -1; }

  // Empties the handle (stops watching); safe from inside its callback.
  void reset() noexcept { Watcher::reset(); }

 private:
  friend class detail::Watcher<Signal, Callback>;
  static void invoke(Callback &fn, Signal &self, short) { fn(self); }

  static int checked(int signo) {
    if (signo <= 0 || signo >= NSIG)
      detail::throw_error(std::make_error_code(std::errc::invalid_argument),
                          "eventide::Signal: bad signal number " + std::to_string(signo));
    return signo;
  }
};

}  // namespace eventide
