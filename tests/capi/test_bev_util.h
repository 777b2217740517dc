/* Helpers shared by the bufferevent and listener C tests: loopback sockets on
   ephemeral ports, connected pairs, test data with a checksum, a bounded loop. */
#ifndef EVENTIDE_TESTS_BEV_UTIL_H
#define EVENTIDE_TESTS_BEV_UTIL_H

#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

static inline struct event_base *bt_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

/* A loopback address of `family` (AF_INET, AF_INET6, AF_UNIX) with port 0 or
   a fresh unix path. */
static inline socklen_t bt_loopback(int family, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *sin;
  }
  if (family == AF_INET6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_loopback;
    return sizeof *sin6;
  }
  {
    static int seq;
    struct sockaddr_un *sun = (struct sockaddr_un *)ss;
    sun->sun_family = AF_UNIX;
    snprintf(sun->sun_path, sizeof sun->sun_path, "/tmp/eventide-bt-%d-%d.sock", (int)getpid(),
             ++seq);
    unlink(sun->sun_path);
    return sizeof *sun;
  }
}

/* A blocking listening socket on loopback; *ss/*len receive its real address. */
static inline int bt_listen(int family, struct sockaddr_storage *ss, socklen_t *len) {
  *len = bt_loopback(family, ss);
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)ss, *len) < 0 || listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  if (family != AF_UNIX) getsockname(fd, (struct sockaddr *)ss, len);
  return fd;
}

static inline int bt_port(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)ss)->sin_port);
  if (ss->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
  return 0;
}

/* Two connected nonblocking sockets of `family` (fds[0] connected, fds[1] accepted). */
static inline int bt_socket_pair(int family, int fds[2]) {
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(family, &ss, &len);
  if (l < 0) return -1;
  fds[0] = socket(family, SOCK_STREAM, 0);
  if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&ss, len) < 0) {
    close(l);
    return -1;
  }
  fds[1] = accept(l, NULL, NULL);
  close(l);
  if (family == AF_UNIX) unlink(((struct sockaddr_un *)&ss)->sun_path);
  if (fds[1] < 0) return -1;
  evutil_make_socket_nonblocking(fds[0]);
  evutil_make_socket_nonblocking(fds[1]);
  return 0;
}

/* Deterministic test bytes: byte i of a stream. */
static inline unsigned char bt_byte(size_t i) {
  uint32_t x = (uint32_t)i * 2654435761u;
  return (unsigned char)((x >> 13) ^ (x >> 24) ^ (uint32_t)(i >> 8));
}

/* FNV-1a over a running stream. */
static inline uint64_t bt_fnv(uint64_t h, const unsigned char *p, size_t n) {
  if (!h) h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static inline uint64_t bt_fnv_of_stream(size_t total) {
  unsigned char buf[4096];
  uint64_t h = 0;
  for (size_t off = 0; off < total;) {
    size_t n = total - off < sizeof buf ? total - off : sizeof buf;
    for (size_t i = 0; i < n; ++i) buf[i] = bt_byte(off + i);
    h = bt_fnv(h, buf, n);
    off += n;
  }
  return h;
}

/* Drains an evbuffer into a running checksum; the count drained. */
static inline size_t bt_consume(struct evbuffer *in, uint64_t *h) {
  size_t total = 0;
  struct evbuffer_iovec v[8];
  while (evbuffer_get_length(in) > 0) {
    int n = evbuffer_peek(in, -1, NULL, v, 8);
    if (n <= 0) break;
    if (n > 8) n = 8;
    size_t got = 0;
    for (int i = 0; i < n; ++i) {
      *h = bt_fnv(*h, (const unsigned char *)v[i].iov_base, v[i].iov_len);
      got += v[i].iov_len;
    }
    evbuffer_drain(in, got);
    total += got;
  }
  return total;
}

/* Runs the loop, but never longer than `seconds`. */
static inline int bt_dispatch(struct event_base *base, int seconds) {
  struct timeval tv = {seconds, 0};
  event_base_loopexit(base, &tv);
  return event_base_dispatch(base);
}

static inline double bt_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bt_fd_is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

#endif
