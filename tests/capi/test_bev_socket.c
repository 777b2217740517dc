/* Socket bufferevents as a libevent program sees them: the defaults and
   public struct fields, options, and echoing 1 MiB / 100 MiB with checksums
   over TCP (IPv4, IPv6) and unix-domain sockets. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include <stdlib.h>

#include "test_bev_util.h"

static void nop_data(struct bufferevent *bev, void *arg) {
  (void)bev;
  (void)arg;
}
static void nop_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  (void)what;
  (void)arg;
}

static void defaults_and_fields(void) {
  struct event_base *b = bt_base();
  int fds[2];
  CT_REQUIRE(b && evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(b, fds[0], 0);
  CT_REQUIRE(bev);
  CT_EQ(bufferevent_get_enabled(bev), EV_WRITE);
  CT_EQ(bev->enabled, EV_WRITE);
  CT_EQ(bufferevent_getfd(bev), fds[0]);
  CT_CHECK(bufferevent_get_base(bev) == b);
  CT_CHECK(bev->ev_base == b);
  CT_CHECK(bev->be_ops != NULL);
  CT_CHECK(bev->input == bufferevent_get_input(bev));
  CT_CHECK(bev->output == bufferevent_get_output(bev));
  CT_CHECK(bev->input != bev->output);
  /* ev_read / ev_write are real events of the base, on the fd, not pending yet. */
  CT_EQ(event_get_fd(&bev->ev_read), fds[0]);
  CT_EQ(event_get_fd(&bev->ev_write), fds[0]);
  CT_CHECK(event_get_base(&bev->ev_read) == b);
  CT_EQ(event_get_events(&bev->ev_read) & (EV_READ | EV_PERSIST), EV_READ | EV_PERSIST);
  CT_EQ(event_get_events(&bev->ev_write) & (EV_WRITE | EV_PERSIST), EV_WRITE | EV_PERSIST);
  CT_EQ(event_pending(&bev->ev_read, EV_READ, NULL), 0);
  CT_EQ(event_pending(&bev->ev_write, EV_WRITE, NULL), 0);
  size_t lo = 7, hi = 7;
  CT_EQ(bufferevent_getwatermark(bev, EV_READ, &lo, &hi), 0);
  CT_EQ(lo, 0);
  CT_EQ(hi, 0);
  CT_EQ(bufferevent_getwatermark(bev, EV_READ | EV_WRITE, &lo, &hi), -1);
  CT_EQ(bufferevent_get_priority(bev), 0);
  CT_CHECK(bufferevent_get_underlying(bev) == NULL);
  CT_EQ(bufferevent_get_read_limit(bev), EV_SSIZE_MAX);
  CT_EQ(bufferevent_get_write_limit(bev), EV_SSIZE_MAX);
  CT_CHECK(bufferevent_get_token_bucket_cfg(bev) == NULL);
#ifdef CT_LIBEVENT
  const ev_ssize_t dflt = 16384;
#else
  /* eventide moves up to 64 KiB per read/write by default (one evbuffer read). */
  const ev_ssize_t dflt = 65536;
