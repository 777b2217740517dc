/* Signal events: delivery, counting, freeing from the callback, the handler
   being restored, active_by_signal, and (eventide only) several bases. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <signal.h>
#include <string.h>
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
static int g_sig;

static void sig_cb(evutil_socket_t sig, short what, void *arg) {
  (void)arg;
  g_sig = (int)sig;
  g_what = what;
  ++g_calls;
}

/* Runs the loop until g_calls reaches want or 500 ms pass. */
static int loop_until(struct event_base *b, int want) {
  struct timeval stop = {0, 500000};
  event_base_loopexit(b, &stop);
  while (g_calls < want) {
    event_base_loop(b, EVLOOP_ONCE);
    if (event_base_got_exit(b)) break;
  }
  return g_calls;
}

static void raise_delivers(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR1, sig_cb, NULL);
  CT_REQUIRE(ev);
  CT_EQ(evsignal_add(ev, NULL), 0);
  CT_EQ(evsignal_pending(ev, NULL), EV_SIGNAL);
  g_calls = 0;
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(loop_until(b, 1), 1);
  CT_EQ(g_sig, SIGUSR1);
  CT_EQ(g_what, EV_SIGNAL);
  /* Persistent by default: a second signal is delivered too. */
  CT_EQ(evsignal_pending(ev, NULL), EV_SIGNAL);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(loop_until(b, 2), 2);
  event_free(ev);
  event_base_free(b);
}

/* Two raise() before the loop runs give two callbacks. */
static void two_raises_two_callbacks(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR2, sig_cb, NULL);
  CT_EQ(evsignal_add(ev, NULL), 0);
  g_calls = 0;
  CT_EQ(raise(SIGUSR2), 0);
  CT_EQ(raise(SIGUSR2), 0);
  CT_EQ(loop_until(b, 2), 2);
  /* And no third one. */
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 2);
  event_free(ev);
  event_base_free(b);
}

static void non_persistent_signal(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = event_new(b, SIGUSR1, EV_SIGNAL, sig_cb, NULL);
  CT_EQ(event_add(ev, NULL), 0);
  g_calls = 0;
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(event_base_dispatch(b), 1); /* fires once, then nothing is left */
  CT_EQ(g_calls, 1);
  CT_EQ(evsignal_pending(ev, NULL), 0);
  event_free(ev);
  event_base_free(b);
}

static void free_self_cb(evutil_socket_t sig, short what, void *arg) {
  (void)sig;
  (void)what;
  ++g_calls;
  event_free(arg);
}

/* Freeing a signal event inside its own callback stops the remaining calls
   of that delivery and touches nothing afterwards. */
static void free_in_own_callback(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR1, free_self_cb, event_self_cbarg());
  CT_EQ(evsignal_add(ev, NULL), 0);
  g_calls = 0;
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 1);
  event_base_free(b);
}

static void break_cb(evutil_socket_t sig, short what, void *arg) {
  (void)sig;
  (void)what;
  ++g_calls;
  event_base_loopbreak(arg);
}

/* loopbreak inside a signal callback stops the remaining calls of that
   delivery; the event can then be deleted and freed safely. */
static void loopbreak_in_signal_callback(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR1, break_cb, b);
  CT_EQ(evsignal_add(ev, NULL), 0);
  g_calls = 0;
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(event_base_got_break(b), 1);
  CT_EQ(event_del(ev), 0);
  CT_EQ(evsignal_add(ev, NULL), 0);
  CT_EQ(raise(SIGUSR1), 0);
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls, 2);
  event_free(ev);
  event_base_free(b);
}

static volatile sig_atomic_t g_own_handler_hits;
static void own_handler(int sig) {
  (void)sig;
  ++g_own_handler_hits;
}

/* Deleting the last event for a signal puts the previous handler back. */
static void handler_restored(void) {
  struct sigaction sa, old, now;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = own_handler;
  sigemptyset(&sa.sa_mask);
  CT_REQUIRE(sigaction(SIGUSR2, &sa, &old) == 0);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *e1 = evsignal_new(b, SIGUSR2, sig_cb, NULL);
  struct event *e2 = evsignal_new(b, SIGUSR2, sig_cb, NULL);
  CT_EQ(evsignal_add(e1, NULL), 0);
  CT_EQ(evsignal_add(e2, NULL), 0);
  CT_REQUIRE(sigaction(SIGUSR2, NULL, &now) == 0);
  CT_CHECK(now.sa_handler != own_handler);
  g_calls = 0;
  CT_EQ(raise(SIGUSR2), 0);
  CT_EQ(loop_until(b, 2), 2); /* both events of the signal are called */
  CT_EQ(evsignal_del(e1), 0);
  CT_REQUIRE(sigaction(SIGUSR2, NULL, &now) == 0);
  CT_CHECK(now.sa_handler != own_handler);
  CT_EQ(evsignal_del(e2), 0);
  CT_REQUIRE(sigaction(SIGUSR2, NULL, &now) == 0);
  CT_CHECK(now.sa_handler == own_handler);
  g_own_handler_hits = 0;
  CT_EQ(raise(SIGUSR2), 0);
  CT_EQ(g_own_handler_hits, 1);
  event_free(e1);
  event_free(e2);
  event_base_free(b);
  sigaction(SIGUSR2, &old, NULL);
}

