// The one interface every kernel notification mechanism implements (epoll,
// poll, select; later kqueue, io_uring). A backend knows fds and readiness
// bits only, never events: the core tells it the union of interest per fd.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

namespace eventide::detail {

// Called once per ready fd with EV_READ | EV_WRITE | EV_CLOSED bits. The bits
// may include some not asked for (an error makes a fd readable and writable),
// and may name a fd whose interest was dropped during the wait: the core
// filters both against the events it holds.
using ReadyFn = void (*)(void *ctx, int fd, short what);

class Backend {
 public:
  virtual ~Backend() = default;

  // "epoll", "poll", "select".
  virtual const char *name() const = 0;
  // EV_FEATURE_* bits.
  virtual int features() const = 0;

  // The interest for fd changed from old_events to new_events; both are
  // masks of EV_READ | EV_WRITE | EV_CLOSED | EV_ET, and new_events == 0
  // means "stop watching fd". Called with the base lock held.
  // Returns 0, or -1 with errno set (EBADF for a closed fd, EINVAL for an fd
  // this backend cannot hold) and the backend's state unchanged.
  virtual int change(int fd, short old_events, short new_events) = 0;

  // Waits at most timeout_ns (-1: no limit, 0: just poll) and reports each
  // ready fd through ready(ctx, fd, what). When lock is not null the caller
  // holds it; the backend releases it around the blocking syscall only.
  // An interrupted wait (EINTR) returns 0. Returns -1 with errno on error.
  virtual int dispatch(int64_t timeout_ns, std::mutex *lock, ReadyFn ready, void *ctx) = 0;

  // After fork(): forget every registration and re-create kernel objects.
  // The core then calls change(fd, 0, events) again for every watched fd.
  virtual int reinit() = 0;
};

// Each returns nullptr with errno set when the mechanism is unavailable.
std::unique_ptr<Backend> make_epoll_backend();
std::unique_ptr<Backend> make_poll_backend();
std::unique_ptr<Backend> make_select_backend();

}  // namespace eventide::detail
