/* The event callback's flags exactly as libevent reports them: CONNECTED
   alone, READING/WRITING with EOF, ERROR or TIMEOUT; the direction disabled
   before the callback; connection refused; peer reset; half-close; timeouts
   only while a direction is enabled and waiting. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include <signal.h>
#include <stdlib.h>

#include "test_bev_util.h"

struct rec {
  struct event_base *base;
  int events;        /* event callbacks */
  short what[8];     /* their flags */
  int err[8];        /* EVUTIL_SOCKET_ERROR() in them */
  short enabled[8];  /* bufferevent_get_enabled() in them */
  int reads, writes; /* read / write callbacks */
  size_t got;
  char data[256];
  int break_on_event;
};

static void rec_event(struct bufferevent *bev, short what, void *arg) {
  struct rec *r = arg;
  if (r->events < 8) {
    r->what[r->events] = what;
    r->err[r->events] = EVUTIL_SOCKET_ERROR();
    r->enabled[r->events] = bufferevent_get_enabled(bev);
  }
  r->events++;
  if (r->break_on_event) event_base_loopbreak(r->base);
}

static void rec_read(struct bufferevent *bev, void *arg) {
  struct rec *r = arg;
  r->reads++;
  size_t room = sizeof r->data - 1 - r->got;
  r->got += bufferevent_read(bev, r->data + r->got, room);
  r->data[r->got] = 0;
}

static void rec_write(struct bufferevent *bev, void *arg) {
  struct rec *r = arg;
  (void)bev;
  r->writes++;
}

static int closed_port(void) {
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  bind(fd, (struct sockaddr *)&ss, len);
  getsockname(fd, (struct sockaddr *)&ss, &len);
  close(fd); /* bound, never listening, now closed: connects are refused */
  return bt_port(&ss);
}

static void connect_refused(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  CT_REQUIRE(r.base);
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons((unsigned short)closed_port());
  struct bufferevent *bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(bev);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  /* The refusal is reported later, not by the call. */
  CT_EQ(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin), 0);
  CT_EQ(r.events, 0);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_ERROR);
  CT_EQ(r.err[0], ECONNREFUSED);
  CT_EQ(r.writes, 0);
  bufferevent_free(bev);
  event_base_free(r.base);
}

static void connect_ok(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  CT_REQUIRE(r.base);
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(AF_INET, &ss, &len);
  CT_REQUIRE(l >= 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(bev);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  CT_EQ(bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)len), 0);
  int fd = bufferevent_getfd(bev);
  CT_CHECK(fd >= 0);
  /* A socket the bufferevent made itself is nonblocking. */
  CT_CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_CONNECTED);
  CT_EQ(r.writes, 0);
  bufferevent_free(bev);
  close(l);
  event_base_free(r.base);
}

/* With an fd given, connect uses it. */
static void connect_given_fd(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(AF_INET, &ss, &len);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CT_REQUIRE(r.base && l >= 0 && fd >= 0);
  evutil_make_socket_nonblocking(fd);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  CT_EQ(bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)len), 0);
  CT_EQ(bufferevent_getfd(bev), fd);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_CONNECTED);
  bufferevent_free(bev);
  close(l);
  event_base_free(r.base);
}

static void peer_eof(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "abc", 3), 3);
  close(fds[0]);
  bt_dispatch(r.base, 10);
  CT_STREQ(r.data, "abc");
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_READING | BEV_EVENT_EOF);
  /* Reading was disabled before the callback ran. */
  CT_EQ(r.enabled[0], EV_WRITE);
  bufferevent_free(bev);
  event_base_free(r.base);
}

/* ---- peer reset in the middle of a transfer ------------------------------ */

struct reset {
  struct rec r;
  int peer;
  size_t sent;
};

static void reset_refill(struct bufferevent *bev, void *arg) {
  struct reset *x = arg;
  static char chunk[65536];
  if (x->sent < ((size_t)64 << 20)) {
    bufferevent_write(bev, chunk, sizeof chunk);
    x->sent += sizeof chunk;
  }
}

