// eventide::Event: fd watching on every backend, timeouts, activation,
// priorities, empty handles, moves (pending, active, in vectors) and handles
// destroyed, reset or moved from inside their own callback.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eventide/event.hpp"
#include "eventide/loop.hpp"

namespace {

using namespace std::chrono_literals;
using eventide::Event;
using eventide::Events;
using eventide::Loop;
using eventide::RunResult;
using Clock = std::chrono::steady_clock;

// A connected AF_UNIX pair closed at scope exit.
struct Pair {
  int fd[2] = {-1, -1};
  Pair() {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) != 0) ADD_FAILURE() << "socketpair";
  }
  ~Pair() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void send(int side = 1) { ASSERT_EQ(write(fd[side], "x", 1), 1); }
  void drain(int side = 0) {
    char buf[64];
    ASSERT_GT(read(fd[side], buf, sizeof buf), 0);
  }
};

eventide::LoopOptions on(const std::string &backend) {
  eventide::LoopOptions o;
  o.backend = backend;
  o.ignore_env = true;
  return o;
}

class EventBackend : public ::testing::TestWithParam<const char *> {
 protected:
  Loop loop{on(GetParam())};
  Pair pair;
  // A hang kills the test (SIGALRM) instead of waiting for ctest's timeout; a
  // stop_after guard would keep run() from returning NoEvents.
  void SetUp() override { alarm(20); }
  void TearDown() override { alarm(0); }
};

INSTANTIATE_TEST_SUITE_P(All, EventBackend, ::testing::Values("epoll", "poll", "select"),
                         [](const auto &info) { return std::string(info.param); });

TEST(Events, FlagOperations) {
  Events rw = eventide::Read | eventide::Write;
  EXPECT_EQ(rw.bits(), EV_READ | EV_WRITE);
  EXPECT_TRUE(rw.has(eventide::Read));
  EXPECT_TRUE(rw.has(rw));
  EXPECT_FALSE(rw.has(eventide::Read | eventide::Closed));
  EXPECT_FALSE(rw.has(Events()));
  EXPECT_EQ(rw & eventide::Write, eventide::Write);
  EXPECT_EQ((rw & ~eventide::Write), eventide::Read);
  EXPECT_FALSE(Events());
  EXPECT_TRUE(eventide::Timeout);
  Events e;
  e |= eventide::Persist;
  e |= eventide::EdgeTriggered;
  EXPECT_EQ(e.bits(), EV_PERSIST | EV_ET);
  e &= eventide::Persist;
  EXPECT_EQ(e, eventide::Persist);
  EXPECT_EQ(eventide::Closed.bits(), EV_CLOSED);
  EXPECT_EQ(eventide::Timeout.bits(), EV_TIMEOUT);
}

TEST_P(EventBackend, ReadFiresOnceWithoutPersist) {
  int calls = 0;
  Events got;
  Event ev(loop, pair.fd[0], eventide::Read, [&](Event &self, Events fired) {
    ++calls;
    got = fired;
    EXPECT_EQ(self.fd(), pair.fd[0]);
    EXPECT_FALSE(self.pending());
  });
  ASSERT_FALSE(ev.add());
  EXPECT_TRUE(ev.pending().has(eventide::Read));
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, eventide::Read);
  EXPECT_FALSE(ev.pending());
}

TEST_P(EventBackend, PersistKeepsWatchingUntilRemoved) {
  int calls = 0;
  Event ev(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &self, Events fired) {
    EXPECT_EQ(fired, eventide::Read);
    pair.drain();
    if (++calls < 3)
      pair.send();
    else
      EXPECT_FALSE(self.remove());
  });
  ASSERT_FALSE(ev.add());
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 3);
}

TEST_P(EventBackend, WriteFires) {
  Events got;
  Event ev(loop, pair.fd[0], eventide::Write, [&](Event &, Events fired) { got = fired; });
  ASSERT_FALSE(ev.add());
  loop.run();
  EXPECT_EQ(got, eventide::Write);
}

TEST_P(EventBackend, ReadAndWriteWatchersShareAnFd) {
  int reads = 0, writes = 0;
  Event r(loop, pair.fd[0], eventide::Read, [&](Event &, Events) { ++reads; });
  Event w(loop, pair.fd[0], eventide::Write, [&](Event &, Events) { ++writes; });
  ASSERT_FALSE(r.add());
  ASSERT_FALSE(w.add());
  pair.send();
  loop.run();
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(writes, 1);
}

