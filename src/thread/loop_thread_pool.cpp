// LoopThreadPool: each thread builds its Loop, announces it, and runs it with
// EVLOOP_NO_EXIT_ON_EMPTY until told to quit (a loop with nothing to watch
// waits for posts instead of returning).
#include "eventide/thread_pool.hpp"

#include <event2/thread.h>

#include <condition_variable>
#include <exception>
#include <mutex>

#include "util/log.hpp"

namespace eventide {

namespace {
thread_local Loop *t_current_loop = nullptr;
}

LoopThreadPool::LoopThreadPool(size_t threads, const LoopOptions &options) {
  if (threads == 0) threads = 1;
  if (evthread_use_pthreads() < 0)
    throw std::system_error(std::make_error_code(std::errc::operation_not_supported),
                            "eventide::LoopThreadPool: cannot enable threading");
  std::mutex mu;
  std::condition_variable cv;
  size_t ready = 0;
  std::exception_ptr failure;
  loops_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<Slot>());
    Slot *slot = loops_.back().get();
    slot->thread = std::thread([&, slot] {
      try {
        slot->loop = std::make_unique<Loop>(options);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu);
        if (!failure) failure = std::current_exception();
      }
      {
        // Notify under the lock: the constructor's cv dies once it sees `ready`.
        std::lock_guard<std::mutex> g(mu);
        ++ready;
        cv.notify_all();
      }
      if (slot->loop) run_slot(slot);
    });
  }
  {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return ready == threads; });
  }
  if (failure) {
    stop();
    std::rethrow_exception(failure);
  }
}

LoopThreadPool::~LoopThreadPool() {
  stop();
}

void LoopThreadPool::run_slot(Slot *slot) {
  t_current_loop = slot->loop.get();
  while (!slot->quit.load(std::memory_order_acquire)) {
    if (event_base_loop(slot->loop->native(), EVLOOP_NO_EXIT_ON_EMPTY) < 0) {
      detail::log(detail::kLogErr, "eventide::LoopThreadPool: a loop failed; its thread ends");
      break;
    }
  }
  t_current_loop = nullptr;
}

Loop &LoopThreadPool::next_loop() noexcept {
  return loop(next_.fetch_add(1, std::memory_order_relaxed) % size());
}

Loop &LoopThreadPool::least_loaded() noexcept {
  size_t best = 0;
  for (size_t i = 1; i < size(); ++i)
    if (load(i) < load(best)) best = i;
  return loop(best);
}

size_t LoopThreadPool::index_of(const Loop &l) const noexcept {
  for (size_t i = 0; i < loops_.size(); ++i)
    if (loops_[i]->loop.get() == &l) return i;
  return loops_.size();
}

Loop *LoopThreadPool::current_loop() const noexcept {
  return t_current_loop && index_of(*t_current_loop) < loops_.size() ? t_current_loop : nullptr;
}

void LoopThreadPool::stop() noexcept {
  if (stopped_) return;
  stopped_ = true;
  if (t_current_loop && index_of(*t_current_loop) < loops_.size()) {
    detail::log(detail::kLogErr, "eventide::LoopThreadPool::stop called from a pool thread");
    std::terminate();
  }
  // A loopbreak sent before a loop starts would be forgotten when it starts,
  // so the break is posted: it runs inside the loop whenever that is.
  for (auto &s : loops_) {
    s->quit.store(true, std::memory_order_release);
    if (s->loop) {
      event_base *base = s->loop->native();
      if (s->loop->post([base] { event_base_loopbreak(base); })) event_base_loopbreak(base);
    }
  }
  for (auto &s : loops_)
    if (s->thread.joinable()) s->thread.join();
  // Joined: the Loops are no longer used by their threads.
  for (auto &s : loops_) s->loop.reset();
}

}  // namespace eventide
