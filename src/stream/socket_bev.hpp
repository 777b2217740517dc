// SocketBev: a bufferevent over a socket — the read/write handlers, connect,
// hostname lookups, and the eager write that saves an epoll_ctl per reply.
#pragma once

#include <event2/bufferevent.h>

#include "stream/bev.hpp"

namespace eventide::detail {

struct DnsJob;

struct SocketBev : Bev {
  bool connecting = false;
  bool connection_refused = false;
  // The read callback is running (from read_handler): output it adds is sent
  // right after it returns, so outbuf_cb only notes it (no deferred flush).
  bool in_read_cb = false;
  bool flush_after_read = false;
  int dns_error = 0;
  DnsJob *dns = nullptr;
  // Writes scheduled from the output buffer's callback: run from the loop
  // after the current callback, so a reply goes out in one send and EV_WRITE
  // is armed only when the socket cannot take it all.
  struct event_callback flush_cb {};
  evbuffer_cb_entry *outbuf_cb = nullptr;
};

inline SocketBev *as_socket(Bev *b) {
  return static_cast<SocketBev *>(b);
}

// Makes a socket bufferevent (fd may be -1). nullptr (logged) on failure.
SocketBev *socket_bev_new(event_base *base, evutil_socket_t fd, int options);
int socket_bev_connect(SocketBev *s, const sockaddr *sa, int socklen);
// Replaces the fd: events re-made on it and re-enabled as before.
int socket_bev_setfd(SocketBev *s, evutil_socket_t fd);

// Hostname connect (socket_dns.cpp).
int socket_bev_connect_hostname(SocketBev *s, int family, const char *host, int port);
void socket_dns_cancel(SocketBev *s);

}  // namespace eventide::detail
