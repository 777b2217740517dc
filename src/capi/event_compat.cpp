// The legacy global-base calls of event2/event_compat.h, on event_init's base.
#include <event2/event.h>
#include <event2/event_compat.h>

#include "core/event_base.hpp"
#include "util/log.hpp"

namespace eventide::detail {
extern event_base *g_current_base;
}
using eventide::detail::g_current_base;

namespace {
bool have_current(const char *fn) {
  if (g_current_base) return true;
  eventide::detail::log(eventide::detail::kLogWarn, "%s: call event_init() first", fn);
  return false;
}
}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL struct event_base *event_init(void) {
  struct event_base *base = event_base_new();
  if (base) g_current_base = base;
  return base;
}

EVENT2_EXPORT_SYMBOL int event_dispatch(void) {
  return have_current("event_dispatch") ? event_base_dispatch(g_current_base) : -1;
}

EVENT2_EXPORT_SYMBOL int event_loop(int flags) {
  return have_current("event_loop") ? event_base_loop(g_current_base, flags) : -1;
}

EVENT2_EXPORT_SYMBOL int event_loopexit(const struct timeval *tv) {
  return have_current("event_loopexit") ? event_base_loopexit(g_current_base, tv) : -1;
}

EVENT2_EXPORT_SYMBOL int event_loopbreak(void) {
  return have_current("event_loopbreak") ? event_base_loopbreak(g_current_base) : -1;
}

EVENT2_EXPORT_SYMBOL int event_once(evutil_socket_t fd, short events,
                                    void (*cb)(evutil_socket_t, short, void *), void *arg,
                                    const struct timeval *tv) {
  return have_current("event_once") ? event_base_once(g_current_base, fd, events, cb, arg, tv) : -1;
}

EVENT2_EXPORT_SYMBOL const char *event_get_method(void) {
  return have_current("event_get_method") ? event_base_get_method(g_current_base) : nullptr;
}

EVENT2_EXPORT_SYMBOL int event_priority_init(int n) {
  return have_current("event_priority_init") ? event_base_priority_init(g_current_base, n) : -1;
}

EVENT2_EXPORT_SYMBOL void event_set(struct event *ev, evutil_socket_t fd, short events,
                                    void (*cb)(evutil_socket_t, short, void *), void *arg) {
  event_assign(ev, g_current_base, fd, events, cb, arg);
}

}  // extern "C"
