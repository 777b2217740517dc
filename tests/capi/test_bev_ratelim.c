/* Rate limits: token-bucket configurations, per-bufferevent limits measured
   within 10% of the configured rate over 2 s (reading and writing), the
   getters and decrements, and a group sharing one bucket. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include <stdlib.h>

#include "test_bev_util.h"

#define RATE 20000  /* bytes per tick */
#define TICK_MS 100 /* so 200,000 bytes per second */
#define WINDOW_S 2.0
/* A burst of two ticks lets a refill timer that runs late (a loaded machine)
   catch up; the average stays RATE per tick, which is what is measured. */
#define BURST (2 * RATE)

static void cfg_validation(void) {
  struct timeval tick = {0, TICK_MS * 1000};
  CT_CHECK(ev_token_bucket_cfg_new(10, 5, 10, 10, &tick) == NULL); /* rate > burst */
  CT_CHECK(ev_token_bucket_cfg_new(0, 5, 10, 10, &tick) == NULL);  /* rate 0 */
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(10, 20, 30, 40, NULL);
  CT_CHECK(cfg != NULL);
  ev_token_bucket_cfg_free(cfg);
}

/* A writer that keeps a socket's peer stocked with bytes. */
struct flood {
  int fd;
  size_t pushed;
};

static void flood_cb(evutil_socket_t fd, short what, void *arg) {
  static char chunk[65536];
  struct flood *f = arg;
  (void)what;
  ssize_t n;
  while ((n = write(fd, chunk, sizeof chunk)) > 0) f->pushed += (size_t)n;
}

static void sink_cb(evutil_socket_t fd, short what, void *arg) {
  char buf[65536];
  size_t *got = arg;
  ssize_t n;
  (void)what;
  while ((n = read(fd, buf, sizeof buf)) > 0) *got += (size_t)n;
}

struct meter {
  size_t read_bytes;
  size_t written_target;
};

static void meter_read(struct bufferevent *bev, void *arg) {
  struct meter *m = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  m->read_bytes += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
}

static void meter_write(struct bufferevent *bev, void *arg) {
  static char chunk[65536];
  (void)arg;
  /* Keep the output stocked so the limit, not the program, sets the pace. */
  while (evbuffer_get_length(bufferevent_get_output(bev)) < 256 * 1024)
    bufferevent_write(bev, chunk, sizeof chunk);
}

static int within(double got, double want) {
  return got >= want * 0.9 && got <= want * 1.1;
}

static void single_rate_measured(void) {
  struct event_base *base = bt_base();
  int in[2], out[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, in) == 0 && bt_socket_pair(AF_INET, out) == 0);
  struct timeval tick = {0, TICK_MS * 1000};
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(RATE, BURST, RATE, BURST, &tick);
  CT_REQUIRE(cfg);
  /* `bev` reads in[1] (flooded through in[0]) and writes out[1] (drained at out[0]). */
  struct bufferevent *rd = bufferevent_socket_new(base, in[1], BEV_OPT_CLOSE_ON_FREE);
  struct bufferevent *wr = bufferevent_socket_new(base, out[1], BEV_OPT_CLOSE_ON_FREE);
  struct meter m;
  memset(&m, 0, sizeof m);
  bufferevent_setcb(rd, meter_read, NULL, NULL, &m);
  bufferevent_setcb(wr, NULL, meter_write, NULL, &m);
  CT_EQ(bufferevent_set_rate_limit(rd, cfg), 0);
  CT_EQ(bufferevent_set_rate_limit(wr, cfg), 0);
  CT_CHECK(bufferevent_get_token_bucket_cfg(rd) == cfg);
  CT_EQ(bufferevent_get_read_limit(rd), RATE);
  /* libevent: a bucket of its own replaces the max single read. */
  CT_EQ(bufferevent_get_max_to_read(rd), RATE);
  bufferevent_enable(rd, EV_READ);
  bufferevent_enable(wr, EV_WRITE);
  meter_write(wr, &m);

  struct flood fl = {in[0], 0};
  size_t sunk = 0;
  struct event *fe = event_new(base, in[0], EV_WRITE | EV_PERSIST, flood_cb, &fl);
  struct event *se = event_new(base, out[0], EV_READ | EV_PERSIST, sink_cb, &sunk);
  event_add(fe, NULL);
  event_add(se, NULL);
  double t0 = bt_now();
  struct timeval window = {(long)WINDOW_S, 0};
  event_base_loopexit(base, &window);
  event_base_dispatch(base);
  double dt = bt_now() - t0;
  double want = RATE * (1000.0 / TICK_MS) * dt;
  fprintf(stderr, "read %zu, written %zu bytes in %.2f s (configured %.0f)\n", m.read_bytes, sunk,
          dt, want);
  CT_CHECK(within((double)m.read_bytes, want));
  CT_CHECK(within((double)sunk, want));
  /* The limits are in force: the buckets are small now. */
  CT_CHECK(bufferevent_get_read_limit(rd) <= RATE);

  /* Manual adjustments: taking more than is left pauses reading. */
  CT_EQ(bufferevent_decrement_read_limit(rd, 10 * RATE), 0);
  CT_CHECK(bufferevent_get_read_limit(rd) < 0);
  CT_EQ(bufferevent_get_max_to_read(rd), 0);
  CT_EQ(bufferevent_decrement_read_limit(rd, -20 * RATE), 0);
  CT_CHECK(bufferevent_get_read_limit(rd) > 0);
  CT_EQ(bufferevent_decrement_write_limit(wr, 5), 0);

  /* Removing the limit restores the defaults. */
  CT_EQ(bufferevent_set_rate_limit(rd, NULL), 0);
  CT_EQ(bufferevent_get_read_limit(rd), EV_SSIZE_MAX);
  CT_CHECK(bufferevent_get_token_bucket_cfg(rd) == NULL);

  event_free(fe);
  event_free(se);
  bufferevent_free(rd);
  bufferevent_free(wr);
  close(in[0]);
  close(out[0]);
  event_base_free(base);
  ev_token_bucket_cfg_free(cfg);
}

