// eventide::Signal: raise() delivered through the loop on every backend, one
// call per delivery, stop, two Loops on one signal, disposition restore,
// moves, and watchers destroyed from inside their callback.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eventide/signal.hpp"
#include "eventide/timer.hpp"

namespace {

using namespace std::chrono_literals;
using eventide::Loop;
using eventide::RunResult;
using eventide::Signal;

eventide::LoopOptions on(const std::string &backend) {
  eventide::LoopOptions o;
  o.backend = backend;
  o.ignore_env = true;
  return o;
}

// SIGUSR1/SIGUSR2 are ignored outside the watchers, so a raise() after a
// watcher stopped is harmless and shows that the old disposition came back.
class SignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alarm(30);  // a hang fails fast (SIGALRM)
    std::signal(SIGUSR1, SIG_IGN);
    std::signal(SIGUSR2, SIG_IGN);
  }
  void TearDown() override { alarm(0); }
};

class SignalBackend : public SignalTest, public ::testing::WithParamInterface<const char *> {
 protected:
  Loop loop{on(GetParam())};
};

INSTANTIATE_TEST_SUITE_P(All, SignalBackend, ::testing::Values("epoll", "poll", "select"),
                         [](const auto &info) { return std::string(info.param); });

TEST_P(SignalBackend, RaiseRunsTheCallbackFromTheLoop) {
  int calls = 0, got = 0;
  Signal s(loop, SIGUSR1, [&](Signal &self) {
    ++calls;
    got = self.signo();
    EXPECT_TRUE(self.active());  // persistent
    loop.stop();
  });
  EXPECT_FALSE(s.active());
  ASSERT_FALSE(s.start());
  EXPECT_TRUE(s.active());
  EXPECT_EQ(s.signo(), SIGUSR1);
  ASSERT_EQ(std::raise(SIGUSR1), 0);
  EXPECT_EQ(calls, 0);  // not called from the handler
  EXPECT_EQ(loop.run(), RunResult::Ok);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, SIGUSR1);
}

TEST_P(SignalBackend, OneCallPerDelivery) {
  int calls = 0;
  Signal s(loop, SIGUSR1, [&](Signal &) { ++calls; });
  ASSERT_FALSE(s.start());
  std::raise(SIGUSR1);
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(calls, 2);
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(calls, 3);
}

TEST_P(SignalBackend, StopDropsDeliveriesAndRestoresTheDisposition) {
  int calls = 0;
  Signal s(loop, SIGUSR2, [&](Signal &) { ++calls; });
  ASSERT_FALSE(s.start());
  struct sigaction now;
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &now), 0);
  EXPECT_NE(now.sa_handler, SIG_IGN);  // eventide's handler
  std::raise(SIGUSR2);                 // counted but not yet run...
  ASSERT_FALSE(s.stop());              // ...and dropped
  ASSERT_FALSE(s.stop());
  EXPECT_FALSE(s.active());
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
  std::raise(SIGUSR2);  // ignored again
  EXPECT_EQ(loop.run_nonblocking(), RunResult::NoEvents);
  EXPECT_EQ(calls, 0);
  // Started again, it works again.
  ASSERT_FALSE(s.start());
  std::raise(SIGUSR2);
  loop.run_once();
  EXPECT_EQ(calls, 1);
}

TEST_P(SignalBackend, TwoLoopsReceiveTheSameSignal) {
  Loop other(on(GetParam()));
  int here = 0, there = 0;
  Signal a(loop, SIGUSR1, [&](Signal &) { ++here; });
  Signal b(other, SIGUSR1, [&](Signal &) { ++there; });
  ASSERT_FALSE(a.start());
  ASSERT_FALSE(b.start());
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(other.run_once(), RunResult::Ok);
  EXPECT_EQ(here, 1);
  EXPECT_EQ(there, 1);
  // One Loop stopping does not take the signal from the other.
  ASSERT_FALSE(a.stop());
  std::raise(SIGUSR1);
  EXPECT_EQ(other.run_once(), RunResult::Ok);
  EXPECT_EQ(there, 2);
  EXPECT_EQ(loop.run_nonblocking(), RunResult::NoEvents);
  EXPECT_EQ(here, 1);
}

TEST_P(SignalBackend, TwoWatchersOnOneLoop) {
  int first = 0, second = 0;
  Signal a(loop, SIGUSR1, [&](Signal &) { ++first; });
  Signal b(loop, SIGUSR1, [&](Signal &) { ++second; });
  ASSERT_FALSE(a.start());
  ASSERT_FALSE(b.start());
  std::raise(SIGUSR1);
  loop.run_once();
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
}

