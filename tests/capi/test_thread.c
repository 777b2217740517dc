/* libevent's threading model (event2/thread.h): after evthread_use_pthreads(),
   other threads may add, activate and delete events and break the loop of a
   base running elsewhere, and the loop wakes at once. Built against eventide
   and against libevent (with libevent_pthreads). */
#include <event2/event.h>
#include <event2/thread.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

#define N_THREADS 8
#define N_OPS 10000

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct loop_thread {
  pthread_t th;
  struct event_base *base;
  int rc;
  atomic_int running;
};

static void mark_running(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  atomic_store(&((struct loop_thread *)arg)->running, 1);
}

static void *run_loop(void *arg) {
  struct loop_thread *lt = arg;
  lt->rc = event_base_loop(lt->base, EVLOOP_NO_EXIT_ON_EMPTY);
  return NULL;
}

/* Starts the loop on a thread and returns once it runs: a loopbreak sent
   before the loop starts is forgotten when it starts (in libevent too). */
static void start_loop(struct loop_thread *lt) {
  struct timeval zero = {0, 0};
  double deadline = now_ms() + 10000;
  CT_CHECK(evthread_use_pthreads() == 0);
  lt->base = event_base_new();
  CT_CHECK(lt->base != NULL);
  atomic_store(&lt->running, 0);
  event_base_once(lt->base, -1, EV_TIMEOUT, mark_running, lt, &zero);
  pthread_create(&lt->th, NULL, run_loop, lt);
  while (!atomic_load(&lt->running) && now_ms() < deadline) usleep(200);
}

static void stop_loop(struct loop_thread *lt) {
  event_base_loopbreak(lt->base);
  pthread_join(lt->th, NULL);
  event_base_free(lt->base);
}

static atomic_int g_fired;

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  atomic_fetch_add((atomic_int *)arg, 1);
}

struct sender {
  pthread_t th;
  struct event_base *base;
  int failures;
};

static void *send_onces(void *arg) {
  struct sender *s = arg;
  struct timeval zero = {0, 0};
  int i;
  for (i = 0; i < N_OPS; ++i)
    if (event_base_once(s->base, -1, EV_TIMEOUT, count_cb, &g_fired, &zero) != 0) s->failures++;
  return NULL;
}

/* 8 threads x 10,000 cross-thread adds: every one fires exactly once. */
static void test_cross_thread_adds_all_accounted(void) {
  struct loop_thread lt;
  struct sender s[N_THREADS];
  int i, failures = 0;
  double deadline;
  atomic_store(&g_fired, 0);
  start_loop(&lt);
  for (i = 0; i < N_THREADS; ++i) {
    s[i].base = lt.base;
    s[i].failures = 0;
    pthread_create(&s[i].th, NULL, send_onces, &s[i]);
  }
  for (i = 0; i < N_THREADS; ++i) {
    pthread_join(s[i].th, NULL);
    failures += s[i].failures;
  }
  deadline = now_ms() + 20000;
  while (atomic_load(&g_fired) < N_THREADS * N_OPS && now_ms() < deadline) usleep(1000);
  CT_EQ(failures, 0);
  CT_EQ(atomic_load(&g_fired), N_THREADS * N_OPS);
  stop_loop(&lt);
}

struct activator {
  pthread_t th;
  struct event *ev;
  atomic_int *seen;
};

/* Each thread activates its own event and waits for the callback before the
   next activation, so every activation is one callback. */
static void *activate_many(void *arg) {
  struct activator *a = arg;
  int i;
  for (i = 0; i < 1000; ++i) {
    double deadline = now_ms() + 5000;
    event_active(a->ev, EV_READ, 1);
    while (atomic_load(a->seen) <= i && now_ms() < deadline) sched_yield();
  }
  return NULL;
}

