/* The loop: return values, EVLOOP_* flags, loopexit/loopbreak/loopcontinue,
   event_base_once, event_del_block/noblock and finalizers. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <pthread.h>
#include <signal.h>
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

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int g_calls;
static int g_order[16], g_norder;
static char g_log[512];
static void capture_log(int severity, const char *msg) {
  (void)severity;
  strncat(g_log, msg, sizeof g_log - strlen(g_log) - 2);
  strcat(g_log, "\n");
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_calls;
}

static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = (int)(long)arg;
}

static void return_values(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  /* Nothing registered: 1 at once, whatever the flags. */
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  /* A timer that fires: the loop runs out of events, so 1 again. */
  struct event *t = evtimer_new(b, count_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(t, &ms), 0);
  CT_EQ(event_base_dispatch(b), 1);
  /* Normal exits (ONCE, NONBLOCK, loopexit) give 0. */
  CT_EQ(evtimer_add(t, &ms), 0);
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  struct timeval long_tv = {10, 0};
  CT_EQ(evtimer_add(t, &long_tv), 0);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(event_base_loopexit(b, &ms), 0);
  CT_EQ(event_base_dispatch(b), 0);
  event_free(t);
  event_base_free(b);
}

static int g_reentrant_rc;
static void reentrant_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_reentrant_rc = event_base_loop(arg, EVLOOP_NONBLOCK);
}

static void reentrant_loop_refused(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evtimer_new(b, reentrant_cb, b);
  event_active(ev, EV_TIMEOUT, 1);
  g_log[0] = 0;
  event_set_log_callback(capture_log);
  CT_EQ(event_base_dispatch(b), 1);
  event_set_log_callback(NULL);
  CT_EQ(g_reentrant_rc, -1);
  CT_CHECK(strstr(g_log, "reentrant") != NULL);
  event_free(ev);
  event_base_free(b);
}

static void loop_once(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *soon = evtimer_new(b, order_cb, (void *)1L);
  struct event *later = evtimer_new(b, order_cb, (void *)2L);
  struct timeval t5 = {0, 5000}, t10s = {10, 0};
  CT_EQ(evtimer_add(soon, &t5), 0);
  CT_EQ(evtimer_add(later, &t10s), 0);
  g_norder = 0;
  const long long start = mono_ms();
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_CHECK(mono_ms() - start < 1000);
  CT_EQ(g_norder, 1);
  CT_EQ(evtimer_pending(later, NULL), EV_TIMEOUT);
  /* An active event: ONCE runs it without waiting for the timer. */
  event_active(later, EV_WRITE, 1);
  CT_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
  CT_EQ(g_norder, 2);
  CT_EQ(g_order[1], 2);
  event_free(soon);
  event_free(later);
  event_base_free(b);
}

static void loop_nonblock(void) {
  int fds[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(fds) == 0);
  struct event *t = evtimer_new(b, count_cb, NULL);
  struct event *r = event_new(b, fds[0], EV_READ, count_cb, NULL);
  struct timeval t10s = {10, 0};
  CT_EQ(evtimer_add(t, &t10s), 0);
  CT_EQ(event_add(r, NULL), 0);
  g_calls = 0;
  const long long start = mono_ms();
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 1);
  CT_CHECK(mono_ms() - start < 1000);
  event_free(t);
  event_free(r);
  event_base_free(b);
  close(fds[0]);
  close(fds[1]);
}

static pthread_t g_main;
static struct event_base *g_break_base;
static void break_handler(int sig) {
  (void)sig;
  event_base_loopbreak(g_break_base);
}
static void *poke_main(void *arg) {
  (void)arg;
  struct timespec ts = {0, 30000000};
  nanosleep(&ts, NULL);
  pthread_kill(g_main, SIGUSR2);
  return NULL;
}

