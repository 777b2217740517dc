// epoll: the Linux default. Interest changes are batched: a fd's first
// registration goes to the kernel at once (so a bad fd fails event_add), the
// rest waits in a changelist flushed before the wait, at most one epoll_ctl
// per fd per iteration and none when the mask ends where it started. A fd
// whose interest dropped to zero and came back in one iteration is re-armed
// with MOD falling back to ADD, so a closed-and-reused fd number (or a dup())
// is never left unwatched. Waits use epoll_pwait2 (ns) where the kernel has it.
// Each registration carries a generation tag: an fd closed while a dup() keeps
// its file open leaves a registration nobody can delete, and when it reports
// (old tag, or an fd we no longer watch) the set is rebuilt from our records.
#include <event2/event.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

#include "backend/backend.hpp"
#include "util/log.hpp"

namespace eventide::detail {
namespace {

constexpr size_t kInitialEvents = 32;
constexpr size_t kMaxEvents = 4096;

uint32_t to_epoll(short ev) {
  uint32_t m = 0;
  if (ev & EV_READ) m |= EPOLLIN;
  if (ev & EV_WRITE) m |= EPOLLOUT;
  if (ev & EV_CLOSED) m |= EPOLLRDHUP;
  if (m && (ev & EV_ET)) m |= EPOLLET;
  return m;
}

class EpollBackend final : public Backend {
 public:
  explicit EpollBackend(int epfd) : epfd_(epfd), events_(kInitialEvents) {}
  ~EpollBackend() override {
    if (epfd_ >= 0) close(epfd_);
  }

  const char *name() const override { return "epoll"; }
  int features() const override { return EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE; }

  int change(int fd, short, short new_events) override {
    if (fd < 0) {
      errno = EBADF;
      return -1;
    }
    if (static_cast<size_t>(fd) >= st_.size()) st_.resize(std::max<size_t>(fd + 1, st_.size() * 2));
    FdState &s = st_[fd];
    const uint32_t want = to_epoll(new_events);
    if (want == 0) {
      s.want = 0;
      if (s.kernel) {
        s.dropped = true;
        queue(fd, s);
      }
      return 0;
    }
    if (s.kernel == 0 || s.dropped) {
      // New registration (or back after dropping to zero): tell the kernel now.
      int op = s.kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      if (ctl(op, fd, want) < 0) {
        if (op == EPOLL_CTL_MOD && errno == ENOENT)
          op = EPOLL_CTL_ADD;
        else if (op == EPOLL_CTL_ADD && errno == EEXIST)
          op = EPOLL_CTL_MOD;
        else
          return -1;
        if (ctl(op, fd, want) < 0) return -1;
      }
      s.kernel = s.want = want;
      s.dropped = false;
      return 0;
    }
    s.want = want;
    queue(fd, s);
    return 0;
  }

  int dispatch(int64_t timeout_ns, std::mutex *lock, ReadyFn ready, void *ctx) override {
    if (ghost_) rebuild();
    flush();
    if (lock) lock->unlock();
    int n = wait(timeout_ns);
    const int saved = errno;
    if (lock) lock->lock();
    if (n < 0) {
      if (saved == EINTR) return 0;
      errno = saved;
      return -1;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = static_cast<int>(events_[i].data.u64 & 0xffffffffu);
      const auto gen = static_cast<uint32_t>(events_[i].data.u64 >> 32);
      if (fd < 0 || static_cast<size_t>(fd) >= st_.size() || st_[fd].kernel == 0 ||
          st_[fd].gen != gen) {
        if (!ghost_)
          log(kLogWarn,
              "epoll: fd %d was closed while still watched and a dup() keeps its file open; "
              "rebuilding the epoll set",
              fd);
        ghost_ = true;
        continue;
      }
      const uint32_t what = events_[i].events;
      short ev = 0;
      if (what & (EPOLLERR | EPOLLHUP)) ev = EV_READ | EV_WRITE;
      if (what & EPOLLIN) ev |= EV_READ;
      if (what & EPOLLOUT) ev |= EV_WRITE;
      if (what & EPOLLRDHUP) ev |= EV_CLOSED;
      // A pipe or FIFO reports a closed peer as HUP without RDHUP: tell the
      // EV_CLOSED watchers, or a level-triggered HUP nobody hears would spin.
      if ((what & EPOLLHUP) && static_cast<size_t>(fd) < st_.size() &&
          (st_[fd].kernel & EPOLLRDHUP))
        ev |= EV_CLOSED;
      ready(ctx, fd, ev);
    }
    if (static_cast<size_t>(n) == events_.size() && events_.size() < kMaxEvents)
      events_.resize(events_.size() * 2);
    return 0;
  }

