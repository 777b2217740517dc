// eventide::Loop's out-of-line parts: base creation from LoopOptions, the
// cached clock, and the post queue (one struct event per Loop, not per post).
#include "eventide/loop.hpp"

#include <event2/event_struct.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>

#include "core/event_base.hpp"
#include "util/log.hpp"

namespace eventide {

namespace detail {

// Tasks posted to one Loop. The event is a zero timeout rather than an
// activation so a task posted from a callback (or from a task) runs on the
// next iteration, after the backend was polled: a task that keeps re-posting
// itself cannot starve I/O.
struct PostQueue {
  struct event ev;
  std::mutex mu;
  std::vector<Task> tasks;  // guarded by mu
  bool scheduled = false;   // guarded by mu: ev is pending

  static void run(evutil_socket_t, short, void *arg) noexcept {
    auto *q = static_cast<PostQueue *>(arg);
    std::vector<Task> batch;
    {
      std::lock_guard<std::mutex> g(q->mu);
      batch.swap(q->tasks);
      q->scheduled = false;
    }
    for (Task &t : batch) t();
  }
};

}  // namespace detail

namespace {

[[noreturn]] void throw_errc(std::errc e, const std::string &what) {
  detail::throw_error(std::make_error_code(e), what);
}

struct ConfigDeleter {
  void operator()(event_config *c) const { event_config_free(c); }
};

}  // namespace

Loop::Loop() : Loop(LoopOptions{}) {}

Loop::Loop(const LoopOptions &o) {
  std::unique_ptr<event_config, ConfigDeleter> cfg(event_config_new());
  if (!cfg) throw std::bad_alloc();
  if (!o.backend.empty()) {
    bool known = false;
    for (const char **m = event_get_supported_methods(); m && *m; ++m) {
      if (o.backend == *m)
        known = true;
      else
        event_config_avoid_method(cfg.get(), *m);
    }
    if (!known) {
      detail::log(detail::kLogWarn, "eventide::Loop: unknown backend \"%s\"", o.backend.c_str());
      throw_errc(std::errc::invalid_argument,
                 "eventide::Loop: unknown backend \"" + o.backend + "\"");
    }
  }
  for (const std::string &a : o.avoid) event_config_avoid_method(cfg.get(), a.c_str());
  if (o.require_features != Feature::None)
    event_config_require_features(cfg.get(), static_cast<int>(o.require_features));
  if (o.precise_timer) event_config_set_flag(cfg.get(), EVENT_BASE_FLAG_PRECISE_TIMER);
  if (o.ignore_env) event_config_set_flag(cfg.get(), EVENT_BASE_FLAG_IGNORE_ENV);
  if (o.priorities < 1 || o.priorities >= EVENT_MAX_PRIORITIES) {
    detail::log(detail::kLogWarn, "eventide::Loop: %d priorities asked, 1..%d allowed",
                o.priorities, EVENT_MAX_PRIORITIES - 1);
    throw_errc(std::errc::invalid_argument, "eventide::Loop: bad number of priorities");
  }
  event_base *b = event_base_new_with_config(cfg.get());
  if (!b) {
    throw_errc(std::errc::not_supported,
               "eventide::Loop: no backend satisfies the options" +
                   (o.backend.empty() ? std::string() : " (backend \"" + o.backend + "\")"));
  }
  base_ = b;
  owns_ = true;
  try {
    if (o.priorities != 1 && event_base_priority_init(base_, o.priorities) < 0)
      throw_errc(std::errc::invalid_argument, "eventide::Loop: event_base_priority_init");
    init_posts();
  } catch (...) {
    destroy();
    throw;
  }
}

Loop::Loop(event_base *base, bool owns) : base_(base), owns_(owns) {
  init_posts();
}

void Loop::init_posts() {
  auto q = std::make_unique<detail::PostQueue>();
  std::memset(&q->ev, 0, sizeof q->ev);
  if (event_assign(&q->ev, base_, -1, 0, &detail::PostQueue::run, q.get()) < 0)
    detail::throw_last_error("eventide::Loop: cannot set up the post queue");
  posts_ = q.release();
}

Loop Loop::borrow(event_base *base) {
  if (!base) {
    detail::log(detail::kLogWarn, "eventide::Loop::borrow: NULL event_base");
    throw_errc(std::errc::invalid_argument, "eventide::Loop::borrow: NULL event_base");
  }
  return Loop(base, false);
}

Loop::~Loop() {
  destroy();
}

void Loop::destroy() noexcept {
  if (posts_) {
    if (event_initialized(&posts_->ev)) {
      event_del(&posts_->ev);
      event_debug_unassign(&posts_->ev);
    }
    delete posts_;
    posts_ = nullptr;
  }
  if (base_ && owns_) event_base_free(base_);
  base_ = nullptr;
  owns_ = false;
}

Loop::Loop(Loop &&o) noexcept : base_(o.base_), owns_(o.owns_), posts_(o.posts_) {
  o.base_ = nullptr;
  o.owns_ = false;
  o.posts_ = nullptr;
}

Loop &Loop::operator=(Loop &&o) noexcept {
  if (this != &o) {
    destroy();
    base_ = std::exchange(o.base_, nullptr);
    owns_ = std::exchange(o.owns_, false);
    posts_ = std::exchange(o.posts_, nullptr);
  }
  return *this;
}

Loop::Clock::time_point Loop::now() const noexcept {
  if (!base_) return Clock::now();
  int64_t ns;
  {
    detail::BaseGuard g(base_);
    ns = detail::base_now(base_);
  }
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

std::error_code Loop::post_task(detail::Task task) {
  if (!posts_ || !base_) {
    detail::log(detail::kLogWarn, "eventide::Loop::post: empty Loop");
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::lock_guard<std::mutex> g(posts_->mu);
  posts_->tasks.push_back(std::move(task));
  if (!posts_->scheduled) {
    static const timeval zero{0, 0};
    errno = 0;
    if (event_add(&posts_->ev, &zero) < 0) {
      std::error_code ec = last_error();
      posts_->tasks.pop_back();
      return ec;
    }
    posts_->scheduled = true;
  }
  return {};
}

}  // namespace eventide
