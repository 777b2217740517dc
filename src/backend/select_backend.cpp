// The select(2) backend: read and write fd_sets with the highest fd tracked;
// the last resort, limited to fds below FD_SETSIZE, which it refuses past.
#include <event2/event.h>
#include <fcntl.h>
#include <sys/select.h>

#include <bitset>
#include <cerrno>
#include <ctime>
#include <new>

#include "backend/backend.hpp"
#include "util/log.hpp"

namespace eventide::detail {
namespace {

class SelectBackend final : public Backend {
 public:
  SelectBackend() { clear(); }

  const char *name() const override { return "select"; }
  int features() const override { return EV_FEATURE_FDS; }

  int change(int fd, short old_events, short new_events) override {
    (void)old_events;  // the fd_sets are the truth; the core's view only mirrors them
    // libevent 2.1 writes past the fd_set for such fds and corrupts memory.
    if (fd < 0) {
      EVENTIDE_BAD_ARG("select backend cannot watch fd %d: not a descriptor", fd);
      return -1;
    }
    if (fd >= FD_SETSIZE) {
      EVENTIDE_BAD_ARG("select backend cannot watch fd %d: FD_SETSIZE is %d", fd, FD_SETSIZE);
      return -1;
    }
    if (new_events & EV_ET) {
      EVENTIDE_BAD_ARG("select backend cannot watch fd %d edge-triggered (EV_ET)", fd);
      return -1;
    }
    const bool was_watched = asked(fd) != 0;
    const bool want_read = new_events & EV_READ;
    const bool want_write = new_events & EV_WRITE;
    if (!was_watched && (want_read || want_write)) {
      // Refused up front as epoll_ctl would; a closed fd that slips in later
      // is handled by recover_from_ebadf().
      if (::fcntl(fd, F_GETFD) == -1) {
        log_errno(kLogWarn, "select backend cannot watch fd %d", fd);
        return -1;
      }
      warned_.reset(fd);
    }
    if (want_read)
      FD_SET(fd, &read_);
    else
      FD_CLR(fd, &read_);
    if (want_write)
      FD_SET(fd, &write_);
    else
      FD_CLR(fd, &write_);
    if (want_read || want_write) {
      if (fd > max_fd_) max_fd_ = fd;
    } else if (fd == max_fd_) {
      while (max_fd_ >= 0 && !asked(max_fd_)) --max_fd_;
    }
    return 0;
  }

  int dispatch(int64_t timeout_ns, std::mutex *lock, ReadyFn ready, void *ctx) override {
    timespec ts;
    timespec *tsp = nullptr;
    if (timeout_ns >= 0) {
      ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
      ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
      tsp = &ts;
    }
    // select overwrites its sets, so it always gets copies; that also keeps
    // them safe from a change() made by another thread during the wait.
    const int nfds = max_fd_ + 1;
    fd_set rd = read_;
    fd_set wr = write_;
    int res;
    if (lock) {
      lock->unlock();
      res = ::pselect(nfds, &rd, &wr, nullptr, tsp, nullptr);
      const int saved = errno;
      lock->lock();
      errno = saved;
    } else {
      res = ::pselect(nfds, &rd, &wr, nullptr, tsp, nullptr);
    }
    if (res < 0) {
      if (errno == EINTR) return 0;
      if (errno == EBADF) return recover_from_ebadf(ready, ctx);
      log_errno(kLogWarn, "select");
      return -1;
    }
    if (res > 0) report(nfds, res, rd, wr, nullptr, ready, ctx);
    return 0;
  }

  int reinit() override {
    clear();
    return 0;
  }

 private:
  void clear() {
    FD_ZERO(&read_);
    FD_ZERO(&write_);
    max_fd_ = -1;
    warned_.reset();
  }

  short asked(int fd) const {
    return (FD_ISSET(fd, &read_) ? EV_READ : 0) | (FD_ISSET(fd, &write_) ? EV_WRITE : 0);
  }

  // Sets may have changed during the wait (or inside ready()): report only
  // what is still asked for now. `bad` fds are reported as ready for all
  // they ask.
  void report(int nfds, int pending, const fd_set &rd, const fd_set &wr, const fd_set *bad,
              ReadyFn ready, void *ctx) {
    for (int fd = 0; fd < nfds && pending > 0; ++fd) {
      short what = 0;
      if (FD_ISSET(fd, &rd)) what |= EV_READ, --pending;
      if (FD_ISSET(fd, &wr)) what |= EV_WRITE, --pending;
      if (bad && FD_ISSET(fd, bad)) what |= EV_READ | EV_WRITE, --pending;
      what &= asked(fd);
      if (what) ready(ctx, fd, what);
    }
  }

  // A watched fd closed without change(fd, ..., 0) makes select fail with
  // EBADF on every call. libevent's select then returns -1 and
  // event_base_loop() exits, taking every other event of the base down with
  // it. We find the closed fds (F_GETFD fails), report them ready for what
  // they ask so their callbacks meet EBADF on the next read/write and can
  // event_del(), warn once per fd, and still serve the healthy fds with a
  // non-blocking select. Called with the lock (if any) held.
  int recover_from_ebadf(ReadyFn ready, void *ctx) {
    const int nfds = max_fd_ + 1;
    fd_set rd, wr, bad;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&bad);
    int nbad = 0;
    for (int fd = 0; fd < nfds; ++fd) {
      if (!asked(fd)) continue;
      if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
        FD_SET(fd, &bad);
        ++nbad;
        if (!warned_.test(fd)) {
          warned_.set(fd);
          log(kLogWarn,
              "select backend: fd %d was closed while still watched; reporting it ready until "
              "its events are deleted",
              fd);
        }
        continue;
      }
      if (FD_ISSET(fd, &read_)) FD_SET(fd, &rd);
      if (FD_ISSET(fd, &write_)) FD_SET(fd, &wr);
    }
    if (nbad == 0) return 0;  // the closed fd was reused meanwhile: just poll again
    timespec zero{0, 0};
    int res = ::pselect(nfds, &rd, &wr, nullptr, &zero, nullptr);
    if (res < 0) {  // yet another fd closed meanwhile: serve the healthy ones next time
      FD_ZERO(&rd);
      FD_ZERO(&wr);
      res = 0;
    }
    report(nfds, res + nbad, rd, wr, &bad, ready, ctx);
    return 0;
  }

  fd_set read_;
  fd_set write_;
  int max_fd_ = -1;
  std::bitset<FD_SETSIZE> warned_;  // closed fds already logged
};

}  // namespace

std::unique_ptr<Backend> make_select_backend() {
  try {
    return std::make_unique<SelectBackend>();
  } catch (const std::bad_alloc &) {
    errno = ENOMEM;
    return nullptr;
  }
}

}  // namespace eventide::detail
