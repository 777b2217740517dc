// The Backend contract, run against every backend: readiness bits, interest
// changes, timeouts, fd limits, closed fds, many fds and lock release.
#include <event2/event.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backend/backend.hpp"

namespace eventide::detail {
namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;
constexpr int64_t kMs = 1000000;

struct Factory {
  const char *name;
  std::unique_ptr<Backend> (*make)();
};
void PrintTo(const Factory &f, std::ostream *os) {
  *os << f.name;
}

const Factory kFactories[] = {
    {"epoll", make_epoll_backend},
    {"poll", make_poll_backend},
    {"select", make_select_backend},
};

// Collects ready() reports; an fd reported twice in one dispatch is a bug.
struct Reports {
  std::vector<std::pair<int, short>> got;

  static void on_ready(void *ctx, int fd, short what) {
    static_cast<Reports *>(ctx)->got.emplace_back(fd, what);
  }
  short of(int fd) const {
    short what = 0;
    for (auto &[f, w] : got)
      if (f == fd) what |= w;
    return what;
  }
};

struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0) {
      a = sv[0];
      b = sv[1];
    }
  }
  ~SocketPair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
  SocketPair(const SocketPair &) = delete;
  SocketPair &operator=(const SocketPair &) = delete;
  void close_a() { ::close(std::exchange(a, -1)); }
  void close_b() { ::close(std::exchange(b, -1)); }
};

void send_byte(int fd) {
  ASSERT_EQ(::write(fd, "x", 1), 1);
}

// Log lines captured through event_set_log_callback while alive.
struct LogCapture {
  static std::vector<std::string> &lines() {
    static std::vector<std::string> l;
    return l;
  }
  LogCapture() {
    lines().clear();
    event_set_log_callback([](int, const char *msg) { lines().emplace_back(msg); });
  }
  ~LogCapture() { event_set_log_callback(nullptr); }
  static int count(const std::string &needle) {
    return static_cast<int>(std::count_if(lines().begin(), lines().end(), [&](auto &l) {
      return l.find(needle) != std::string::npos;
    }));
  }
};

// Ensures the soft RLIMIT_NOFILE allows `want` fds; false when the hard limit cannot.
bool ensure_nofile(rlim_t want) {
  rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) return false;
    rl.rlim_cur = want;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  }
  return true;
}

class BackendTest : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    ASSERT_NE(backend_, nullptr) << GetParam().name << ": " << std::strerror(errno);
  }
  Reports dispatch(int64_t timeout_ns, std::mutex *lock = nullptr) {
    Reports r;
    EXPECT_EQ(backend_->dispatch(timeout_ns, lock, Reports::on_ready, &r), 0)
        << std::strerror(errno);
    return r;
  }
  bool is(const char *n) const { return std::string(GetParam().name) == n; }

  std::unique_ptr<Backend> backend_;
};

TEST_P(BackendTest, NameMatches) {
  EXPECT_STREQ(backend_->name(), GetParam().name);
}

TEST_P(BackendTest, ReadableReportedAsRead) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  EXPECT_TRUE(dispatch(0).got.empty());
  send_byte(p.b);
  auto r = dispatch(1000 * kMs);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0].first, p.a);
  EXPECT_EQ(r.got[0].second, EV_READ);
}

TEST_P(BackendTest, WritableReportedAsWrite) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_WRITE), 0);
  auto r = dispatch(1000 * kMs);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0].first, p.a);
  EXPECT_EQ(r.got[0].second, EV_WRITE);
}

TEST_P(BackendTest, OnlyAskedBitsAreReported) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  EXPECT_TRUE(dispatch(0).got.empty()) << "writable but only EV_READ was asked";
  send_byte(p.b);
  ASSERT_EQ(backend_->change(p.a, EV_READ, EV_READ | EV_WRITE), 0);
  auto r = dispatch(1000 * kMs);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0].second, EV_READ | EV_WRITE);
  ASSERT_EQ(backend_->change(p.a, EV_READ | EV_WRITE, EV_WRITE), 0);
  r = dispatch(1000 * kMs);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0].second, EV_WRITE);
}

