// eventide::Timer: duration conversion (rounded up), never firing early on any
// backend, repeating count and drift, stop/restart/mode switches, expiry,
// moves, and timers destroyed or restarted from inside their callback.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eventide/timer.hpp"

namespace {

using namespace std::chrono_literals;
using eventide::Loop;
using eventide::RunResult;
using eventide::Timer;
using Clock = std::chrono::steady_clock;

eventide::LoopOptions on(const std::string &backend) {
  eventide::LoopOptions o;
  o.backend = backend;
  o.ignore_env = true;
  return o;
}

class TimerBackend : public ::testing::TestWithParam<const char *> {
 protected:
  Loop loop{on(GetParam())};
  void SetUp() override { alarm(30); }  // a hang fails fast (SIGALRM)
  void TearDown() override { alarm(0); }
};

INSTANTIATE_TEST_SUITE_P(All, TimerBackend, ::testing::Values("epoll", "poll", "select"),
                         [](const auto &info) { return std::string(info.param); });

bool tv_is(const timeval &tv, long sec, long usec) {
  return tv.tv_sec == sec && tv.tv_usec == usec;
}

TEST(TimerDuration, ConvertsExactlyAndRoundsUp) {
  using eventide::detail::to_timeval;
  EXPECT_TRUE(tv_is(to_timeval(0ns), 0, 0));
  EXPECT_TRUE(tv_is(to_timeval(-5ms), 0, 0));
  EXPECT_TRUE(tv_is(to_timeval(1ns), 0, 1));
  EXPECT_TRUE(tv_is(to_timeval(1000ns), 0, 1));
  EXPECT_TRUE(tv_is(to_timeval(1001ns), 0, 2));
  EXPECT_TRUE(tv_is(to_timeval(999us), 0, 999));
  EXPECT_TRUE(tv_is(to_timeval(1500ms), 1, 500000));
  EXPECT_TRUE(tv_is(to_timeval(1h), 3600, 0));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::duration<double>(0.0000015)), 0, 2));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::duration<double, std::milli>(2.5)), 0, 2500));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::duration<double>(-1.0)), 0, 0));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::duration<double>(std::nan(""))), 0, 0));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::duration<int, std::ratio<1, 3>>(1)), 0, 333334));
  // Huge durations are clamped instead of overflowing.
  EXPECT_TRUE(
      tv_is(to_timeval(std::chrono::hours::max()), eventide::detail::kMaxTimeoutSeconds, 0));
  EXPECT_TRUE(
      tv_is(to_timeval(std::chrono::nanoseconds::max()), eventide::detail::kMaxTimeoutSeconds, 0));
  EXPECT_TRUE(tv_is(to_timeval(std::chrono::seconds(2147483646)), 2147483646L, 0));
}

TEST_P(TimerBackend, NeverFiresEarly) {
  struct Case {
    std::chrono::nanoseconds d;
    const char *name;
  };
  const Case cases[] = {{1ns, "1ns"}, {999us, "999us"},  {1ms, "1ms"},  {1500us, "1500us"},
                        {3ms, "3ms"}, {2500us, "2.5ms"}, {10ms, "10ms"}};
  for (const Case &c : cases) {
    Clock::time_point fired_at{};
    Timer t(loop, [&](Timer &) { fired_at = Clock::now(); });
    const auto t0 = Clock::now();
    ASSERT_FALSE(t.start(c.d));
    EXPECT_EQ(loop.run(), RunResult::NoEvents);
    EXPECT_GE(fired_at - t0, c.d) << c.name;
    EXPECT_LT(fired_at - t0, c.d + 500ms) << c.name;
  }
  // Other units than nanoseconds, including floating point.
  Clock::time_point fired_at{};
  Timer t(loop, [&](Timer &) { fired_at = Clock::now(); });
  const auto t0 = Clock::now();
  ASSERT_FALSE(t.start(std::chrono::duration<double, std::milli>(2.25)));
  loop.run();
  EXPECT_GE(fired_at - t0, 2250us);
}

TEST_P(TimerBackend, RepeatingTicksOnScheduleWithoutDrift) {
  constexpr int kTicks = 10;
  constexpr auto kPeriod = 5ms;
  std::vector<Clock::duration> at;
  Clock::time_point t0;
  Timer t(loop, [&](Timer &self) {
    at.push_back(Clock::now() - t0);
    EXPECT_TRUE(self.active());  // already rescheduled
    if (at.size() == kTicks) {
      EXPECT_FALSE(self.stop());
    }
  });
  t0 = Clock::now();
  ASSERT_FALSE(t.start_repeating(kPeriod));
  EXPECT_TRUE(t.repeating());
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  ASSERT_EQ(at.size(), static_cast<size_t>(kTicks));
  for (int k = 0; k < kTicks; ++k) EXPECT_GE(at[k], (k + 1) * kPeriod) << "tick " << k;
  // Deadlines follow each other: a slow callback does not push the rest back.
  EXPECT_LT(at.back(), kTicks * kPeriod + 1s);
  EXPECT_FALSE(t.active());
}

