// The evutil_* clocks of event2/util.h: gettimeofday, the monotonic timer
// (precise CLOCK_MONOTONIC, or the wall clock kept from going backwards) and
// HTTP dates.
#include <event2/util.h>

#include <sys/time.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "util/clock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

// Opaque to users; one per event_base in libevent, used by one thread at a time.
struct evutil_monotonic_timer {
  bool fallback;      // wall clock made monotonic instead of CLOCK_MONOTONIC
  int64_t last_ns;    // fallback: the latest time handed out
  int64_t adjust_ns;  // fallback: added to the wall clock after it stepped back
};

using namespace eventide::detail;

extern "C" {

// The header maps calls to gettimeofday(2); this definition serves callers
// that take the function's address.
EVENT2_EXPORT_SYMBOL int(evutil_gettimeofday)(struct timeval *tv, struct timezone *tz) {
  if (tv == nullptr) {
    EVENTIDE_BAD_ARG("evutil_gettimeofday: tv is NULL");
    return -1;
  }
  return gettimeofday(tv, tz);
}

EVENT2_EXPORT_SYMBOL struct evutil_monotonic_timer *evutil_monotonic_timer_new(void) {
  auto *t = static_cast<evutil_monotonic_timer *>(mm_calloc(1, sizeof(evutil_monotonic_timer)));
  if (t == nullptr) log_errno(kLogWarn, "evutil_monotonic_timer_new");
  // Zeroed means CLOCK_MONOTONIC, so a timer is usable before it is
  // configured (libevent's would read the wall clock until then).
  return t;
}

EVENT2_EXPORT_SYMBOL void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer) {
  mm_free(timer);
}

EVENT2_EXPORT_SYMBOL int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer,
                                                         int flags) {
  if (timer == nullptr) {
    EVENTIDE_BAD_ARG("evutil_configure_monotonic_time: timer is NULL");
    return -1;
  }
  // EV_MONOT_PRECISE needs nothing special: CLOCK_MONOTONIC is read through
  // the vDSO at nanosecond resolution, so it is also the default. Unknown
  // flag bits are ignored, as libevent does.
  timer->fallback = (flags & EV_MONOT_FALLBACK) != 0;
  timer->last_ns = 0;
  timer->adjust_ns = 0;
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
                                                  struct timeval *tp) {
  if (timer == nullptr || tp == nullptr) {
    EVENTIDE_BAD_ARG("evutil_gettime_monotonic: %s is NULL", timer == nullptr ? "timer" : "tp");
    return -1;
  }
  if (!timer->fallback) {
    *tp = ns_to_timeval(mono_now_ns());
    return 0;
  }
  int64_t now = wall_now_ns() + timer->adjust_ns;
  if (now < timer->last_ns) {
    // The wall clock was set back: absorb the jump so time stands still
    // instead of running backwards.
    timer->adjust_ns += timer->last_ns - now;
    now = timer->last_ns;
  }
  timer->last_ns = now;
  *tp = ns_to_timeval(now);
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_date_rfc1123(char *date, const size_t datelen,
                                             const struct tm *tm) {
  static const char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (date == nullptr && datelen > 0) {
    EVENTIDE_BAD_ARG("evutil_date_rfc1123: date is NULL");
    return -1;
  }
  struct tm now;
  if (tm == nullptr) {
    const time_t t = time(nullptr);
    if (gmtime_r(&t, &now) == nullptr) {
      log_errno(kLogWarn, "evutil_date_rfc1123: gmtime_r");
      return -1;
    }
    tm = &now;
  }
  if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11) {
    EVENTIDE_BAD_ARG("evutil_date_rfc1123: tm_wday %d or tm_mon %d out of range", tm->tm_wday,
                     tm->tm_mon);
    if (datelen > 0) date[0] = '\0';
    return -1;
  }
  return std::snprintf(date, datelen, "%s, %02d %s %4d %02d:%02d:%02d GMT", kDays[tm->tm_wday],
                       tm->tm_mday, kMonths[tm->tm_mon], tm->tm_year + 1900, tm->tm_hour,
                       tm->tm_min, tm->tm_sec);
}

}  // extern "C"
