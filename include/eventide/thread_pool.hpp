// eventide::LoopThreadPool: N reactors, one per thread (one loop per thread,
// muduo/Asio style). Work reaches a loop by post(); objects belong to one loop.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "eventide/loop.hpp"

namespace eventide {

// N threads, each running its own Loop until stop(). Creating a pool enables
// libevent-style threading for the process (evthread_use_pthreads), so any
// thread may post to, stop, or add events to a pool loop.
class EVENT2_EXPORT_SYMBOL LoopThreadPool {
 public:
  // Starts `threads` loops (at least 1) made with `options`; returns once
  // every loop runs. Throws std::system_error when a loop cannot be made.
  explicit LoopThreadPool(size_t threads, const LoopOptions &options = {});
  // stop() then join.
  ~LoopThreadPool();
  LoopThreadPool(const LoopThreadPool &) = delete;
  LoopThreadPool &operator=(const LoopThreadPool &) = delete;

  // Number of loops (threads).
  size_t size() const noexcept { return loops_.size(); }
  // The i-th loop (i < size()). Use it from its own thread, or post to it.
  Loop &loop(size_t i) noexcept { return *loops_[i]->loop; }

  // Round robin over the loops; thread-safe.
  Loop &next_loop() noexcept;
  // The same loop for the same hash (a client id, a key): hash % size().
  Loop &loop_for_hash(size_t hash) noexcept { return loop(hash % size()); }
  // The loop with the smallest load (see add_load); ties go to the lowest index.
  Loop &least_loaded() noexcept;
  // Index of `l` in this pool, or size() when it is not one of its loops.
  size_t index_of(const Loop &l) const noexcept;
  // Per-loop load counter (connections, jobs): what least_loaded() compares.
  void add_load(size_t i, long delta) noexcept {
    loops_[i]->load.fetch_add(delta, std::memory_order_relaxed);
  }
  // Loop i's load counter (i < size()); thread-safe.
  long load(size_t i) const noexcept { return loops_[i]->load.load(std::memory_order_relaxed); }

  // Runs fn on loop i's thread, in post order. Errors: EINVAL (i out of range).
  template <class F>
  std::error_code post(size_t i, F &&fn) {
    if (i >= size()) return std::make_error_code(std::errc::invalid_argument);
    return loop(i).post(std::forward<F>(fn));
  }

  // The pool loop whose thread is calling, or nullptr.
  Loop *current_loop() const noexcept;

  // Makes every loop return and joins the threads; posts not yet run are
  // dropped. Idempotent; must not be called from a pool thread.
  void stop() noexcept;
  // True once stop() ran.
  bool stopped() const noexcept { return stopped_; }

 private:
  struct Slot {
    std::unique_ptr<Loop> loop;
    std::thread thread;
    std::atomic<long> load{0};
    std::atomic<bool> quit{false};
  };
  void run_slot(Slot *slot);

  std::vector<std::unique_ptr<Slot>> loops_;
  std::atomic<size_t> next_{0};
  bool stopped_ = false;
};

}  // namespace eventide
