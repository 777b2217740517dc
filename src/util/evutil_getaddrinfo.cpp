// evutil_getaddrinfo and friends of event2/util.h: the system resolver with
// libevent's conventions (NULL hints mean "no flags", EVUTIL_EAI_* codes).
#include <event2/util.h>

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "util/log.hpp"

namespace eventide::detail {
namespace {
// libevent marks lists it built itself with this flag; it is never a valid
// hint for the system, so it is cleared before the call.
constexpr int kAiLibeventAllocated = static_cast<int>(0x80000000u);
}  // namespace
}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL int evutil_getaddrinfo(const char *nodename, const char *servname,
                                            const struct evutil_addrinfo *hints_in,
                                            struct evutil_addrinfo **res) {
  if (res == nullptr) {
    EVENTIDE_BAD_ARG("evutil_getaddrinfo: res is NULL");
    return EVUTIL_EAI_SYSTEM;  // errno says EINVAL
  }
  *res = nullptr;
  // A zeroed hints, not NULL: glibc's defaults for NULL hints add
  // AI_V4MAPPED|AI_ADDRCONFIG, which libevent callers never asked for.
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  if (hints_in != nullptr) {
    hints.ai_flags = hints_in->ai_flags & ~kAiLibeventAllocated;
    hints.ai_family = hints_in->ai_family;
    hints.ai_socktype = hints_in->ai_socktype;
    hints.ai_protocol = hints_in->ai_protocol;
  }
  const int r = getaddrinfo(nodename, servname, &hints, res);
  if (r != 0) {
    *res = nullptr;
    log(kLogDebug, "evutil_getaddrinfo(%s, %s): %s", nodename ? nodename : "NULL",
        servname ? servname : "NULL", gai_strerror(r));
  }
  return r;
}

EVENT2_EXPORT_SYMBOL void evutil_freeaddrinfo(struct evutil_addrinfo *ai) {
  if (ai != nullptr) freeaddrinfo(ai);
}

EVENT2_EXPORT_SYMBOL const char *evutil_gai_strerror(int err) {
  switch (err) {
    case EVUTIL_EAI_CANCEL:
      return "Request canceled";
    // libevent's stand-ins for codes a system lacks: on glibc some of them
    // are what a program built without _GNU_SOURCE sees.
    case -901:
      return "Address family for hostname not supported";
    case -902:
      return "Temporary failure in name resolution";
    case -903:
      return "Bad value for ai_flags";
    case -904:
      return "Non-recoverable failure in name resolution";
    case -905:
      return "ai_family not supported";
    case -906:
      return "Memory allocation failure";
    case -907:
      return "No address associated with hostname";
    case -908:
      return "Name or service not known";
    case -909:
      return "Servname not supported for ai_socktype";
    case -910:
      return "ai_socktype not supported";
    case -911:
      return "System error";
    default:
      return gai_strerror(err);
  }
}

}  // extern "C"
