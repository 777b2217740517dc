/* The event state machine as a libevent program sees it: assign/new/free,
   non-persistent events removed before their callback, re-adding, activation
   flags, event_pending, several events on one fd, getters. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"

static struct event_base *new_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

static int g_calls;
static short g_what;
static int g_pending_in_cb;
static struct event *g_ev;

/* Counts calls; the first re-adds the event, the second frees it. */
static void readd_then_free_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  struct event *ev = arg;
  g_what = what;
  g_pending_in_cb |= event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, NULL);
  if (++g_calls == 1)
    CT_EQ(event_add(ev, NULL), 0);
  else
    event_free(ev);
}

static void nonpersist_removed_before_callback(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *ev = event_new(b, fds[0], EV_READ, readd_then_free_cb, event_self_cbarg());
  CT_REQUIRE(ev);
  struct timeval tv = {5, 0};
  CT_EQ(event_add(ev, &tv), 0);
  CT_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, NULL), EV_READ | EV_TIMEOUT);
  CT_EQ(write(fds[1], "x", 1), 1);
  g_calls = 0;
  g_pending_in_cb = 0;
  /* Level-triggered: the byte stays, so the re-added event fires again; the
     second call frees it and the loop runs out of events. */
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 2);
  CT_EQ(g_what, EV_READ);
  CT_EQ(g_pending_in_cb, 0);
  event_base_free(b);
  close(fds[0]);
  close(fds[1]);
}

static void persist_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct event *ev = arg;
  g_pending_in_cb = event_pending(ev, EV_READ | EV_TIMEOUT, NULL);
  if (++g_calls == 3) event_del(ev);
}

static void persist_stays_pending(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *ev = event_new(b, fds[0], EV_READ | EV_PERSIST, persist_cb, event_self_cbarg());
  CT_REQUIRE(ev);
  CT_EQ(event_add(ev, NULL), 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 3);
  CT_EQ(g_pending_in_cb, EV_READ); /* as seen by the third call, before its del */
  CT_EQ(event_pending(ev, EV_READ, NULL), 0);
  event_free(ev);
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

static long tv_ms(const struct timeval *tv) {
  return tv->tv_sec * 1000L + tv->tv_usec / 1000;
}

/* Re-adding a pending event only moves its timeout: it is not inserted twice,
   and adding with NULL keeps the timeout it had. */
static void readd_resets_timeout(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int fds[2];
  CT_REQUIRE(pipe(fds) == 0);
  struct event *ev = event_new(b, fds[0], EV_READ, count_cb, NULL);
  struct timeval ten = {10, 0}, short_tv = {0, 20000}, t1, t2, t3;
  CT_EQ(event_add(ev, &ten), 0);
  const int added = event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED);
  CT_EQ(event_pending(ev, EV_TIMEOUT, &t1), EV_TIMEOUT);
  CT_EQ(event_add(ev, &short_tv), 0);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), added);
  CT_EQ(event_pending(ev, EV_TIMEOUT, &t2), EV_TIMEOUT);
  CT_CHECK(tv_ms(&t1) - tv_ms(&t2) > 9000);
  CT_EQ(event_add(ev, NULL), 0);
  CT_EQ(event_pending(ev, EV_TIMEOUT | EV_READ, &t3), EV_TIMEOUT | EV_READ);
  CT_EQ(t3.tv_sec, t2.tv_sec);
  CT_EQ(t3.tv_usec, t2.tv_usec);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_TIMEOUT);
  event_free(ev);
  event_base_free(b);
  close(fds[0]);
  close(fds[1]);
}

/* Activating an active event ORs the flags and still gives one callback;
   event_pending reports them though the event was never added. */
static void active_ors_flags(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = event_new(b, -1, 0, count_cb, NULL);
  CT_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, NULL), 0);
  event_active(ev, EV_READ, 1);
  event_active(ev, EV_WRITE, 1);
  CT_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, NULL), EV_READ | EV_WRITE);
  CT_EQ(event_pending(ev, EV_WRITE, NULL), EV_WRITE);
  g_calls = 0;
  /* The callback runs; then nothing is left, so the loop reports "no events". */
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_READ | EV_WRITE);
  CT_EQ(event_pending(ev, EV_READ | EV_WRITE, NULL), 0);
  /* Activation with flags the event was not made for is passed on as is. */
  event_active(ev, EV_TIMEOUT | EV_SIGNAL, 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_EQ(g_what, EV_TIMEOUT | EV_SIGNAL);
  event_free(ev);
  event_base_free(b);
}

