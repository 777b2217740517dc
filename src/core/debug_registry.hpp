// Debug mode (event_enable_debug_mode): a registry of assigned events and live
// bases so misuse — an event never assigned, already freed, re-assigned while
// pending, or whose base was freed — is reported and refused, not followed.
#pragma once

#include <cstdint>

struct event;
struct event_base;

namespace eventide::detail {

bool debug_mode_on();
// Returns false (and logs) when events or bases already exist.
bool debug_mode_enable();
void debug_note_assign(const struct event *ev);
void debug_note_teardown(const struct event *ev);
// Logs "<fn>: ..." and returns false when ev is unknown or its base is gone.
bool debug_check_event(const struct event *ev, const char *fn, bool need_live_base);
bool debug_is_known(const struct event *ev);
void debug_note_base(const struct event_base *base, bool alive);

}  // namespace eventide::detail
