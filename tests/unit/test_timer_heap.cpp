// TimerHeap against a reference model: random pushes, erases and re-keys
// (update) keep the minimum, every event's index and the pop order right.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "core/timer_heap.hpp"

namespace {

using eventide::detail::TimerHeap;

TEST(TimerHeap, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(12345);
  std::vector<struct event> evs(2000);
  std::map<struct event *, int64_t> model;  // event -> deadline, for those in the heap
  TimerHeap heap;
  auto check_top = [&] {
    if (model.empty()) {
      EXPECT_TRUE(heap.empty());
      return;
    }
    int64_t least = INT64_MAX;
    for (auto &kv : model) least = std::min(least, kv.second);
    ASSERT_EQ(heap.top_deadline(), least);
    EXPECT_EQ(model.at(heap.top()), least);
  };
  for (int step = 0; step < 50000; ++step) {
    struct event *ev = &evs[rng() % evs.size()];
    const int64_t deadline = static_cast<int64_t>(rng() % 1000000);
    const bool in = model.count(ev) != 0;
    switch (rng() % 4) {
      case 0:
      case 1:
        if (in) {
          heap.update(ev, deadline);
        } else {
          ASSERT_TRUE(heap.reserve_one());
          heap.push(ev, deadline);
        }
        model[ev] = deadline;
        break;
      case 2:
        if (in) {
          heap.erase(ev);
          EXPECT_EQ(ev->ev_timeout_pos.min_heap_idx, -1);
          model.erase(ev);
        }
        break;
      default:
        if (!heap.empty()) {
          struct event *top = heap.top();
          int64_t d = heap.top_deadline();
          EXPECT_EQ(heap.pop(), top);
          EXPECT_EQ(model.at(top), d);
          model.erase(top);
        }
        break;
    }
    ASSERT_EQ(heap.size(), model.size());
    for (size_t i = 0; i < heap.size(); ++i)
      ASSERT_EQ(static_cast<size_t>(heap.at(i)->ev_timeout_pos.min_heap_idx), i);
    if (step % 64 == 0) check_top();
  }
  // Draining pops in deadline order.
  int64_t last = -1;
  while (!heap.empty()) {
    int64_t d = heap.top_deadline();
    EXPECT_GE(d, last);
    last = d;
    heap.pop();
  }
}

}  // namespace
