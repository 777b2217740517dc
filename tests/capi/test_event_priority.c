/* Priorities: one queue by default, new events in the middle, lower numbers
   first (and starving the rest), and the rules of priority_init/_set. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

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

static int g_order[32], g_norder;
static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = (int)(long)arg;
}
static void nop_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

static void defaults(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_get_npriorities(b), 1);
  struct event *ev = evtimer_new(b, nop_cb, NULL);
  CT_EQ(event_get_priority(ev), 0);
  CT_EQ(event_priority_set(ev, 0), 0);
  CT_EQ(event_priority_set(ev, 1), -1);
  event_free(ev);
  event_base_free(b);
}

/* New events (event_new, event_assign, event_base_once) get n/2. */
static void new_events_in_the_middle(void) {
  static const int n[] = {1, 2, 3, 4, 5, 255};
  for (size_t i = 0; i < sizeof n / sizeof n[0]; ++i) {
    struct event_base *b = new_base();
    CT_REQUIRE(b);
    CT_EQ(event_base_priority_init(b, n[i]), 0);
    CT_EQ(event_base_get_npriorities(b), n[i]);
    struct event *ev = evtimer_new(b, nop_cb, NULL);
    CT_EQ(event_get_priority(ev), n[i] / 2);
    struct event st;
    CT_EQ(event_assign(&st, b, -1, 0, nop_cb, NULL), 0);
    CT_EQ(event_get_priority(&st), n[i] / 2);
    event_free(ev);
    event_base_free(b);
  }
}

/* Lower priorities run first; within one priority, in activation order. */
static void lower_runs_first(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_priority_init(b, 3), 0);
  struct event *ev[6];
  for (int i = 0; i < 6; ++i) {
    ev[i] = evtimer_new(b, order_cb, (void *)(long)i);
    CT_EQ(event_priority_set(ev[i], 2 - i % 3), 0); /* 2,1,0,2,1,0 */
    CT_EQ(event_get_priority(ev[i]), 2 - i % 3);
  }
  for (int i = 0; i < 6; ++i) event_active(ev[i], EV_TIMEOUT, 1);
  g_norder = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_norder, 6);
  static const int want[] = {2, 5, 1, 4, 0, 3};
  for (int i = 0; i < 6; ++i) CT_EQ(g_order[i], want[i]);
  for (int i = 0; i < 6; ++i) event_free(ev[i]);
  event_base_free(b);
}

static int g_hi, g_lo;
static void hi_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  if (++g_hi == 20) event_del(arg);
}
static void lo_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  ++g_lo;
  event_del(arg);
}

/* An always-ready event at a lower number starves a higher one. */
static void starvation(void) {
  int s1[2], s2[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, s1) == 0 &&
             socketpair(AF_UNIX, SOCK_STREAM, 0, s2) == 0);
  CT_EQ(event_base_priority_init(b, 3), 0);
  struct event *hi = event_new(b, s1[0], EV_WRITE | EV_PERSIST, hi_cb, event_self_cbarg());
  struct event *lo = event_new(b, s2[0], EV_WRITE | EV_PERSIST, lo_cb, event_self_cbarg());
  CT_EQ(event_priority_set(hi, 0), 0);
  CT_EQ(event_priority_set(lo, 2), 0);
  CT_EQ(event_add(lo, NULL), 0);
  CT_EQ(event_add(hi, NULL), 0);
  g_hi = g_lo = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_hi, 20);
  CT_EQ(g_lo, 1); /* only once the other one was deleted */
  event_free(hi);
  event_free(lo);
  event_base_free(b);
  close(s1[0]);
  close(s1[1]);
  close(s2[0]);
  close(s2[1]);
}

static void priority_init_rules(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_priority_init(b, 0), -1);
  CT_EQ(event_base_priority_init(b, -1), -1);
  CT_EQ(event_base_priority_init(b, EVENT_MAX_PRIORITIES), -1);
  CT_EQ(event_base_get_npriorities(b), 1);
  CT_EQ(event_base_priority_init(b, EVENT_MAX_PRIORITIES - 1), 0);
  CT_EQ(event_base_priority_init(b, 4), 0);
  /* Not while something is active. */
  struct event *ev = evtimer_new(b, nop_cb, NULL);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_base_priority_init(b, 2), -1);
  CT_EQ(event_base_get_npriorities(b), 4);
  CT_EQ(event_priority_set(ev, 1), -1); /* active: refused */
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(event_base_priority_init(b, 2), 0);
  CT_EQ(event_base_get_npriorities(b), 2);
  /* priority_set: in range only; a pending (not active) event is fine. */
  struct timeval tv = {1, 0};
  CT_EQ(evtimer_add(ev, &tv), 0);
  CT_EQ(event_priority_set(ev, 1), 0);
  CT_EQ(event_priority_set(ev, 2), -1);
  CT_EQ(event_priority_set(ev, -1), -1);
  CT_EQ(event_priority_set(ev, 300), -1);
  CT_EQ(event_get_priority(ev), 1);
  event_free(ev);
  event_base_free(b);
}

/* event_base_once events run at n/2 too: after pri-0 events, before pri-3. */
static void once_runs_in_the_middle(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_priority_init(b, 4), 0);
  struct event *first = evtimer_new(b, order_cb, (void *)1L);
  struct event *last = evtimer_new(b, order_cb, (void *)3L);
  CT_EQ(event_priority_set(first, 0), 0);
  CT_EQ(event_priority_set(last, 3), 0);
  event_active(last, EV_TIMEOUT, 1);
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT, order_cb, (void *)2L, NULL), 0);
  event_active(first, EV_TIMEOUT, 1);
  g_norder = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_norder, 3);
  CT_EQ(g_order[0], 1);
  CT_EQ(g_order[1], 2);
  CT_EQ(g_order[2], 3);
  event_free(first);
  event_free(last);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"defaults", defaults, 0},
    {"new_events_in_the_middle", new_events_in_the_middle, 0},
    {"lower_runs_first", lower_runs_first, 0},
    {"starvation", starvation, CT_ALL_BACKENDS},
    {"priority_init_rules", priority_init_rules, 0},
    {"once_runs_in_the_middle", once_runs_in_the_middle, 0},
};
CT_REGISTER(event_priority, cases)
