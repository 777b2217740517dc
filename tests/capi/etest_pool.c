/* The C face of the loop pool (eventide/pool.h, an eventide extension). */
#include <event2/event.h>
#include <eventide/pool.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

struct count {
  atomic_int n;
  struct eventide_pool *pool;
  atomic_int wrong;
  int expect;
};

static void bump(void *arg) {
  struct count *c = arg;
  if (eventide_pool_current(c->pool) != c->expect) atomic_fetch_add(&c->wrong, 1);
  atomic_fetch_add(&c->n, 1);
}

static int wait_n(atomic_int *n, int want) {
  int i;
  for (i = 0; i < 5000 && atomic_load(n) < want; ++i) usleep(1000);
  return atomic_load(n) >= want;
}

static void test_post_runs_on_the_loop(void) {
  struct count c;
  int i;
  memset(&c, 0, sizeof c);
  c.pool = eventide_pool_new(2);
  CT_REQUIRE(c.pool != NULL);
  CT_EQ(eventide_pool_size(c.pool), 2);
  CT_CHECK(eventide_pool_base(c.pool, 0) != NULL);
  CT_CHECK(eventide_pool_base(c.pool, 0) != eventide_pool_base(c.pool, 1));
  CT_EQ(eventide_pool_current(c.pool), -1);
  c.expect = 1;
  for (i = 0; i < 1000; ++i) CT_EQ(eventide_pool_post(c.pool, 1, bump, &c), 0);
  CT_CHECK(wait_n(&c.n, 1000));
  CT_EQ(atomic_load(&c.wrong), 0);
  eventide_pool_free(c.pool);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  atomic_fetch_add((atomic_int *)arg, 1);
}

struct timer_job {
  struct event_base *base;
  struct event *ev;
  atomic_int *fired;
};

static void start_timer(void *arg) {
  struct timer_job *j = arg;
  struct timeval tv = {0, 2000};
  j->ev = evtimer_new(j->base, on_timer, j->fired);
  evtimer_add(j->ev, &tv);
}

static void free_timer(void *arg) {
  struct timer_job *j = arg;
  event_free(j->ev);
  atomic_fetch_add(j->fired, 100);
}

static void test_libevent_calls_on_pool_bases(void) {
  struct eventide_pool *pool = eventide_pool_new(1);
  atomic_int fired = 0;
  struct timer_job j;
  CT_REQUIRE(pool != NULL);
  j.base = eventide_pool_next_base(pool);
  j.fired = &fired;
  CT_EQ(eventide_pool_post(pool, 0, start_timer, &j), 0);
  CT_CHECK(wait_n(&fired, 1));
  CT_EQ(eventide_pool_post(pool, 0, free_timer, &j), 0);
  CT_CHECK(wait_n(&fired, 101));
  eventide_pool_free(pool);
}

static void test_bad_input(void) {
  struct eventide_pool *pool;
  CT_CHECK(eventide_pool_new(0) == NULL);
  CT_CHECK(eventide_pool_base(NULL, 0) == NULL);
  CT_EQ(eventide_pool_post(NULL, 0, bump, NULL), -1);
  CT_EQ(eventide_pool_size(NULL), -1);
  pool = eventide_pool_new(1);
  CT_REQUIRE(pool != NULL);
  CT_CHECK(eventide_pool_base(pool, 1) == NULL);
  CT_EQ(eventide_pool_post(pool, 5, bump, NULL), -1);
  CT_EQ(eventide_pool_post(pool, 0, NULL, NULL), -1);
  eventide_pool_free(pool);
  eventide_pool_free(NULL);
}

static const struct ct_case cases[] = {
    {"post_runs_on_the_loop", test_post_runs_on_the_loop, 0},
    {"libevent_calls_on_pool_bases", test_libevent_calls_on_pool_bases, 0},
    {"bad_input", test_bad_input, 0},
};
CT_REGISTER(pool, cases)
