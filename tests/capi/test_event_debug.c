/* Debug mode (event_enable_debug_mode): normal use still works, and misuse is
   caught. Debug mode is global and must come before any base or event, so
   each case enables it first: run the cases one per process (as ctest does).
   Where libevent aborts or uses freed memory, only eventide is checked: it
   refuses with an error value and a log message. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"

static int g_warnings, g_errors;
static char g_last[256];
static void count_log(int severity, const char *msg) {
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
  if (severity == EVENT_LOG_ERR) ++g_errors;
  strncpy(g_last, msg, sizeof g_last - 1);
  if (severity == EVENT_LOG_ERR) fprintf(stderr, "[err] %s\n", msg);
}

static void debug_on(void) {
  event_enable_debug_mode();
  event_set_log_callback(count_log);
  g_warnings = g_errors = 0;
}

static int g_calls;
static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_calls;
}

static void normal_use(void) {
  debug_on();
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  if (ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  int fds[2];
  CT_REQUIRE(pipe(fds) == 0);
  /* libevent's debug mode insists on non-blocking fds. */
  evutil_make_socket_nonblocking(fds[0]);
  struct event st, *heap = event_new(b, fds[0], EV_READ, count_cb, NULL);
  CT_EQ(evtimer_assign(&st, b, count_cb, NULL), 0);
  struct event *sig = evsignal_new(b, SIGUSR1, count_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(&st, &ms), 0);
  CT_EQ(event_add(heap, NULL), 0);
  CT_EQ(evsignal_add(sig, NULL), 0);
  CT_EQ(event_base_once(b, -1, EV_TIMEOUT, count_cb, NULL, &ms), 0);
  CT_EQ(write(fds[1], "x", 1), 1);
  raise(SIGUSR1);
  g_calls = 0;
  struct timeval stop = {1, 0};
  event_base_loopexit(b, &stop);
  while (g_calls < 4 && !event_base_got_exit(b)) event_base_loop(b, EVLOOP_ONCE);
  CT_EQ(g_calls, 4);
  /* Re-assigning a non-pending event is fine. */
  CT_EQ(evtimer_assign(&st, b, count_cb, NULL), 0);
  event_debug_unassign(&st);
  event_free(heap);
  event_free(sig);
  event_base_free(b);
  CT_EQ(g_warnings, 0);
  close(fds[0]);
  close(fds[1]);
  event_set_log_callback(NULL);
}

/* Zeroed memory that was never assigned: both refuse with a message. */
static void unassigned_event(void) {
  debug_on();
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct event zero;
  memset(&zero, 0, sizeof zero);
  struct timeval ms = {0, 1000};
  CT_EQ(event_add(&zero, &ms), -1);
  CT_CHECK(g_warnings > 0);
  g_warnings = 0;
  CT_EQ(event_del(&zero), -1);
  CT_CHECK(g_warnings > 0);
  g_warnings = 0;
  CT_EQ(event_pending(&zero, EV_TIMEOUT, NULL), 0);
  CT_CHECK(g_warnings > 0);
#ifndef CT_LIBEVENT
  /* libevent aborts on these. */
  g_errors = 0;
  CT_EQ(event_get_fd(&zero), -1);
  CT_EQ(event_priority_set(&zero, 0), -1);
  CT_EQ(event_remove_timer(&zero), -1);
  CT_CHECK(g_errors >= 3);
  CT_CHECK(strstr(g_last, "non-initialized") != NULL);
  /* Assigned, then forgotten with event_debug_unassign: unknown again. */
  struct event ev;
  CT_EQ(evtimer_assign(&ev, b, count_cb, NULL), 0);
  event_debug_unassign(&ev);
  g_errors = 0;
  CT_EQ(evtimer_add(&ev, &ms), -1);
  CT_EQ(g_errors, 1);
#endif
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* Re-assigning a pending event would corrupt the base: refused (libevent
   aborts). */
static void assign_while_pending(void) {
#ifndef CT_LIBEVENT
  debug_on();
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct event ev;
  CT_EQ(evtimer_assign(&ev, b, count_cb, NULL), 0);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(&ev, &ms), 0);
  g_errors = 0;
  CT_EQ(evtimer_assign(&ev, b, count_cb, NULL), -1);
  CT_EQ(g_errors, 1);
  /* The event was left alone and still fires. */
  g_calls = 0;
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(g_calls, 1);
  event_base_free(b);
  event_set_log_callback(NULL);
#endif
}

/* An event whose base was freed: libevent uses the freed memory (event_add
   returns 0); eventide refuses every call that would touch the base. */
static void base_freed(void) {
#ifndef CT_LIBEVENT
  debug_on();
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  struct event *ev = evtimer_new(b, count_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(ev, &ms), 0);
  event_base_free(b);
  g_errors = 0;
  CT_EQ(evtimer_add(ev, &ms), -1);
  CT_CHECK(strstr(g_last, "freed") != NULL);
  CT_EQ(evtimer_del(ev), -1);
  CT_EQ(evtimer_pending(ev, NULL), 0);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_remove_timer(ev), -1);
  CT_EQ(g_errors, 5);
  /* A new base may reuse the old one's address: still refused. */
  struct event_base *b2 = event_base_new();
  g_errors = 0;
  CT_EQ(evtimer_add(ev, &ms), -1);
  CT_EQ(g_errors, 1);
  /* Moving it to a live base makes it usable again. */
  CT_EQ(event_base_set(b2, ev), 0);
  CT_EQ(evtimer_add(ev, &ms), 0);
  g_calls = 0;
  CT_EQ(event_base_dispatch(b2), 1);
  CT_EQ(g_calls, 1);
  event_free(ev);
  event_base_free(b2);
  event_set_log_callback(NULL);
#endif
}

/* Enabling twice, or after a base exists, is refused with an error (libevent
   exits the process). */
static void enable_rules(void) {
#ifndef CT_LIBEVENT
  debug_on();
  event_enable_debug_mode();
  CT_EQ(g_errors, 1);
  CT_CHECK(strstr(g_last, "twice") != NULL);
  event_set_log_callback(NULL);
#endif
}

static const struct ct_case cases[] = {
    {"normal_use", normal_use, CT_ALL_BACKENDS},
    {"unassigned_event", unassigned_event, 0},
    {"assign_while_pending", assign_while_pending, 0},
    {"base_freed", base_freed, 0},
    {"enable_rules", enable_rules, 0},
};
CT_REGISTER(event_debug, cases)