/* EVLOOP_NO_EXIT_ON_EMPTY keeps the loop running with nothing registered. */
static void loop_no_exit_on_empty(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY), 0);
  /* Blocking with nothing to wait for, until a plain signal handler breaks
     the loop (it interrupts the wait). */
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = break_handler;
  sigemptyset(&sa.sa_mask);
  CT_REQUIRE(sigaction(SIGUSR2, &sa, &old) == 0);
  g_main = pthread_self();
  g_break_base = b;
  pthread_t th;
  struct event *t = evtimer_new(b, count_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(t, &ms), 0);
  g_calls = 0;
  const long long start = mono_ms();
  CT_REQUIRE(pthread_create(&th, NULL, poke_main, NULL) == 0);
  CT_EQ(event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY), 0);
  pthread_join(th, NULL);
  CT_CHECK(mono_ms() - start >= 25);
  CT_EQ(g_calls, 1);
  CT_EQ(event_base_got_break(b), 1);
  sigaction(SIGUSR2, &old, NULL);
  event_free(t);
  event_base_free(b);
}

static void persist_count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_calls;
}

static void loopexit_with_timeout(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *tick = event_new(b, -1, EV_PERSIST, persist_count_cb, NULL);
  struct timeval t5 = {0, 5000}, t40 = {0, 40000};
  CT_EQ(event_add(tick, &t5), 0);
  CT_EQ(event_base_loopexit(b, &t40), 0);
  g_calls = 0;
  const long long start = mono_ms();
  CT_EQ(event_base_dispatch(b), 0);
  const long long took = mono_ms() - start;
  CT_CHECK(took >= 35 && took < 1000);
  CT_CHECK(g_calls >= 3);
  CT_EQ(event_base_got_exit(b), 1);
  CT_EQ(event_base_got_break(b), 0);
  CT_EQ(event_pending(tick, EV_TIMEOUT, NULL), EV_TIMEOUT);
  /* The flags are cleared when the loop starts again. */
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(event_base_got_exit(b), 0);
  event_free(tick);
  event_base_free(b);
}

static void exit_now_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = 1;
  event_base_loopexit(arg, NULL);
}
static void break_now_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = 1;
  event_base_loopbreak(arg);
}

/* loopexit(NULL) lets the callbacks already active run; loopbreak stops
   right after the current one. */
static void loopexit_now_and_loopbreak(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *first = evtimer_new(b, exit_now_cb, b);
  struct event *second = evtimer_new(b, order_cb, (void *)2L);
  struct event *third = evtimer_new(b, order_cb, (void *)3L);
  event_active(first, EV_TIMEOUT, 1);
  event_active(second, EV_TIMEOUT, 1);
  event_active(third, EV_TIMEOUT, 1);
  g_norder = 0;
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_norder, 3);
  CT_EQ(event_base_got_exit(b), 1);
  CT_EQ(event_base_got_break(b), 0);

  struct event *brk = evtimer_new(b, break_now_cb, b);
  event_active(brk, EV_TIMEOUT, 1);
  event_active(second, EV_TIMEOUT, 1);
  event_active(third, EV_TIMEOUT, 1);
  g_norder = 0;
  CT_EQ(event_base_dispatch(b), 0);
  CT_EQ(g_norder, 1);
  CT_EQ(event_base_got_break(b), 1);
  CT_EQ(event_base_got_exit(b), 0);
  /* The others are still active and run on the next loop. */
  CT_EQ(event_pending(second, EV_TIMEOUT, NULL), EV_TIMEOUT);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_norder, 3);
  CT_EQ(g_order[1], 2);
  CT_EQ(g_order[2], 3);
  CT_EQ(event_base_got_break(b), 0);
  /* loopbreak before the loop starts is forgotten when it starts. */
  CT_EQ(event_base_loopbreak(b), 0);
  event_active(second, EV_TIMEOUT, 1);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_norder, 4);
  event_free(first);
  event_free(second);
  event_free(third);
  event_free(brk);
  event_base_free(b);
}