#endif
  CT_EQ(bufferevent_get_max_single_read(bev), dflt);
  CT_EQ(bufferevent_get_max_single_write(bev), dflt);
  CT_EQ(bufferevent_get_max_to_read(bev), dflt);
  CT_EQ(bufferevent_set_max_single_read(bev, 1000), 0);
  CT_EQ(bufferevent_get_max_single_read(bev), 1000);
  CT_EQ(bufferevent_set_max_single_read(bev, 0), 0); /* 0: back to the default */
  CT_EQ(bufferevent_get_max_single_read(bev), dflt);
  CT_EQ(bufferevent_set_max_single_write(bev, 4096), 0);
  CT_EQ(bufferevent_get_max_single_write(bev), 4096);
  CT_EQ(bufferevent_get_max_to_write(bev), 4096);

  int marker = 0;
  bufferevent_setcb(bev, nop_data, nop_data, nop_event, &marker);
  CT_CHECK(bev->readcb == nop_data);
  CT_CHECK(bev->writecb == nop_data);
  CT_CHECK(bev->errorcb == nop_event);
  CT_CHECK(bev->cbarg == &marker);
  bufferevent_data_cb r = NULL, w = NULL;
  bufferevent_event_cb e = NULL;
  void *arg = NULL;
  bufferevent_getcb(bev, &r, &w, &e, &arg);
  CT_CHECK(r == nop_data && w == nop_data && e == nop_event && arg == &marker);
  bufferevent_getcb(bev, NULL, NULL, NULL, NULL);

  struct timeval tr = {3, 0}, tw = {0, 250000};
  CT_EQ(bufferevent_set_timeouts(bev, &tr, &tw), 0);
  CT_EQ(bev->timeout_read.tv_sec, 3);
  CT_EQ(bev->timeout_write.tv_usec, 250000);
  bufferevent_setwatermark(bev, EV_READ, 10, 100);
  bufferevent_setwatermark(bev, EV_WRITE, 5, 0);
  CT_EQ(bev->wm_read.low, 10);
  CT_EQ(bev->wm_read.high, 100);
  CT_EQ(bev->wm_write.low, 5);

  CT_EQ(bufferevent_enable(bev, EV_READ), 0);
  CT_EQ(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
  CT_CHECK(event_pending(&bev->ev_read, EV_READ, NULL));
  CT_EQ(bufferevent_disable(bev, EV_READ), 0);
  CT_EQ(bufferevent_get_enabled(bev), EV_WRITE);
  CT_CHECK(!event_pending(&bev->ev_read, EV_READ, NULL));

  /* The flush of a socket bufferevent moves nothing. */
  CT_EQ(bufferevent_flush(bev, EV_READ | EV_WRITE, BEV_FLUSH), 0);

  bufferevent_free(bev);
  event_base_free(b);
  /* Without CLOSE_ON_FREE the fd stays the caller's. */
  CT_CHECK(bt_fd_is_open(fds[0]));
  close(fds[0]);
  close(fds[1]);
}

static void bad_options(void) {
  struct event_base *b = bt_base();
  CT_REQUIRE(b);
  /* Threading was never enabled in this process: a lock cannot be made. */
  CT_CHECK(bufferevent_socket_new(b, -1, BEV_OPT_THREADSAFE) == NULL);
  /* Unlocked callbacks only make sense when they are deferred. */
  CT_CHECK(bufferevent_socket_new(b, -1, BEV_OPT_UNLOCK_CALLBACKS) == NULL);
  struct bufferevent *ok =
      bufferevent_socket_new(b, -1, BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS);
  CT_CHECK(ok != NULL);
  if (ok) {
    CT_EQ(bufferevent_getfd(ok), -1);
    bufferevent_free(ok);
  }
  event_base_free(b);
}

/* ---- echo ---------------------------------------------------------------- */

struct echo {
  struct event_base *base;
  struct bufferevent *client, *server;
  size_t total, sent, received;
  uint64_t hash;
  int connected;
  short client_err, server_err;
  int use_copy_api; /* server echoes with bufferevent_read/bufferevent_write */
};

static void echo_top_up(struct echo *e) {
  struct evbuffer *out = bufferevent_get_output(e->client);
  unsigned char chunk[16384];
  while (e->sent < e->total && evbuffer_get_length(out) < 256 * 1024) {
    size_t n = e->total - e->sent < sizeof chunk ? e->total - e->sent : sizeof chunk;
    for (size_t i = 0; i < n; ++i) chunk[i] = bt_byte(e->sent + i);
    CT_EQ(bufferevent_write(e->client, chunk, n), 0);
    e->sent += n;
  }
}

static void echo_server_read(struct bufferevent *bev, void *arg) {
  struct echo *e = arg;
  if (e->use_copy_api) {
    char buf[8192];
    size_t n;
    while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0) bufferevent_write(bev, buf, n);
  } else {
    bufferevent_write_buffer(bev, bufferevent_get_input(bev));
  }
}

