// eventide::Loop: construction from options on every backend, run results,
// stop/stop_after, the cached clock, post ordering and lifetime, moves, and
// borrowing a base made by C code.
#include <event2/event.h>
#include <event2/thread.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eventide/loop.hpp"
#include "eventide/timer.hpp"

namespace {

using namespace std::chrono_literals;
using eventide::Loop;
using eventide::LoopOptions;
using eventide::RunResult;
using Clock = std::chrono::steady_clock;

LoopOptions on(const std::string &backend) {
  LoopOptions o;
  o.backend = backend;
  o.ignore_env = true;
  return o;
}

class LoopBackend : public ::testing::TestWithParam<const char *> {
 protected:
  Loop make() { return Loop(on(GetParam())); }
};

INSTANTIATE_TEST_SUITE_P(All, LoopBackend, ::testing::Values("epoll", "poll", "select"),
                         [](const auto &info) { return std::string(info.param); });

TEST(Loop, DefaultConstructionOwnsABase) {
  Loop loop;
  ASSERT_NE(loop.native(), nullptr);
  EXPECT_TRUE(loop.owns_base());
  EXPECT_FALSE(loop.backend_name().empty());
  EXPECT_EQ(loop.priorities(), 1);
}

TEST_P(LoopBackend, NamedBackendIsUsed) {
  Loop loop = make();
  EXPECT_EQ(loop.backend_name(), GetParam());
  EXPECT_EQ(std::string(event_base_get_method(loop.native())), GetParam());
}

TEST(Loop, UnknownBackendThrowsEinval) {
  try {
    Loop loop(on("kqueue-on-linux"));
    FAIL() << "no exception";
  } catch (const std::system_error &e) {
    EXPECT_EQ(e.code(), std::errc::invalid_argument);
  }
}

TEST(Loop, AvoidingEveryBackendThrows) {
  LoopOptions o;
  o.avoid = {"epoll", "poll", "select"};
  o.ignore_env = true;
  try {
    Loop loop(o);
    FAIL() << "no exception";
  } catch (const std::system_error &e) {
    EXPECT_EQ(e.code(), std::errc::not_supported);
  }
}

TEST(Loop, AvoidListSkipsBackends) {
  LoopOptions o;
  o.avoid = {"epoll"};
  o.ignore_env = true;
  Loop loop(o);
  EXPECT_EQ(loop.backend_name(), "poll");
}

TEST(Loop, RequiredFeaturesChooseTheBackend) {
  LoopOptions o;
  o.require_features = eventide::Feature::EarlyClose | eventide::Feature::EdgeTriggered;
  o.ignore_env = true;
  Loop loop(o);
  EXPECT_EQ(loop.backend_name(), "epoll");
  EXPECT_TRUE(eventide::has(loop.features(), eventide::Feature::EarlyClose));

  LoopOptions sel = on("select");
  sel.require_features = eventide::Feature::EarlyClose;
  EXPECT_THROW(Loop{sel}, std::system_error);
}

TEST(Loop, PreciseTimerAndPriorities) {
  LoopOptions o = on("poll");
  o.precise_timer = true;
  o.priorities = 3;
  Loop loop(o);
  EXPECT_EQ(loop.priorities(), 3);
  o.priorities = 0;
  EXPECT_THROW(Loop{o}, std::system_error);
  o.priorities = 256;
  EXPECT_THROW(Loop{o}, std::system_error);
}

TEST(Loop, EnvironmentIsHonouredUnlessIgnored) {
  ::setenv("EVENT_NOEPOLL", "1", 1);
  {
    Loop loop;
    EXPECT_EQ(loop.backend_name(), "poll");
    LoopOptions o = on("epoll");
    Loop ignoring(o);
    EXPECT_EQ(ignoring.backend_name(), "epoll");
    o.ignore_env = false;
    EXPECT_THROW(Loop{o}, std::system_error);
  }
  ::unsetenv("EVENT_NOEPOLL");
}

TEST_P(LoopBackend, RunResults) {
  Loop loop = make();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(loop.run_once(), RunResult::NoEvents);
  EXPECT_EQ(loop.run_nonblocking(), RunResult::NoEvents);
  EXPECT_FALSE(loop.stopped());

  int fired = 0;
  eventide::Timer t(loop, [&](eventide::Timer &) { ++fired; });
  ASSERT_FALSE(t.start(100ms));
  EXPECT_EQ(loop.run_nonblocking(), RunResult::Ok);  // nothing ready yet
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(loop.run_once(), RunResult::Ok);  // waits for the timer
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
}

TEST_P(LoopBackend, StopFromACallbackEndsRun) {
  Loop loop = make();
  int ticks = 0;
  eventide::Timer t(loop, [&](eventide::Timer &) {
    if (++ticks == 3) loop.stop();
  });
  ASSERT_FALSE(t.start_repeating(1ms));
  ASSERT_FALSE(loop.stop_after(2s));  // guard
  EXPECT_EQ(loop.run(), RunResult::Ok);
  EXPECT_EQ(ticks, 3);
  EXPECT_TRUE(loop.stopped());
  EXPECT_TRUE(event_base_got_break(loop.native()));
}

TEST(Loop, StopBeforeRunHasNoEffect) {
  Loop loop;
  loop.stop();
  int fired = 0;
  eventide::Timer t(loop, [&](eventide::Timer &) { ++fired; });
  ASSERT_FALSE(t.start(1ms));
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(fired, 1);
}

TEST_P(LoopBackend, StopAfterEndsRunOnTime) {
  Loop loop = make();
  int ticks = 0;
  eventide::Timer t(loop, [&](eventide::Timer &) { ++ticks; });
  ASSERT_FALSE(t.start_repeating(2ms));
  const auto t0 = Clock::now();
  ASSERT_FALSE(loop.stop_after(50ms));
  EXPECT_EQ(loop.run(), RunResult::Ok);
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 1s);
  EXPECT_GE(ticks, 1);
  EXPECT_TRUE(loop.stopped());
  EXPECT_TRUE(event_base_got_exit(loop.native()));
}

