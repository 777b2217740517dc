// Debug-mode registry: which events are assigned (and to which base serial),
// which bases are alive. Only consulted when debug mode is on.
#include "core/debug_registry.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "core/event_base.hpp"
#include "util/log.hpp"

namespace eventide::detail {
std::atomic<bool> g_debug_mode_on{false};

namespace {
std::atomic<bool> g_objects_made{false};
std::mutex g_mu;
std::unordered_map<const struct event *, uint64_t> &events() {
  static auto *m = new std::unordered_map<const struct event *, uint64_t>;
  return *m;
}
std::unordered_map<const struct event_base *, uint64_t> &bases() {
  static auto *m = new std::unordered_map<const struct event_base *, uint64_t>;
  return *m;
}
}  // namespace

bool debug_mode_enable() {
  if (g_debug_mode_on.load()) {
    log(kLogErr, "event_enable_debug_mode was called twice!");
    return false;
  }
  if (g_objects_made.load()) {
    log(kLogErr,
        "event_enable_debug_mode must be called *before* creating any events or event_bases");
    return false;
  }
  g_debug_mode_on.store(true);
  return true;
}

void debug_note_assign(const struct event *ev) {
  g_objects_made.store(true, std::memory_order_relaxed);
  if (!debug_mode_on()) return;
  std::lock_guard<std::mutex> g(g_mu);
  events()[ev] = ev->ev_base ? ev->ev_base->serial : 0;
}

void debug_note_teardown_slow(const struct event *ev) {
  std::lock_guard<std::mutex> g(g_mu);
  events().erase(ev);
}

bool debug_check_event_slow(const struct event *ev, const char *fn, bool need_live_base) {
  std::lock_guard<std::mutex> g(g_mu);
  auto it = events().find(ev);
  if (it == events().end()) {
    // Not a field of *ev is read: an unknown event may be freed memory.
    log(kLogErr, "%s called on a non-initialized event %p (never assigned, or already freed)", fn,
        static_cast<const void *>(ev));
    return false;
  }
  if (need_live_base) {
    auto b = bases().find(ev->ev_base);
    if (!ev->ev_base || b == bases().end() || b->second != it->second) {
      log(kLogErr, "%s called on event %p whose event_base %p was freed", fn,
          static_cast<const void *>(ev), static_cast<const void *>(ev->ev_base));
      return false;
    }
  }
  return true;
}

bool debug_is_known(const struct event *ev) {
  if (!debug_mode_on()) return false;
  std::lock_guard<std::mutex> g(g_mu);
  return events().count(ev) != 0;
}

void debug_note_base(const struct event_base *base, bool alive) {
  g_objects_made.store(true, std::memory_order_relaxed);
  if (!debug_mode_on()) return;
  std::lock_guard<std::mutex> g(g_mu);
  if (alive)
    bases()[base] = base->serial;
  else
    bases().erase(base);
}

}  // namespace eventide::detail
