// The C face of LoopThreadPool (eventide/pool.h, an eventide extension).
#include "eventide/pool.h"

#include <new>

#include "eventide/thread_pool.hpp"
#include "util/log.hpp"

using eventide::detail::kLogWarn;
using eventide::detail::log;

struct eventide_pool {
  eventide::LoopThreadPool pool;
  explicit eventide_pool(size_t n) : pool(n) {}
};

extern "C" {

EVENT2_EXPORT_SYMBOL struct eventide_pool *eventide_pool_new(int n) {
  if (n < 1) {
    log(kLogWarn, "eventide_pool_new: need at least 1 loop, got %d", n);
    return nullptr;
  }
  try {
    return new eventide_pool(static_cast<size_t>(n));
  } catch (const std::exception &e) {
    log(kLogWarn, "eventide_pool_new: %s", e.what());
    return nullptr;
  }
}

EVENT2_EXPORT_SYMBOL void eventide_pool_free(struct eventide_pool *pool) {
  delete pool;
}

EVENT2_EXPORT_SYMBOL int eventide_pool_size(const struct eventide_pool *pool) {
  return pool ? static_cast<int>(pool->pool.size()) : -1;
}

EVENT2_EXPORT_SYMBOL struct event_base *eventide_pool_base(struct eventide_pool *pool, int i) {
  if (!pool || i < 0 || static_cast<size_t>(i) >= pool->pool.size()) {
    log(kLogWarn, "eventide_pool_base: %s", pool ? "index out of range" : "NULL pool");
    return nullptr;
  }
  return pool->pool.loop(static_cast<size_t>(i)).native();
}

EVENT2_EXPORT_SYMBOL struct event_base *eventide_pool_next_base(struct eventide_pool *pool) {
  if (!pool) {
    log(kLogWarn, "eventide_pool_next_base: NULL pool");
    return nullptr;
  }
  return pool->pool.next_loop().native();
}

EVENT2_EXPORT_SYMBOL int eventide_pool_post(struct eventide_pool *pool, int i, void (*fn)(void *),
                                            void *arg) {
  if (!pool || !fn || i < 0 || static_cast<size_t>(i) >= pool->pool.size()) {
    log(kLogWarn, "eventide_pool_post: %s",
        !pool ? "NULL pool"
        : !fn ? "NULL function"
              : "index out of range");
    return -1;
  }
  try {
    return pool->pool.post(static_cast<size_t>(i), [fn, arg] { fn(arg); }) ? -1 : 0;
  } catch (...) {
    return -1;
  }
}

EVENT2_EXPORT_SYMBOL int eventide_pool_current(const struct eventide_pool *pool) {
  if (!pool) return -1;
  eventide::Loop *l = pool->pool.current_loop();
  return l ? static_cast<int>(pool->pool.index_of(*l)) : -1;
}

}  // extern "C"