TEST_P(TimerBackend, OneShotIsInactiveInsideItsCallback) {
  bool was_active = true;
  Timer t(loop, [&](Timer &self) { was_active = self.active(); });
  ASSERT_FALSE(t.start(1ms));
  EXPECT_TRUE(t.active());
  EXPECT_FALSE(t.repeating());
  loop.run();
  EXPECT_FALSE(was_active);
  EXPECT_FALSE(t.active());
}

TEST_P(TimerBackend, StopCancels) {
  int fired = 0;
  Timer t(loop, [&](Timer &) { ++fired; });
  ASSERT_FALSE(t.start(1ms));
  ASSERT_FALSE(t.stop());
  ASSERT_FALSE(t.stop());
  EXPECT_FALSE(t.active());
  EXPECT_FALSE(t.expiry());
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 0);
}

TEST_P(TimerBackend, StopCancelsARunAlreadyDue) {
  std::vector<std::string> log;
  Timer second(loop, [&](Timer &) { log.push_back("second"); });
  Timer first(loop, [&](Timer &) {
    log.push_back("first");
    second.stop();
  });
  ASSERT_FALSE(first.start(1ms));
  ASSERT_FALSE(second.start(1ms));
  usleep(3000);  // both due in the same iteration
  loop.run();
  EXPECT_EQ(log, std::vector<std::string>{"first"});
}

TEST_P(TimerBackend, FiresInDeadlineOrder) {
  std::vector<int> order;
  std::vector<Timer> timers;
  const int delays[] = {7, 3, 5, 1, 9};
  for (int d : delays) timers.emplace_back(loop, [&order, d](Timer &) { order.push_back(d); });
  for (size_t i = 0; i < timers.size(); ++i)
    ASSERT_FALSE(timers[i].start(std::chrono::milliseconds(delays[i])));
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 3, 5, 7, 9}));
}

TEST_P(TimerBackend, RestartReschedules) {
  Clock::time_point fired_at{};
  int fired = 0;
  Timer t(loop, [&](Timer &) {
    ++fired;
    fired_at = Clock::now();
  });
  const auto t0 = Clock::now();
  ASSERT_FALSE(t.start(1h));
  ASSERT_FALSE(t.start(2ms));
  loop.run();
  EXPECT_EQ(fired, 1);
  EXPECT_GE(fired_at - t0, 2ms);
  EXPECT_LT(fired_at - t0, 1s);
}

TEST_P(TimerBackend, SwitchingModesKeepsPriorityAndRunsTheLastMode) {
  int fired = 0;
  Timer t(loop, [&](Timer &) { ++fired; });
  ASSERT_FALSE(t.start_repeating(1ms));
  EXPECT_TRUE(t.repeating());
  ASSERT_FALSE(t.start(2ms));  // now a one-shot
  EXPECT_FALSE(t.repeating());
  EXPECT_TRUE(t.active());
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 1);

  ASSERT_FALSE(t.start(1h));
  ASSERT_FALSE(t.start_repeating(1ms));  // and back
  EXPECT_TRUE(t.repeating());
  t.set_callback([&](Timer &self) {
    if (++fired == 4) self.stop();
  });
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 4);
}

TEST_P(TimerBackend, ExpiryIsStartPlusDurationRoundedUp) {
  Timer t(loop, [](Timer &) {});
  EXPECT_FALSE(t.expiry());
  const auto before = Clock::now();
  ASSERT_FALSE(t.start(1ns));  // rounds up to 1 us
  const auto after = Clock::now();
  ASSERT_TRUE(t.expiry());
  EXPECT_GE(*t.expiry(), before + 1us);
  EXPECT_LE(*t.expiry(), after + 1us);

  ASSERT_FALSE(t.start(250ms));
  EXPECT_GE(*t.expiry() - Clock::now(), 200ms);
  EXPECT_LE(*t.expiry() - Clock::now(), 250ms);
  // The loop's clock and expiry() share an epoch.
  EXPECT_GE(*t.expiry() - loop.now(), 200ms);
}

