/* Bad input to every public call of event2/event.h: libevent's error value
   where libevent survives it; where libevent crashes (NULL base or event), only
   eventide is checked: an error value and a log message, never a crash. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"

static int g_warnings;
static void count_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

/* Checks that `stmt` logged at least one warning (on eventide only when
   libevent is silent about that input). */
#define WARNS(stmt)           \
  do {                        \
    g_warnings = 0;           \
    stmt;                     \
    CT_CHECK(g_warnings > 0); \
  } while (0)

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}
static void fin(struct event *ev, void *arg) {
  (void)ev;
  (void)arg;
}
static int foreach_cb(const struct event_base *b, const struct event *ev, void *arg) {
  (void)b;
  (void)ev;
  (void)arg;
  return 0;
}

/* NULL base where libevent checks for it. */
static void null_base_survived_by_libevent(void) {
  event_set_log_callback(count_log);
  struct timeval tv = {0, 1000};
  WARNS(event_base_free(NULL));
  WARNS(event_base_free_nofinalize(NULL));
  CT_EQ(event_gettime_monotonic(NULL, &tv), -1);
  CT_EQ(event_base_loopexit(NULL, NULL), -1);
  CT_EQ(event_base_loopbreak(NULL), -1);
  CT_EQ(event_base_loopcontinue(NULL), -1);
  CT_EQ(event_base_once(NULL, -1, EV_TIMEOUT, cb, NULL, &tv), -1);
  CT_EQ(event_base_foreach_event(NULL, foreach_cb, NULL), -1);
  CT_EQ(event_base_update_cache_time(NULL), -1); /* no event_init base either */
  CT_EQ(event_base_gettimeofday_cached(NULL, &tv), 0);
  CT_CHECK(tv.tv_sec > 1000000000);
  CT_EQ(event_config_require_features(NULL, EV_FEATURE_ET), -1);
  CT_EQ(event_config_set_flag(NULL, EVENT_BASE_FLAG_NOLOCK), -1);
  CT_EQ(event_config_set_num_cpus_hint(NULL, 2), -1);
  struct event_base *b = event_base_new_with_config(NULL);
  CT_CHECK(b != NULL);
  struct event_base *cb_base = event_base_new();
  CT_EQ(event_base_foreach_event(cb_base, NULL, NULL), -1);
  event_base_free(cb_base);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* NULL base where libevent crashes: eventide returns an error and logs. */
static void null_base_eventide_only(void) {
#ifndef CT_LIBEVENT
  event_set_log_callback(count_log);
  struct timeval tv = {0, 1000};
  struct event ev;
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  CT_EQ(evtimer_assign(&ev, b, cb, NULL), 0);
  WARNS(CT_EQ(event_reinit(NULL), -1));
  WARNS(CT_EQ(event_base_dispatch(NULL), -1));
  WARNS(CT_EQ(event_base_loop(NULL, 0), -1));
  WARNS(CT_CHECK(event_base_get_method(NULL) == NULL));
  WARNS(CT_EQ(event_base_get_features(NULL), 0));
  WARNS(CT_EQ(event_base_get_num_events(NULL, EVENT_BASE_COUNT_ADDED), -1));
  WARNS(CT_EQ(event_base_get_max_events(NULL, EVENT_BASE_COUNT_ADDED, 0), -1));
  WARNS(CT_EQ(event_config_avoid_method(NULL, "epoll"), -1));
  WARNS(CT_EQ(event_config_set_max_dispatch_interval(NULL, &tv, 1, 0), -1));
  WARNS(CT_EQ(event_base_set(NULL, &ev), -1));
  WARNS(CT_EQ(event_base_got_exit(NULL), -1));
  WARNS(CT_EQ(event_base_got_break(NULL), -1));
  WARNS(CT_EQ(event_base_priority_init(NULL, 2), -1));
  WARNS(CT_EQ(event_base_get_npriorities(NULL), -1));
  WARNS(CT_CHECK(event_base_init_common_timeout(NULL, &tv) == NULL));
  WARNS(event_base_dump_events(NULL, stderr));
  WARNS(event_base_active_by_fd(NULL, 0, EV_READ));
  WARNS(event_base_active_by_signal(NULL, SIGUSR1));
  WARNS(CT_CHECK(event_base_get_running_event(NULL) == NULL));
  /* NULL arguments next to a good base. */
  WARNS(CT_CHECK(event_base_init_common_timeout(b, NULL) == NULL));
  WARNS(event_base_dump_events(b, NULL));
  WARNS(CT_EQ(event_gettime_monotonic(b, NULL), -1));
  struct event_config *cfg = event_config_new();
  WARNS(CT_EQ(event_config_avoid_method(cfg, NULL), -1));
  event_config_free(cfg);
  /* event_base_set(b, NULL) */
  WARNS(CT_EQ(event_base_set(b, NULL), -1));
  event_config_free(NULL); /* like free(NULL) */
  event_base_free(b);
  event_set_log_callback(NULL);
#endif
}

/* NULL event: libevent crashes on every one of these. */
static void null_event_eventide_only(void) {
#ifndef CT_LIBEVENT
  event_set_log_callback(count_log);
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct timeval tv = {0, 1000};
  WARNS(CT_EQ(event_assign(NULL, b, -1, 0, cb, NULL), -1));
  WARNS(CT_EQ(event_add(NULL, &tv), -1));
  WARNS(CT_EQ(event_del(NULL), -1));
  WARNS(CT_EQ(event_del_block(NULL), -1));
  WARNS(CT_EQ(event_del_noblock(NULL), -1));
  WARNS(CT_EQ(event_remove_timer(NULL), -1));
  WARNS(event_active(NULL, EV_READ, 1));
  WARNS(CT_EQ(event_pending(NULL, EV_READ, NULL), 0));
  WARNS(CT_EQ(event_get_fd(NULL), -1));
  WARNS(CT_CHECK(event_get_base(NULL) == NULL));
  WARNS(CT_EQ(event_get_events(NULL), 0));
  WARNS(CT_CHECK(event_get_callback(NULL) == NULL));
  WARNS(CT_CHECK(event_get_callback_arg(NULL) == NULL));
  WARNS(CT_EQ(event_get_priority(NULL), -1));
  int fd = 5;
  WARNS(event_get_assignment(NULL, NULL, &fd, NULL, NULL, NULL));
  CT_EQ(fd, 5);
  WARNS(CT_EQ(event_priority_set(NULL, 0), -1));
  WARNS(CT_EQ(event_finalize(0, NULL, fin), -1));
  WARNS(CT_EQ(event_free_finalize(0, NULL, fin), -1));
  CT_EQ(event_initialized(NULL), 0);
  event_free(NULL); /* like free(NULL) */
  event_base_free(b);
  event_set_log_callback(NULL);
#endif
}

/* Zeroed memory that was never assigned: both refuse with a message. */
static void zeroed_event(void) {
  event_set_log_callback(count_log);
  struct event zero;
  memset(&zero, 0, sizeof zero);
  struct timeval tv = {0, 1000};
  WARNS(CT_EQ(event_add(&zero, NULL), -1));
  WARNS(CT_EQ(event_add(&zero, &tv), -1));
  WARNS(CT_EQ(event_del(&zero), -1));
  WARNS(CT_EQ(event_del_block(&zero), -1));
  WARNS(CT_EQ(event_del_noblock(&zero), -1));
  WARNS(CT_EQ(event_remove_timer(&zero), -1));
  WARNS(event_active(&zero, EV_READ, 1));
  WARNS(CT_EQ(event_pending(&zero, EV_READ | EV_TIMEOUT, NULL), 0));
  WARNS(CT_EQ(event_finalize(0, &zero, fin), -1));
  CT_EQ(event_initialized(&zero), 0);
  CT_EQ(event_get_fd(&zero), 0);
  struct event *heap_zero = calloc(1, event_get_struct_event_size());
  WARNS(event_free(heap_zero));
#ifndef CT_LIBEVENT
  WARNS(CT_EQ(event_priority_set(&zero, 0), -1)); /* libevent crashes */
#endif
  event_set_log_callback(NULL);
}

/* event_new(NULL, ...) is legal: the event gets event_init's base, or none
   until event_base_set gives it one. */
static void event_without_base(void) {
  event_set_log_callback(count_log);
  struct event *ev = event_new(NULL, -1, 0, cb, NULL);
  CT_REQUIRE(ev);
  CT_CHECK(event_get_base(ev) == NULL);
  struct timeval tv = {0, 1000};
  WARNS(CT_EQ(event_add(ev, &tv), -1));
  struct event_base *b = event_base_new();
  CT_EQ(event_base_set(b, ev), 0);
  CT_EQ(event_add(ev, &tv), 0);
  CT_EQ(event_base_dispatch(b), 1);
  event_free(ev);
  event_base_free(b);
  event_set_log_callback(NULL);
}

static void bad_flags_and_values(void) {
  event_set_log_callback(count_log);
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct timeval tv = {0, 1000};
  WARNS(CT_CHECK(event_new(b, SIGUSR1, EV_SIGNAL | EV_READ, cb, NULL) == NULL));
  CT_EQ(event_base_once(b, SIGUSR1, EV_SIGNAL, cb, NULL, &tv), -1);
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT | EV_PERSIST, cb, NULL, &tv), -1);
  CT_EQ(event_base_once(b, -1, 0, cb, NULL, &tv), -1);
  CT_EQ(event_base_once(b, -1, EV_ET, cb, NULL, &tv), -1);
  CT_EQ(event_base_priority_init(b, 0), -1);
  CT_EQ(event_base_priority_init(b, 256), -1);
  CT_EQ(event_base_priority_init(b, -3), -1);
  struct event *ev = evtimer_new(b, cb, NULL);
  CT_EQ(event_priority_set(ev, -1), -1);
  CT_EQ(event_priority_set(ev, 1), -1);
  /* Signals that cannot be watched. */
  static const int bad_sigs[] = {0, -1, 65, 1000, SIGKILL, SIGSTOP};
  for (size_t i = 0; i < sizeof bad_sigs / sizeof bad_sigs[0]; ++i) {
    struct event *s = evsignal_new(b, bad_sigs[i], cb, NULL);
    CT_REQUIRE(s);
    CT_EQ(evsignal_add(s, NULL), -1);
    CT_EQ(evsignal_pending(s, NULL), 0);
    event_free(s);
  }
  /* Unknown loop flags are ignored. */
  CT_EQ(event_base_loop(b, 0x100), 1);
  /* Unknown method names and features are stored; features nobody has
     give no base, with a message. */
  struct event_config *cfg = event_config_new();
  CT_EQ(event_config_avoid_method(cfg, "no-such-method"), 0);
  CT_EQ(event_config_require_features(cfg, 0x100), 0);
  WARNS(CT_CHECK(event_base_new_with_config(cfg) == NULL));
  event_config_free(cfg);
  CT_EQ(event_base_get_max_events(b, 0, 0), 0);
  event_free(ev);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* Callbacks that would crash later: libevent takes them, eventide refuses. */
