/* evconnlistener: accepting over IPv4, IPv6 and unix-domain sockets, every
   LEV_OPT_* flag, enable/disable, callbacks that free or disable the listener
   in the middle of the accept loop, CLOSE_ON_FREE, and bad input. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/listener.h>

#include <stdlib.h>

#include "test_bev_util.h"

struct acc {
  struct event_base *base;
  int calls;
  int fds[8];
  int family;
  int socklen;
  int stop_after; /* loopbreak once this many arrived */
  int free_in_cb, disable_in_cb;
};

static void acc_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen,
                   void *arg) {
  struct acc *a = arg;
  if (a->calls < 8)
    a->fds[a->calls] = fd;
  else
    close(fd);
  a->calls++;
  a->family = sa->sa_family;
  a->socklen = socklen;
  if (a->free_in_cb) evconnlistener_free(lev);
  if (a->disable_in_cb) evconnlistener_disable(lev);
  if (a->stop_after && a->calls >= a->stop_after) event_base_loopbreak(a->base);
}

static void acc_close_all(struct acc *a) {
  for (int i = 0; i < a->calls && i < 8; ++i) close(a->fds[i]);
}

/* A blocking client connected to the listener's address. */
static int client_of(struct evconnlistener *lev) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);
  int c = socket(ss.ss_family, SOCK_STREAM, 0);
  if (c >= 0 && connect(c, (struct sockaddr *)&ss, len) < 0) {
    close(c);
    return -1;
  }
  return c;
}