static int g_pipe_w;
static int g_use_continue;
static void continue_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = 1;
  CT_EQ(write(g_pipe_w, "x", 1), 1);
  if (g_use_continue) CT_EQ(event_base_loopcontinue(arg), 0);
}

/* loopcontinue ends this pass over the active queue: the loop polls again,
   so a higher-priority event made ready meanwhile runs before the rest. */
static void loopcontinue_polls_again(void) {
  for (g_use_continue = 0; g_use_continue < 2; ++g_use_continue) {
    int fds[2];
    struct event_base *b = new_base();
    CT_REQUIRE(b && pipe(fds) == 0);
    CT_EQ(event_base_priority_init(b, 2), 0);
    g_pipe_w = fds[1];
    struct event *a = evtimer_new(b, continue_cb, b);
    struct event *bb = evtimer_new(b, order_cb, (void *)2L);
    struct event *c = event_new(b, fds[0], EV_READ, order_cb, (void *)3L);
    CT_EQ(event_priority_set(a, 1), 0);
    CT_EQ(event_priority_set(bb, 1), 0);
    CT_EQ(event_priority_set(c, 0), 0);
    CT_EQ(event_add(c, NULL), 0);
    event_active(a, EV_TIMEOUT, 1);
    event_active(bb, EV_TIMEOUT, 1);
    g_norder = 0;
    CT_EQ(event_base_dispatch(b), 1);
    CT_EQ(g_norder, 3);
    CT_EQ(g_order[0], 1);
    CT_EQ(g_order[1], g_use_continue ? 3 : 2);
    CT_EQ(g_order[2], g_use_continue ? 2 : 3);
    event_free(a);
    event_free(bb);
    event_free(c);
    event_base_free(b);
    close(fds[0]);
    close(fds[1]);
  }
}

/* Allocation counting through event_set_mem_functions. */
static long g_live;
static void *count_malloc(size_t n) {
  void *p = malloc(n);
  if (p) ++g_live;
  return p;
}
static void *count_realloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!p && q) ++g_live;
  return q;
}
static void count_free(void *p) {
  if (p) --g_live;
  free(p);
}

static void once_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  *(short *)arg = what;
  ++g_calls;
}

/* event_base_once frees itself after its callback; event_base_free frees
   the ones still pending. */
static void once_frees_itself(void) {
  event_set_mem_functions(count_malloc, count_realloc, count_free);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  /* The base's own tables grow on first use and stay: compare the counts
     around each run rather than with the empty base. */
  short what1 = 0, what2 = 0, what3 = 0;
  struct timeval ms = {0, 2000};
  g_calls = 0;
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT, once_cb, &what1, &ms), 0);
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT, once_cb, &what2, NULL), 0); /* runs at once */
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 2);
  long before = g_live;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 2);
  CT_EQ(what1, EV_TIMEOUT);
  CT_EQ(what2, EV_TIMEOUT);
  CT_EQ(before - g_live, 2);
  /* With a readable fd. */
  int fds[2];
  CT_REQUIRE(pipe(fds) == 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  CT_EQ(event_base_once(b, fds[0], EV_READ, once_cb, &what3, NULL), 0);
  before = g_live;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(what3, EV_READ);
  CT_EQ(before - g_live, 1);
  /* An fd that stays quiet, with a timeout: EV_TIMEOUT. */
  char c;
  CT_EQ(read(fds[0], &c, 1), 1);
  CT_EQ(event_base_once(b, fds[0], EV_READ, once_cb, &what3, &ms), 0);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(what3, EV_TIMEOUT);
  /* Still pending when the base goes: freed with it (and never called). */
  struct timeval long_tv = {10, 0};
  before = g_live;
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT, once_cb, &what1, &long_tv), 0);
  CT_EQ(event_base_once(b, fds[0], EV_READ, once_cb, &what1, NULL), 0);
  CT_EQ(g_live - before, 2);
  event_base_free(b);
  CT_EQ(g_live, 0);
  CT_EQ(g_calls, 4);
  close(fds[0]);
  close(fds[1]);
}