static void null_callbacks(void) {
#ifndef CT_LIBEVENT
  event_set_log_callback(count_log);
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct timeval tv = {0, 1000};
  WARNS(CT_EQ(event_base_once(b, -1, EV_TIMEOUT, NULL, NULL, &tv), -1));
  struct event *ev = evtimer_new(b, cb, NULL);
  WARNS(CT_EQ(event_finalize(0, ev, NULL), -1));
  /* libevent returns 0 only outside the loop, and crashes inside it. */
  WARNS(CT_EQ(event_base_gettimeofday_cached(b, NULL), -1));
  event_free(ev);
  event_base_free(b);
  event_set_log_callback(NULL);
#endif
}

/* A negative or closed fd: eventide refuses it on every backend with a
   message; libevent takes a negative fd (and never watches it) and takes a
   closed one except on epoll. */
static void bad_fds(void) {
  event_set_log_callback(count_log);
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct event *neg = event_new(b, -3, EV_READ, cb, NULL);
  struct event *closed = event_new(b, 999, EV_READ, cb, NULL);
  CT_REQUIRE(neg && closed && fcntl(999, F_GETFD) == -1);
  g_warnings = 0;
  const int rneg = event_add(neg, NULL);
  const int rclosed = event_add(closed, NULL);
#ifdef CT_LIBEVENT
  CT_EQ(rneg, 0);
  CT_EQ(event_pending(neg, EV_READ, NULL), EV_READ); /* "pending", never watched */
  if (strcmp(event_base_get_method(b), "epoll") == 0) CT_EQ(rclosed, -1);
#else
  CT_EQ(rneg, -1);
  CT_EQ(rclosed, -1);
  CT_CHECK(g_warnings >= 2);
  CT_EQ(event_pending(neg, EV_READ, NULL), 0);
  CT_EQ(event_pending(closed, EV_READ, NULL), 0);
  CT_EQ(event_base_once(b, -1, EV_READ, cb, NULL, NULL), -1);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 0);
  CT_EQ(event_base_dispatch(b), 1);
