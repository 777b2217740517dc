// Logging through the user's event_set_log_callback, or stderr.
#include "util/log.hpp"

#include <event2/event.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace eventide::detail {
namespace {
std::atomic<event_log_cb> g_log_cb{nullptr};
std::atomic<event_fatal_cb> g_fatal_cb{nullptr};
std::atomic<ev_uint32_t> g_debug_mask{0};

void emit(int severity, const char *msg) {
  if (event_log_cb cb = g_log_cb.load(std::memory_order_acquire)) {
    cb(severity, msg);
    return;
  }
  const char *tag = "???";
  switch (severity) {
    case kLogDebug:
      tag = "debug";
      break;
    case kLogMsg:
      tag = "msg";
      break;
    case kLogWarn:
      tag = "warn";
      break;
    case kLogErr:
      tag = "err";
      break;
  }
  std::fprintf(stderr, "[%s] %s\n", tag, msg);
}

void vlog(int severity, bool with_errno, const char *fmt, va_list ap) {
  if (severity == kLogDebug && !debug_logging_enabled()) return;
  const int saved = errno;
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) n = 0;
  if (with_errno && static_cast<size_t>(n) < sizeof buf)
    std::snprintf(buf + n, sizeof buf - n, ": %s", std::strerror(saved));
  emit(severity, buf);
  errno = saved;
}
}  // namespace

bool debug_logging_enabled() {
  return g_debug_mask.load(std::memory_order_relaxed) != 0;
}

void log(int severity, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(severity, false, fmt, ap);
  va_end(ap);
}

void log_errno(int severity, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(severity, true, fmt, ap);
  va_end(ap);
}

[[noreturn]] void fatal(int err) {
  if (event_fatal_cb cb = g_fatal_cb.load()) cb(err);
  std::abort();
}

}  // namespace eventide::detail

extern "C" {
EVENT2_EXPORT_SYMBOL void event_set_log_callback(event_log_cb cb) {
  eventide::detail::g_log_cb.store(cb, std::memory_order_release);
}
EVENT2_EXPORT_SYMBOL void event_set_fatal_callback(event_fatal_cb cb) {
  eventide::detail::g_fatal_cb.store(cb);
}
EVENT2_EXPORT_SYMBOL void event_enable_debug_logging(ev_uint32_t which) {
  eventide::detail::g_debug_mask.store(which);
}
}