TEST_P(TimerBackend, ZeroDurationFiresOnTheNextIteration) {
  int fired = 0;
  Timer t(loop, [&](Timer &) { ++fired; });
  ASSERT_FALSE(t.start(0s));
  EXPECT_EQ(fired, 0);
  loop.run_nonblocking();
  EXPECT_EQ(fired, 1);
}

TEST_P(TimerBackend, CallbackMayRestartItsOneShot) {
  int fired = 0;
  Timer t(loop, [&](Timer &self) {
    if (++fired < 3) {
      EXPECT_FALSE(self.start(1ms));
    }
  });
  ASSERT_FALSE(t.start(1ms));
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 3);
}

TEST_P(TimerBackend, RepeatingTimerMayDestroyItselfInItsCallback) {
  int fired = 0;
  std::unique_ptr<Timer> holder;
  holder = std::make_unique<Timer>(loop, [&](Timer &) {
    holder.reset();
    ++fired;
  });
  ASSERT_FALSE(holder->start_repeating(1ms));
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(holder, nullptr);
}

TEST_P(TimerBackend, CallbackMayResetAnOptionalTimer) {
  int fired = 0;
  std::optional<Timer> t;
  t.emplace(loop, [&](Timer &) {
    ++fired;
    t.reset();
  });
  ASSERT_FALSE(t->start_repeating(1ms));
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 1);
}

TEST_P(TimerBackend, MovedRepeatingTimerKeepsExpiryAndPeriod) {
  std::vector<const Timer *> seen;
  Timer a(loop, [&](Timer &self) {
    seen.push_back(&self);
    if (seen.size() == 3) self.stop();
  });
  ASSERT_FALSE(a.start_repeating(20ms));
  const auto expiry = *a.expiry();
  Timer b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(a.active());
  ASSERT_TRUE(b.active());
  EXPECT_TRUE(b.repeating());
  EXPECT_EQ(*b.expiry(), expiry);
  loop.run();
  ASSERT_EQ(seen.size(), 3u);
  for (const Timer *p : seen) EXPECT_EQ(p, &b);
  EXPECT_GE(Clock::now(), expiry + 40ms);  // three ticks 20 ms apart
}

TEST_P(TimerBackend, CallbackMayMoveItsTimer) {
  std::optional<Timer> first;
  Timer second;
  std::vector<const Timer *> seen;
  first.emplace(loop, [&](Timer &self) {
    seen.push_back(&self);
    if (seen.size() == 1) {
      second = std::move(*first);
      first.reset();
    } else {
      self.stop();
    }
  });
  ASSERT_FALSE(first->start_repeating(1ms));
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], &second);
}

TEST_P(TimerBackend, ResetCancelsAndEmpties) {
  int fired = 0;
  Timer t(loop, [&](Timer &) { ++fired; });
  ASSERT_FALSE(t.start_repeating(1ms));
  t.reset();
  EXPECT_FALSE(t.valid());
  EXPECT_FALSE(t.active());
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 0);
  t = Timer(loop, [&](Timer &) { ++fired; });  // an empty handle can be re-filled
  ASSERT_FALSE(t.start(1ms));
  loop.run();
  EXPECT_EQ(fired, 1);
}

TEST(Timer, EmptyHandleFailsCleanly) {
  Timer t;
  EXPECT_FALSE(t.valid());
  EXPECT_EQ(t.start(1ms), std::errc::invalid_argument);
  EXPECT_EQ(t.start_repeating(1ms), std::errc::invalid_argument);
  EXPECT_EQ(t.stop(), std::errc::invalid_argument);
  EXPECT_FALSE(t.active());
  EXPECT_FALSE(t.repeating());
  EXPECT_FALSE(t.expiry());
  EXPECT_EQ(t.native(), nullptr);
}

TEST(Timer, PriorityOrdersTimersDueTogether) {
  alarm(10);  // fail fast if the loop spins
  eventide::LoopOptions o;
  o.priorities = 3;
  Loop loop(o);
  std::vector<int> order;
  Timer low(loop, [&](Timer &) { order.push_back(2); });
  Timer high(loop, [&](Timer &) { order.push_back(0); });
  ASSERT_FALSE(low.set_priority(2));
  ASSERT_FALSE(high.set_priority(0));
  ASSERT_FALSE(low.start(1ms));
  ASSERT_FALSE(high.start(1ms));
  usleep(3000);
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{0, 2}));
  // Switching to repeating re-assigns the event but keeps its priority.
  ASSERT_FALSE(low.start_repeating(1h));
  EXPECT_EQ(low.priority(), 2);
  alarm(0);
}

}  // namespace