static void echo_server_event(struct bufferevent *bev, short what, void *arg) {
  struct echo *e = arg;
  (void)bev;
  e->server_err = what;
}

static void echo_client_read(struct bufferevent *bev, void *arg) {
  struct echo *e = arg;
  e->received += bt_consume(bufferevent_get_input(bev), &e->hash);
  if (e->received >= e->total) event_base_loopbreak(e->base);
}

static void echo_client_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  echo_top_up(arg);
}

static void echo_client_event(struct bufferevent *bev, short what, void *arg) {
  struct echo *e = arg;
  (void)bev;
  if (what == BEV_EVENT_CONNECTED) {
    e->connected++;
    echo_top_up(e);
    return;
  }
  e->client_err = what;
  event_base_loopbreak(e->base);
}

static void run_echo(int family, size_t total, int copy_api) {
  struct echo e;
  memset(&e, 0, sizeof e);
  e.total = total;
  e.use_copy_api = copy_api;
  e.base = bt_base();
  CT_REQUIRE(e.base);
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(family, &ss, &len);
  CT_REQUIRE(l >= 0);
  e.client = bufferevent_socket_new(e.base, -1, BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(e.client);
  bufferevent_setcb(e.client, echo_client_read, echo_client_write, echo_client_event, &e);
  CT_EQ(bufferevent_enable(e.client, EV_READ), 0);
  CT_EQ(bufferevent_socket_connect(e.client, (struct sockaddr *)&ss, (int)len), 0);
  CT_CHECK(bufferevent_getfd(e.client) >= 0);
  int sfd = accept(l, NULL, NULL);
  CT_REQUIRE(sfd >= 0);
  evutil_make_socket_nonblocking(sfd);
  e.server = bufferevent_socket_new(e.base, sfd, BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(e.server);
  bufferevent_setcb(e.server, echo_server_read, NULL, echo_server_event, &e);
  CT_EQ(bufferevent_enable(e.server, EV_READ | EV_WRITE), 0);

  bt_dispatch(e.base, 45);
  CT_EQ(e.connected, 1);
  CT_EQ(e.sent, total);
  CT_EQ(e.received, total);
  CT_EQ(e.client_err, 0);
  CT_EQ(e.server_err, 0);
  CT_CHECK(e.hash == bt_fnv_of_stream(total));

  bufferevent_free(e.client);
  bufferevent_free(e.server);
  close(l);
  if (family == AF_UNIX) unlink(((struct sockaddr_un *)&ss)->sun_path);
  event_base_free(e.base);
}

static void echo_1mib_tcp(void) {
  run_echo(AF_INET, 1 << 20, 0);
}
static void echo_1mib_copy_api(void) {
  run_echo(AF_INET, 1 << 20, 1);
}
static void echo_ipv6(void) {
  run_echo(AF_INET6, 256 * 1024, 0);
}
static void echo_unix(void) {
  run_echo(AF_UNIX, 1 << 20, 0);
}

static void echo_100mib(void) {
  double t0 = bt_now();
  run_echo(AF_INET, (size_t)100 << 20, 0);
  double dt = bt_now() - t0;
  fprintf(stderr, "echo of 100 MiB took %.2f s (%.0f MiB/s)\n", dt, 100 / dt);
}

static const struct ct_case cases[] = {
    {"defaults_and_fields", defaults_and_fields, 0},
    {"bad_options", bad_options, 0},
    {"echo_1mib_tcp", echo_1mib_tcp, CT_ALL_BACKENDS},
    {"echo_1mib_copy_api", echo_1mib_copy_api, 0},
    {"echo_ipv6", echo_ipv6, 0},
    {"echo_unix", echo_unix, CT_ALL_BACKENDS},
    {"echo_100mib", echo_100mib, 0},
};
CT_REGISTER(bev_socket, cases)