#endif
  event_free(neg);
  event_free(closed);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* select cannot hold a fd >= FD_SETSIZE: eventide refuses it with a message
   (libevent writes past its fd_set, so this never runs against libevent). */
static void select_refuses_fd_above_setsize(void) {
#ifndef CT_LIBEVENT
  struct rlimit rl;
  CT_REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= FD_SETSIZE + 10) return; /* cannot test */
  struct rlimit raised = rl;
  if (raised.rlim_cur <= FD_SETSIZE + 10) raised.rlim_cur = FD_SETSIZE + 11;
  CT_REQUIRE(setrlimit(RLIMIT_NOFILE, &raised) == 0);
  int fds[2];
  CT_REQUIRE(pipe(fds) == 0);
  const int big = FD_SETSIZE + 5;
  CT_REQUIRE(dup2(fds[0], big) == big);
  struct event_config *cfg = event_config_new();
  event_config_avoid_method(cfg, "epoll");
  event_config_avoid_method(cfg, "poll");
  struct event_base *b = event_base_new_with_config(cfg);
  event_config_free(cfg);
  CT_REQUIRE(b);
  CT_STREQ(event_base_get_method(b), "select");
  event_set_log_callback(count_log);
  struct event *ev = event_new(b, big, EV_READ, cb, NULL);
  struct event *ok = event_new(b, fds[0], EV_READ, cb, NULL);
  WARNS(CT_EQ(event_add(ev, NULL), -1));
  CT_EQ(event_pending(ev, EV_READ, NULL), 0);
  CT_EQ(event_add(ok, NULL), 0); /* the base still works */
  CT_EQ(write(fds[1], "x", 1), 1);
  CT_EQ(event_base_dispatch(b), 1);
  event_set_log_callback(NULL);
  event_free(ev);
  event_free(ok);
  event_base_free(b);
  close(big);
  close(fds[0]);
  close(fds[1]);
  setrlimit(RLIMIT_NOFILE, &rl);
#endif
}

static const struct ct_case cases[] = {
    {"null_base_survived_by_libevent", null_base_survived_by_libevent, 0},
    {"null_base_eventide_only", null_base_eventide_only, 0},
    {"null_event_eventide_only", null_event_eventide_only, 0},
    {"zeroed_event", zeroed_event, 0},
    {"event_without_base", event_without_base, 0},
    {"bad_flags_and_values", bad_flags_and_values, 0},
    {"null_callbacks", null_callbacks, 0},
    {"bad_fds", bad_fds, CT_ALL_BACKENDS},
    {"select_refuses_fd_above_setsize", select_refuses_fd_above_setsize, 0},
};
CT_REGISTER(event_misuse, cases)
