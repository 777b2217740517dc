/* Timers: EV_PERSIST rescheduling, many timers in deadline order, common
   timeouts, event_remove_timer, precision, and the cached loop time. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

static struct event_base *new_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

static long long mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long tv_us(const struct timeval *tv) {
  return tv->tv_sec * 1000000LL + tv->tv_usec;
}

static void busy_wait_us(long long us) {
  const long long end = mono_us() + us;
  while (mono_us() < end) {
  }
}

static int g_calls;
static short g_what;
static struct timeval g_next; /* the deadline event_pending reports inside the callback */

static void persist_timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  struct event *ev = arg;
  g_what = what;
  /* The next deadline is already set when the callback runs. */
  CT_EQ(event_pending(ev, EV_TIMEOUT, &g_next), EV_TIMEOUT);
  if (++g_calls == 1) event_base_loopbreak(event_get_base(ev));
}

static void hog_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  busy_wait_us(40000);
}

/* A persistent timer that fires late is rescheduled from its previous
   deadline (no drift), not from the time its callback ran. */
static void persist_reschedules_from_deadline(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = event_new(b, -1, EV_PERSIST, persist_timer_cb, event_self_cbarg());
  struct event *hog = evtimer_new(b, hog_cb, NULL);
  /* The hog runs from 80 to 120 ms: the timer due at 100 ms fires late, and
     must next be due at 200 ms (from now it would be about 220 ms). */
  struct timeval interval = {0, 100000}, hog_at = {0, 80000}, first;
  CT_EQ(event_add(ev, &interval), 0);
  CT_EQ(event_pending(ev, EV_TIMEOUT, &first), EV_TIMEOUT);
  CT_EQ(evtimer_add(hog, &hog_at), 0); /* keeps the loop busy past the deadline */
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_TIMEOUT);
  const long long drift = tv_us(&g_next) - (tv_us(&first) + 100000);
  if (!(drift > -3000 && drift < 3000)) ct_failf(__FILE__, __LINE__, "drift %lld us", drift);
  event_free(ev);
  event_free(hog);
  event_base_free(b);
}

static void write_pipe_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  CT_EQ(write(*(int *)arg, "x", 1), 1);
}

/* When the fd (not the timeout) wakes a persistent event, its timeout
   starts again from now. */
static void persist_reschedules_from_now_on_io(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *ev =
      event_new(b, fds[0], EV_READ | EV_PERSIST, persist_timer_cb, event_self_cbarg());
  struct event *writer = evtimer_new(b, write_pipe_cb, &fds[1]);
  struct timeval interval = {0, 300000}, write_at = {0, 50000}, first, now;
  CT_EQ(event_add(ev, &interval), 0);
  CT_EQ(event_pending(ev, EV_TIMEOUT, &first), EV_TIMEOUT);
  CT_EQ(evtimer_add(writer, &write_at), 0);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 0);
  gettimeofday(&now, NULL);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_READ);
  const long long from_now = tv_us(&g_next) - (tv_us(&now) + 300000);
  CT_CHECK(from_now > -150000 && from_now < 5000);   /* slack for a loaded machine */
  CT_CHECK(tv_us(&g_next) - tv_us(&first) < 200000); /* not first + interval */
  event_free(ev);
  event_free(writer);
  event_base_free(b);
  close(fds[0]);
  close(fds[1]);
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  g_what = what;
  ++g_calls;
}

/* A persistent event with a zero timeout fires once by timeout: libevent
   only reschedules persistent events that have a nonzero interval. */
static void persist_zero_timeout_fires_once(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = event_new(b, -1, EV_PERSIST, count_cb, NULL);
  struct timeval zero = {0, 0};
  CT_EQ(event_add(ev, &zero), 0);
  g_calls = 0;
  struct timeval stop = {0, 50000};
  event_base_loopexit(b, &stop);
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(event_pending(ev, EV_TIMEOUT, NULL), 0);
  event_free(ev);
  event_base_free(b);
}

#define NTIMERS 200
static struct event *g_timers[NTIMERS];
static long long g_deadline[NTIMERS];
static int g_fired[NTIMERS], g_nfired;

static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_fired[g_nfired++] = (int)(long)arg;
}