TEST_P(BackendTest, ChangeToZeroStopsReportsAndReAddWorks) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ | EV_WRITE), 0);
  send_byte(p.b);
  EXPECT_EQ(dispatch(0).of(p.a), EV_READ | EV_WRITE);
  ASSERT_EQ(backend_->change(p.a, EV_READ | EV_WRITE, 0), 0);
  EXPECT_TRUE(dispatch(0).got.empty());
  EXPECT_TRUE(dispatch(20 * kMs).got.empty());
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  EXPECT_EQ(dispatch(1000 * kMs).of(p.a), EV_READ);
}

TEST_P(BackendTest, ClosedReportedOnPeerCloseWhereClaimed) {
  if (!(backend_->features() & EV_FEATURE_EARLY_CLOSE)) {
    // Not claimed: an EV_CLOSED interest is accepted and reports nothing.
    SocketPair p;
    EXPECT_EQ(backend_->change(p.a, 0, EV_CLOSED), 0);
    p.close_b();
    EXPECT_EQ(dispatch(0).of(p.a) & EV_CLOSED, 0);
    return;
  }
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_CLOSED), 0);
  EXPECT_TRUE(dispatch(0).got.empty());
  p.close_b();
  auto r = dispatch(1000 * kMs);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0].first, p.a);
  EXPECT_TRUE(r.got[0].second & EV_CLOSED) << r.got[0].second;
}

// Hang-ups may come with bits nobody asked for (epoll adds READ|WRITE, like
// libevent; the core filters): only the asked bit is checked here, and the
// exact set for the backends that mask (MaskedBackend below).
TEST_P(BackendTest, PeerCloseMakesReadable) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  p.close_b();
  EXPECT_TRUE(dispatch(1000 * kMs).of(p.a) & EV_READ);
}

// A pipe's read end gets POLLHUP (not POLLIN) once the writer is gone: it must
// still wake the reader, whose read() then returns 0.
TEST_P(BackendTest, PipeHangUpMakesReadable) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  ASSERT_EQ(backend_->change(fds[0], 0, EV_READ), 0);
  EXPECT_TRUE(dispatch(0).got.empty());
  ::close(fds[1]);
  EXPECT_TRUE(dispatch(1000 * kMs).of(fds[0]) & EV_READ);
  EXPECT_EQ(backend_->change(fds[0], EV_READ, 0), 0);
  ::close(fds[0]);
}

TEST_P(BackendTest, TimeoutHonoured) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  const auto t0 = Clock::now();
  auto r = dispatch(20 * kMs);
  const auto took = Clock::now() - t0;
  EXPECT_TRUE(r.got.empty());
  EXPECT_GE(took, Ms(20));
  EXPECT_LT(took, Ms(500));
}

// Sub-millisecond timeouts must not be rounded down to 0 (a busy loop) nor up
// to a whole millisecond or more by the backend.
TEST_P(BackendTest, TimeoutNanosecondPrecision) {
  const auto t0 = Clock::now();
  dispatch(300000);  // 0.3 ms
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, std::chrono::microseconds(300));
  EXPECT_LT(took, Ms(200));
}

TEST_P(BackendTest, TimeoutZeroReturnsAtOnce) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  const auto t0 = Clock::now();
  EXPECT_TRUE(dispatch(0).got.empty());
  EXPECT_LT(Clock::now() - t0, Ms(50));
}

TEST_P(BackendTest, InfiniteTimeoutWakesOnReadiness) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(Ms(30));
    send_byte(p.b);
  });
  auto r = dispatch(-1);
  writer.join();
  EXPECT_EQ(r.of(p.a), EV_READ);
}

