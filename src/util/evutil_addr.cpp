// The evutil_* address helpers of event2/util.h: text <-> binary addresses
// (with IPv6 zones), "host:port" parsing and a total order on sockaddrs.
#include <event2/util.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/log.hpp"

namespace eventide::detail {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The port after "host:": decimal, 1..65535. Surrounding whitespace is
// allowed so a line read from a file still parses; anything else (a sign,
// trailing letters) is not, where libevent's atoi would silently ignore it.
bool parse_port(const char *s, int *port) {
  while (is_space(*s)) ++s;
  if (!is_digit(*s)) return false;
  long v = 0;
  while (is_digit(*s)) {
    v = v * 10 + (*s++ - '0');
    if (v > 65535) return false;
  }
  while (is_space(*s)) ++s;
  if (*s != '\0' || v == 0) return false;  // libevent refuses port 0 too
  *port = static_cast<int>(v);
  return true;
}

// A zone after '%': an interface name, or its index in decimal.
bool parse_zone(const char *zone, unsigned *index) {
  if (*zone == '\0') return false;
  if (unsigned i = if_nametoindex(zone)) {
    *index = i;
    return true;
  }
  unsigned long v = 0;
  for (const char *p = zone; *p; ++p) {
    if (!is_digit(*p)) return false;
    v = v * 10 + unsigned(*p - '0');
    if (v > 0xffffffffUL) return false;
  }
  *index = static_cast<unsigned>(v);
  return true;
}

int fail_parse(const char *str, const char *why) {
  // Debug level: callers probe text with this function, e.g. "is this an
  // address or a host name?", and a warning each time would be noise.
  log(kLogDebug, "evutil_parse_sockaddr_port(\"%s\"): %s", str, why);
  return -1;
}

template <class T>
int three_way(const T &a, const T &b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace
}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len) {
  if (src == nullptr || dst == nullptr) {
    EVENTIDE_BAD_ARG("evutil_inet_ntop: %s is NULL", src == nullptr ? "src" : "dst");
    return nullptr;
  }
  return inet_ntop(af, src, dst, static_cast<socklen_t>(len));
}

EVENT2_EXPORT_SYMBOL int evutil_inet_pton(int af, const char *src, void *dst) {
  if (src == nullptr || dst == nullptr) {
    EVENTIDE_BAD_ARG("evutil_inet_pton: %s is NULL", src == nullptr ? "src" : "dst");
    return af == AF_INET || af == AF_INET6 ? 0 : -1;
  }
  return inet_pton(af, src, dst);
}

EVENT2_EXPORT_SYMBOL int evutil_inet_pton_scope(int af, const char *src, void *dst,
                                                unsigned *indexp) {
  unsigned dummy;
  if (indexp == nullptr) indexp = &dummy;
  *indexp = 0;
  if (af != AF_INET6 || src == nullptr) return evutil_inet_pton(af, src, dst);
  const char *pct = std::strchr(src, '%');
  if (pct == nullptr) return evutil_inet_pton(af, src, dst);

  char addr[INET6_ADDRSTRLEN];
  const size_t n = static_cast<size_t>(pct - src);
  if (n >= sizeof addr) return 0;
  std::memcpy(addr, src, n);
  addr[n] = '\0';
  unsigned index;
  if (!parse_zone(pct + 1, &index)) return 0;
  const int r = evutil_inet_pton(af, addr, dst);
  if (r == 1) *indexp = index;
  return r;
}

