// The evutil_* socket helpers of event2/util.h: socketpair, fd flags and the
// options a listening socket wants. Each is one system call plus libevent's
// return convention (0 or -1) and a logged reason on failure.
#include <event2/util.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "util/log.hpp"

namespace eventide::detail {
namespace {

bool check_fd(evutil_socket_t sock, const char *what) {
  if (sock >= 0) return true;
  log(kLogWarn, "%s: invalid socket %d", what, static_cast<int>(sock));
  errno = EBADF;
  return false;
}

// setsockopt(level, name, 1), logging why it failed.
int set_int_option(evutil_socket_t sock, int level, int name, const char *what) {
  if (!check_fd(sock, what)) return -1;
  const int one = 1;
  if (setsockopt(sock, level, name, &one, static_cast<socklen_t>(sizeof one)) < 0) {
    log_errno(kLogWarn, "%s: setsockopt on fd %d", what, static_cast<int>(sock));
    return -1;
  }
  return 0;
}

}  // namespace
}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]) {
  if (sv == nullptr) {
    EVENTIDE_BAD_ARG("evutil_socketpair: sv is NULL");
    return -1;
  }
  // No SOCK_NONBLOCK/SOCK_CLOEXEC here: callers expect plain blocking ends
  // and set the flags they want themselves, as with libevent.
  if (socketpair(d, type, protocol, sv) < 0) {
    log_errno(kLogWarn, "evutil_socketpair(%d, %d, %d)", d, type, protocol);
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_make_socket_nonblocking(evutil_socket_t sock) {
  if (!check_fd(sock, "evutil_make_socket_nonblocking")) return -1;
  const int flags = fcntl(sock, F_GETFL, nullptr);
  if (flags < 0) {
    log_errno(kLogWarn, "fcntl(%d, F_GETFL)", static_cast<int>(sock));
    return -1;
  }
  if (!(flags & O_NONBLOCK) && fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) {
    log_errno(kLogWarn, "fcntl(%d, F_SETFL)", static_cast<int>(sock));
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_make_socket_closeonexec(evutil_socket_t sock) {
  if (!check_fd(sock, "evutil_make_socket_closeonexec")) return -1;
  const int flags = fcntl(sock, F_GETFD, nullptr);
  if (flags < 0) {
    log_errno(kLogWarn, "fcntl(%d, F_GETFD)", static_cast<int>(sock));
    return -1;
  }
  if (!(flags & FD_CLOEXEC) && fcntl(sock, F_SETFD, flags | FD_CLOEXEC) < 0) {
    log_errno(kLogWarn, "fcntl(%d, F_SETFD)", static_cast<int>(sock));
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int evutil_closesocket(evutil_socket_t sock) {
  if (!check_fd(sock, "evutil_closesocket")) return -1;
  if (close(sock) == 0) return 0;
  // Linux releases the descriptor even when close reports EINTR: report
  // success so no caller retries and closes a descriptor another thread has
  // just been given.
  if (errno == EINTR) return 0;
  log_errno(kLogWarn, "evutil_closesocket(%d)", static_cast<int>(sock));
  return -1;
}

EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  return set_int_option(sock, SOL_SOCKET, SO_REUSEADDR, "evutil_make_listen_socket_reuseable");
}

EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
#ifdef SO_REUSEPORT
  return set_int_option(sock, SOL_SOCKET, SO_REUSEPORT, "evutil_make_listen_socket_reuseable_port");
#else
  // Without the option there is nothing to turn on; libevent reports success.
  return check_fd(sock, "evutil_make_listen_socket_reuseable_port") ? 0 : -1;
#endif
}

EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_ipv6only(evutil_socket_t sock) {
  return set_int_option(sock, IPPROTO_IPV6, IPV6_V6ONLY, "evutil_make_listen_socket_ipv6only");
}

EVENT2_EXPORT_SYMBOL int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) {
#ifdef TCP_DEFER_ACCEPT
  // The value is a timeout in seconds; 1 is the smallest that enables it.
  return set_int_option(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT,
                        "evutil_make_tcp_listen_socket_deferred");
#else
  return check_fd(sock, "evutil_make_tcp_listen_socket_deferred") ? 0 : -1;
#endif
}

}  // extern "C"
