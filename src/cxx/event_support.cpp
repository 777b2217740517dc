// Core-level helpers of the C++ watchers (event.hpp): moving a pending struct
// event to a new address, and reading a timeout's monotonic deadline. Both need
// state the C face does not expose (the deadline, the persist period).
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstring>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "eventide/event.hpp"
#include "util/log.hpp"

namespace eventide::detail {

void event_relocate(struct event *dst, struct event *src, event_callback_fn fn,
                    void *arg) noexcept {
  event_base *base = src->ev_base;
  std::memset(dst, 0, sizeof *dst);
  dst->ev_fd = src->ev_fd;
  dst->ev_events = src->ev_events;
  dst->ev_base = base;
  dst->ev_interval = -1;
  dst->ev_timeout_pos.min_heap_idx = -1;
  dst->ev_evcallback.evcb_flags = EVLIST_INIT;
  dst->ev_evcallback.evcb_pri = src->ev_evcallback.evcb_pri;
  dst->ev_evcallback.evcb_closure = src->ev_evcallback.evcb_closure;
  dst->ev_evcallback.evcb_cb_union.evcb_callback = fn;
  dst->ev_evcallback.evcb_arg = arg;

  const short flags = ev_flags(src);
  if (!base || !(flags & ~EVLIST_INIT)) {
    // Not linked anywhere: nothing in the base points at src, and the base
    // may already be gone, so it is not touched.
    debug_note_teardown(src);
    debug_note_assign(dst);
    return;
  }
  BaseGuard g(base);
  const int64_t deadline = src->ev_deadline;
  const int64_t interval = src->ev_interval;
  const short res = src->ev_res;
  const bool was_active = flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER);
  event_del_nolock(src, kDelNoBlock);
  debug_note_teardown(src);
  debug_note_assign(dst);
  if (flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)) {
    dst->ev_common_timeout_idx = src->ev_common_timeout_idx;
    int rc = (flags & EVLIST_TIMEOUT) ? event_add_deadline_nolock(dst, deadline)
                                      : event_add_nolock(dst, nullptr, false);
    if (rc < 0)
      log_errno(kLogWarn, "eventide: moving a pending event lost it (fd %d)", int(dst->ev_fd));
    dst->ev_interval = interval;
  }
  if (was_active) event_active_nolock(dst, res, 1);
}

int64_t event_deadline_ns(const struct event *ev) noexcept {
  if (!ev || !ev->ev_base || !(ev_flags(ev) & EVLIST_INIT)) return -1;
  BaseGuard g(ev->ev_base);
  return (ev_flags(ev) & EVLIST_TIMEOUT) ? ev->ev_deadline : -1;
}

}  // namespace eventide::detail