TEST(Loop, StopAfterZeroEndsAfterTheReadyCallbacks) {
  Loop loop;
  int ticks = 0;
  eventide::Timer t(loop, [&](eventide::Timer &) { ++ticks; });
  ASSERT_FALSE(t.start_repeating(1h));
  ASSERT_FALSE(loop.stop_after(0s));
  EXPECT_EQ(loop.run(), RunResult::Ok);
  EXPECT_EQ(ticks, 0);
}

TEST(Loop, NowIsCachedInsideCallbacksAndSteady) {
  Loop loop;
  const auto before = Clock::now();
  const auto fresh = loop.now();  // not running: a fresh read
  EXPECT_GE(fresh, before);
  EXPECT_LE(fresh, Clock::now());

  Clock::time_point a, b, c;
  eventide::Timer t(loop, [&](eventide::Timer &) {
    a = loop.now();
    std::this_thread::sleep_for(2ms);
    b = loop.now();
    loop.update_time();
    c = loop.now();
  });
  ASSERT_FALSE(t.start(1ms));
  loop.run();
  EXPECT_EQ(a, b);  // cached for the whole dispatch
  EXPECT_GE(c - a, 2ms);
  EXPECT_GE(a, before + 1ms);
}

TEST_P(LoopBackend, PostRunsInOrder) {
  Loop loop = make();
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(loop.post([&order, i] { order.push_back(i); }));
  EXPECT_TRUE(order.empty());  // never inline
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(Loop, PostFromATaskRunsOnTheNextIteration) {
  Loop loop;
  std::vector<std::string> log;
  ASSERT_FALSE(loop.post([&] {
    log.push_back("a");
    loop.post([&] { log.push_back("c"); });
  }));
  ASSERT_FALSE(loop.post([&] { log.push_back("b"); }));
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Loop, SelfRepostingTaskDoesNotStarveTimers) {
  Loop loop;
  int spins = 0;
  std::function<void()> spin = [&] {
    ++spins;
    loop.post(spin);
  };
  bool fired = false;
  eventide::Timer t(loop, [&](eventide::Timer &) {
    fired = true;
    loop.stop();
  });
  ASSERT_FALSE(t.start(5ms));
  ASSERT_FALSE(loop.post(spin));
  ASSERT_FALSE(loop.stop_after(2s));  // guard
  loop.run();
  EXPECT_TRUE(fired);
  EXPECT_GT(spins, 1);
}

TEST(Loop, PostAcceptsMoveOnlyCallables) {
  Loop loop;
  auto p = std::make_unique<int>(42);
  int got = 0;
  ASSERT_FALSE(loop.post([p = std::move(p), &got] { got = *p; }));
  loop.run();
  EXPECT_EQ(got, 42);
}

TEST(Loop, PendingPostsAreDestroyedUnrunWithTheLoop) {
  auto token = std::make_shared<int>(0);
  bool ran = false;
  {
    Loop loop;
    ASSERT_FALSE(loop.post([token, &ran] { ran = true; }));
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1);
}

TEST(Loop, MoveTransfersTheBaseAndPosts) {
  Loop a;
  event_base *base = a.native();
  int ran = 0;
  ASSERT_FALSE(a.post([&] { ++ran; }));
  Loop b(std::move(a));
  EXPECT_EQ(a.native(), nullptr);
  EXPECT_FALSE(a.owns_base());
  EXPECT_EQ(b.native(), base);
  EXPECT_TRUE(b.owns_base());

  Loop c(on("select"));
  c = std::move(b);  // c's old base is freed
  EXPECT_EQ(c.native(), base);
  EXPECT_EQ(c.run(), RunResult::NoEvents);
  EXPECT_EQ(ran, 1);

  // A moved-from Loop refuses everything without crashing.
  EXPECT_EQ(a.run(), RunResult::Error);
  EXPECT_EQ(a.backend_name(), "");
  EXPECT_EQ(a.post([] {}), std::errc::invalid_argument);
  EXPECT_EQ(a.stop_after(1ms), std::errc::invalid_argument);
  a.stop();
  EXPECT_FALSE(a.stopped());
  EXPECT_THROW(eventide::Timer(a, [](eventide::Timer &) {}), std::system_error);
  a = std::move(c);  // a moved-from Loop can be assigned to
  EXPECT_EQ(a.native(), base);
}

TEST(Loop, BorrowWorksOnACBase) {
  event_base *base = event_base_new();
  ASSERT_NE(base, nullptr);
  int fired = 0, posted = 0;
  {
    Loop view = Loop::borrow(base);
    EXPECT_FALSE(view.owns_base());
    EXPECT_EQ(view.native(), base);
    EXPECT_EQ(view.backend_name(), event_base_get_method(base));
    eventide::Timer t(view, [&](eventide::Timer &) { ++fired; });
    ASSERT_FALSE(t.start(1ms));
    ASSERT_FALSE(view.post([&] { ++posted; }));
    // The C side runs the base; the C++ watchers fire.
    EXPECT_EQ(event_base_dispatch(base), 1);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(posted, 1);
    Loop moved = std::move(view);
    EXPECT_EQ(moved.run(), RunResult::NoEvents);
  }
  // The views are gone and the base is still usable and freed by C.
  EXPECT_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  event_base_free(base);
}

TEST(Loop, BorrowNullThrows) {
  try {
    (void)Loop::borrow(nullptr);
    FAIL() << "no exception";
  } catch (const std::system_error &e) {
    EXPECT_EQ(e.code(), std::errc::invalid_argument);
  }
}

TEST(Loop, RunInsideACallbackIsRefused) {
  Loop loop;
  RunResult inner = RunResult::Ok;
  ASSERT_FALSE(loop.post([&] { inner = loop.run(); }));
  loop.run();
  EXPECT_EQ(inner, RunResult::Error);
}

// Cross-thread post once threading is on (the thread pool builds on this).
TEST(Loop, PostFromAnotherThreadWithThreadingEnabled) {
  ASSERT_EQ(evthread_use_pthreads(), 0);
  Loop loop;
  std::atomic<int> ran{0};
  std::vector<int> order;
  eventide::Timer keepalive(loop, [](eventide::Timer &) {});
  ASSERT_FALSE(keepalive.start(10s));
  ASSERT_FALSE(loop.stop_after(5s));  // guard
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i)
      loop.post([&, i] {
        order.push_back(i);
        ++ran;
      });
    loop.post([&] { loop.stop(); });
  });
  EXPECT_EQ(loop.run(), RunResult::Ok);
  producer.join();
  EXPECT_EQ(ran.load(), 1000);
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(order[i], i);
}

}  // namespace