static void reset_peer_cb(evutil_socket_t fd, short what, void *arg) {
  struct reset *x = arg;
  char buf[4096];
  (void)fd;
  (void)what;
  /* Take a little, then abort the connection with an RST. */
  CT_CHECK(read(x->peer, buf, sizeof buf) > 0);
  struct linger lg = {1, 0};
  setsockopt(x->peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(x->peer);
  x->peer = -1;
}

static void peer_reset_mid_transfer(void) {
#ifdef CT_LIBEVENT
  /* libevent writes with writev and raises SIGPIPE: its users must ignore it.
     eventide never raises it, so its run keeps the default (fatal) action. */
  signal(SIGPIPE, SIG_IGN);
#else
  signal(SIGPIPE, SIG_DFL);
#endif
  struct reset x;
  memset(&x, 0, sizeof x);
  x.r.base = bt_base();
  x.r.break_on_event = 1;
  int fds[2];
  CT_REQUIRE(x.r.base && bt_socket_pair(AF_INET, fds) == 0);
  x.peer = fds[0];
  struct bufferevent *bev = bufferevent_socket_new(x.r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, reset_refill, rec_event, &x);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  reset_refill(bev, &x);
  struct timeval tv = {0, 50000};
  event_base_once(x.r.base, -1, EV_TIMEOUT, reset_peer_cb, &x, &tv);
  bt_dispatch(x.r.base, 10);
  CT_EQ(x.r.events, 1);
  short what = x.r.what[0];
  CT_CHECK(what == (BEV_EVENT_READING | BEV_EVENT_ERROR) ||
           what == (BEV_EVENT_WRITING | BEV_EVENT_ERROR) ||
           what == (BEV_EVENT_READING | BEV_EVENT_EOF));
  if (what & BEV_EVENT_ERROR) CT_CHECK(x.r.err[0] == ECONNRESET || x.r.err[0] == EPIPE);
  /* The failed direction is off. */
  CT_CHECK(!(x.r.enabled[0] & ((what & BEV_EVENT_READING) ? EV_READ : EV_WRITE)));
  bufferevent_free(bev);
  event_base_free(x.r.base);
  signal(SIGPIPE, SIG_DFL);
}

/* ---- half-close: the peer stops writing, the answer still goes out ------- */

static void half_close_write_done(struct bufferevent *bev, void *arg) {
  struct rec *r = arg;
  if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
    bufferevent_free(bev);
    event_base_loopbreak(r->base);
  }
}

static void half_close_event(struct bufferevent *bev, short what, void *arg) {
  struct rec *r = arg;
  rec_event(bev, what, arg);
  if (what == (BEV_EVENT_READING | BEV_EVENT_EOF)) {
    bufferevent_setcb(bev, NULL, half_close_write_done, NULL, r);
    bufferevent_write(bev, "pong:", 5);
    bufferevent_write(bev, r->data, r->got);
  }
}

static void half_close(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, NULL, half_close_event, &r);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "ping", 4), 4);
  CT_EQ(shutdown(fds[0], SHUT_WR), 0);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_READING | BEV_EVENT_EOF);
  /* Our end answered and was freed (its fd closes with the base at the
     latest): the peer reads everything, then EOF. */
  event_base_free(r.base);
  char buf[64];
  size_t got = 0;
  ssize_t n;
  evutil_make_socket_nonblocking(fds[0]);
  for (int tries = 0; tries < 200; ++tries) {
    n = read(fds[0], buf + got, sizeof buf - 1 - got);
    if (n == 0) break;
    if (n > 0)
      got += (size_t)n;
    else
      usleep(5000);
  }
  buf[got] = 0;
  CT_STREQ(buf, "pong:ping");
  CT_EQ(n, 0);
  close(fds[0]);
}

/* ---- timeouts ------------------------------------------------------------ */

static void read_timeout(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  struct timeval tv = {0, 100000};
  bufferevent_set_timeouts(bev, &tv, NULL);
  bufferevent_enable(bev, EV_READ);
  double t0 = bt_now();
  struct timeval stop = {0, 450000};
  event_base_loopexit(r.base, &stop);
  event_base_dispatch(r.base);
  /* Exactly one timeout: the direction is disabled by it. */
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
  CT_EQ(r.enabled[0], EV_WRITE);
  CT_CHECK(bt_now() - t0 >= 0.4);
  /* Re-enabling starts the timeout again. */
  r.break_on_event = 1;
  bufferevent_enable(bev, EV_READ);
  bt_dispatch(r.base, 1);
  CT_EQ(r.events, 2);
  bufferevent_free(bev);
  close(fds[0]);
  event_base_free(r.base);
}

