/* Watermarks and backpressure, freeing inside callbacks and with callbacks
   pending, BEV_OPT_CLOSE_ON_FREE, triggers, deferred callbacks and bad input. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include <stdlib.h>

#include "test_bev_util.h"

struct wm {
  struct event_base *base;
  struct bufferevent *bev;
  size_t max_seen, total, expected;
  int reads, writes, events;
  size_t write_len[4];
  short what;
  int drain_in_cb;
};

static void wm_read(struct bufferevent *bev, void *arg) {
  struct wm *w = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  if (n > w->max_seen) w->max_seen = n;
  w->reads++;
  if (w->drain_in_cb) {
    w->total += n;
    evbuffer_drain(in, n);
  }
  if (w->total >= w->expected && w->expected) event_base_loopbreak(w->base);
}

static void wm_write(struct bufferevent *bev, void *arg) {
  struct wm *w = arg;
  if (w->writes < 4) w->write_len[w->writes] = evbuffer_get_length(bufferevent_get_output(bev));
  w->writes++;
}

static void wm_event(struct bufferevent *bev, short what, void *arg) {
  struct wm *w = arg;
  (void)bev;
  w->events++;
  w->what = what;
}

/* Drains the input from outside the read callback, as a slow consumer would. */
static void slow_drain(evutil_socket_t fd, short what, void *arg) {
  struct wm *w = arg;
  (void)fd;
  (void)what;
  struct evbuffer *in = bufferevent_get_input(w->bev);
  size_t n = evbuffer_get_length(in);
  if (n > w->max_seen) w->max_seen = n;
  w->total += n;
  evbuffer_drain(in, n);
  if (w->total >= w->expected) event_base_loopbreak(w->base);
}