/* The expiry reported by event_pending is absolute gettimeofday time. */
static void pending_tv_is_wall_clock(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evtimer_new(b, count_cb, NULL);
  struct timeval two = {2, 0}, now, tv;
  gettimeofday(&now, NULL);
  CT_EQ(evtimer_add(ev, &two), 0);
  CT_EQ(evtimer_pending(ev, &tv), EV_TIMEOUT);
  const long d = tv_ms(&tv) - tv_ms(&now);
  CT_CHECK(d > 1900 && d < 2100);
  CT_CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
  /* Not asked for EV_TIMEOUT: tv is left alone. */
  struct timeval untouched = {7, 7};
  CT_EQ(event_pending(ev, EV_READ, &untouched), 0);
  CT_EQ(untouched.tv_sec, 7);
  event_free(ev);
  event_base_free(b);
}

/* Several events on one fd: each is activated with the bits it asked for,
   most recently added first (libevent keeps a LIFO list per fd). */
static int g_order[8], g_norder;
static short g_res[8];
static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  g_res[g_norder] = what;
  g_order[g_norder++] = (int)(long)arg;
}

static void several_events_one_fd(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct event *r = event_new(b, sv[0], EV_READ, order_cb, (void *)1L);
  struct event *w = event_new(b, sv[0], EV_WRITE, order_cb, (void *)2L);
  struct event *rw = event_new(b, sv[0], EV_READ | EV_WRITE, order_cb, (void *)3L);
  struct event *r2 = event_new(b, sv[0], EV_READ, order_cb, (void *)4L);
  CT_EQ(event_add(r, NULL), 0);
  CT_EQ(event_add(w, NULL), 0);
  CT_EQ(event_add(rw, NULL), 0);
  CT_EQ(event_add(r2, NULL), 0);
  g_norder = 0;
  /* Only writable so far. */
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_norder, 2);
  CT_EQ(g_order[0], 3);
  CT_EQ(g_res[0], EV_WRITE);
  CT_EQ(g_order[1], 2);
  CT_EQ(g_res[1], EV_WRITE);
  /* Now readable too: the two read-only events, newest first. */
  CT_EQ(write(sv[1], "x", 1), 1);
  g_norder = 0;
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_norder, 2);
  CT_EQ(g_order[0], 4);
  CT_EQ(g_order[1], 1);
  CT_EQ(g_res[0], EV_READ);
  /* All four again, readable and writable. */
  CT_EQ(event_add(r, NULL), 0);
  CT_EQ(event_add(w, NULL), 0);
  CT_EQ(event_add(rw, NULL), 0);
  CT_EQ(event_add(r2, NULL), 0);
  g_norder = 0;
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_norder, 4);
  CT_EQ(g_order[0], 4);
  CT_EQ(g_order[1], 3);
  CT_EQ(g_res[1], EV_READ | EV_WRITE);
  CT_EQ(g_order[2], 2);
  CT_EQ(g_order[3], 1);
  event_free(r);
  event_free(w);
  event_free(rw);
  event_free(r2);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

static int g_warnings;
static void count_warnings(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

/* libevent 2.1.12 accepts EV_ET and level-triggered events on one fd and
   silently watches the fd in one mode only, so one of them misbehaves.
   eventide refuses the second add with a log message (as libevent 2.2 does). */
static void mixing_et_and_level(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct event *et = event_new(b, sv[0], EV_READ | EV_ET | EV_PERSIST, count_cb, NULL);
  struct event *lt = event_new(b, sv[0], EV_WRITE, count_cb, NULL);
  CT_EQ(event_add(et, NULL), 0);
  g_warnings = 0;
  event_set_log_callback(count_warnings);
  const int r = event_add(lt, NULL);
  event_set_log_callback(NULL);
#ifdef CT_LIBEVENT
  CT_EQ(r, 0);
#else
  CT_EQ(r, -1);
  CT_EQ(g_warnings, 1);
  CT_EQ(event_pending(lt, EV_WRITE, NULL), 0);
  /* Once the edge-triggered one is gone, level-triggered is fine, and the
     other way round is refused too. */
  CT_EQ(event_del(et), 0);
  CT_EQ(event_add(lt, NULL), 0);
  CT_EQ(event_add(et, NULL), -1);
#endif
  event_free(et);
  event_free(lt);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

/* EV_CLOSED reports a peer that closed, on backends that have it. */
static void closed_on_socketpair(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  const int early = event_base_get_features(b) & EV_FEATURE_EARLY_CLOSE;
  if (strcmp(event_base_get_method(b), "select") != 0) CT_CHECK(early);
  struct event *ev = event_new(b, sv[0], EV_CLOSED, count_cb, NULL);
  CT_EQ(event_add(ev, NULL), 0);
  g_calls = 0;
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 0);
  close(sv[1]);
  if (early) {
    CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
    CT_EQ(g_calls, 1);
    CT_EQ(g_what, EV_CLOSED);
  } else {
    CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
    CT_EQ(g_calls, 0);
  }
  event_free(ev);
  event_base_free(b);
  close(sv[0]);
}

static void signal_with_read_refused(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_CHECK(event_new(b, SIGUSR1, EV_SIGNAL | EV_READ, count_cb, NULL) == NULL);
  CT_CHECK(event_new(b, SIGUSR1, EV_SIGNAL | EV_WRITE, count_cb, NULL) == NULL);
  CT_CHECK(event_new(b, SIGUSR1, EV_SIGNAL | EV_CLOSED, count_cb, NULL) == NULL);
  struct event ev;
  CT_EQ(event_assign(&ev, b, SIGUSR1, EV_SIGNAL | EV_READ, count_cb, NULL), -1);
  CT_EQ(event_assign(&ev, b, SIGUSR1, EV_SIGNAL | EV_PERSIST, count_cb, NULL), 0);
  event_base_free(b);
}

static void *g_arg_seen;
static void self_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_arg_seen = arg;
}