static void group_rate_measured(void) {
  struct event_base *base = bt_base();
  int a[2], b[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, a) == 0 && bt_socket_pair(AF_INET, b) == 0);
  struct timeval tick = {0, TICK_MS * 1000};
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(RATE, BURST, RATE, BURST, &tick);
  struct bufferevent_rate_limit_group *g = bufferevent_rate_limit_group_new(base, cfg);
  CT_REQUIRE(cfg && g);
  CT_EQ(bufferevent_rate_limit_group_get_read_limit(g), RATE);
  CT_EQ(bufferevent_rate_limit_group_set_min_share(g, 1024), 0);
  struct bufferevent *r1 = bufferevent_socket_new(base, a[1], BEV_OPT_CLOSE_ON_FREE);
  struct bufferevent *r2 = bufferevent_socket_new(base, b[1], BEV_OPT_CLOSE_ON_FREE);
  struct meter m1, m2;
  memset(&m1, 0, sizeof m1);
  memset(&m2, 0, sizeof m2);
  bufferevent_setcb(r1, meter_read, NULL, NULL, &m1);
  bufferevent_setcb(r2, meter_read, NULL, NULL, &m2);
  CT_EQ(bufferevent_add_to_rate_limit_group(r1, g), 0);
  CT_EQ(bufferevent_add_to_rate_limit_group(r2, g), 0);
  bufferevent_enable(r1, EV_READ);
  bufferevent_enable(r2, EV_READ);
  struct flood f1 = {a[0], 0}, f2 = {b[0], 0};
  struct event *e1 = event_new(base, a[0], EV_WRITE | EV_PERSIST, flood_cb, &f1);
  struct event *e2 = event_new(base, b[0], EV_WRITE | EV_PERSIST, flood_cb, &f2);
  event_add(e1, NULL);
  event_add(e2, NULL);
  double t0 = bt_now();
  struct timeval window = {(long)WINDOW_S, 0};
  event_base_loopexit(base, &window);
  event_base_dispatch(base);
  double dt = bt_now() - t0;
  double want = RATE * (1000.0 / TICK_MS) * dt;
  size_t total = m1.read_bytes + m2.read_bytes;
  fprintf(stderr, "group read %zu + %zu = %zu bytes in %.2f s (configured %.0f)\n", m1.read_bytes,
          m2.read_bytes, total, dt, want);
  CT_CHECK(within((double)total, want));
  /* Both members got a fair part. */
  CT_CHECK(m1.read_bytes > total / 4);
  CT_CHECK(m2.read_bytes > total / 4);
  ev_uint64_t tr = 0, tw = 7;
  bufferevent_rate_limit_group_get_totals(g, &tr, &tw);
  CT_EQ(tr, total);
  CT_EQ(tw, 0);
  bufferevent_rate_limit_group_reset_totals(g);
  bufferevent_rate_limit_group_get_totals(g, &tr, &tw);
  CT_EQ(tr, 0);

  CT_EQ(bufferevent_rate_limit_group_decrement_read(g, 100 * RATE), 0);
  CT_CHECK(bufferevent_rate_limit_group_get_read_limit(g) < 0);
  CT_EQ(bufferevent_rate_limit_group_decrement_read(g, -200 * RATE), 0);
  CT_CHECK(bufferevent_rate_limit_group_get_read_limit(g) > 0);
  CT_EQ(bufferevent_rate_limit_group_decrement_write(g, 10), 0);
  /* Nothing was written: the write bucket had filled up to its burst. */
  CT_EQ(bufferevent_rate_limit_group_get_write_limit(g), BURST - 10);

  struct ev_token_bucket_cfg *cfg2 = ev_token_bucket_cfg_new(100, 100, 100, 100, &tick);
  CT_EQ(bufferevent_rate_limit_group_set_cfg(g, cfg2), 0);
  CT_CHECK(bufferevent_rate_limit_group_get_read_limit(g) <= 100);

  CT_EQ(bufferevent_remove_from_rate_limit_group(r1), 0);
#ifndef CT_LIBEVENT
  /* The header says a NULL group removes; libevent 2.1.12 crashes on it. */
  CT_EQ(bufferevent_add_to_rate_limit_group(r2, NULL), 0);
#else
  CT_EQ(bufferevent_remove_from_rate_limit_group(r2), 0);
#endif
  event_free(e1);
  event_free(e2);
  bufferevent_free(r1);
  bufferevent_free(r2);
  bufferevent_rate_limit_group_free(g);
  close(a[0]);
  close(b[0]);
  event_base_free(base);
  ev_token_bucket_cfg_free(cfg);
  ev_token_bucket_cfg_free(cfg2);
}

static const struct ct_case cases[] = {
    {"cfg_validation", cfg_validation, 0},
    {"single_rate_measured", single_rate_measured, 0},
    {"group_rate_measured", group_rate_measured, 0},
};
CT_REGISTER(bev_ratelim, cases)
