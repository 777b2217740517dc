/* The legacy API of <event.h> / event2/event_compat.h: event_init's current
   base, event_set, event_dispatch, event_loop, event_once, event_loopexit,
   and the timeout_* / signal_* macros, as old libevent programs use them. */
#define _GNU_SOURCE
#include <event.h>

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"

static int g_calls;
static short g_what;
static int g_order[8], g_norder;

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  g_what = what;
  ++g_calls;
}
static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = (int)(long)arg;
}

static void init_set_dispatch(void) {
  struct event_base *base = event_init();
  CT_REQUIRE(base);
  if (ct_backend()) CT_STREQ(event_get_method(), ct_backend());
  CT_STREQ(event_get_method(), event_base_get_method(base));
  int fds[2];
  CT_REQUIRE(pipe(fds) == 0);
  struct event rd, tm;
  event_set(&rd, fds[0], EV_READ, count_cb, NULL);
  CT_CHECK(event_get_base(&rd) == base);
  CT_EQ(EVENT_FD(&rd), fds[0]);
  CT_EQ(event_add(&rd, NULL), 0);
  evtimer_set(&tm, order_cb, (void *)1L);
  struct timeval ms = {0, 2000};
  CT_EQ(evtimer_add(&tm, &ms), 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  g_calls = 0;
  g_norder = 0;
  CT_EQ(event_dispatch(), 1);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_READ);
  CT_EQ(g_norder, 1);
  /* event_loop with flags on the current base. */
  CT_EQ(event_add(&rd, NULL), 0);
  CT_EQ(event_loop(EVLOOP_NONBLOCK), 1);
  CT_EQ(g_calls, 2);
  /* event_new(NULL, ...) and the other NULL-base calls use it too. */
  struct event *ev = event_new(NULL, -1, 0, count_cb, NULL);
  CT_REQUIRE(ev);
  CT_CHECK(event_get_base(ev) == base);
  CT_EQ(event_base_get_npriorities(NULL), 1);
  CT_EQ(event_base_update_cache_time(NULL), 0);
  struct timeval now;
  CT_EQ(event_base_gettimeofday_cached(NULL, &now), 0);
  event_free(ev);
  event_base_free(NULL); /* frees the current base */
  close(fds[0]);
  close(fds[1]);
}

static void timeout_macros(void) {
  struct event_base *base = event_init();
  CT_REQUIRE(base);
  struct event t;
  memset(&t, 0, sizeof t);
  CT_EQ(timeout_initialized(&t), 0);
  timeout_set(&t, count_cb, NULL);
  CT_CHECK(timeout_initialized(&t));
  struct timeval ten = {10, 0}, ms = {0, 1000}, at;
  CT_EQ(timeout_add(&t, &ten), 0);
  CT_EQ(timeout_pending(&t, &at), EV_TIMEOUT);
  CT_EQ(timeout_del(&t), 0);
  CT_EQ(timeout_pending(&t, NULL), 0);
  CT_EQ(timeout_add(&t, &ms), 0);
  g_calls = 0;
  CT_EQ(event_dispatch(), 1);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_TIMEOUT);
  event_base_free(base);
}

static void signal_macros(void) {
  struct event_base *base = event_init();
  CT_REQUIRE(base);
  struct event s, s2;
  signal_set(&s, SIGUSR1, count_cb, NULL);
  CT_CHECK(signal_initialized(&s));
  CT_EQ(EVENT_SIGNAL(&s), SIGUSR1);
  CT_EQ(event_get_events(&s), EV_SIGNAL | EV_PERSIST);
  CT_EQ(signal_add(&s, NULL), 0);
  CT_EQ(signal_pending(&s, NULL), EV_SIGNAL);
  evsignal_set(&s2, SIGUSR2, count_cb, NULL);
  CT_EQ(event_get_events(&s2), EV_SIGNAL | EV_PERSIST);
  g_calls = 0;
  CT_EQ(raise(SIGUSR1), 0);
  struct timeval stop = {0, 300000};
  CT_EQ(event_loopexit(&stop), 0);
  while (g_calls == 0 && !event_base_got_exit(base)) event_loop(EVLOOP_ONCE);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_SIGNAL);
  CT_EQ(signal_del(&s), 0);
  CT_EQ(signal_pending(&s, NULL), 0);
  event_base_free(base);
}