static void self_del_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  ++g_calls;
  /* Deleting itself from its own callback, in the loop's thread, never waits. */
  CT_EQ(event_del_block(arg), 0);
}

static void del_block_and_noblock(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *a = evtimer_new(b, count_cb, NULL);
  struct event *c = evtimer_new(b, count_cb, NULL);
  struct timeval tv = {1, 0};
  CT_EQ(evtimer_add(a, &tv), 0);
  CT_EQ(evtimer_add(c, &tv), 0);
  CT_EQ(event_del_block(a), 0);
  CT_EQ(event_del_noblock(c), 0);
  CT_EQ(evtimer_pending(a, NULL), 0);
  CT_EQ(evtimer_pending(c, NULL), 0);
  CT_EQ(event_del_block(a), 0); /* not pending: fine */
  struct event *p = event_new(b, -1, EV_PERSIST, self_del_cb, event_self_cbarg());
  struct timeval ms = {0, 1000};
  CT_EQ(event_add(p, &ms), 0);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 1);
  event_free(a);
  event_free(c);
  event_free(p);
  event_base_free(b);
}

static int g_finalized;
static void *g_final_arg;
static void fin_cb(struct event *ev, void *arg) {
  (void)ev;
  ++g_finalized;
  g_final_arg = arg;
}

/* Finalizers run in the loop, not in the call; event_base_free runs the ones
   still queued, event_base_free_nofinalize does not. */
static void finalizers(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int x;
  struct event ev;
  CT_EQ(event_assign(&ev, b, -1, EV_FINALIZE, count_cb, &x), 0);
  struct timeval tv = {1, 0};
  CT_EQ(event_add(&ev, &tv), 0);
  g_finalized = 0;
  CT_EQ(event_finalize(0, &ev, fin_cb), 0);
  CT_EQ(g_finalized, 0);
  CT_EQ(event_pending(&ev, EV_TIMEOUT, NULL), 0);
  CT_EQ(event_add(&ev, &tv), -1); /* being finalized */
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 1);
  CT_EQ(g_finalized, 1);
  CT_CHECK(g_final_arg == &x);

  struct event *heap_ev = event_new(b, -1, 0, count_cb, &x);
  CT_EQ(event_add(heap_ev, &tv), 0);
  CT_EQ(event_free_finalize(0, heap_ev, fin_cb), 0); /* freed after fin_cb */
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_finalized, 2);

  struct event *pending_fin = event_new(b, -1, 0, count_cb, &x);
  CT_EQ(event_free_finalize(0, pending_fin, fin_cb), 0);
  event_base_free(b);
  CT_EQ(g_finalized, 3);

  b = new_base();
  CT_REQUIRE(b);
  struct event nofin;
  CT_EQ(event_assign(&nofin, b, -1, 0, count_cb, &x), 0);
  CT_EQ(event_finalize(0, &nofin, fin_cb), 0);
  event_base_free_nofinalize(b);
  CT_EQ(g_finalized, 3);
}

static const struct ct_case cases[] = {
    {"return_values", return_values, CT_ALL_BACKENDS},
    {"reentrant_loop_refused", reentrant_loop_refused, 0},
    {"loop_once", loop_once, CT_ALL_BACKENDS},
    {"loop_nonblock", loop_nonblock, CT_ALL_BACKENDS},
    {"loop_no_exit_on_empty", loop_no_exit_on_empty, CT_ALL_BACKENDS},
    {"loopexit_with_timeout", loopexit_with_timeout, CT_ALL_BACKENDS},
    {"loopexit_now_and_loopbreak", loopexit_now_and_loopbreak, 0},
    {"loopcontinue_polls_again", loopcontinue_polls_again, CT_ALL_BACKENDS},
    {"once_frees_itself", once_frees_itself, 0},
    {"del_block_and_noblock", del_block_and_noblock, 0},
    {"finalizers", finalizers, 0},
};
CT_REGISTER(event_loop, cases)