EVENT2_EXPORT_SYMBOL int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out,
                                                    int *outlen) {
  if (str == nullptr || out == nullptr || outlen == nullptr) {
    EVENTIDE_BAD_ARG("evutil_parse_sockaddr_port: %s is NULL", str == nullptr   ? "str"
                                                               : out == nullptr ? "out"
                                                                                : "outlen");
    return -1;
  }
  char host[128];
  const char *port_text = nullptr;
  bool v6;
  const char *colon = std::strchr(str, ':');
  if (str[0] == '[') {
    const char *close = std::strchr(str, ']');
    if (close == nullptr) return fail_parse(str, "no closing ']'");
    const size_t n = static_cast<size_t>(close - (str + 1));
    if (n >= sizeof host) return fail_parse(str, "address too long");
    std::memcpy(host, str + 1, n);
    host[n] = '\0';
    if (close[1] == ':')
      port_text = close + 2;
    else if (close[1] != '\0')
      // libevent ignores what follows ']'; a dropped port is a silent bug.
      return fail_parse(str, "junk after ']'");
    v6 = true;
  } else if (colon != nullptr && std::strchr(colon + 1, ':') != nullptr) {
    // Two colons or more without brackets: a bare IPv6 address, no port.
    if (std::strlen(str) >= sizeof host) return fail_parse(str, "address too long");
    std::strcpy(host, str);
    v6 = true;
  } else if (colon != nullptr) {
    const size_t n = static_cast<size_t>(colon - str);
    if (n >= sizeof host) return fail_parse(str, "address too long");
    std::memcpy(host, str, n);
    host[n] = '\0';
    port_text = colon + 1;
    v6 = false;
  } else {
    if (std::strlen(str) >= sizeof host) return fail_parse(str, "address too long");
    std::strcpy(host, str);
    v6 = false;
  }

  int port = 0;
  if (port_text != nullptr && !parse_port(port_text, &port))
    return fail_parse(str, "port is not a number in 1..65535");

  if (v6) {
    sockaddr_in6 sin6;
    std::memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<uint16_t>(port));
    unsigned scope = 0;
    if (evutil_inet_pton_scope(AF_INET6, host, &sin6.sin6_addr, &scope) != 1)
      return fail_parse(str, "not an IPv6 address");
    sin6.sin6_scope_id = scope;
    if (*outlen < static_cast<int>(sizeof sin6)) {
      EVENTIDE_BAD_ARG("evutil_parse_sockaddr_port: output of %d bytes cannot hold %zu", *outlen,
                       sizeof sin6);
      return -1;
    }
    std::memset(out, 0, static_cast<size_t>(*outlen));
    std::memcpy(out, &sin6, sizeof sin6);
    *outlen = static_cast<int>(sizeof sin6);
  } else {
    sockaddr_in sin;
    std::memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    if (evutil_inet_pton(AF_INET, host, &sin.sin_addr) != 1)
      return fail_parse(str, "not an IPv4 address");
    if (*outlen < static_cast<int>(sizeof sin)) {
      EVENTIDE_BAD_ARG("evutil_parse_sockaddr_port: output of %d bytes cannot hold %zu", *outlen,
                       sizeof sin);
      return -1;
    }
    std::memset(out, 0, static_cast<size_t>(*outlen));
    std::memcpy(out, &sin, sizeof sin);
    *outlen = static_cast<int>(sizeof sin);
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
                                             int include_port) {
  if (sa1 == nullptr || sa2 == nullptr) {
    EVENTIDE_BAD_ARG("evutil_sockaddr_cmp: %s is NULL", sa1 == nullptr ? "sa1" : "sa2");
    // NULL sorts first, so the result is still a consistent order.
    return (sa1 != nullptr) - (sa2 != nullptr);
  }
  if (sa1->sa_family != sa2->sa_family) return int(sa1->sa_family) - int(sa2->sa_family);

  if (sa1->sa_family == AF_INET) {
    const auto *a = reinterpret_cast<const sockaddr_in *>(sa1);
    const auto *b = reinterpret_cast<const sockaddr_in *>(sa2);
    if (int r = three_way(ntohl(a->sin_addr.s_addr), ntohl(b->sin_addr.s_addr))) return r;
    return include_port ? three_way(ntohs(a->sin_port), ntohs(b->sin_port)) : 0;
  }
  if (sa1->sa_family == AF_INET6) {
    const auto *a = reinterpret_cast<const sockaddr_in6 *>(sa1);
    const auto *b = reinterpret_cast<const sockaddr_in6 *>(sa2);
    const int c = std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr);
    if (c != 0) return c < 0 ? -1 : 1;
    return include_port ? three_way(ntohs(a->sin6_port), ntohs(b->sin6_port)) : 0;
  }
  if (sa1->sa_family == AF_UNIX) {
    // libevent calls every non-IP pair unequal; paths are comparable. An
    // abstract name (leading NUL) is compared over the whole, zero-filled
    // field since its length is not passed in.
    const auto *a = reinterpret_cast<const sockaddr_un *>(sa1);
    const auto *b = reinterpret_cast<const sockaddr_un *>(sa2);
    const int c = (a->sun_path[0] == '\0' || b->sun_path[0] == '\0')
                      ? std::memcmp(a->sun_path, b->sun_path, sizeof a->sun_path)
                      : std::strncmp(a->sun_path, b->sun_path, sizeof a->sun_path);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  // Unknown layout: never claim equality (libevent returns 1 too).
  return 1;
}

}  // extern "C"
