// The C face of event2/listener.h: argument checks with libevent's error
// values and a log message, then src/net.
#include <event2/listener.h>

#include <cerrno>

#include "net/listener.hpp"
#include "util/log.hpp"

using namespace eventide::detail;

namespace {

constexpr unsigned kKnownFlags = LEV_OPT_LEAVE_SOCKETS_BLOCKING | LEV_OPT_CLOSE_ON_FREE |
                                 LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_THREADSAFE |
                                 LEV_OPT_DISABLED | LEV_OPT_DEFERRED_ACCEPT |
                                 LEV_OPT_REUSEABLE_PORT | LEV_OPT_BIND_IPV6ONLY;

bool check_lev(const evconnlistener *lev, const char *fn) {
  if (lev) return true;
  EVENTIDE_BAD_ARG("%s: NULL listener", fn);
  return false;
}

bool check_new(event_base *base, unsigned flags, const char *fn) {
  if (!base) {
    EVENTIDE_BAD_ARG("%s: NULL event_base", fn);
    return false;
  }
  if (flags & ~kKnownFlags) {
    EVENTIDE_BAD_ARG("%s: unknown LEV_OPT bits 0x%x", fn, flags & ~kKnownFlags);
    return false;
  }
  return true;
}

}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL struct evconnlistener *evconnlistener_new(struct event_base *base,
                                                               evconnlistener_cb cb, void *ptr,
                                                               unsigned flags, int backlog,
                                                               evutil_socket_t fd) {
  if (!check_new(base, flags, "evconnlistener_new")) return nullptr;
  if (fd < 0) {
    EVENTIDE_BAD_ARG("evconnlistener_new: invalid fd %d", fd);
    return nullptr;
  }
  return listener_new(base, cb, ptr, flags, backlog, fd);
}

EVENT2_EXPORT_SYMBOL struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
                                                                    evconnlistener_cb cb, void *ptr,
                                                                    unsigned flags, int backlog,
                                                                    const struct sockaddr *sa,
                                                                    int socklen) {
  if (!check_new(base, flags, "evconnlistener_new_bind")) return nullptr;
  if (backlog == 0) {
    EVENTIDE_BAD_ARG("evconnlistener_new_bind: backlog 0 (a new socket is not listening yet)");
    return nullptr;
  }
  if (!sa || socklen <= 0) {
    EVENTIDE_BAD_ARG("evconnlistener_new_bind: no address to bind");
    return nullptr;
  }
  return listener_new_bind(base, cb, ptr, flags, backlog, sa, socklen);
}

EVENT2_EXPORT_SYMBOL void evconnlistener_free(struct evconnlistener *lev) {
  if (!check_lev(lev, "evconnlistener_free")) return;
  listener_free(lev);
}

EVENT2_EXPORT_SYMBOL int evconnlistener_enable(struct evconnlistener *lev) {
  if (!check_lev(lev, "evconnlistener_enable")) return -1;
  return listener_enable(lev);
}

EVENT2_EXPORT_SYMBOL int evconnlistener_disable(struct evconnlistener *lev) {
  if (!check_lev(lev, "evconnlistener_disable")) return -1;
  return listener_disable(lev);
}

EVENT2_EXPORT_SYMBOL struct event_base *evconnlistener_get_base(struct evconnlistener *lev) {
  if (!check_lev(lev, "evconnlistener_get_base")) return nullptr;
  return lev->base;
}

EVENT2_EXPORT_SYMBOL evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev) {
  if (!check_lev(lev, "evconnlistener_get_fd")) return -1;
  return event_get_fd(&lev->ev);
}

EVENT2_EXPORT_SYMBOL void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
                                                void *arg) {
  if (!check_lev(lev, "evconnlistener_set_cb")) return;
  listener_set_cb(lev, cb, arg);
}

EVENT2_EXPORT_SYMBOL void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                                      evconnlistener_errorcb errorcb) {
  if (!check_lev(lev, "evconnlistener_set_error_cb")) return;
  listener_set_error_cb(lev, errorcb);
}

}  // extern "C"