static void once_and_loopexit(void) {
  struct event_base *base = event_init();
  CT_REQUIRE(base);
  struct timeval ms = {0, 1000}, t20 = {0, 20000};
  g_norder = 0;
  CT_EQ(event_once(-1, EV_TIMEOUT, order_cb, (void *)1L, &ms), 0);
  CT_EQ(event_once(-1, EV_TIMEOUT, order_cb, (void *)2L, NULL), 0);
  CT_EQ(event_dispatch(), 1);
  CT_EQ(g_norder, 2);
  CT_EQ(g_order[0], 2);
  CT_EQ(g_order[1], 1);
  /* loopexit with a timeout over a persistent timer. */
  struct event tick;
  event_set(&tick, -1, EV_PERSIST, count_cb, NULL);
  CT_EQ(event_add(&tick, &ms), 0);
  CT_EQ(event_loopexit(&t20), 0);
  g_calls = 0;
  CT_EQ(event_dispatch(), 0);
  CT_CHECK(g_calls >= 2);
  CT_EQ(event_base_got_exit(base), 1);
  event_del(&tick);
  event_base_free(base);
}

static void break_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_calls;
  CT_EQ(event_loopbreak(), 0);
}

static void loopbreak_and_priorities(void) {
  struct event_base *base = event_init();
  CT_REQUIRE(base);
  CT_EQ(event_priority_init(3), 0);
  struct event a, b;
  event_set(&a, -1, 0, break_cb, NULL);
  event_set(&b, -1, 0, count_cb, NULL);
  CT_EQ(event_get_priority(&a), 1);
  CT_EQ(event_priority_set(&b, 2), 0);
  event_active(&a, EV_TIMEOUT, 1);
  event_active(&b, EV_TIMEOUT, 1);
  g_calls = 0;
  CT_EQ(event_dispatch(), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(event_base_got_break(base), 1);
  CT_EQ(event_loop(0), 1);
  CT_EQ(g_calls, 2);
  /* A second event_init replaces the current base. */
  struct event_base *other = event_init();
  CT_REQUIRE(other && other != base);
  struct event c;
  event_set(&c, -1, 0, count_cb, NULL);
  CT_CHECK(event_get_base(&c) == other);
  event_base_free(base);
  event_base_free(NULL);
}

/* Without event_init: the calls libevent survives fail the same way; the
   ones it crashes on (event_dispatch, event_loop, event_get_method,
   event_priority_init) fail with a message on eventide. */
static int g_warnings;
static void count_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

static void no_current_base(void) {
  struct timeval ms = {0, 1000};
  CT_EQ(event_loopexit(&ms), -1);
  CT_EQ(event_loopbreak(), -1);
  CT_EQ(event_once(-1, EV_TIMEOUT, count_cb, NULL, &ms), -1);
  struct event ev;
  event_set(&ev, -1, 0, count_cb, NULL);
  CT_CHECK(event_get_base(&ev) == NULL);
  event_set_log_callback(count_log);
  g_warnings = 0;
  CT_EQ(event_add(&ev, &ms), -1);
  CT_CHECK(g_warnings > 0);
#ifndef CT_LIBEVENT
  g_warnings = 0;
  CT_EQ(event_dispatch(), -1);
  CT_EQ(event_loop(EVLOOP_NONBLOCK), -1);
  CT_CHECK(event_get_method() == NULL);
  CT_EQ(event_priority_init(2), -1);
  CT_EQ(g_warnings, 4);
#endif
  event_set_log_callback(NULL);
}

static const struct ct_case cases[] = {
    {"init_set_dispatch", init_set_dispatch, CT_ALL_BACKENDS},
    {"timeout_macros", timeout_macros, 0},
    {"signal_macros", signal_macros, CT_ALL_BACKENDS},
    {"once_and_loopexit", once_and_loopexit, 0},
    {"loopbreak_and_priorities", loopbreak_and_priorities, 0},
    {"no_current_base", no_current_base, 0},
};
CT_REGISTER(event_compat, cases)
