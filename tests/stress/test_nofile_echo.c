/* A program squeezed to RLIMIT_NOFILE = 20: one base serves a listener and
   its echo connections and drives the clients too, 4,000 checksummed round
   trips over 400 short connections whose descriptor numbers are reused over
   and over (raw events with evbuffer_read/evbuffer_write on the server side). */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kLimit = 20, kConcurrent = 4, kRoundsPerConn = 10, kTotal = 4000, kMsg = 64 };

struct server_conn {
  struct event *ev;
  struct evbuffer *buf;
};

struct client {
  struct event *ev;
  int fd;
  uint32_t seed;
  int round;
  size_t got;
  unsigned char want[kMsg];
  unsigned char back[kMsg];
};

static struct event_base *g_base;
static struct sockaddr_in g_addr;
static int g_done, g_started, g_errors, g_accept_errors, g_emfile, g_server_conns;
static uint32_t g_next_seed;

static void on_server_read(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct server_conn *c = arg;
  int n = evbuffer_read(c->buf, fd, -1);
  if (n == 0 || (n < 0 && errno != EAGAIN)) {
    if (n < 0) ++g_errors;
    event_free(c->ev);
    evbuffer_free(c->buf);
    close(fd);
    free(c);
    --g_server_conns;
    return;
  }
  if (evbuffer_get_length(c->buf) && evbuffer_write(c->buf, fd) < 0 && errno != EAGAIN) ++g_errors;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg) {
  (void)what;
  (void)arg;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      /* EMFILE: the connection waits in the backlog until a close frees a
         number; the program carries on. Anything else is a failure. */
      if (errno == EMFILE)
        ++g_emfile;
      else if (errno != EAGAIN)
        ++g_accept_errors;
      return;
    }
    struct server_conn *c = calloc(1, sizeof *c);
    c->buf = evbuffer_new();
    c->ev = event_new(g_base, fd, EV_READ | EV_PERSIST, on_server_read, c);
    if (!c->ev || event_add(c->ev, NULL) != 0) ++g_errors;
    ++g_server_conns;
  }
}

static void client_send(struct client *c) {
  for (int k = 0; k < kMsg; ++k)
    c->want[k] = st_pattern(c->seed, (uint64_t)c->round * kMsg + (uint64_t)k);
  c->got = 0;
  if (write(c->fd, c->want, kMsg) != kMsg) ++g_errors;
}

static void client_start(struct client *c);

static void on_client_read(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct client *c = arg;
  ssize_t n = read(fd, c->back + c->got, kMsg - c->got);
  if (n <= 0) {
    if (n == 0 || errno != EAGAIN) ++g_errors, event_base_loopbreak(g_base);
    return;
  }
  c->got += (size_t)n;
  if (c->got < kMsg) return;
  if (memcmp(c->back, c->want, kMsg) != 0) ++g_errors;
  ++g_done;
  if (++c->round < kRoundsPerConn) {
    client_send(c);
    return;
  }
  event_free(c->ev);
  close(c->fd); /* the number goes straight back to the next connection */
  c->ev = NULL;
  c->fd = -1;
  if (g_started < kTotal / kRoundsPerConn)
    client_start(c);
  else if (g_done == kTotal)
    event_base_loopbreak(g_base);
}

static void client_start(struct client *c) {
  c->fd = st_connect(&g_addr);
  if (c->fd < 0) {
    ++g_errors;
    event_base_loopbreak(g_base);
    return;
  }
  ++g_started;
  c->seed = ++g_next_seed;
  c->round = 0;
  c->ev = event_new(g_base, c->fd, EV_READ | EV_PERSIST, on_client_read, c);
  if (!c->ev || event_add(c->ev, NULL) != 0) ++g_errors;
  client_send(c);
}

/* Descriptors below kLimit that the test inherited (the test runner may
   leave some open): they use up numbers the limit allows. */
static int inherited_below_limit(void) {
  int n = 0;
  for (int fd = 0; fd < kLimit; ++fd)
    if (fcntl(fd, F_GETFD) != -1) ++n;
  return n;
}

static void echo_at_20_descriptors(void) {
  /* Each client costs up to three numbers at a time (its socket, the
     server's end, and the server's end of the previous connection while that
     close is in flight); the base, the listener and libevent's extras about
     four. */
  const int inherited = inherited_below_limit();
  int concurrent = (kLimit - inherited - 4) / 3;
  if (concurrent > kConcurrent) concurrent = kConcurrent;
  if (concurrent < 1) {
    printf("SKIPPED: %d descriptors below %d are already open\n", inherited, kLimit);
    return;
  }
  long old = st_set_nofile(kLimit);
  CT_REQUIRE(old > 0);
  g_done = g_started = g_errors = g_accept_errors = g_emfile = g_server_conns = 0;
  g_base = event_base_new();
  CT_REQUIRE(g_base);
  if (ct_backend()) CT_STREQ(event_base_get_method(g_base), ct_backend());
  int lfd = st_listen(&g_addr, 16);
  CT_REQUIRE(lfd >= 0);
  st_nonblock(lfd);
  struct event *lev = event_new(g_base, lfd, EV_READ | EV_PERSIST, on_accept, NULL);
  CT_EQ(event_add(lev, NULL), 0);
  struct client clients[kConcurrent];
  memset(clients, 0, sizeof clients);
  for (int i = 0; i < concurrent; ++i) client_start(&clients[i]);
  struct timeval limit = {40, 0};
  event_base_loopexit(g_base, &limit);
  const long long t0 = st_now_ms();
  event_base_dispatch(g_base);
  printf(
      "%d round trips over %d connections (%d at a time) in %lld ms at RLIMIT_NOFILE=%d; "
      "%d descriptors inherited, accept hit EMFILE %d times\n",
      g_done, g_started, concurrent, st_now_ms() - t0, kLimit, inherited, g_emfile);
  CT_EQ(g_done, kTotal);
  CT_EQ(g_started, kTotal / kRoundsPerConn);
  CT_EQ(g_errors, 0);
  CT_EQ(g_accept_errors, 0);
  /* Let the server see the last closes, then tidy up. */
  const long long end = st_now_ms() + 2000;
  while (g_server_conns > 0 && st_now_ms() < end) event_base_loop(g_base, EVLOOP_ONCE);
  CT_EQ(g_server_conns, 0);
  for (int i = 0; i < kConcurrent; ++i)
    if (clients[i].ev) {
      event_free(clients[i].ev);
      close(clients[i].fd);
    }
  event_free(lev);
  close(lfd);
  event_base_free(g_base);
  st_set_nofile(old);
}

static const struct ct_case cases[] = {
    {"echo_at_20_descriptors", echo_at_20_descriptors, CT_ALL_BACKENDS},
};
CT_REGISTER(nofile_echo, cases)