static void test_cross_thread_event_active_wakes_loop(void) {
  struct loop_thread lt;
  struct activator a[4];
  atomic_int seen[4];
  int i;
  start_loop(&lt);
  for (i = 0; i < 4; ++i) {
    atomic_store(&seen[i], 0);
    a[i].seen = &seen[i];
    a[i].ev = event_new(lt.base, -1, 0, count_cb, &seen[i]);
    pthread_create(&a[i].th, NULL, activate_many, &a[i]);
  }
  for (i = 0; i < 4; ++i) pthread_join(a[i].th, NULL);
  for (i = 0; i < 4; ++i) CT_EQ(atomic_load(&seen[i]), 1000);
  stop_loop(&lt);
  for (i = 0; i < 4; ++i) event_free(a[i].ev);
}

/* A loop blocked with nothing to do returns promptly after a loopbreak from
   another thread. */
static void test_loopbreak_from_other_thread(void) {
  struct loop_thread lt;
  double t0;
  start_loop(&lt);
  usleep(20000);
  t0 = now_ms();
  CT_EQ(event_base_loopbreak(lt.base), 0);
  pthread_join(lt.th, NULL);
  CT_CHECK(now_ms() - t0 < 1000);
  CT_EQ(lt.rc, 0);
  CT_EQ(event_base_got_break(lt.base), 1);
  event_base_free(lt.base);
}

/* A timer added from another thread to a loop blocked forever fires on time. */
static void test_timer_added_from_other_thread_wakes_loop(void) {
  struct loop_thread lt;
  struct event *ev;
  struct timeval tv = {0, 10000};
  atomic_int fired;
  double t0, deadline;
  atomic_store(&fired, 0);
  start_loop(&lt);
  usleep(20000);
  ev = evtimer_new(lt.base, count_cb, &fired);
  t0 = now_ms();
  CT_EQ(evtimer_add(ev, &tv), 0);
  deadline = t0 + 5000;
  while (!atomic_load(&fired) && now_ms() < deadline) usleep(500);
  CT_EQ(atomic_load(&fired), 1);
  CT_CHECK(now_ms() - t0 < 1000);
  stop_loop(&lt);
  event_free(ev);
}

struct slow {
  atomic_int in_cb;
  atomic_int finished;
};

static void slow_cb(evutil_socket_t fd, short what, void *arg) {
  struct slow *s = arg;
  (void)fd;
  (void)what;
  atomic_store(&s->in_cb, 1);
  usleep(100000);
  atomic_store(&s->finished, 1);
}

/* event_del from another thread returns only after the running callback of
   that event has returned (so the caller may free what it uses). */
static void test_event_del_waits_for_running_callback(void) {
  struct loop_thread lt;
  struct slow s;
  struct event *ev;
  double deadline;
  memset(&s, 0, sizeof s);
  start_loop(&lt);
  ev = event_new(lt.base, -1, EV_PERSIST, slow_cb, &s);
  event_active(ev, EV_READ, 1);
  deadline = now_ms() + 5000;
  while (!atomic_load(&s.in_cb) && now_ms() < deadline) usleep(100);
  CT_REQUIRE(atomic_load(&s.in_cb));
  CT_EQ(event_del(ev), 0);
  CT_EQ(atomic_load(&s.finished), 1);
  stop_loop(&lt);
  event_free(ev);
}

static const struct ct_case cases[] = {
    {"cross_thread_adds_all_accounted", test_cross_thread_adds_all_accounted, CT_ALL_BACKENDS},
    {"cross_thread_event_active_wakes_loop", test_cross_thread_event_active_wakes_loop,
     CT_ALL_BACKENDS},
    {"loopbreak_from_other_thread", test_loopbreak_from_other_thread, CT_ALL_BACKENDS},
    {"timer_added_from_other_thread_wakes_loop", test_timer_added_from_other_thread_wakes_loop,
     CT_ALL_BACKENDS},
    {"event_del_waits_for_running_callback", test_event_del_waits_for_running_callback,
     CT_ALL_BACKENDS},
};
CT_REGISTER(thread, cases)
