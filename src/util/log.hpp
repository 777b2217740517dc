// Logging for the whole library: messages go through event_set_log_callback's
// callback (or stderr), with libevent's severities and "[warn] ..." format.
#pragma once

#include <cstdarg>

namespace eventide::detail {

enum LogSeverity { kLogDebug = 0, kLogMsg = 1, kLogWarn = 2, kLogErr = 3 };

void log(int severity, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Appends ": strerror(errno)" like libevent's event_warn.
void log_errno(int severity, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool debug_logging_enabled();

// Misuse a program can recover from: a warning plus errno = EINVAL.
#define EVENTIDE_BAD_ARG(...)                                           \
  do {                                                                  \
    ::eventide::detail::log(::eventide::detail::kLogWarn, __VA_ARGS__); \
    errno = EINVAL;                                                     \
  } while (0)

}  // namespace eventide::detail
