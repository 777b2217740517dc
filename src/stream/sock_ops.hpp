// The socket system calls behind connects and accepts, kept in one place so a
// port (Windows, kqueue systems) touches only this file and the backends.
#pragma once

#include <event2/util.h>
#include <sys/socket.h>

namespace eventide::detail {

// A nonblocking stream socket (close-on-exec when asked). -1 with errno.
evutil_socket_t sock_stream_new(int family, bool cloexec);
// connect() on a nonblocking socket: 0 in progress, 1 connected at once,
// 2 refused at once, -1 another error (errno set).
int sock_connect(evutil_socket_t fd, const sockaddr *sa, socklen_t len);
// After a connecting socket turned writable: 1 connected, 0 still in
// progress, -1 failed (errno = the connect error).
int sock_finished_connecting(evutil_socket_t fd);
// accept4 with the given SOCK_NONBLOCK / SOCK_CLOEXEC flags. -1 with errno.
evutil_socket_t sock_accept(evutil_socket_t fd, sockaddr *sa, socklen_t *len, int flags);
int sock_listen(evutil_socket_t fd, int backlog);
int sock_bind(evutil_socket_t fd, const sockaddr *sa, socklen_t len);
int sock_set_keepalive(evutil_socket_t fd);
void sock_close(evutil_socket_t fd);

inline bool err_rw_retriable(int e) {
  return e == EINTR || e == EAGAIN || e == EWOULDBLOCK;
}

}  // namespace eventide::detail
