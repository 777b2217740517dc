/* Paired bufferevents both ways (deferred callbacks, enable rules, partner,
   watermarks, BEV_FINISHED) and filters that upper-case both ways over a
   socket, with BEV_OK / BEV_NEED_MORE / BEV_ERROR and the flush modes. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include <ctype.h>
#include <stdlib.h>

#include "test_bev_util.h"

struct end {
  struct event_base *base;
  char got[128];
  size_t n;
  int reads, writes, events;
  short what;
  size_t want;
};

static void end_read(struct bufferevent *bev, void *arg) {
  struct end *e = arg;
  e->reads++;
  e->n += bufferevent_read(bev, e->got + e->n, sizeof e->got - 1 - e->n);
  e->got[e->n] = 0;
  if (e->want && e->n >= e->want) event_base_loopbreak(e->base);
}
static void end_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  ((struct end *)arg)->writes++;
}
static void end_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  struct end *e = arg;
  e->events++;
  e->what = what;
  event_base_loopbreak(e->base);
}

static void pair_both_ways(void) {
  struct event_base *base = bt_base();
  struct bufferevent *p[2];
  CT_REQUIRE(base && bufferevent_pair_new(base, 0, p) == 0);
  struct end a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.base = b.base = base;
  bufferevent_setcb(p[0], end_read, end_write, end_event, &a);
  bufferevent_setcb(p[1], end_read, end_write, end_event, &b);
  CT_CHECK(bufferevent_pair_get_partner(p[0]) == p[1]);
  CT_CHECK(bufferevent_pair_get_partner(p[1]) == p[0]);
  CT_EQ(bufferevent_getfd(p[0]), -1);
  CT_EQ(bufferevent_get_enabled(p[0]), EV_WRITE);

  /* The partner does not read yet: data waits in our output. */
  CT_EQ(bufferevent_write(p[0], "hello", 5), 0);
  CT_EQ(evbuffer_get_length(bufferevent_get_output(p[0])), 5);
  /* Enabling reading moves it; the read callback is deferred to the loop. */
  bufferevent_enable(p[1], EV_READ);
  CT_EQ(evbuffer_get_length(bufferevent_get_output(p[0])), 0);
  CT_EQ(evbuffer_get_length(bufferevent_get_input(p[1])), 5);
  CT_EQ(b.reads, 0);
  b.want = 5;
  bt_dispatch(base, 5);
  CT_STREQ(b.got, "hello");
  CT_EQ(b.reads, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(a.writes, 1); /* our output drained */

  /* The other way round. */
  bufferevent_enable(p[0], EV_READ);
  CT_EQ(bufferevent_write(p[1], "world!", 6), 0);
  CT_EQ(a.reads, 0);
  a.want = 6;
  bt_dispatch(base, 5);
  CT_STREQ(a.got, "world!");

  /* BEV_FINISHED: the partner hears the end of the stream. */
  CT_EQ(bufferevent_flush(p[0], EV_WRITE, BEV_FINISHED), 0);
  bt_dispatch(base, 5);
  CT_EQ(b.events, 1);
  CT_EQ(b.what, BEV_EVENT_EOF | BEV_EVENT_READING);

  bufferevent_free(p[1]);
  CT_CHECK(bufferevent_pair_get_partner(p[0]) == NULL);
  /* Writing into a pair whose partner is gone stays in our output. */
  CT_EQ(bufferevent_write(p[0], "x", 1), 0);
  CT_EQ(evbuffer_get_length(bufferevent_get_output(p[0])), 1);
  CT_EQ(bufferevent_flush(p[0], EV_WRITE, BEV_FLUSH), -1);
  bufferevent_free(p[0]);
  event_base_free(base);
}

static void pair_watermark(void) {
  struct event_base *base = bt_base();
  struct bufferevent *p[2];
  CT_REQUIRE(base && bufferevent_pair_new(base, 0, p) == 0);
  bufferevent_setwatermark(p[1], EV_READ, 0, 10);
  bufferevent_enable(p[1], EV_READ);
  bufferevent_write(p[0], "0123456789abcdefghij", 20);
  /* Only up to the partner's high watermark crosses. */
  CT_EQ(evbuffer_get_length(bufferevent_get_input(p[1])), 10);
  CT_EQ(evbuffer_get_length(bufferevent_get_output(p[0])), 10);
  /* A flush ignores the watermark. */
  bufferevent_flush(p[0], EV_WRITE, BEV_FLUSH);
  CT_EQ(evbuffer_get_length(bufferevent_get_input(p[1])), 20);
  bufferevent_free(p[0]);
  bufferevent_free(p[1]);
  event_base_free(base);
}

static void pair_free_inside_callback(void) {
  struct event_base *base = bt_base();
  struct bufferevent *p[2];
  CT_REQUIRE(base && bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE, p) == 0);
  bufferevent_enable(p[1], EV_READ);
  bufferevent_setcb(p[1], (bufferevent_data_cb)bufferevent_free, NULL, NULL, NULL);
  bufferevent_write(p[0], "x", 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_CHECK(bufferevent_pair_get_partner(p[0]) == NULL);
  bufferevent_free(p[0]);
  event_base_free(base);
}

/* ---- filters ------------------------------------------------------------- */

static int g_modes_seen;
static int g_ctx_freed;

static enum bufferevent_filter_result upcase(struct evbuffer *src, struct evbuffer *dst,
                                             ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                             void *ctx) {
  (void)ctx;
  g_modes_seen |= 1 << mode;
  size_t n = evbuffer_get_length(src);
  if (limit >= 0 && (size_t)limit < n) n = (size_t)limit;
  if (n == 0) return BEV_NEED_MORE;
  unsigned char *p = evbuffer_pullup(src, (ev_ssize_t)n);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)toupper(p[i]);
    evbuffer_add(dst, &c, 1);
  }
  evbuffer_drain(src, n);
  return BEV_OK;
}

