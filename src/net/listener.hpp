// struct evconnlistener: accepts connections on a listening socket and hands
// each new fd to a callback; pauses itself (instead of spinning) when out of fds.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>

struct evconnlistener {
  event_base *base = nullptr;
  struct event ev {};       // EV_READ|EV_PERSIST on the listening fd
  struct event backoff {};  // resumes accepting after EMFILE/ENFILE
  evconnlistener_cb cb = nullptr;
  evconnlistener_errorcb errorcb = nullptr;
  void *user_data = nullptr;
  unsigned flags = 0;
  int accept_flags = 0;   // SOCK_NONBLOCK / SOCK_CLOEXEC for accept4
  int refcnt = 1;         // the user's, plus one per callback running
  bool enabled = false;   // as the user asked (enable/disable)
  bool freed = false;     // evconnlistener_free ran
  bool paused = false;    // out of descriptors: waiting for the back-off timer
  bool reported = false;  // this shortage was reported once already
  int backoff_ms = 0;
  void *lock = nullptr;
};

namespace eventide::detail {

// The listener on fd (listening already, or listen(backlog) here). nullptr
// (logged) on failure; fd is left to the caller then.
evconnlistener *listener_new(event_base *base, evconnlistener_cb cb, void *arg, unsigned flags,
                             int backlog, evutil_socket_t fd);
// Socket, options from flags, bind and listen.
evconnlistener *listener_new_bind(event_base *base, evconnlistener_cb cb, void *arg, unsigned flags,
                                  int backlog, const sockaddr *sa, int socklen);
void listener_free(evconnlistener *lev);
int listener_enable(evconnlistener *lev);
int listener_disable(evconnlistener *lev);
void listener_set_cb(evconnlistener *lev, evconnlistener_cb cb, void *arg);
void listener_set_error_cb(evconnlistener *lev, evconnlistener_errorcb cb);

// Back-off bounds while accept() runs out of descriptors.
inline constexpr int kAcceptBackoffFirstMs = 5;
inline constexpr int kAcceptBackoffMaxMs = 250;

}  // namespace eventide::detail