TEST_P(EventBackend, TimeoutFiresWhenNothingHappens) {
  Events got;
  Clock::time_point fired_at;
  Event ev(loop, pair.fd[0], eventide::Read, [&](Event &, Events fired) {
    got = fired;
    fired_at = Clock::now();
  });
  const auto t0 = Clock::now();
  ASSERT_FALSE(ev.add(20ms));
  EXPECT_TRUE(ev.pending().has(eventide::Read | eventide::Timeout));
  loop.run();
  EXPECT_EQ(got, eventide::Timeout);
  EXPECT_GE(fired_at - t0, 20ms);
}

TEST_P(EventBackend, ReadBeforeTimeoutCancelsIt) {
  Events got;
  int calls = 0;
  Event ev(loop, pair.fd[0], eventide::Read, [&](Event &, Events fired) {
    got = fired;
    ++calls;
  });
  ASSERT_FALSE(ev.add(1s));
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);  // the timeout went with the event
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, eventide::Read);
}

TEST_P(EventBackend, RemoveStopsWatching) {
  int calls = 0;
  Event ev(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &, Events) { ++calls; });
  ASSERT_FALSE(ev.add());
  ASSERT_FALSE(ev.remove());
  ASSERT_FALSE(ev.remove());  // idempotent
  pair.send();
  EXPECT_EQ(loop.run_nonblocking(), RunResult::NoEvents);
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(ev.pending());
}

TEST_P(EventBackend, ActivateRunsTheCallbackWithoutAdd) {
  Events got;
  Event ev(loop, pair.fd[0], eventide::Read, [&](Event &, Events fired) { got = fired; });
  ev.activate(eventide::Read | eventide::Write);
  EXPECT_TRUE(ev.pending(eventide::Read).has(eventide::Read));  // active counts as pending
  loop.run();
  EXPECT_EQ(got, eventide::Read | eventide::Write);
}

TEST(Event, Accessors) {
  Loop loop;
  Pair pair;
  Event ev(loop, pair.fd[1], eventide::Write | eventide::Persist, [](Event &, Events) {});
  ASSERT_TRUE(ev.valid());
  EXPECT_TRUE(static_cast<bool>(ev));
  EXPECT_EQ(ev.fd(), pair.fd[1]);
  EXPECT_EQ(ev.events(), eventide::Write | eventide::Persist);
  EXPECT_EQ(ev.native_base(), loop.native());
  // The struct event is embedded in the handle: no second allocation.
  auto *p = reinterpret_cast<const char *>(ev.native());
  auto *self = reinterpret_cast<const char *>(&ev);
  EXPECT_GE(p, self);
  EXPECT_LT(p, self + sizeof ev);
  EXPECT_EQ(event_get_fd(ev.native()), pair.fd[1]);
  EXPECT_EQ(ev.priority(), 0);
}

TEST(Event, PriorityOrdersCallbacks) {
  alarm(10);  // fail fast if the loop spins
  eventide::LoopOptions o;
  o.priorities = 2;
  Loop loop(o);
  std::vector<std::string> order;
  Event low(loop, -1, Events(), [&](Event &, Events) { order.push_back("low"); });
  Event high(loop, -1, Events(), [&](Event &, Events) { order.push_back("high"); });
  EXPECT_EQ(low.priority(), 1);  // the middle of 2
  ASSERT_FALSE(high.set_priority(0));
  EXPECT_EQ(high.set_priority(7), std::errc::invalid_argument);
  low.activate(eventide::Timeout);
  high.activate(eventide::Timeout);
  EXPECT_EQ(high.set_priority(1), std::errc::invalid_argument);  // not while active
  loop.run();
  EXPECT_EQ(order, (std::vector<std::string>{"high", "low"}));
  alarm(0);
}