static void read_high_watermark(void) {
  struct wm w;
  memset(&w, 0, sizeof w);
  w.base = bt_base();
  int fds[2];
  CT_REQUIRE(w.base && bt_socket_pair(AF_INET, fds) == 0);
  w.bev = bufferevent_socket_new(w.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(w.bev, wm_read, NULL, wm_event, &w);
  bufferevent_setwatermark(w.bev, EV_READ, 0, 4096);
  bufferevent_enable(w.bev, EV_READ);
  w.expected = 100000;
  char *data = calloc(1, w.expected);
  CT_REQUIRE(data);
  size_t off = 0;
  while (off < w.expected) {
    ssize_t n = write(fds[0], data + off, w.expected - off);
    if (n > 0)
      off += (size_t)n;
    else
      break;
  }
  free(data);
  CT_EQ(off, w.expected);
  struct event *drain = event_new(w.base, -1, EV_PERSIST, slow_drain, &w);
  struct timeval every = {0, 2000};
  event_add(drain, &every);
  bt_dispatch(w.base, 10);
  CT_EQ(w.total, w.expected);
  /* Reading paused at the high watermark: input never held more. */
  CT_CHECK(w.max_seen <= 4096);
  CT_CHECK(w.max_seen > 0);
  event_free(drain);
  bufferevent_free(w.bev);
  close(fds[0]);
  event_base_free(w.base);
}

static void read_low_watermark(void) {
  struct wm w;
  memset(&w, 0, sizeof w);
  w.base = bt_base();
  int fds[2];
  CT_REQUIRE(w.base && bt_socket_pair(AF_INET, fds) == 0);
  w.bev = bufferevent_socket_new(w.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(w.bev, wm_read, NULL, wm_event, &w);
  bufferevent_setwatermark(w.bev, EV_READ, 10, 0);
  bufferevent_enable(w.bev, EV_READ);
  CT_EQ(write(fds[0], "12345", 5), 5);
  struct timeval t = {0, 100000};
  event_base_loopexit(w.base, &t);
  event_base_dispatch(w.base);
  /* Five bytes arrived but the callback waits for ten. */
  CT_EQ(w.reads, 0);
  CT_EQ(evbuffer_get_length(bufferevent_get_input(w.bev)), 5);
  CT_EQ(write(fds[0], "67890", 5), 5);
  w.drain_in_cb = 1;
  w.expected = 10;
  bt_dispatch(w.base, 5);
  CT_EQ(w.reads, 1);
  CT_EQ(w.total, 10);
  bufferevent_free(w.bev);
  close(fds[0]);
  event_base_free(w.base);
}

static void peer_reader(evutil_socket_t fd, short what, void *arg) {
  char buf[65536];
  (void)what;
  (void)arg;
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

static void write_low_watermark(void) {
  struct wm w;
  memset(&w, 0, sizeof w);
  w.base = bt_base();
  int fds[2];
  CT_REQUIRE(w.base && bt_socket_pair(AF_INET, fds) == 0);
  w.bev = bufferevent_socket_new(w.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(w.bev, NULL, wm_write, wm_event, &w);
  bufferevent_setwatermark(w.bev, EV_WRITE, 512 * 1024, 0);
  char *data = calloc(1, 4 << 20);
  CT_REQUIRE(data);
  bufferevent_write(w.bev, data, 4 << 20);
  free(data);
  struct event *reader = event_new(w.base, fds[0], EV_READ | EV_PERSIST, peer_reader, NULL);
  event_add(reader, NULL);
  struct timeval t = {0, 500000};
  event_base_loopexit(w.base, &t);
  event_base_dispatch(w.base);
  /* The first write callback came once output fell to (or below) the mark. */
  CT_CHECK(w.writes >= 1);
  CT_CHECK(w.write_len[0] <= 512 * 1024);
  CT_EQ(evbuffer_get_length(bufferevent_get_output(w.bev)), 0);
  event_free(reader);
  bufferevent_free(w.bev);
  close(fds[0]);
  event_base_free(w.base);
}

/* ---- backpressure: a relay that pauses its reader while the writer is full */

struct relay {
  struct event_base *base;
  struct bufferevent *src, *dst;
  size_t max_out;
  size_t moved;
};

static void relay_read(struct bufferevent *bev, void *arg) {
  struct relay *r = arg;
  struct evbuffer *out = bufferevent_get_output(r->dst);
  r->moved += evbuffer_get_length(bufferevent_get_input(bev));
  evbuffer_add_buffer(out, bufferevent_get_input(bev));
  if (evbuffer_get_length(out) > r->max_out) r->max_out = evbuffer_get_length(out);
  /* The pattern: stop reading while the slow side holds more than its high
     mark; the write low watermark brings reading back. */
  if (evbuffer_get_length(out) >= 256 * 1024) bufferevent_disable(bev, EV_READ);
}

static void relay_drained(struct bufferevent *bev, void *arg) {
  struct relay *r = arg;
  (void)bev;
  bufferevent_enable(r->src, EV_READ);
}

static void relay_stop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

static void backpressure_bounds_output(void) {
  struct relay r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  int a[2], b[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, a) == 0 && bt_socket_pair(AF_INET, b) == 0);
  /* a[0]: a fast writer; a[1] -> relay -> b[1]; b[0]: a peer that never reads.
     Small kernel buffers on the slow path, so the relay's output is what fills. */
  int small = 16384;
  setsockopt(b[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(b[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  r.src = bufferevent_socket_new(r.base, a[1], BEV_OPT_CLOSE_ON_FREE);
  r.dst = bufferevent_socket_new(r.base, b[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(r.src, relay_read, NULL, NULL, &r);
  bufferevent_setcb(r.dst, NULL, relay_drained, NULL, &r);
  bufferevent_setwatermark(r.dst, EV_WRITE, 64 * 1024, 0);
  bufferevent_enable(r.src, EV_READ);
  static char chunk[65536];
  size_t pushed = 0;
  for (int i = 0; i < 200; ++i) {
    ssize_t n = write(a[0], chunk, sizeof chunk);
    if (n <= 0) break;
    pushed += (size_t)n;
  }
  struct timeval t = {0, 300000};
  event_base_once(r.base, -1, EV_TIMEOUT, relay_stop, r.base, &t);
  event_base_dispatch(r.base);
  /* The relay took some, then stopped: its output stayed bounded even though
     the writer had far more to give. */
  CT_CHECK(r.moved > 0);
  CT_CHECK(r.moved < pushed);
  CT_CHECK(r.max_out < 256 * 1024 + 65536 + 16384);
  bufferevent_free(r.src);
  bufferevent_free(r.dst);
  close(a[0]);
  close(b[0]);
  event_base_free(r.base);
}

/* ---- free inside callbacks / with callbacks pending ---------------------- */

static int g_calls;

/* Frees the bufferevent, then lets the loop run a little longer so any
   callback that wrongly follows would be seen. */
static void free_and_wind_down(struct bufferevent *bev, struct event_base *base) {
  g_calls++;
  bufferevent_free(bev);
  struct timeval t = {0, 50000};
  event_base_loopexit(base, &t);
}

static void free_in_read(struct bufferevent *bev, void *arg) {
  free_and_wind_down(bev, arg);
}

static void free_in_event(struct bufferevent *bev, short what, void *arg) {
  (void)what;
  free_and_wind_down(bev, arg);
}

static void count_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  (void)arg;
  g_calls++;
}

static void free_inside_callbacks(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, free_in_read, NULL, free_in_event, base);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "x", 1), 1);
  close(fds[0]); /* EOF right after the data: no callback may follow the free */
  g_calls = 0;
  bt_dispatch(base, 5);
  CT_EQ(g_calls, 1);

  /* Freed from its event callback. */
  CT_REQUIRE(bt_socket_pair(AF_INET, fds) == 0);
  bev = bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, free_in_event, base);
  bufferevent_enable(bev, EV_READ);
  close(fds[0]);
  g_calls = 0;
  bt_dispatch(base, 5);
  CT_EQ(g_calls, 1);
  event_base_free(base);
}

static void free_with_callbacks_pending(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev =
      bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  bufferevent_setcb(bev, count_read, NULL, NULL, NULL);
  g_calls = 0;
  bufferevent_trigger(bev, EV_READ, 0); /* deferred: queued, not run */
  CT_EQ(g_calls, 0);
  bufferevent_free(bev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(g_calls, 0);
  close(fds[0]);
  event_base_free(base);
}

static void close_on_free(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_enable(bev, EV_READ);
  bufferevent_free(bev);
  /* libevent closes in a finalizer on the next loop iteration; eventide too. */
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_CHECK(!bt_fd_is_open(fds[0]));
  /* The peer sees the close. */
  char c;
  CT_EQ(read(fds[1], &c, 1), 0);
  close(fds[1]);

  /* Freed and never looped: event_base_free closes it. */
  CT_REQUIRE(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_free(bev);
  event_base_free(base);
  CT_CHECK(!bt_fd_is_open(fds[0]));
  close(fds[1]);
}

/* ---- triggers and deferred callbacks ------------------------------------- */

struct trig {
  int reads, writes, events;
  short what;
};

static void trig_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  ((struct trig *)arg)->reads++;
}
static void trig_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  ((struct trig *)arg)->writes++;
}
static void trig_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  ((struct trig *)arg)->events++;
  ((struct trig *)arg)->what |= what;
}

static void triggers(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  struct trig t;
  memset(&t, 0, sizeof t);
  bufferevent_setcb(bev, trig_read, trig_write, trig_event, &t);
  /* Watermarks respected: an empty input meets a low mark of 0. */
  bufferevent_trigger(bev, EV_READ | EV_WRITE, 0);
  CT_EQ(t.reads, 1);
  CT_EQ(t.writes, 1);
  bufferevent_setwatermark(bev, EV_READ, 10, 0);
  bufferevent_trigger(bev, EV_READ, 0);
  CT_EQ(t.reads, 1);
  bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
  CT_EQ(t.reads, 2);
  /* Deferred: runs from the loop. */
  bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
  CT_EQ(t.writes, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(t.writes, 2);
  bufferevent_trigger_event(bev, BEV_EVENT_READING | BEV_EVENT_EOF, 0);
  CT_EQ(t.events, 1);
  CT_EQ(t.what, BEV_EVENT_READING | BEV_EVENT_EOF);
  bufferevent_free(bev);
  close(fds[1]);
  event_base_free(base);
}

static void deferred_callbacks(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev =
      bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  struct trig t;
  memset(&t, 0, sizeof t);
  bufferevent_setcb(bev, trig_read, trig_write, trig_event, &t);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "hello", 5), 5);
  close(fds[0]);
  struct timeval stop = {0, 200000};
  event_base_loopexit(base, &stop);
  event_base_dispatch(base);
  CT_CHECK(t.reads >= 1);
  CT_EQ(evbuffer_get_length(bufferevent_get_input(bev)), 5);
  CT_EQ(t.events, 1);
  CT_EQ(t.what, BEV_EVENT_READING | BEV_EVENT_EOF);
  bufferevent_free(bev);
  event_base_free(base);
}

/* ---- bad input ----------------------------------------------------------- */

static void bad_input(void) {
  struct event_base *base = bt_base();
  CT_REQUIRE(base);
  /* fd -1, connect to an address of no known family: refused by the call. */
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  ss.ss_family = 0x7ff;
  CT_EQ(bufferevent_socket_connect(bev, (struct sockaddr *)&ss, sizeof ss), -1);
  CT_EQ(bufferevent_getfd(bev), -1);
  /* Disabling twice is harmless. */
  CT_EQ(bufferevent_disable(bev, EV_READ), 0);
  CT_EQ(bufferevent_disable(bev, EV_READ), 0);
  CT_EQ(bufferevent_get_enabled(bev), EV_WRITE);
  size_t lo;
  CT_EQ(bufferevent_getwatermark(bev, 0, &lo, NULL), -1);
  bufferevent_free(bev);
#ifndef CT_LIBEVENT
  /* libevent crashes on these; eventide logs and returns its error value. */
  CT_CHECK(bufferevent_socket_new(NULL, -1, 0) == NULL);
  CT_EQ(bufferevent_write(NULL, "x", 1), -1);
  CT_EQ(bufferevent_read(NULL, &lo, 1), 0);
  CT_EQ(bufferevent_enable(NULL, EV_READ), -1);
  CT_EQ(bufferevent_socket_connect(NULL, NULL, 0), -1);
  CT_CHECK(bufferevent_get_input(NULL) == NULL);
  CT_EQ(bufferevent_getfd(NULL), -1);
  bufferevent_free(NULL);
  bufferevent_setcb(NULL, NULL, NULL, NULL, NULL);
  CT_CHECK(bufferevent_filter_new(NULL, NULL, NULL, 0, NULL, NULL) == NULL);
  CT_EQ(bufferevent_pair_new(base, 0, NULL), -1);
  bev = bufferevent_socket_new(base, -1, 0);
  /* Not an I/O direction. */
  CT_EQ(bufferevent_enable(bev, EV_SIGNAL), -1);
  /* No fd and no address. */
  CT_EQ(bufferevent_socket_connect(bev, NULL, 0), -1);
  CT_EQ(bufferevent_write(bev, NULL, 3), -1);
  /* A pair-only call on a socket bufferevent. */
  CT_CHECK(bufferevent_pair_get_partner(bev) == NULL);
  /* No own rate limit to take from. */
  CT_EQ(bufferevent_decrement_read_limit(bev, 10), -1);
  bufferevent_free(bev);
  /* Options that do not exist. */
  CT_CHECK(bufferevent_socket_new(base, -1, 0x100) == NULL);
#endif
  event_base_free(base);
}

static const struct ct_case cases[] = {
    {"read_high_watermark", read_high_watermark, CT_ALL_BACKENDS},
    {"read_low_watermark", read_low_watermark, 0},
    {"write_low_watermark", write_low_watermark, CT_ALL_BACKENDS},
    {"backpressure_bounds_output", backpressure_bounds_output, 0},
    {"free_inside_callbacks", free_inside_callbacks, CT_ALL_BACKENDS},
    {"free_with_callbacks_pending", free_with_callbacks_pending, 0},
    {"close_on_free", close_on_free, 0},
    {"triggers", triggers, 0},
    {"deferred_callbacks", deferred_callbacks, 0},
    {"bad_input", bad_input, 0},
};
CT_REGISTER(bev_wm, cases)
