// LoopThreadPool and WorkQueue: posts land on the right thread, in order, all
// accounted for; shutdown with work queued; least-loaded and hash picks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "eventide/thread_pool.hpp"
#include "eventide/timer.hpp"
#include "eventide/work_queue.hpp"

using namespace std::chrono_literals;

namespace {

template <class Pred>
bool wait_for(Pred p, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!p()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(LoopThreadPool, EachLoopRunsOnItsOwnThread) {
  eventide::LoopThreadPool pool(3);
  ASSERT_EQ(pool.size(), 3u);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> done{0};
  for (size_t i = 0; i < pool.size(); ++i) {
    ASSERT_FALSE(pool.post(i, [&, i] {
      EXPECT_EQ(pool.current_loop(), &pool.loop(i));
      std::lock_guard<std::mutex> g(mu);
      ids.insert(std::this_thread::get_id());
      done++;
    }));
  }
  ASSERT_TRUE(wait_for([&] { return done == 3; }));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_EQ(pool.current_loop(), nullptr);
}

TEST(LoopThreadPool, PostsFromManyThreadsAllRunInOrderPerSender) {
  eventide::LoopThreadPool pool(2);
  constexpr int kThreads = 8, kPosts = 10000;
  std::atomic<int> ran{0};
  std::vector<int> last(kThreads, -1);  // touched only on loop 0's thread
  std::atomic<bool> out_of_order{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int k = 0; k < kPosts; ++k) {
        auto ec = pool.post(0, [&, t, k] {
          if (last[t] + 1 != k) out_of_order = true;
          last[t] = k;
          ran++;
        });
        if (ec) ADD_FAILURE() << ec.message();
      }
    });
  }
  for (auto &s : senders) s.join();
  ASSERT_TRUE(wait_for([&] { return ran == kThreads * kPosts; }, 20000ms)) << ran.load();
  EXPECT_FALSE(out_of_order.load());
}

TEST(LoopThreadPool, RoundRobinHashAndLeastLoaded) {
  eventide::LoopThreadPool pool(3);
  EXPECT_EQ(&pool.next_loop(), &pool.loop(0));
  EXPECT_EQ(&pool.next_loop(), &pool.loop(1));
  EXPECT_EQ(&pool.next_loop(), &pool.loop(2));
  EXPECT_EQ(&pool.next_loop(), &pool.loop(0));
  EXPECT_EQ(&pool.loop_for_hash(7), &pool.loop(1));
  EXPECT_EQ(&pool.loop_for_hash(7), &pool.loop_for_hash(7));
  pool.add_load(0, 5);
  pool.add_load(1, 2);
  pool.add_load(2, 3);
  EXPECT_EQ(&pool.least_loaded(), &pool.loop(1));
  pool.add_load(1, 4);
  EXPECT_EQ(&pool.least_loaded(), &pool.loop(2));
  EXPECT_EQ(pool.index_of(pool.loop(2)), 2u);
  EXPECT_TRUE(pool.post(3, [] {}));  // out of range
}

TEST(LoopThreadPool, TimersRunOnPoolLoops) {
  eventide::LoopThreadPool pool(2);
  std::promise<std::thread::id> fired;
  std::unique_ptr<eventide::Timer> timer;
  ASSERT_FALSE(pool.post(1, [&] {
    timer = std::make_unique<eventide::Timer>(
        pool.loop(1), [&](eventide::Timer &) { fired.set_value(std::this_thread::get_id()); });
    timer->start(5ms);
  }));
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  std::promise<void> gone;
  ASSERT_FALSE(pool.post(1, [&] {
    timer.reset();  // destroyed on its own loop's thread
    gone.set_value();
  }));
  gone.get_future().wait();
}

TEST(LoopThreadPool, StopWithWorkQueuedAndIdleLoops) {
  for (int round = 0; round < 20; ++round) {
    eventide::LoopThreadPool pool(2);
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) (void)pool.post(i % 2, [&] { ran++; });
    pool.stop();
    EXPECT_TRUE(pool.stopped());
    EXPECT_LE(ran.load(), 100);
  }
}

TEST(WorkQueue, JobsRunOffLoopAndCompleteOnTheAskingLoop) {
  eventide::LoopThreadPool pool(1);
  eventide::WorkQueue work(2);
  std::atomic<int> done{0};
  std::atomic<bool> wrong_thread{false};
  constexpr int kJobs = 200;
  std::thread::id loop_thread;
  std::promise<void> got_id;
  (void)pool.post(0, [&] {
    loop_thread = std::this_thread::get_id();
    got_id.set_value();
  });
  got_id.get_future().wait();
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_FALSE(work.submit(
        pool.loop(0),
        [&, i] {
          if (std::this_thread::get_id() == loop_thread) wrong_thread = true;
          return i * 2;
        },
        [&, i](int r) {
          if (std::this_thread::get_id() != loop_thread || r != i * 2) wrong_thread = true;
          done++;
        }));
  }
  ASSERT_TRUE(wait_for([&] { return done == kJobs; }));
  EXPECT_FALSE(wrong_thread.load());
}

TEST(WorkQueue, VoidJobsAndShutdownRunsQueuedJobs) {
  std::atomic<int> ran{0};
  {
    eventide::WorkQueue work(1);
    for (int i = 0; i < 50; ++i)
      ASSERT_FALSE(work.run([&] {
        std::this_thread::sleep_for(100us);
        ran++;
      }));
    work.shutdown();
    EXPECT_EQ(ran.load(), 50);
    EXPECT_TRUE(work.run([] {}));  // refused after shutdown
  }
  eventide::LoopThreadPool pool(1);
  eventide::WorkQueue work(1);
  std::atomic<bool> completed{false};
  ASSERT_FALSE(work.submit(
      pool.loop(0), [] {}, [&] { completed = true; }));
  ASSERT_TRUE(wait_for([&] { return completed.load(); }));
}

}  // namespace