TEST_P(SignalBackend, CallbackMayDestroyItsSignalBetweenDeliveries) {
  int calls = 0;
  std::optional<Signal> s;
  s.emplace(loop, SIGUSR1, [&](Signal &) {
    ++calls;
    s.reset();  // the second delivery must not reach the dead watcher
  });
  ASSERT_FALSE(s->start());
  std::raise(SIGUSR1);
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(s.has_value());
}

TEST_P(SignalBackend, CallbackMayDestroyItsSignalThroughAUniquePtr) {
  int calls = 0;
  std::unique_ptr<Signal> holder;
  holder = std::make_unique<Signal>(loop, SIGUSR1, [&holder, &calls](Signal &) {
    holder.reset();
    ++calls;
  });
  ASSERT_FALSE(holder->start());
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
}

TEST_P(SignalBackend, CallbackMayStopItself) {
  int calls = 0;
  Signal s(loop, SIGUSR1, [&](Signal &self) {
    ++calls;
    EXPECT_FALSE(self.stop());
  });
  ASSERT_FALSE(s.start());
  std::raise(SIGUSR1);
  std::raise(SIGUSR1);
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);  // the stop dropped the second delivery
}

TEST_P(SignalBackend, MovedStartedSignalKeepsWatching) {
  std::vector<const Signal *> seen;
  Signal a(loop, SIGUSR1, [&](Signal &self) { seen.push_back(&self); });
  ASSERT_FALSE(a.start());
  Signal b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_TRUE(b.active());
  std::raise(SIGUSR1);
  loop.run_once();
  Signal c;
  c = std::move(b);
  std::raise(SIGUSR1);
  loop.run_once();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], &b);
  EXPECT_EQ(seen[1], &c);
}

TEST_P(SignalBackend, ResetStopsAndEmpties) {
  int calls = 0;
  Signal s(loop, SIGUSR1, [&](Signal &) { ++calls; });
  ASSERT_FALSE(s.start());
  s.reset();
  EXPECT_FALSE(s.valid());
  EXPECT_FALSE(s.active());
  std::raise(SIGUSR1);  // ignored again: the last watcher is gone
  EXPECT_EQ(loop.run_nonblocking(), RunResult::NoEvents);
  EXPECT_EQ(calls, 0);
}

TEST_P(SignalBackend, WorksOnABorrowedCBase) {
  event_base *base = event_base_new_with_config(nullptr);
  ASSERT_NE(base, nullptr);
  int calls = 0;
  {
    Loop view = Loop::borrow(base);
    Signal s(view, SIGUSR2, [&](Signal &) {
      ++calls;
      event_base_loopbreak(base);
    });
    ASSERT_FALSE(s.start());
    std::raise(SIGUSR2);
    EXPECT_EQ(event_base_dispatch(base), 0);
  }
  EXPECT_EQ(calls, 1);
  event_base_free(base);
}

TEST_F(SignalTest, BadSignalNumbersThrow) {
  Loop loop;
  for (int bad : {0, -1, NSIG, 1000}) {
    try {
      Signal s(loop, bad, [](Signal &) {});
      FAIL() << "no exception for " << bad;
    } catch (const std::system_error &e) {
      EXPECT_EQ(e.code(), std::errc::invalid_argument) << bad;
    }
  }
}

TEST_F(SignalTest, UncatchableSignalFailsToStart) {
  Loop loop;
  Signal s(loop, SIGKILL, [](Signal &) {});
  EXPECT_EQ(s.start(), std::errc::invalid_argument);
  EXPECT_FALSE(s.active());
}

TEST_F(SignalTest, EmptyHandleFailsCleanly) {
  Signal s;
  EXPECT_FALSE(s.valid());
  EXPECT_EQ(s.start(), std::errc::invalid_argument);
  EXPECT_EQ(s.stop(), std::errc::invalid_argument);
  EXPECT_FALSE(s.active());
  EXPECT_EQ(s.signo(), -1);
}

TEST_F(SignalTest, SignalAlongsideTimers) {
  Loop loop;
  std::vector<std::string> log;
  Signal s(loop, SIGUSR1, [&](Signal &) {
    log.push_back("signal");
    loop.stop();
  });
  eventide::Timer t(loop, [&](eventide::Timer &) {
    log.push_back("timer");
    std::raise(SIGUSR1);
  });
  ASSERT_FALSE(s.start());
  ASSERT_FALSE(t.start(2ms));
  EXPECT_EQ(loop.run(), RunResult::Ok);
  EXPECT_EQ(log, (std::vector<std::string>{"timer", "signal"}));
}

}  // namespace