TEST(Event, EmptyHandleFailsCleanly) {
  Event ev;
  EXPECT_FALSE(ev.valid());
  EXPECT_EQ(ev.native(), nullptr);
  EXPECT_EQ(ev.native_base(), nullptr);
  EXPECT_EQ(ev.fd(), -1);
  EXPECT_EQ(ev.priority(), -1);
  EXPECT_FALSE(ev.pending());
  EXPECT_EQ(ev.events(), Events());
  EXPECT_EQ(ev.add(), std::errc::invalid_argument);
  EXPECT_EQ(ev.add(1s), std::errc::invalid_argument);
  EXPECT_EQ(ev.remove(), std::errc::invalid_argument);
  EXPECT_EQ(ev.set_priority(0), std::errc::invalid_argument);
  ev.activate(eventide::Read);
  ev.reset();
  Event other(std::move(ev));
  EXPECT_FALSE(other.valid());
}

TEST(Event, BadInputIsRefused) {
  Loop loop;
  Event bad_fd(loop, -5, eventide::Read, [](Event &, Events) {});
  EXPECT_EQ(bad_fd.add(), std::errc::bad_file_descriptor);
  EXPECT_THROW(Event(loop, 0, Events(EV_SIGNAL | EV_READ), [](Event &, Events) {}),
               std::system_error);
  Loop empty(std::move(loop));
  EXPECT_THROW(Event(loop, 0, eventide::Read, [](Event &, Events) {}), std::system_error);
}

TEST_P(EventBackend, MovedPendingEventKeepsWatchingAndFollows) {
  Event *seen = nullptr;
  int calls = 0;
  Event a(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &self, Events) {
    seen = &self;
    ++calls;
    pair.drain();
  });
  ASSERT_FALSE(a.add());
  Event b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(a.pending());
  EXPECT_TRUE(b.pending().has(eventide::Read));
  pair.send();
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, &b);

  Event c;
  c = std::move(b);
  pair.send();
  EXPECT_EQ(loop.run_once(), RunResult::Ok);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(seen, &c);
  EXPECT_FALSE(b.valid());
}

TEST_P(EventBackend, MoveKeepsTheDeadlineAndPersistPeriod) {
  int calls = 0;
  Clock::time_point third;
  Event a(loop, -1, eventide::Persist, [&](Event &self, Events fired) {
    EXPECT_EQ(fired, eventide::Timeout);
    if (++calls == 3) {
      third = Clock::now();
      self.remove();
    }
  });
  ASSERT_FALSE(a.add(30ms));
  const int64_t deadline = eventide::detail::event_deadline_ns(a.native());
  ASSERT_GT(deadline, 0);
  std::this_thread::sleep_for(5ms);
  Event b(std::move(a));
  EXPECT_EQ(eventide::detail::event_deadline_ns(b.native()), deadline);
  loop.run();
  EXPECT_EQ(calls, 3);
  // Two full 30 ms periods after the first deadline, not periods of the
  // 25 ms that were left when the event moved.
  const Clock::time_point first{std::chrono::nanoseconds(deadline)};
  EXPECT_GE(third - first, 60ms);
}

TEST_P(EventBackend, MovedActiveEventStillRunsOnce) {
  int calls = 0;
  Event *seen = nullptr;
  Event a(loop, pair.fd[0], eventide::Read, [&](Event &self, Events fired) {
    ++calls;
    seen = &self;
    EXPECT_EQ(fired, eventide::Write);
  });
  a.activate(eventide::Write);
  Event b = std::move(a);
  loop.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, &b);
}

TEST_P(EventBackend, MoveAssignDeletesTheOverwrittenEvent) {
  Pair other;
  int old_calls = 0, new_calls = 0;
  Event a(loop, pair.fd[0], eventide::Read, [&](Event &, Events) { ++old_calls; });
  Event b(loop, other.fd[0], eventide::Read, [&](Event &, Events) { ++new_calls; });
  ASSERT_FALSE(a.add());
  ASSERT_FALSE(b.add());
  a = std::move(b);
  pair.send();
  other.send();
  loop.run();
  EXPECT_EQ(old_calls, 0);
  EXPECT_EQ(new_calls, 1);
}

TEST_P(EventBackend, EventsInAGrowingVectorFollowTheirMoves) {
  std::vector<Pair> pairs(20);
  std::vector<Event> events;
  std::vector<const Event *> seen(pairs.size(), nullptr);
  for (size_t i = 0; i < pairs.size(); ++i) {
    events.emplace_back(loop, pairs[i].fd[0], eventide::Read,
                        [&seen, i](Event &self, Events) { seen[i] = &self; });
    ASSERT_FALSE(events.back().add());
  }
  for (Pair &p : pairs) p.send();
  loop.run();
  for (size_t i = 0; i < pairs.size(); ++i) EXPECT_EQ(seen[i], &events[i]) << i;
}