TEST_P(BackendTest, EdgeTriggeredRefusedWithoutFeature) {
  if (backend_->features() & EV_FEATURE_ET) {
    // Claimed: EV_ET is accepted and an edge is reported once.
    SocketPair p;
    ASSERT_EQ(backend_->change(p.a, 0, EV_READ | EV_ET), 0);
    send_byte(p.b);
    EXPECT_EQ(dispatch(1000 * kMs).of(p.a), EV_READ);
    EXPECT_TRUE(dispatch(0).got.empty()) << "no new edge: nothing to report";
    return;
  }
  SocketPair p;
  errno = 0;
  EXPECT_EQ(backend_->change(p.a, 0, EV_READ | EV_ET), -1);
  EXPECT_EQ(errno, EINVAL);
  send_byte(p.b);
  EXPECT_TRUE(dispatch(0).got.empty()) << "a refused change must leave no registration";
}

TEST_P(BackendTest, ClosedFdRefusedOnAdd) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  ::close(fd);
  errno = 0;
  EXPECT_EQ(backend_->change(fd, 0, EV_READ), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_TRUE(dispatch(0).got.empty());
}

TEST_P(BackendTest, ReinitForgetsRegistrations) {
  SocketPair p;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  send_byte(p.b);
  ASSERT_EQ(backend_->reinit(), 0);
  EXPECT_TRUE(dispatch(0).got.empty());
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  EXPECT_EQ(dispatch(1000 * kMs).of(p.a), EV_READ);
}

// Closing a watched fd without unregistering it is a common user bug. epoll
// forgets the fd; poll says POLLNVAL; select fails with EBADF, which libevent
// passes on (the loop exits): here the loop keeps serving the other fds.
TEST_P(BackendTest, ClosedWatchedFdDoesNotBreakDispatch) {
  SocketPair dead, live;
  const int dead_fd = dead.a;
  ASSERT_EQ(backend_->change(dead_fd, 0, EV_READ), 0);
  ASSERT_EQ(backend_->change(live.a, 0, EV_READ), 0);
  send_byte(live.b);
  dead.close_a();
  for (int round = 0; round < 3; ++round) {
    auto r = dispatch(1000 * kMs);
    EXPECT_EQ(r.of(live.a), EV_READ) << "round " << round;
    if (!is("epoll")) EXPECT_EQ(r.of(dead_fd), EV_READ) << "round " << round;
  }
  backend_->change(dead_fd, EV_READ, 0);  // epoll may say EBADF: it already forgot it
  EXPECT_EQ(dispatch(0).of(dead_fd), 0);
}

TEST_P(BackendTest, ManyFdsOnlyReadyOnesReported) {
  constexpr int kPairs = 500;
  if (!ensure_nofile(2 * kPairs + 64)) GTEST_SKIP() << "RLIMIT_NOFILE too low for 1000 fds";
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<int> watched;  // indexes into pairs
  for (int i = 0; i < kPairs; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    ASSERT_GE(pairs.back()->b, 0);
    // select holds fds below FD_SETSIZE only; the other backends take them all.
    if (is("select") && pairs.back()->a >= FD_SETSIZE) continue;
    ASSERT_EQ(backend_->change(pairs.back()->a, 0, EV_READ), 0) << i;
    watched.push_back(i);
  }
  ASSERT_GE(watched.size(), 450u);
  const std::set<int> ready_idx = {watched[0], watched[123], watched[250], watched.back()};
  for (int i : ready_idx) send_byte(pairs[i]->b);
  auto r = dispatch(1000 * kMs);
  std::set<int> want, got;
  for (int i : ready_idx) want.insert(pairs[i]->a);
  for (auto &[fd, what] : r.got) {
    EXPECT_EQ(what, EV_READ) << fd;
    EXPECT_TRUE(got.insert(fd).second) << "fd " << fd << " reported twice";
  }
  EXPECT_EQ(got, want);
  char c;
  for (int i : ready_idx) ASSERT_EQ(::read(pairs[i]->a, &c, 1), 1);
  EXPECT_TRUE(dispatch(0).got.empty());
  for (int i : watched) ASSERT_EQ(backend_->change(pairs[i]->a, EV_READ, 0), 0);
}