  int reinit() override {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return -1;
    close(epfd_);
    epfd_ = fd;
    st_.clear();
    changed_.clear();
    return 0;
  }

 private:
  struct FdState {
    uint32_t kernel = 0;  // what the kernel has; 0 = not registered
    uint32_t want = 0;
    uint32_t gen = 0;  // the tag of the kernel registration
    bool queued = false;
    bool dropped = false;  // want fell to 0 since the last flush
  };

  int ctl(int op, int fd, uint32_t events) {
    FdState &s = st_[fd];
    if (op == EPOLL_CTL_ADD) s.gen = ++gen_;
    epoll_event e{};
    e.events = events;
    e.data.u64 = (static_cast<uint64_t>(s.gen) << 32) | static_cast<uint32_t>(fd);
    return epoll_ctl(epfd_, op, fd, &e);
  }

  // A fresh set holding exactly our registrations: the only way to drop one
  // whose fd is gone (epoll_ctl needs the fd to delete it).
  void rebuild() {
    const int fresh = epoll_create1(EPOLL_CLOEXEC);
    if (fresh < 0) return;  // keep the old set; try again next time
    ghost_ = false;
    close(epfd_);
    epfd_ = fresh;
    for (size_t fd = 0; fd < st_.size(); ++fd) {
      FdState &s = st_[fd];
      if (s.kernel && ctl(EPOLL_CTL_ADD, static_cast<int>(fd), s.kernel) < 0)
        s.kernel = 0;  // closed as well: the kernel would have dropped it too
    }
  }

  void queue(int fd, FdState &s) {
    if (s.queued) return;
    s.queued = true;
    changed_.push_back(fd);
  }

  void flush() {
    for (int fd : changed_) {
      FdState &s = st_[fd];
      s.queued = false;
      s.dropped = false;
      if (s.want == s.kernel) continue;
      if (s.want == 0) {
        // EBADF/ENOENT: the fd was closed first, which already removed it.
        ctl(EPOLL_CTL_DEL, fd, 0);
        s.kernel = 0;
        continue;
      }
      if (ctl(EPOLL_CTL_MOD, fd, s.want) < 0 &&
          (errno != ENOENT || ctl(EPOLL_CTL_ADD, fd, s.want) < 0)) {
        log_errno(kLogWarn, "epoll: cannot update fd %d (closed while an event was pending?)", fd);
        s.kernel = 0;
        continue;
      }
      s.kernel = s.want;
    }
    changed_.clear();
  }

  int wait(int64_t timeout_ns) {
    const int maxev = static_cast<int>(events_.size());
#ifdef EPOLL_CLOEXEC
    if (have_pwait2_) {
      timespec ts;
      timespec *tsp = nullptr;
      if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
      }
      int n = epoll_pwait2(epfd_, events_.data(), maxev, tsp, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      have_pwait2_ = false;
    }
#endif
    int ms = -1;
    if (timeout_ns >= 0) {
      // Round up: waking before the deadline would only mean waiting again.
      const int64_t m = (timeout_ns + 999999) / 1000000;
      ms = m > INT_MAX ? INT_MAX : static_cast<int>(m);
    }
    return epoll_wait(epfd_, events_.data(), maxev, ms);
  }

  int epfd_;
  std::vector<epoll_event> events_;
  std::vector<FdState> st_;
  std::vector<int> changed_;
  uint32_t gen_ = 0;
  bool ghost_ = false;  // a stale registration reported: rebuild before waiting
  bool have_pwait2_ = true;
};

}  // namespace

std::unique_ptr<Backend> make_epoll_backend() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::make_unique<EpollBackend>(fd);
}

}  // namespace eventide::detail
