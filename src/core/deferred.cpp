// Deferred callbacks (see deferred.hpp): run by the loop like events, with the
// CB_SELF closure; more than 32 queued in one iteration wait for the next one
// so they cannot starve I/O.
#include "core/deferred.hpp"

#include <cstring>

#include "core/event_base.hpp"

namespace eventide::detail {

namespace {
constexpr int kMaxDeferredsPerIteration = 32;
}

void deferred_init(struct event_callback *cb, uint8_t priority, DeferredFn fn, void *arg) {
  std::memset(cb, 0, sizeof *cb);
  cb->evcb_cb_union.evcb_selfcb = fn;
  cb->evcb_arg = arg;
  cb->evcb_pri = priority;
  cb->evcb_closure = kClosureCbSelf;
}

bool deferred_schedule(struct event_base *base, struct event_callback *cb) {
  BaseGuard g(base);
  if (cb->evcb_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER)) return false;
  if (base->n_deferreds_queued >= kMaxDeferredsPerIteration) {
    cb->evcb_flags |= EVLIST_ACTIVE_LATER;
    base->active_later.push_back(cb);
    base->n_active++;
    count_inc(base, cb->evcb_flags);
    if (!(cb->evcb_flags & EVLIST_INTERNAL)) base->event_count_active++;
    base_notify(base);
    return true;
  }
  ++base->n_deferreds_queued;
  callback_activate_nolock(base, cb);
  return true;
}

bool deferred_cancel(struct event_base *base, struct event_callback *cb) {
  BaseGuard g(base);
  return callback_cancel_nolock(base, cb);
}

}  // namespace eventide::detail