static void timeout_needs_enabled_direction(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  struct timeval tv = {0, 50000};
  /* Reading not enabled, nothing to write: neither timeout may fire. */
  bufferevent_set_timeouts(bev, &tv, &tv);
  struct timeval stop = {0, 300000};
  event_base_loopexit(r.base, &stop);
  event_base_dispatch(r.base);
  CT_EQ(r.events, 0);
  bufferevent_free(bev);
  close(fds[0]);
  event_base_free(r.base);
}

static void write_timeout(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  int small = 4096;
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  struct bufferevent *bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, NULL, rec_event, &r);
  struct timeval tv = {0, 100000};
  bufferevent_set_timeouts(bev, NULL, &tv);
  /* The peer never reads: the output cannot drain. */
  char *big = calloc(1, 4 << 20);
  CT_REQUIRE(big);
  bufferevent_write(bev, big, 4 << 20);
  free(big);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT);
  CT_EQ(r.enabled[0], 0);
  CT_CHECK(evbuffer_get_length(bufferevent_get_output(bev)) > 0);
  bufferevent_free(bev);
  close(fds[0]);
  event_base_free(r.base);
}

static void unix_connect(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(AF_UNIX, &ss, &len);
  CT_REQUIRE(r.base && l >= 0);
  struct bufferevent *bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  CT_EQ(bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)len), 0);
  bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_CONNECTED);
  /* The connection works. */
  int s = accept(l, NULL, NULL);
  CT_REQUIRE(s >= 0);
  CT_EQ(write(s, "hi", 2), 2);
  bufferevent_enable(bev, EV_READ);
  r.break_on_event = 0;
  struct timeval stop = {0, 200000};
  event_base_loopexit(r.base, &stop);
  event_base_dispatch(r.base);
  CT_STREQ(r.data, "hi");
  close(s);
  bufferevent_free(bev);
  close(l);
  unlink(((struct sockaddr_un *)&ss)->sun_path);
  event_base_free(r.base);
}

static void connect_hostname(void) {
  struct rec r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  r.break_on_event = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(AF_INET, &ss, &len);
  CT_REQUIRE(r.base && l >= 0);
  const char *names[] = {"127.0.0.1", "localhost"};
  for (int i = 0; i < 2; ++i) {
    memset(r.what, 0, sizeof r.what);
    r.events = 0;
    struct bufferevent *bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
    CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, names[i], bt_port(&ss)), 0);
    bt_dispatch(r.base, 10);
    CT_EQ(r.events, 1);
    CT_EQ(r.what[0], BEV_EVENT_CONNECTED);
    CT_EQ(bufferevent_socket_get_dns_error(bev), 0);
    int s = accept(l, NULL, NULL);
    CT_CHECK(s >= 0);
    close(s);
    bufferevent_free(bev);
  }
  /* An IPv4 literal asked for as IPv6 cannot resolve. */
  r.events = 0;
  struct bufferevent *bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET6, "127.0.0.1", bt_port(&ss)), 0);
  /* libevent without evdns resolves inside the call and may report at once;
     eventide resolves off the loop and reports from it. */
  if (r.events == 0) bt_dispatch(r.base, 10);
  CT_EQ(r.events, 1);
  CT_EQ(r.what[0], BEV_EVENT_ERROR);
  CT_CHECK(bufferevent_socket_get_dns_error(bev) != 0);
  bufferevent_free(bev);
  /* Bad arguments are refused at once. */
  bev = bufferevent_socket_new(r.base, -1, BEV_OPT_CLOSE_ON_FREE);
  CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_UNIX, "localhost", 80), -1);
  CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "localhost", 0), -1);
  CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "localhost", 70000), -1);
  bufferevent_free(bev);
  close(l);
  event_base_free(r.base);
}

static const struct ct_case cases[] = {
    {"connect_refused", connect_refused, CT_ALL_BACKENDS},
    {"connect_ok", connect_ok, CT_ALL_BACKENDS},
    {"connect_given_fd", connect_given_fd, 0},
    {"peer_eof", peer_eof, CT_ALL_BACKENDS},
    {"peer_reset_mid_transfer", peer_reset_mid_transfer, CT_ALL_BACKENDS},
    {"half_close", half_close, CT_ALL_BACKENDS},
    {"read_timeout", read_timeout, CT_ALL_BACKENDS},
    {"timeout_needs_enabled_direction", timeout_needs_enabled_direction, 0},
    {"write_timeout", write_timeout, CT_ALL_BACKENDS},
    {"unix_connect", unix_connect, 0},
    {"connect_hostname", connect_hostname, 0},
};
CT_REGISTER(bev_events, cases)