TEST_P(BackendTest, LockReleasedDuringWaitAndRetakenAfter) {
  std::mutex m;
  std::atomic<bool> waiting{false}, returned{false};
  Clock::time_point returned_at, released_at;
  std::thread loop([&] {
    std::lock_guard<std::mutex> g(m);
    waiting = true;
    Reports r;
    EXPECT_EQ(backend_->dispatch(100 * kMs, &m, Reports::on_ready, &r), 0);
    returned_at = Clock::now();
    returned = true;
  });
  while (!waiting) std::this_thread::yield();
  // The loop thread holds m until it sleeps in dispatch: we must get it well
  // before the 100 ms are over.
  const auto t0 = Clock::now();
  bool got = false;
  while (!got && Clock::now() - t0 < Ms(90)) {
    got = m.try_lock();
    if (!got) std::this_thread::sleep_for(Ms(1));
  }
  ASSERT_TRUE(got) << "dispatch kept the lock while waiting";
  EXPECT_FALSE(returned);
  // Hold it past the timeout: dispatch must not return before it has it back.
  std::this_thread::sleep_for(Ms(150));
  EXPECT_FALSE(returned) << "dispatch returned without retaking the lock";
  released_at = Clock::now();
  m.unlock();
  loop.join();
  EXPECT_GE(returned_at, released_at);
}

std::string param_name(const ::testing::TestParamInfo<Factory> &info) {
  return info.param.name;
}

// Test names start with "backend/" so `ctest -R backend` picks them all.
INSTANTIATE_TEST_SUITE_P(backend, BackendTest, ::testing::ValuesIn(kFactories), param_name);

// --- backends that report only what is asked (poll, select) ------------------

class MaskedBackend : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(backend, MaskedBackend,
                         ::testing::Values(Factory{"poll", make_poll_backend},
                                           Factory{"select", make_select_backend}),
                         param_name);

TEST_P(MaskedBackend, HangUpReportsOnlyAskedBits) {
  {
    SocketPair p;
    ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
    p.close_b();
    EXPECT_EQ(dispatch(1000 * kMs).of(p.a), EV_READ);
    ASSERT_EQ(backend_->change(p.a, EV_READ, 0), 0);
  }
  {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    ASSERT_EQ(backend_->change(fds[0], 0, EV_READ), 0);
    ::close(fds[1]);
    EXPECT_EQ(dispatch(1000 * kMs).of(fds[0]), EV_READ);
    EXPECT_EQ(backend_->change(fds[0], EV_READ, 0), 0);
    ::close(fds[0]);
  }
  if (backend_->features() & EV_FEATURE_EARLY_CLOSE) {
    SocketPair p;
    ASSERT_EQ(backend_->change(p.a, 0, EV_CLOSED), 0);
    p.close_b();
    EXPECT_EQ(dispatch(1000 * kMs).of(p.a), EV_CLOSED);
  }
}

// Another thread drops an fd while the loop sleeps: when the fd then becomes
// ready and wakes the loop, its old registration must not be reported. (epoll
// defers the DEL to its next flush and may report it: the core filters.)
TEST_P(MaskedBackend, FdDroppedDuringWaitIsNotReported) {
  SocketPair p;
  std::mutex m;
  ASSERT_EQ(backend_->change(p.a, 0, EV_READ), 0);
  std::atomic<bool> waiting{false};
  Reports r;
  std::thread loop([&] {
    std::lock_guard<std::mutex> g(m);
    waiting = true;
    EXPECT_EQ(backend_->dispatch(2000 * kMs, &m, Reports::on_ready, &r), 0);
  });
  while (!waiting) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> g(m);  // only possible once the loop waits
    EXPECT_EQ(backend_->change(p.a, EV_READ, 0), 0);
    EXPECT_EQ(::write(p.b, "x", 1), 1);
  }
  loop.join();
  EXPECT_EQ(r.of(p.a), 0);
}

// --- select only -------------------------------------------------------------

class SelectOnly : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(backend, SelectOnly,
                         ::testing::Values(Factory{"select", make_select_backend}), param_name);

