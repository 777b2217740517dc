// The poll(2) backend: a pollfd array plus an fd -> slot table so change() is
// O(1); no fd limit, portable to every Unix, and the fallback when epoll fails.
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <new>
#include <vector>

#include "backend/backend.hpp"
#include "util/log.hpp"

namespace eventide::detail {
namespace {

#ifdef POLLRDHUP
constexpr short kPollRdHup = POLLRDHUP;
#else
constexpr short kPollRdHup = 0;
#endif

constexpr short kWatchable = EV_READ | EV_WRITE | EV_CLOSED;

short to_poll_events(short events) {
  short p = 0;
  if (events & EV_READ) p |= POLLIN;
  if (events & EV_WRITE) p |= POLLOUT;
  if (events & EV_CLOSED) p |= kPollRdHup;
  return p;
}

short from_poll_events(short p) {
  short events = 0;
  if (p & POLLIN) events |= EV_READ;
  if (p & POLLOUT) events |= EV_WRITE;
  if (kPollRdHup && (p & kPollRdHup)) events |= EV_CLOSED;
  return events;
}

// libevent turns ERR/HUP/NVAL into READ|WRITE so the owner's next read or
// write meets the error. It stops there, so an fd watched for EV_CLOSED alone
// (a pipe has no POLLRDHUP, only POLLHUP) would wake poll forever while nothing
// is reported: we add EV_CLOSED too. Every wake-up then reaches someone.
short translate(short revents, short asked) {
  short what = from_poll_events(revents);
  if (revents & (POLLERR | POLLHUP | POLLNVAL)) what |= EV_READ | EV_WRITE | EV_CLOSED;
  return what & asked;
}

class PollBackend final : public Backend {
 public:
  const char *name() const override { return "poll"; }

  int features() const override {
    return EV_FEATURE_FDS | (kPollRdHup ? EV_FEATURE_EARLY_CLOSE : 0);
  }

  int change(int fd, short old_events, short new_events) override {
    (void)old_events;  // our own table is the truth; the core's view only mirrors it
    if (new_events & EV_ET) {
      EVENTIDE_BAD_ARG("poll backend cannot watch fd %d edge-triggered (EV_ET)", fd);
      return -1;
    }
    if (fd < 0) {
      log(kLogWarn, "poll backend cannot watch fd %d: not a descriptor", fd);
      errno = EBADF;
      return -1;
    }
    const short pevents = to_poll_events(new_events & kWatchable);
    const int slot = slot_of(fd);
    if (pevents == 0) {
      if (slot >= 0) remove_slot(slot);
      return 0;
    }
    if (slot >= 0) {
      fds_[slot].events = pevents;
      return 0;
    }
    // poll would report a closed fd as POLLNVAL forever; refuse it up front
    // as epoll_ctl does, so every backend answers a stale fd the same way.
    if (::fcntl(fd, F_GETFD) == -1) {
      log_errno(kLogWarn, "poll backend cannot watch fd %d", fd);
      return -1;
    }
    try {
      if (static_cast<size_t>(fd) >= slot_by_fd_.size())
        slot_by_fd_.resize(std::max(static_cast<size_t>(fd) + 1, slot_by_fd_.size() * 2), -1);
      fds_.push_back(pollfd{fd, pevents, 0});
    } catch (const std::bad_alloc &) {
      errno = ENOMEM;
      return -1;
    }
    slot_by_fd_[fd] = static_cast<int>(fds_.size() - 1);
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
    const nfds_t nfds = fds_.size();
    int res;
    if (lock) {
      // Another thread may change() while we sleep: the kernel must read an
      // array nobody is resizing. Single-threaded bases skip the copy.
      try {
        polled_.assign(fds_.begin(), fds_.end());
      } catch (const std::bad_alloc &) {
        errno = ENOMEM;
        return -1;
      }
      lock->unlock();
      res = ::ppoll(polled_.data(), nfds, tsp, nullptr);
      const int saved = errno;
      lock->lock();
      errno = saved;
    } else {
      res = ::ppoll(fds_.data(), nfds, tsp, nullptr);
    }
    if (res < 0) {
      if (errno == EINTR) return 0;
      log_errno(kLogWarn, "poll");
      return -1;
    }
    if (res == 0) return 0;
    if (lock)
      report_copy(res, ready, ctx);
    else
      report_live(res, ready, ctx);
    return 0;
  }

  int reinit() override {
    fds_.clear();
    polled_.clear();
    slot_by_fd_.clear();
    return 0;
  }

 private:
  int slot_of(int fd) const {
    return static_cast<size_t>(fd) < slot_by_fd_.size() ? slot_by_fd_[fd] : -1;
  }

  void remove_slot(int slot) {
    const int fd = fds_[slot].fd;
    const int last = static_cast<int>(fds_.size()) - 1;
    if (slot != last) {
      fds_[slot] = fds_[last];
      slot_by_fd_[fds_[slot].fd] = slot;
    }
    fds_.pop_back();
    slot_by_fd_[fd] = -1;
  }

  // The copy may name fds that were dropped or changed during the wait:
  // report only what is still asked for now.
  void report_copy(int pending, ReadyFn ready, void *ctx) {
    for (const pollfd &p : polled_) {
      if (pending == 0) break;
      if (!p.revents) continue;
      --pending;
      const int slot = slot_of(p.fd);
      if (slot < 0) continue;
      const short what = translate(p.revents, from_poll_events(fds_[slot].events));
      if (what) ready(ctx, p.fd, what);
    }
  }

  // ready() may call change(), which swap-removes. Walking backwards with
  // revents cleared before each call means a slot filled from the (already
  // visited) tail is never reported twice, and no unvisited slot is skipped.
  void report_live(int pending, ReadyFn ready, void *ctx) {
    for (size_t i = fds_.size(); i > 0 && pending > 0; --i) {
      if (i - 1 >= fds_.size()) continue;
      pollfd &p = fds_[i - 1];
      const short revents = p.revents;
      if (!revents) continue;
      --pending;
      p.revents = 0;
      const short what = translate(revents, from_poll_events(p.events));
      if (what) ready(ctx, p.fd, what);
    }
  }

  std::vector<pollfd> fds_;
  std::vector<pollfd> polled_;   // what the kernel reads when a lock is given
  std::vector<int> slot_by_fd_;  // fd -> index in fds_, -1 when not watched
};

}  // namespace

std::unique_ptr<Backend> make_poll_backend() {
  try {
    return std::make_unique<PollBackend>();
  } catch (const std::bad_alloc &) {
    errno = ENOMEM;
    return nullptr;
  }
}

}  // namespace eventide::detail
