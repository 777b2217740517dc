// The evutil_* string helpers of event2/util.h: strtoll, a C99 snprintf and
// locale-free ASCII case-insensitive comparison.
#include <event2/util.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "util/log.hpp"

namespace eventide::detail {
namespace {

// Only A-Z fold: protocol text must compare the same in every locale
// (tolower in a Turkish locale maps 'I' elsewhere).
unsigned char ascii_lower(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u - 'A' + 'a') : u;
}

bool check_strings(const char *s1, const char *s2, const char *what, int *result) {
  if (s1 != nullptr && s2 != nullptr) return true;
  EVENTIDE_BAD_ARG("%s: %s is NULL", what, s1 == nullptr ? "str1" : "str2");
  *result = (s1 != nullptr) - (s2 != nullptr);  // NULL sorts first
  return false;
}

}  // namespace
}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL ev_int64_t evutil_strtoll(const char *s, char **endptr, int base) {
  if (s == nullptr) {
    EVENTIDE_BAD_ARG("evutil_strtoll: s is NULL");
    if (endptr != nullptr) *endptr = nullptr;
    return 0;
  }
  return static_cast<ev_int64_t>(std::strtoll(s, endptr, base));
}

EVENT2_EXPORT_SYMBOL int evutil_vsnprintf(char *buf, size_t buflen, const char *format,
                                          va_list ap) {
  if (format == nullptr || (buf == nullptr && buflen > 0)) {
    EVENTIDE_BAD_ARG("evutil_vsnprintf: %s is NULL", format == nullptr ? "format" : "buf");
    if (buf != nullptr && buflen > 0) buf[0] = '\0';
    return -1;
  }
  // With buflen 0 this still measures, so snprintf(NULL, 0, ...) sizes a
  // buffer as in C99 (libevent returns 0 there).
  return std::vsnprintf(buf, buflen, format, ap);
}

EVENT2_EXPORT_SYMBOL int evutil_snprintf(char *buf, size_t buflen, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  const int r = evutil_vsnprintf(buf, buflen, format, ap);
  va_end(ap);
  return r;
}

EVENT2_EXPORT_SYMBOL int evutil_ascii_strcasecmp(const char *str1, const char *str2) {
  int r;
  if (!check_strings(str1, str2, "evutil_ascii_strcasecmp", &r)) return r;
  for (;; ++str1, ++str2) {
    const unsigned char a = ascii_lower(*str1), b = ascii_lower(*str2);
    if (a != b) return a < b ? -1 : 1;
    if (a == '\0') return 0;
  }
}

EVENT2_EXPORT_SYMBOL int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n) {
  int r;
  if (n == 0) return 0;
  if (!check_strings(str1, str2, "evutil_ascii_strncasecmp", &r)) return r;
  for (; n > 0; --n, ++str1, ++str2) {
    const unsigned char a = ascii_lower(*str1), b = ascii_lower(*str2);
    if (a != b) return a < b ? -1 : 1;
    if (a == '\0') return 0;
  }
  return 0;
}

}  // extern "C"