TEST_P(EventBackend, CallbackMayDestroyItsEventThroughAUniquePtr) {
  int calls = 0;
  std::string tag = "captured";
  std::unique_ptr<Event> holder;
  holder = std::make_unique<Event>(
      loop, pair.fd[0], eventide::Read | eventide::Persist,
      [&holder, &calls, tag](Event &, Events) {
        holder.reset();  // destroys the Event running this callback
        ++calls;         // captures are still alive: the callback moved onto the stack
        EXPECT_EQ(tag, "captured");
      });
  ASSERT_FALSE(holder->add());
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(holder, nullptr);
}

TEST_P(EventBackend, CallbackMayResetAnOptionalHoldingIt) {
  int calls = 0;
  std::optional<Event> ev;
  ev.emplace(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &, Events) {
    ++calls;
    ev.reset();
  });
  ASSERT_FALSE(ev->add());
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(ev.has_value());
}

TEST_P(EventBackend, CallbackMayResetItsOwnHandle) {
  int calls = 0;
  Event ev(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &self, Events) {
    ++calls;
    self.reset();
    EXPECT_FALSE(self.valid());
  });
  ASSERT_FALSE(ev.add());
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(ev.valid());
}

TEST_P(EventBackend, CallbackMayMoveItsOwnHandle) {
  std::optional<Event> first;
  Event second;
  std::vector<const Event *> seen;
  first.emplace(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &self, Events) {
    seen.push_back(&self);
    pair.drain();
    if (seen.size() == 1) {
      second = std::move(*first);  // the running handle moves away...
      first.reset();               // ...and its old home dies
      pair.send();
    } else {
      self.remove();
    }
  });
  ASSERT_FALSE(first->add());
  pair.send();
  EXPECT_EQ(loop.run(), RunResult::NoEvents);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], &second);  // the callback came along and sees its new handle
  EXPECT_TRUE(second.valid());
}

TEST_P(EventBackend, SetCallbackInsideTheCallbackAppliesNextTime) {
  std::vector<std::string> log;
  Event ev(loop, pair.fd[0], eventide::Read | eventide::Persist, [&](Event &self, Events) {
    log.push_back("first");
    pair.drain();
    self.set_callback([&](Event &s, Events) {
      log.push_back("second");
      pair.drain();
      s.remove();
    });
    pair.send();
  });
  ASSERT_FALSE(ev.add());
  pair.send();
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"first", "second"}));
}

TEST(Event, HandleMayOutliveItsLoop) {
  Pair pair;
  auto loop = std::make_unique<Loop>();
  Event ev(*loop, pair.fd[0], eventide::Read, [](Event &, Events) {});
  ASSERT_FALSE(ev.add());
  loop.reset();  // the base deletes the event; the handle only forgets it
  EXPECT_TRUE(ev.valid());
}

TEST(Event, ClosedFiresWhenThePeerCloses) {
  Loop loop(on("epoll"));
  ASSERT_TRUE(eventide::has(loop.features(), eventide::Feature::EarlyClose));
  Pair pair;
  Events got;
  Event ev(loop, pair.fd[0], eventide::Closed, [&](Event &, Events fired) { got = fired; });
  ASSERT_FALSE(ev.add());
  close(pair.fd[1]);
  pair.fd[1] = -1;
  ASSERT_FALSE(loop.stop_after(2s));
  loop.run();
  EXPECT_TRUE(got.has(eventide::Closed));
}

TEST(Event, EdgeTriggeredFiresOncePerEdge) {
  Loop loop(on("epoll"));
  Pair pair;
  int calls = 0;
  Event ev(loop, pair.fd[0], eventide::Read | eventide::Persist | eventide::EdgeTriggered,
           [&](Event &, Events) { ++calls; });  // does not drain
  ASSERT_FALSE(ev.add());
  pair.send();
  loop.run_nonblocking();
  loop.run_nonblocking();
  EXPECT_EQ(calls, 1);
  pair.send();
  loop.run_nonblocking();
  EXPECT_EQ(calls, 2);
}

}  // namespace
