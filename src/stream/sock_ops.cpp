// Socket system calls (see sock_ops.hpp). EINTR is retried here so callers
// only see real outcomes.
#include "stream/sock_ops.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace eventide::detail {

evutil_socket_t sock_stream_new(int family, bool cloexec) {
  int type = SOCK_STREAM | SOCK_NONBLOCK;
  if (cloexec) type |= SOCK_CLOEXEC;
  return socket(family, type, 0);
}

int sock_connect(evutil_socket_t fd, const sockaddr *sa, socklen_t len) {
  if (connect(fd, sa, len) == 0) return 1;
  const int e = errno;
  if (e == EINPROGRESS || e == EINTR) return 0;
  if (e == ECONNREFUSED) return 2;
  return -1;
}

int sock_finished_connecting(evutil_socket_t fd) {
  int e = 0;
  socklen_t elen = sizeof e;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0) return -1;
  if (e == 0) return 1;
  if (e == EINPROGRESS || e == EINTR) return 0;
  errno = e;
  return -1;
}

evutil_socket_t sock_accept(evutil_socket_t fd, sockaddr *sa, socklen_t *len, int flags) {
  evutil_socket_t r;
  do {
    r = accept4(fd, sa, len, flags);
  } while (r < 0 && errno == EINTR);
  return r;
}

int sock_listen(evutil_socket_t fd, int backlog) {
  return listen(fd, backlog);
}

int sock_bind(evutil_socket_t fd, const sockaddr *sa, socklen_t len) {
  return bind(fd, sa, len);
}

int sock_set_keepalive(evutil_socket_t fd) {
  int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
}

void sock_close(evutil_socket_t fd) {
  int saved = errno;
  close(fd);
  errno = saved;
}

}  // namespace eventide::detail
