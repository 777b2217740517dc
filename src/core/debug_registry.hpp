// Debug mode (event_enable_debug_mode): a registry of assigned events and live
// bases so misuse — an event never assigned, already freed, re-assigned while
// pending, or whose base was freed — is reported and refused, not followed.
#pragma once

#include <atomic>
#include <cstdint>

struct event;
struct event_base;

namespace eventide::detail {

extern std::atomic<bool> g_debug_mode_on;

// Inline so the calls on every event_add/del/active cost one load while debug
// mode is off (the registry itself is out of line).
inline bool debug_mode_on() {
  return g_debug_mode_on.load(std::memory_order_relaxed);
}
// Returns false (and logs) when events or bases already exist.
bool debug_mode_enable();
void debug_note_assign(const struct event *ev);
void debug_note_teardown_slow(const struct event *ev);
inline void debug_note_teardown(const struct event *ev) {
  if (debug_mode_on()) debug_note_teardown_slow(ev);
}
bool debug_check_event_slow(const struct event *ev, const char *fn, bool need_live_base);
// Logs "<fn>: ..." and returns false when ev is unknown or its base is gone.
inline bool debug_check_event(const struct event *ev, const char *fn, bool need_live_base) {
  return !debug_mode_on() || debug_check_event_slow(ev, fn, need_live_base);
}
bool debug_is_known(const struct event *ev);
void debug_note_base(const struct event_base *base, bool alive);

}  // namespace eventide::detail
