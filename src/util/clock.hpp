// Clocks: precise CLOCK_MONOTONIC (vDSO, ~20 ns) for deadlines, and the
// offset to wall-clock time for event_pending / gettimeofday_cached.
#pragma once

#include <cstdint>
#include <ctime>
#include <sys/time.h>

namespace eventide::detail {

inline int64_t mono_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline int64_t wall_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline int64_t timeval_to_ns(const timeval &tv) {
  return int64_t(tv.tv_sec) * 1000000000 + int64_t(tv.tv_usec) * 1000;
}

inline timeval ns_to_timeval(int64_t ns) {
  timeval tv;
  tv.tv_sec = ns / 1000000000;
  tv.tv_usec = (ns % 1000000000) / 1000;
  if (tv.tv_usec < 0) {
    tv.tv_sec -= 1;
    tv.tv_usec += 1000000;
  }
  return tv;
}

}  // namespace eventide::detail