/* Passes whole lines only. */
static enum bufferevent_filter_result lines_only(struct evbuffer *src, struct evbuffer *dst,
                                                 ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                                 void *ctx) {
  (void)limit;
  (void)ctx;
  int moved = 0;
  size_t len;
  char *line;
  while ((line = evbuffer_readln(src, &len, EVBUFFER_EOL_LF)) != NULL) {
    evbuffer_add(dst, line, len);
    evbuffer_add(dst, "\n", 1);
    free(line);
    moved = 1;
  }
  if (mode == BEV_FINISHED && evbuffer_get_length(src)) {
    evbuffer_add_buffer(dst, src);
    moved = 1;
  }
  return moved ? BEV_OK : BEV_NEED_MORE;
}

static enum bufferevent_filter_result broken(struct evbuffer *src, struct evbuffer *dst,
                                             ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                             void *ctx) {
  (void)src;
  (void)dst;
  (void)limit;
  (void)mode;
  (void)ctx;
  return BEV_ERROR;
}

static void free_ctx(void *ctx) {
  (void)ctx;
  g_ctx_freed++;
}

static void filter_upcase_both_ways(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *under = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  g_ctx_freed = 0;
  struct bufferevent *f =
      bufferevent_filter_new(under, upcase, upcase, BEV_OPT_CLOSE_ON_FREE, free_ctx, NULL);
  struct bufferevent *plain = bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(under && f && plain);
  CT_CHECK(bufferevent_get_underlying(f) == under);
  CT_EQ(bufferevent_getfd(f), fds[0]);
  struct end ef, ep;
  memset(&ef, 0, sizeof ef);
  memset(&ep, 0, sizeof ep);
  ef.base = ep.base = base;
  bufferevent_setcb(f, end_read, end_write, end_event, &ef);
  bufferevent_setcb(plain, end_read, end_write, end_event, &ep);
  bufferevent_enable(f, EV_READ);
  bufferevent_enable(plain, EV_READ);

  /* Out through the filter: the socket carries upper case. */
  CT_EQ(bufferevent_write(f, "hello", 5), 0);
  ep.want = 5;
  bt_dispatch(base, 5);
  CT_STREQ(ep.got, "HELLO");
  /* In through the filter. */
  CT_EQ(bufferevent_write(plain, "abc", 3), 0);
  ef.want = 3;
  bt_dispatch(base, 5);
  CT_STREQ(ef.got, "ABC");
  CT_CHECK(g_modes_seen & (1 << BEV_NORMAL));

  /* A flush asks the filter with BEV_FLUSH. */
  g_modes_seen = 0;
  bufferevent_disable(f, EV_WRITE);
  bufferevent_write(f, "x", 1);
  CT_EQ(g_modes_seen, 0); /* writing disabled: nothing urged on the filter */
  CT_EQ(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), 1);
  CT_CHECK(g_modes_seen & (1 << BEV_FLUSH));

  /* CLOSE_ON_FREE on the filter frees the underlying one and its socket. */
  bufferevent_free(f);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(g_ctx_freed, 1);
  CT_CHECK(!bt_fd_is_open(fds[0]));
  bufferevent_free(plain);
  event_base_free(base);
}

static void filter_need_more(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *under = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  struct bufferevent *f = bufferevent_filter_new(under, lines_only, NULL, 0, NULL, NULL);
  CT_REQUIRE(under && f);
  struct end e;
  memset(&e, 0, sizeof e);
  e.base = base;
  bufferevent_setcb(f, end_read, NULL, end_event, &e);
  bufferevent_enable(f, EV_READ);
  CT_EQ(write(fds[1], "par", 3), 3);
  struct timeval t = {0, 100000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  /* Half a line: the filter needs more, the user hears nothing. */
  CT_EQ(e.reads, 0);
  CT_EQ(write(fds[1], "tial\nrest", 9), 9);
  e.want = 8;
  bt_dispatch(base, 5);
  CT_STREQ(e.got, "partial\n");
  bufferevent_free(f);
  /* Without CLOSE_ON_FREE the underlying bufferevent is still ours. */
  CT_EQ(bufferevent_getfd(under), fds[0]);
  bufferevent_free(under);
  close(fds[1]);
  event_base_free(base);
}

static void filter_error(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *under = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  struct bufferevent *f =
      bufferevent_filter_new(under, broken, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  struct end e;
  memset(&e, 0, sizeof e);
  e.base = base;
  bufferevent_setcb(f, end_read, NULL, end_event, &e);
  bufferevent_enable(f, EV_READ);
  CT_EQ(write(fds[1], "data", 4), 4);
  struct timeval t = {0, 200000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  CT_EQ(e.reads, 0);
#ifndef CT_LIBEVENT
  /* libevent ignores BEV_ERROR from an input filter; eventide reports it. */
  CT_EQ(e.events, 1);
  CT_EQ(e.what, BEV_EVENT_READING | BEV_EVENT_ERROR);
#endif
  bufferevent_free(f);
  close(fds[1]);
  event_base_free(base);
}

static const struct ct_case cases[] = {
    {"pair_both_ways", pair_both_ways, 0},
    {"pair_watermark", pair_watermark, 0},
    {"pair_free_inside_callback", pair_free_inside_callback, 0},
    {"filter_upcase_both_ways", filter_upcase_both_ways, CT_ALL_BACKENDS},
    {"filter_need_more", filter_need_more, 0},
    {"filter_error", filter_error, 0},
};
CT_REGISTER(bev_pair, cases)