static void run_for_ms(struct event_base *base, int ms) {
  struct timeval t = {ms / 1000, (ms % 1000) * 1000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
}

static void accept_family(int family) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  a.stop_after = 2;
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(family, &ss);
  struct evconnlistener *lev =
      evconnlistener_new_bind(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                              (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  CT_CHECK(evconnlistener_get_base(lev) == a.base);
  int lfd = evconnlistener_get_fd(lev);
  CT_CHECK(lfd >= 0);
  int c1 = client_of(lev), c2 = client_of(lev);
  CT_REQUIRE(c1 >= 0 && c2 >= 0);
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 2);
  CT_EQ(a.family, family);
  if (family == AF_INET) CT_EQ(a.socklen, sizeof(struct sockaddr_in));
  if (family == AF_INET6) CT_EQ(a.socklen, sizeof(struct sockaddr_in6));
  /* Accepted sockets are nonblocking and inheritable by default. */
  CT_CHECK(fcntl(a.fds[0], F_GETFL) & O_NONBLOCK);
  CT_CHECK(!(fcntl(a.fds[0], F_GETFD) & FD_CLOEXEC));
  /* They work. */
  CT_EQ(write(c1, "x", 1), 1);
  char c;
  usleep(10000);
  CT_EQ(read(a.fds[0], &c, 1) + read(a.fds[1], &c, 1), 0); /* one has it: 1 + -1 */
  acc_close_all(&a);
  close(c1);
  close(c2);
  evconnlistener_free(lev);
  /* CLOSE_ON_FREE closed the listening socket. */
  CT_CHECK(!bt_fd_is_open(lfd));
  if (family == AF_UNIX) unlink(((struct sockaddr_un *)&ss)->sun_path);
  event_base_free(a.base);
}

static void accept_ipv4(void) {
  accept_family(AF_INET);
}
static void accept_ipv6(void) {
  accept_family(AF_INET6);
}
static void accept_unix(void) {
  accept_family(AF_UNIX);
}

static void socket_flags(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  a.stop_after = 1;
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev = evconnlistener_new_bind(
      a.base, acc_cb, &a,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_LEAVE_SOCKETS_BLOCKING, 16,
      (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  CT_CHECK(fcntl(evconnlistener_get_fd(lev), F_GETFD) & FD_CLOEXEC);
  int c = client_of(lev);
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 1);
  CT_CHECK(!(fcntl(a.fds[0], F_GETFL) & O_NONBLOCK));
  CT_CHECK(fcntl(a.fds[0], F_GETFD) & FD_CLOEXEC);
  acc_close_all(&a);
  close(c);
  evconnlistener_free(lev);
  event_base_free(a.base);
}

static void disabled_then_enabled(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev =
      evconnlistener_new_bind(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, -1,
                              (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  int c = client_of(lev);
  run_for_ms(a.base, 100);
  CT_EQ(a.calls, 0); /* the connection waits in the backlog */
  CT_EQ(evconnlistener_enable(lev), 0);
  a.stop_after = 1;
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 1);
  CT_EQ(evconnlistener_disable(lev), 0);
  int c2 = client_of(lev);
  run_for_ms(a.base, 100);
  CT_EQ(a.calls, 1);
  evconnlistener_enable(lev);
  a.stop_after = 2;
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 2);
  acc_close_all(&a);
  close(c);
  close(c2);
  evconnlistener_free(lev);
  event_base_free(a.base);
}

static void free_inside_callback(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  a.free_in_cb = 1;
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev = evconnlistener_new_bind(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE,
                                                       -1, (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  int lfd = evconnlistener_get_fd(lev);
  int c[3];
  for (int i = 0; i < 3; ++i) c[i] = client_of(lev);
  usleep(10000);
  /* Three connections wait; the first callback frees the listener. */
  run_for_ms(a.base, 100);
  CT_EQ(a.calls, 1);
  CT_CHECK(!bt_fd_is_open(lfd));
  acc_close_all(&a);
  for (int i = 0; i < 3; ++i) close(c[i]);
  event_base_free(a.base);
}

static void disable_inside_callback(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  a.disable_in_cb = 1;
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev = evconnlistener_new_bind(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE,
                                                       -1, (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  int c[3];
  for (int i = 0; i < 3; ++i) c[i] = client_of(lev);
  usleep(10000);
  run_for_ms(a.base, 100);
  CT_EQ(a.calls, 1);
  a.disable_in_cb = 0;
  a.stop_after = 3;
  evconnlistener_enable(lev);
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 3);
  acc_close_all(&a);
  for (int i = 0; i < 3; ++i) close(c[i]);
  evconnlistener_free(lev);
  event_base_free(a.base);
}

static void existing_fd_and_callbacks(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  struct sockaddr_storage ss;
  socklen_t len;
  /* Already listening: backlog 0. No callback yet: idle until one is set. */
  int fd = bt_listen(AF_INET, &ss, &len);
  CT_REQUIRE(fd >= 0);
  evutil_make_socket_nonblocking(fd);
  struct evconnlistener *lev = evconnlistener_new(a.base, NULL, NULL, 0, 0, fd);
  CT_REQUIRE(lev);
  CT_EQ(evconnlistener_get_fd(lev), fd);
  int c = client_of(lev);
  run_for_ms(a.base, 100);
  CT_EQ(a.calls, 0);
  a.stop_after = 1;
  evconnlistener_set_cb(lev, acc_cb, &a);
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 1);
  evconnlistener_free(lev);
  /* Without CLOSE_ON_FREE the fd stays the caller's. */
  CT_CHECK(bt_fd_is_open(fd));
  close(fd);
  acc_close_all(&a);
  close(c);

  /* A bound socket that is not listening yet: backlog -1 listens. */
  struct sockaddr_storage ss2;
  socklen_t len2 = bt_loopback(AF_INET, &ss2);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  CT_REQUIRE(bind(fd, (struct sockaddr *)&ss2, len2) == 0);
  evutil_make_socket_nonblocking(fd);
  lev = evconnlistener_new(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE, -1, fd);
  CT_REQUIRE(lev);
  c = client_of(lev);
  CT_CHECK(c >= 0);
  a.stop_after = 2;
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 2);
  close(c);
  acc_close_all(&a);
  evconnlistener_free(lev);
  event_base_free(a.base);
}

static void reuse_port(void) {
  struct event_base *base = bt_base();
  struct sockaddr_storage ss;
  socklen_t len;
  int probe = bt_listen(AF_INET, &ss, &len); /* find a free port */
  CT_REQUIRE(probe >= 0);
  close(probe);
  struct evconnlistener *l1 =
      evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, -1,
                              (struct sockaddr *)&ss, (int)len);
  struct evconnlistener *l2 =
      evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, -1,
                              (struct sockaddr *)&ss, (int)len);
  CT_CHECK(l1 != NULL);
  CT_CHECK(l2 != NULL);
  /* Without the flag the port is taken. */
  struct evconnlistener *l3 = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1,
                                                      (struct sockaddr *)&ss, (int)len);
  CT_CHECK(l3 == NULL);
  if (l1) evconnlistener_free(l1);
  if (l2) evconnlistener_free(l2);
  event_base_free(base);
}

