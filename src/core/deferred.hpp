// Deferred callbacks: a struct event_callback embedded in its owner (an evbuffer,
// a bufferevent) that the loop runs later, in the loop's thread, at a priority.
// No allocation; scheduling an already scheduled callback is a no-op.
#pragma once

#include <event2/event_struct.h>

#include <cstdint>

namespace eventide::detail {

using DeferredFn = void (*)(struct event_callback *cb, void *arg);

// Prepare cb (zeroed or previously used and not scheduled).
void deferred_init(struct event_callback *cb, uint8_t priority, DeferredFn fn, void *arg);
// Queue cb on base; wakes the loop if it runs in another thread. Returns
// false when cb was already queued.
bool deferred_schedule(struct event_base *base, struct event_callback *cb);
// Unqueue cb if queued. Returns true when it was queued.
bool deferred_cancel(struct event_base *base, struct event_callback *cb);

}  // namespace eventide::detail
