// A 4-ary min-heap of (deadline, event) pairs: the deadline sits next to the
// pointer so sifting never touches event memory except to store the index
// (ev_timeout_pos.min_heap_idx), which makes erase O(log n).
#pragma once

#include <event2/event_struct.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eventide::detail {

class TimerHeap {
 public:
  bool empty() const { return h_.empty(); }
  size_t size() const { return h_.size(); }
  struct event *top() const {
    return h_.front().ev;
  }
  int64_t top_deadline() const { return h_.front().deadline; }
  struct event *at(size_t i) const {
    return h_[i].ev;
  }

  // Make room for one more entry; false when memory is exhausted (so callers
  // can fail before changing any state).
  bool reserve_one() {
    if (h_.size() < h_.capacity()) return true;
    try {
      h_.reserve(h_.capacity() ? h_.capacity() * 2 : 8);
    } catch (...) {
      return false;
    }
    return true;
  }

  void push(struct event *ev, int64_t deadline) {
    h_.push_back({deadline, ev});
    sift_up(h_.size() - 1);
  }

  void erase(struct event *ev) {
    size_t i = static_cast<size_t>(ev->ev_timeout_pos.min_heap_idx);
    ev->ev_timeout_pos.min_heap_idx = -1;
    Entry last = h_.back();
    h_.pop_back();
    if (i == h_.size()) return;
    h_[i] = last;
    last.ev->ev_timeout_pos.min_heap_idx = static_cast<int>(i);
    if (i > 0 && last.deadline < h_[parent(i)].deadline)
      sift_up(i);
    else
      sift_down(i);
  }

  // Moves ev (in the heap) to a new deadline: one sift from where it is,
  // instead of an erase and a push.
  void update(struct event *ev, int64_t deadline) {
    size_t i = static_cast<size_t>(ev->ev_timeout_pos.min_heap_idx);
    h_[i].deadline = deadline;
    if (i > 0 && deadline < h_[parent(i)].deadline)
      sift_up(i);
    else
      sift_down(i);
  }

  struct event *pop() {
    struct event *ev = h_.front().ev;
    erase(ev);
    return ev;
  }

  void clear() {
    for (Entry &e : h_) e.ev->ev_timeout_pos.min_heap_idx = -1;
    h_.clear();
  }

 private:
  struct Entry {
    int64_t deadline;
    struct event *ev;
  };
  static size_t parent(size_t i) { return (i - 1) / 4; }

  void place(size_t i, const Entry &e) {
    h_[i] = e;
    e.ev->ev_timeout_pos.min_heap_idx = static_cast<int>(i);
  }

  void sift_up(size_t i) {
    Entry e = h_[i];
    while (i > 0) {
      size_t p = parent(i);
      if (!(e.deadline < h_[p].deadline)) break;
      place(i, h_[p]);
      i = p;
    }
    place(i, e);
  }

  void sift_down(size_t i) {
    Entry e = h_[i];
    const size_t n = h_.size();
    for (;;) {
      size_t c = i * 4 + 1;
      if (c >= n) break;
      size_t best = c;
      size_t end = c + 4 < n ? c + 4 : n;
      for (size_t k = c + 1; k < end; ++k)
        if (h_[k].deadline < h_[best].deadline) best = k;
      if (!(h_[best].deadline < e.deadline)) break;
      place(i, h_[best]);
      i = best;
    }
    place(i, e);
  }

  std::vector<Entry> h_;
};

}  // namespace eventide::detail