/* Many random timers fire in the order of their deadlines. */
static void random_timers_in_deadline_order(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  srand(12345);
  for (int i = 0; i < NTIMERS; ++i) {
    struct timeval tv = {0, rand() % 40000}, at;
    g_timers[i] = evtimer_new(b, order_cb, (void *)(long)i);
    CT_EQ(evtimer_add(g_timers[i], &tv), 0);
    CT_EQ(evtimer_pending(g_timers[i], &at), EV_TIMEOUT);
    g_deadline[i] = tv_us(&at);
  }
  /* Some removed and some moved: they must not fire at their old time. */
  for (int i = 0; i < NTIMERS; i += 10) CT_EQ(evtimer_del(g_timers[i]), 0);
  for (int i = 5; i < NTIMERS; i += 10) {
    struct timeval tv = {0, rand() % 40000}, at;
    CT_EQ(evtimer_add(g_timers[i], &tv), 0);
    CT_EQ(evtimer_pending(g_timers[i], &at), EV_TIMEOUT);
    g_deadline[i] = tv_us(&at);
  }
  g_nfired = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_nfired, NTIMERS - NTIMERS / 10);
  for (int k = 1; k < g_nfired; ++k)
    CT_CHECK(g_deadline[g_fired[k - 1]] <= g_deadline[g_fired[k]] + 2);
  for (int k = 0; k < g_nfired; ++k) CT_CHECK(g_fired[k] % 10 != 0);
  for (int i = 0; i < NTIMERS; ++i) event_free(g_timers[i]);
  event_base_free(b);
}

/* Common timeouts: one magic timeval per duration, many events share it. */
static void common_timeouts_fire(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct timeval d = {0, 20000};
  const struct timeval *magic = event_base_init_common_timeout(b, &d);
  CT_REQUIRE(magic);
  CT_CHECK(magic->tv_usec != 20000); /* encodes the queue */
  CT_CHECK(event_base_init_common_timeout(b, &d) == magic);
  struct timeval d2 = {0, 10000};
  const struct timeval *magic2 = event_base_init_common_timeout(b, &d2);
  CT_REQUIRE(magic2 && magic2 != magic);
  /* Timers on the same base may use the magic value, or a copy of it. */
  struct timeval copy = *magic;
  const long long start = mono_us();
  g_nfired = 0;
  for (int i = 0; i < 100; ++i) {
    g_timers[i] = evtimer_new(b, order_cb, (void *)(long)i);
    CT_EQ(evtimer_add(g_timers[i], i % 2 ? magic : &copy), 0);
  }
  for (int i = 100; i < 110; ++i) {
    g_timers[i] = evtimer_new(b, order_cb, (void *)(long)i);
    CT_EQ(evtimer_add(g_timers[i], magic2), 0);
  }
  struct timeval at;
  CT_EQ(evtimer_pending(g_timers[0], &at), EV_TIMEOUT);
  CT_CHECK(at.tv_usec >= 0 && at.tv_usec < 1000000);
  struct timeval now;
  gettimeofday(&now, NULL);
  /* Absolute wall-clock time (an interval would be 50 years off): at most the
     20 ms ahead of now, and in the past only by as long as this thread was held
     up since the add (libevent derives it from a coarse clock and a cached
     wall-clock offset, so under a loaded debug build it can trail `now`). */
  CT_CHECK(tv_us(&at) - tv_us(&now) > -1000000 && tv_us(&at) - tv_us(&now) <= 21000);
  CT_EQ(evtimer_del(g_timers[3]), 0);
  CT_EQ(event_base_dispatch(b), 1);
  CT_CHECK(mono_us() - start >= 15000);
  CT_EQ(g_nfired, 109);
  /* The shorter queue first, then the long one in the order added. */
  for (int k = 0; k < 10; ++k) CT_EQ(g_fired[k], 100 + k);
  for (int k = 11; k < g_nfired; ++k) CT_CHECK(g_fired[k - 1] < g_fired[k]);
  /* The magic value stays valid: use it again. */
  g_nfired = 0;
  CT_EQ(evtimer_add(g_timers[3], magic), 0);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_nfired, 1);
  for (int i = 0; i < 110; ++i) event_free(g_timers[i]);
  event_base_free(b);
}

static void persist_common_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct event *ev = arg;
  if (++g_calls == 3) event_del(ev);
}

static void persist_with_common_timeout(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct timeval d = {0, 10000};
  const struct timeval *magic = event_base_init_common_timeout(b, &d);
  CT_REQUIRE(magic);
  struct event *ev = event_new(b, -1, EV_PERSIST, persist_common_cb, event_self_cbarg());
  CT_EQ(event_add(ev, magic), 0);
  g_calls = 0;
  const long long start = mono_us();
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 3);
  CT_CHECK(mono_us() - start >= 25000);
  event_free(ev);
  event_base_free(b);
}

/* event_remove_timer drops only the timeout: the I/O part stays pending, and
   a persistent event is not given its timeout back after firing. */
static void remove_timer(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *io = event_new(b, fds[0], EV_READ | EV_PERSIST, count_cb, NULL);
  struct event *tm = evtimer_new(b, count_cb, NULL);
  struct timeval tv = {0, 20000};
  CT_EQ(event_add(io, &tv), 0);
  CT_EQ(evtimer_add(tm, &tv), 0);
  CT_EQ(event_remove_timer(io), 0);
  CT_EQ(event_remove_timer(tm), 0);
  CT_EQ(event_remove_timer(tm), 0); /* no timer: still fine */
  CT_EQ(event_pending(io, EV_READ | EV_TIMEOUT, NULL), EV_READ);
  CT_EQ(evtimer_pending(tm, NULL), 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  g_calls = 0;
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_READ);
  CT_EQ(event_pending(io, EV_READ | EV_TIMEOUT, NULL), EV_READ);
  event_free(io);
  event_free(tm);
  event_base_free(b);
  close(fds[0]);
  close(fds[1]);
}