static void self_cbarg(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = event_new(b, -1, 0, self_cb, event_self_cbarg());
  CT_REQUIRE(ev);
  CT_CHECK(event_get_callback_arg(ev) == ev);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_CHECK(g_arg_seen == ev);
  struct event stack_ev;
  CT_EQ(event_assign(&stack_ev, b, -1, 0, self_cb, event_self_cbarg()), 0);
  CT_CHECK(event_get_callback_arg(&stack_ev) == &stack_ev);
  event_free(ev);
  event_base_free(b);
}

static void getters(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int x;
  struct event *ev = event_new(b, 7, EV_READ | EV_PERSIST, count_cb, &x);
  CT_EQ(event_get_fd(ev), 7);
  CT_CHECK(event_get_base(ev) == b);
  CT_EQ(event_get_events(ev), EV_READ | EV_PERSIST);
  CT_CHECK(event_get_callback(ev) == count_cb);
  CT_CHECK(event_get_callback_arg(ev) == &x);
  CT_EQ(event_get_priority(ev), 0);
  struct event_base *bo = NULL;
  evutil_socket_t fo = -2;
  short eo = 0;
  event_callback_fn co = NULL;
  void *ao = NULL;
  event_get_assignment(ev, &bo, &fo, &eo, &co, &ao);
  CT_CHECK(bo == b);
  CT_EQ(fo, 7);
  CT_EQ(eo, EV_READ | EV_PERSIST);
  CT_CHECK(co == count_cb);
  CT_CHECK(ao == &x);
  event_get_assignment(ev, NULL, &fo, NULL, NULL, NULL); /* any out may be NULL */
  struct event *sig = evsignal_new(b, SIGUSR2, count_cb, NULL);
  CT_EQ(event_get_signal(sig), SIGUSR2);
  CT_EQ(event_get_events(sig), EV_SIGNAL | EV_PERSIST);
  struct event *tm = evtimer_new(b, count_cb, NULL);
  CT_EQ(event_get_fd(tm), -1);
  CT_EQ(event_get_events(tm), 0);
  event_free(sig);
  event_free(tm);
  event_free(ev);
  event_base_free(b);
}

static void struct_size_and_initialized(void) {
  CT_EQ(event_get_struct_event_size(), sizeof(struct event));
  CT_CHECK(sizeof(struct event) <= 128);
#ifndef CT_LIBEVENT
  /* eventide keeps its deadline as one 64-bit count: 8 bytes smaller. */
  CT_CHECK(sizeof(struct event) <= 120);
#endif
  struct event ev;
  memset(&ev, 0, sizeof ev);
  CT_EQ(event_initialized(&ev), 0);
  CT_EQ(evtimer_initialized(&ev), 0);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(evtimer_assign(&ev, b, count_cb, NULL), 0);
  CT_EQ(event_initialized(&ev), 1);
  /* An embedded event that was added must be deleted before it goes away. */
  struct timeval tv = {1, 0};
  CT_EQ(evtimer_add(&ev, &tv), 0);
  CT_EQ(evtimer_pending(&ev, NULL), EV_TIMEOUT);
  CT_EQ(evtimer_del(&ev), 0);
  CT_EQ(evtimer_pending(&ev, NULL), 0);
  event_base_free(b);
}

/* A callback deleting or freeing another active event keeps it from running. */
static struct event *g_victim;
static void killer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_calls;
  event_free(g_victim);
  g_victim = NULL;
}
static void victim_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  g_calls += 100;
}