TEST_P(SelectOnly, RefusesFdAtOrAboveFdSetsize) {
  auto &b = backend_;
  LogCapture log;
  errno = 0;
  EXPECT_EQ(b->change(FD_SETSIZE, 0, EV_READ), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(LogCapture::count("select backend cannot watch fd 1024: FD_SETSIZE is 1024"), 1);
  errno = 0;
  EXPECT_EQ(b->change(-1, 0, EV_READ), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST_P(SelectOnly, ClosedFdWarnedOncePerFd) {
  auto &b = backend_;
  SocketPair p;
  const int fd = p.a;
  ASSERT_EQ(b->change(fd, 0, EV_READ | EV_WRITE), 0);
  p.close_a();
  LogCapture log;
  for (int i = 0; i < 3; ++i) {
    Reports r;
    ASSERT_EQ(b->dispatch(1000 * kMs, nullptr, Reports::on_ready, &r), 0);
    EXPECT_EQ(r.of(fd), EV_READ | EV_WRITE);
  }
  EXPECT_EQ(LogCapture::count("fd " + std::to_string(fd) + " was closed"), 1);
  EXPECT_EQ(b->change(fd, EV_READ | EV_WRITE, 0), 0);
}

// --- poll only ---------------------------------------------------------------

class PollOnly : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(backend, PollOnly, ::testing::Values(Factory{"poll", make_poll_backend}),
                         param_name);

TEST_P(PollOnly, AcceptsFdAbove1024) {
  constexpr int kHigh = 1500;
  if (!ensure_nofile(kHigh + 1)) GTEST_SKIP() << "RLIMIT_NOFILE hard limit below 1501";
  if (::fcntl(kHigh, F_GETFD) != -1) GTEST_SKIP() << "fd 1500 already in use";
  auto &b = backend_;
  SocketPair p;
  ASSERT_EQ(::dup2(p.a, kHigh), kHigh);
  ASSERT_EQ(b->change(kHigh, 0, EV_READ), 0);
  send_byte(p.b);
  Reports r;
  ASSERT_EQ(b->dispatch(1000 * kMs, nullptr, Reports::on_ready, &r), 0);
  EXPECT_EQ(r.of(kHigh), EV_READ);
  EXPECT_EQ(b->change(kHigh, EV_READ, 0), 0);
  ::close(kHigh);
}

// POLLHUP without POLLRDHUP (a pipe) must reach a watcher that asked for
// EV_CLOSED alone; libevent reports only READ|WRITE there, so poll would
// wake forever with nobody told.
TEST_P(PollOnly, HangUpReachesClosedOnlyWatcher) {
  auto &b = backend_;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  ASSERT_EQ(b->change(fds[0], 0, EV_CLOSED), 0);
  ::close(fds[1]);
  Reports r;
  ASSERT_EQ(b->dispatch(1000 * kMs, nullptr, Reports::on_ready, &r), 0);
  EXPECT_EQ(r.of(fds[0]), EV_CLOSED);
  ::close(fds[0]);
}

// ready() may change registrations (swap-remove) while the poll array is
// being walked: every ready fd must still be reported exactly once.
TEST_P(PollOnly, ChangesInsideReadyCallbackAreSafe) {
  auto &b = backend_;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  for (int i = 0; i < 8; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    ASSERT_EQ(b->change(pairs.back()->a, 0, EV_READ), 0);
    send_byte(pairs.back()->b);
  }
  struct Ctx {
    Backend *b;
    std::vector<int> seen;
  } ctx{b.get(), {}};
  auto cb = [](void *c, int fd, short) {
    auto *x = static_cast<Ctx *>(c);
    x->seen.push_back(fd);
    x->b->change(fd, EV_READ, 0);  // unregister self: moves the tail into this slot
  };
  ASSERT_EQ(b->dispatch(1000 * kMs, nullptr, cb, &ctx), 0);
  std::sort(ctx.seen.begin(), ctx.seen.end());
  std::vector<int> want;
  for (auto &p : pairs) want.push_back(p->a);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ctx.seen, want);
}

}  // namespace
}  // namespace eventide::detail