static void active_by_signal(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR1, sig_cb, NULL);
  struct event *other = evsignal_new(b, SIGUSR2, sig_cb, NULL);
  CT_EQ(evsignal_add(ev, NULL), 0);
  CT_EQ(evsignal_add(other, NULL), 0);
  g_calls = 0;
  event_base_active_by_signal(b, SIGUSR1);
  CT_EQ(event_pending(ev, EV_SIGNAL, NULL), EV_SIGNAL);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(g_sig, SIGUSR1);
  CT_EQ(g_what, EV_SIGNAL);
  event_base_active_by_signal(b, 0);    /* nothing there */
  event_base_active_by_signal(b, 4000); /* out of range: ignored */
  event_base_active_by_signal(b, -1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 1);
  event_free(ev);
  event_free(other);
  event_base_free(b);
}

static int g_calls_a, g_calls_b;
static void count_a(evutil_socket_t s, short w, void *arg) {
  (void)s;
  (void)w;
  (void)arg;
  ++g_calls_a;
}
static void count_b(evutil_socket_t s, short w, void *arg) {
  (void)s;
  (void)w;
  (void)arg;
  ++g_calls_b;
}

/* eventide delivers a signal to every base watching it; libevent 2.1 lets
   only the base that added a signal event last receive signals. */
static void two_bases_both_receive(void) {
#ifndef CT_LIBEVENT
  struct event_base *a = new_base(), *b = new_base();
  CT_REQUIRE(a && b);
  struct event *ea = evsignal_new(a, SIGUSR1, count_a, NULL);
  struct event *eb = evsignal_new(b, SIGUSR1, count_b, NULL);
  CT_EQ(evsignal_add(ea, NULL), 0);
  CT_EQ(evsignal_add(eb, NULL), 0);
  g_calls_a = g_calls_b = 0;
  CT_EQ(raise(SIGUSR1), 0);
  struct timeval stop = {0, 20000};
  event_base_loopexit(a, &stop);
  event_base_loopexit(b, &stop);
  CT_EQ(event_base_dispatch(a), 0);
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls_a, 1);
  CT_EQ(g_calls_b, 1);
  /* Freeing one base leaves the other one watching. */
  event_free(ea);
  event_base_free(a);
  CT_EQ(raise(SIGUSR1), 0);
  event_base_loopexit(b, &stop);
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_calls_b, 2);
  event_free(eb);
  event_base_free(b);
#endif
}

/* A signal event with a timeout: EV_TIMEOUT when no signal comes, after
   which libevent has deleted it (persistent or not). event_active with
   ncalls gives that many calls. */
static void timeout_and_ncalls(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evsignal_new(b, SIGUSR1, sig_cb, NULL);
  struct timeval ms = {0, 2000};
  CT_EQ(evsignal_add(ev, &ms), 0);
  CT_EQ(event_pending(ev, EV_SIGNAL | EV_TIMEOUT, NULL), EV_SIGNAL | EV_TIMEOUT);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 1);
  CT_EQ(g_what, EV_TIMEOUT);
  CT_EQ(event_pending(ev, EV_SIGNAL | EV_TIMEOUT, NULL), 0);
  event_active(ev, EV_SIGNAL, 3);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 4);
  CT_EQ(g_what, EV_SIGNAL);
  /* event_remove_timer on an active signal event keeps its calls. libevent
     clears the persist interval, which shares memory with the signal's call
     count, so it runs the callback 0 times: eventide only. */
  CT_EQ(evsignal_add(ev, &ms), 0);
  event_active(ev, EV_SIGNAL, 2);
  CT_EQ(event_remove_timer(ev), 0);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
#ifdef CT_LIBEVENT
  CT_EQ(g_calls, 4);
#else
  CT_EQ(g_calls, 6);
#endif
  CT_EQ(evsignal_del(ev), 0);
  event_free(ev);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"raise_delivers", raise_delivers, CT_ALL_BACKENDS},
    {"two_raises_two_callbacks", two_raises_two_callbacks, CT_ALL_BACKENDS},
    {"non_persistent_signal", non_persistent_signal, 0},
    {"free_in_own_callback", free_in_own_callback, CT_ALL_BACKENDS},
    {"loopbreak_in_signal_callback", loopbreak_in_signal_callback, 0},
    {"handler_restored", handler_restored, 0},
    {"active_by_signal", active_by_signal, 0},
    {"timeout_and_ncalls", timeout_and_ncalls, 0},
    {"two_bases_both_receive", two_bases_both_receive, CT_ALL_BACKENDS},
};
CT_REGISTER(event_signal, cases)