static long long g_added_at[20], g_elapsed[20];
static void precise_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  const int i = (int)(long)arg;
  g_elapsed[i] = mono_us() - g_added_at[i];
}

/* eventide's timers never fire early (libevent's cached coarse clock lets
   them fire up to a few ms early, so this runs on eventide only). */
static void timers_never_early(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev[20];
  for (int i = 0; i < 20; ++i) {
    struct timeval tv = {0, (i + 1) * 1000 + i * 37};
    ev[i] = evtimer_new(b, precise_cb, (void *)(long)i);
    g_added_at[i] = mono_us();
    CT_EQ(evtimer_add(ev[i], &tv), 0);
  }
  CT_EQ(event_base_dispatch(b), 1);
  for (int i = 0; i < 20; ++i) {
#ifndef CT_LIBEVENT
    CT_CHECK(g_elapsed[i] >= (i + 1) * 1000 + i * 37);
#endif
    CT_CHECK(g_elapsed[i] < (i + 1) * 1000 + 200000);
    event_free(ev[i]);
  }
  event_base_free(b);
}

static struct timeval g_cached1, g_cached2, g_cached3;
static void cache_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct event_base *b = arg;
  CT_EQ(event_base_gettimeofday_cached(b, &g_cached1), 0);
  busy_wait_us(10000);
  CT_EQ(event_base_gettimeofday_cached(b, &g_cached2), 0);
  CT_EQ(event_base_update_cache_time(b), 0);
  CT_EQ(event_base_gettimeofday_cached(b, &g_cached3), 0);
}

/* Inside the loop the time is cached per iteration until updated. */
static void cached_time(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct timeval c, now;
  CT_EQ(event_base_gettimeofday_cached(b, &c), 0);
  gettimeofday(&now, NULL);
  /* The same wall clock, read just before: the gap is this thread's delay (bounded
     generously: a loaded machine can hold a thread for tens of milliseconds). */
  CT_CHECK(tv_us(&now) - tv_us(&c) >= 0 && tv_us(&now) - tv_us(&c) < 1000000);
  struct event *ev = evtimer_new(b, cache_cb, b);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(tv_us(&g_cached1), tv_us(&g_cached2));
  CT_CHECK(tv_us(&g_cached3) - tv_us(&g_cached1) >= 5000);
  gettimeofday(&now, NULL);
  CT_CHECK(tv_us(&now) - tv_us(&g_cached3) >= -15000 && tv_us(&now) - tv_us(&g_cached3) < 1000000);
  /* Outside the loop update_cache_time is harmless. */
  CT_EQ(event_base_update_cache_time(b), 0);
  event_free(ev);
  event_base_free(b);

  /* EVENT_BASE_FLAG_NO_CACHE_TIME: every read is fresh. */
  struct event_config *cfg = event_config_new();
  CT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME), 0);
  b = event_base_new_with_config(cfg);
  event_config_free(cfg);
  CT_REQUIRE(b);
  ev = evtimer_new(b, cache_cb, b);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_base_dispatch(b), 1);
  CT_CHECK(tv_us(&g_cached2) - tv_us(&g_cached1) >= 5000);
  event_free(ev);
  event_base_free(b);
}

static void monotonic_time(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct timeval t1, t2;
  CT_EQ(event_gettime_monotonic(b, &t1), 0);
  const long long m = mono_us();
  busy_wait_us(10000);
  CT_EQ(event_gettime_monotonic(b, &t2), 0);
  CT_CHECK(tv_us(&t2) - tv_us(&t1) >= 5000); /* libevent's clock has 4 ms ticks */
  /* The same monotonic clock as CLOCK_MONOTONIC (another clock would be far off). */
  CT_CHECK(tv_us(&t1) - m < 1000000 && m - tv_us(&t1) < 1000000);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"persist_reschedules_from_deadline", persist_reschedules_from_deadline, CT_ALL_BACKENDS},
    {"persist_reschedules_from_now_on_io", persist_reschedules_from_now_on_io, CT_ALL_BACKENDS},
    {"persist_zero_timeout_fires_once", persist_zero_timeout_fires_once, 0},
    {"random_timers_in_deadline_order", random_timers_in_deadline_order, CT_ALL_BACKENDS},
    {"common_timeouts_fire", common_timeouts_fire, CT_ALL_BACKENDS},
    {"persist_with_common_timeout", persist_with_common_timeout, 0},
    {"remove_timer", remove_timer, CT_ALL_BACKENDS},
    {"timers_never_early", timers_never_early, CT_ALL_BACKENDS},
    {"cached_time", cached_time, 0},
    {"monotonic_time", monotonic_time, 0},
};
CT_REGISTER(event_timer, cases)