static void deferred_accept(void) {
  struct acc a;
  memset(&a, 0, sizeof a);
  a.base = bt_base();
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev =
      evconnlistener_new_bind(a.base, acc_cb, &a, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DEFERRED_ACCEPT,
                              -1, (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  int c = client_of(lev);
  run_for_ms(a.base, 100);
  /* Connected but silent: not handed over yet. */
  CT_EQ(a.calls, 0);
  CT_EQ(write(c, "GET", 3), 3);
  a.stop_after = 1;
  bt_dispatch(a.base, 10);
  CT_EQ(a.calls, 1);
  acc_close_all(&a);
  close(c);
  evconnlistener_free(lev);
  event_base_free(a.base);
}

static void bad_input(void) {
  struct event_base *base = bt_base();
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  /* backlog 0 makes no sense for a socket that is not listening yet. */
  CT_CHECK(evconnlistener_new_bind(base, NULL, NULL, 0, 0, (struct sockaddr *)&ss, (int)len) ==
           NULL);
  /* A port taken by a listener without REUSEABLE flags. */
  struct evconnlistener *l1 = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1,
                                                      (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(l1);
  len = sizeof ss;
  getsockname(evconnlistener_get_fd(l1), (struct sockaddr *)&ss, &len);
  CT_CHECK(evconnlistener_new_bind(base, NULL, NULL, 0, -1, (struct sockaddr *)&ss, (int)len) ==
           NULL);
  evconnlistener_free(l1);
#ifndef CT_LIBEVENT
  /* libevent crashes on these; eventide refuses them with a message. */
  CT_CHECK(evconnlistener_new_bind(NULL, NULL, NULL, 0, -1, (struct sockaddr *)&ss, (int)len) ==
           NULL);
  CT_CHECK(evconnlistener_new_bind(base, NULL, NULL, 0, -1, NULL, 0) == NULL);
  CT_CHECK(evconnlistener_new(base, NULL, NULL, 0, -1, -1) == NULL);
  CT_CHECK(evconnlistener_new_bind(base, NULL, NULL, 0x10000, -1, (struct sockaddr *)&ss,
                                   (int)len) == NULL);
  CT_EQ(evconnlistener_enable(NULL), -1);
  CT_EQ(evconnlistener_disable(NULL), -1);
  CT_EQ(evconnlistener_get_fd(NULL), -1);
  CT_CHECK(evconnlistener_get_base(NULL) == NULL);
  evconnlistener_free(NULL);
  evconnlistener_set_cb(NULL, NULL, NULL);
#endif
  event_base_free(base);
}

static const struct ct_case cases[] = {
    {"accept_ipv4", accept_ipv4, CT_ALL_BACKENDS},
    {"accept_ipv6", accept_ipv6, 0},
    {"accept_unix", accept_unix, 0},
    {"socket_flags", socket_flags, 0},
    {"disabled_then_enabled", disabled_then_enabled, CT_ALL_BACKENDS},
    {"free_inside_callback", free_inside_callback, CT_ALL_BACKENDS},
    {"disable_inside_callback", disable_inside_callback, 0},
    {"existing_fd_and_callbacks", existing_fd_and_callbacks, 0},
    {"reuse_port", reuse_port, 0},
    {"deferred_accept", deferred_accept, 0},
    {"bad_input", bad_input, 0},
};
CT_REGISTER(listener, cases)
