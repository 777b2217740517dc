// WorkQueue: a mutex-protected FIFO of tasks and N workers.
#include "eventide/work_queue.hpp"

#include <system_error>

namespace eventide {

WorkQueue::WorkQueue(size_t threads) {
  if (threads == 0) threads = 1;
  try {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  } catch (...) {
    shutdown();
    throw;
  }
}

WorkQueue::~WorkQueue() {
  shutdown();
}

std::error_code WorkQueue::enqueue(detail::Task task) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (closing_) return std::make_error_code(std::errc::operation_canceled);
    jobs_.push_back(std::move(task));
  }
  cv_.notify_one();
  return {};
}

void WorkQueue::work() {
  for (;;) {
    detail::Task task;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // closing and drained
      task = std::move(jobs_.front());
      jobs_.pop_front();
    }
    task();
  }
}

void WorkQueue::shutdown() noexcept {
  {
    std::lock_guard<std::mutex> g(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread &t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

size_t WorkQueue::pending() const {
  std::lock_guard<std::mutex> g(mu_);
  return jobs_.size();
}

}  // namespace eventide
