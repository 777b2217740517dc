// eventide::WorkQueue: worker threads for blocking jobs (file I/O, hashing, a
// database call) so no loop blocks; each completion is posted back to a loop.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "eventide/loop.hpp"

namespace eventide {

// A fixed set of worker threads taking jobs in FIFO order.
class EVENT2_EXPORT_SYMBOL WorkQueue {
 public:
  // Starts `threads` workers (at least 1). Throws std::system_error.
  explicit WorkQueue(size_t threads);
  // shutdown(): queued jobs still run, then the workers are joined.
  ~WorkQueue();
  WorkQueue(const WorkQueue &) = delete;
  WorkQueue &operator=(const WorkQueue &) = delete;

  // Runs job() on a worker, then done(result) (or done() for a void job) on
  // `loop`'s thread through loop.post(). The loop must outlive the job and
  // accept posts from other threads (a pool loop, or threading enabled before
  // it was made). Thread-safe. Errors: ECANCELED once shut down.
  template <class Job, class Done>
  std::error_code submit(Loop &loop, Job job, Done done) {
    return enqueue([&loop, job = std::move(job), done = std::move(done)]() mutable {
      if constexpr (std::is_void_v<std::invoke_result_t<Job &>>) {
        job();
        loop.post([done = std::move(done)]() mutable { done(); });
      } else {
        auto result = job();
        loop.post(
            [done = std::move(done), r = std::move(result)]() mutable { done(std::move(r)); });
      }
    });
  }

  // Runs job() on a worker with no completion. Errors: ECANCELED once shut down.
  template <class Job>
  std::error_code run(Job job) {
    return enqueue(detail::Task(std::move(job)));
  }

  // Stops taking jobs, lets the queued ones finish, joins. Idempotent; not
  // from a worker thread.
  void shutdown() noexcept;
  // Jobs queued and not yet taken by a worker; thread-safe.
  size_t pending() const;

 private:
  std::error_code enqueue(detail::Task task);
  void work();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<detail::Task> jobs_;
  std::vector<std::thread> workers_;
  bool closing_ = false;
};

}  // namespace eventide