static void free_other_active_event(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *k = event_new(b, -1, 0, killer_cb, NULL);
  g_victim = event_new(b, -1, 0, victim_cb, NULL);
  event_active(k, EV_TIMEOUT, 1);
  event_active(g_victim, EV_TIMEOUT, 1);
  g_calls = 0;
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_EQ(g_calls, 1);
  event_free(k);
  event_base_free(b);
}

/* event_base_set moves a non-pending event to another base (and its
   priority to the middle of that base's range). */
static void base_set_moves_event(void) {
  struct event_base *a = new_base(), *b = new_base();
  CT_REQUIRE(a && b);
  CT_EQ(event_base_priority_init(b, 5), 0);
  struct event ev;
  CT_EQ(evtimer_assign(&ev, a, count_cb, NULL), 0);
  CT_EQ(event_base_set(b, &ev), 0);
  CT_CHECK(event_get_base(&ev) == b);
  CT_EQ(event_get_priority(&ev), 2);
  struct timeval tv = {1, 0};
  CT_EQ(evtimer_add(&ev, &tv), 0);
  CT_EQ(event_base_set(a, &ev), -1); /* pending */
  CT_CHECK(event_get_base(&ev) == b);
  CT_EQ(evtimer_del(&ev), 0);
  CT_EQ(event_base_set(a, &ev), 0);
  event_base_free(a);
  event_base_free(b);
}

/* EV_ET on a backend that has it: one callback per new arrival, not per
   iteration while data waits (poll and select watch level-triggered). */
static void edge_triggered(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  if (!(event_base_get_features(b) & EV_FEATURE_ET)) {
    event_base_free(b);
    close(sv[0]);
    close(sv[1]);
    return;
  }
  struct event *ev = event_new(b, sv[0], EV_READ | EV_ET | EV_PERSIST, count_cb, NULL);
  CT_EQ(event_add(ev, NULL), 0);
  CT_EQ(write(sv[1], "x", 1), 1);
  g_calls = 0;
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0); /* the byte is still there */
  CT_EQ(g_calls, 1);
  CT_EQ(write(sv[1], "y", 1), 1);
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_calls, 2);
  event_free(ev);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

/* A callback deletes its event, closes the fd and opens another one that
   gets the same number: the new event on it must be watched. */
static struct event *g_second;
static int g_new_pipe[2];
static void reuse_cb(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct event *self = arg;
  ++g_calls;
  CT_EQ(event_del(self), 0);
  close(fd);
  CT_REQUIRE(pipe(g_new_pipe) == 0);
  CT_EQ(g_new_pipe[0], fd); /* lowest free number */
  g_second = event_new(event_get_base(self), g_new_pipe[0], EV_READ, count_cb, NULL);
  CT_EQ(event_add(g_second, NULL), 0);
  CT_EQ(write(g_new_pipe[1], "z", 1), 1);
}

static void fd_number_reused(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *ev = event_new(b, fds[0], EV_READ | EV_PERSIST, reuse_cb, event_self_cbarg());
  CT_EQ(event_add(ev, NULL), 0);
  close(fds[1]); /* EOF: readable */
  g_calls = 0;
  g_second = NULL;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 2);
  CT_EQ(g_what, EV_READ);
  event_free(ev);
  event_free(g_second);
  event_base_free(b);
  close(g_new_pipe[0]);
  close(g_new_pipe[1]);
}

static const struct ct_case cases[] = {
    {"nonpersist_removed_before_callback", nonpersist_removed_before_callback, CT_ALL_BACKENDS},
    {"persist_stays_pending", persist_stays_pending, CT_ALL_BACKENDS},
    {"readd_resets_timeout", readd_resets_timeout, CT_ALL_BACKENDS},
    {"active_ors_flags", active_ors_flags, 0},
    {"pending_tv_is_wall_clock", pending_tv_is_wall_clock, 0},
    {"several_events_one_fd", several_events_one_fd, CT_ALL_BACKENDS},
    {"mixing_et_and_level", mixing_et_and_level, CT_ALL_BACKENDS},
    {"closed_on_socketpair", closed_on_socketpair, CT_ALL_BACKENDS},
    {"signal_with_read_refused", signal_with_read_refused, 0},
    {"self_cbarg", self_cbarg, 0},
    {"getters", getters, 0},
    {"struct_size_and_initialized", struct_size_and_initialized, 0},
    {"free_other_active_event", free_other_active_event, 0},
    {"base_set_moves_event", base_set_moves_event, 0},
    {"edge_triggered", edge_triggered, CT_ALL_BACKENDS},
    {"fd_number_reused", fd_number_reused, CT_ALL_BACKENDS},
};
CT_REGISTER(event_basic, cases)
