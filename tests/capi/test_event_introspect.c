/* Looking inside a base: event_base_dump_events (libevent's text, line shape
   by line shape), event_base_foreach_event, active_by_fd, event counts and
   event_base_get_running_event. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
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

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

/* Does `line` have the shape `pat`? In pat, '@' stands for a pointer
   (0x... or (nil)) and '#' for a decimal number; the rest is literal. */
static int shape_matches(const char *pat, const char *line) {
  while (*pat) {
    if (*pat == '@') {
      if (strncmp(line, "(nil)", 5) == 0) {
        line += 5;
      } else {
        if (strncmp(line, "0x", 2) != 0) return 0;
        line += 2;
        if (!isxdigit((unsigned char)*line)) return 0;
        while (isxdigit((unsigned char)*line)) ++line;
      }
      ++pat;
    } else if (*pat == '#') {
      if (*line == '-') ++line;
      if (!isdigit((unsigned char)*line)) return 0;
      while (isdigit((unsigned char)*line)) ++line;
      ++pat;
    } else if (*pat++ != *line++) {
      return 0;
    }
  }
  return *line == 0;
}

/* Compares text line by line with the shapes in want[] (n lines). */
static void check_shapes(const char *text, const char *const *want, int n) {
  char *copy = strdup(text), *save = NULL;
  int i = 0;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), ++i) {
    if (i >= n) {
      ct_failf(__FILE__, __LINE__, "extra dump line %d: \"%s\"", i, line);
      continue;
    }
    if (!shape_matches(want[i], line))
      ct_failf(__FILE__, __LINE__, "dump line %d: \"%s\" does not look like \"%s\"", i, line,
               want[i]);
  }
  if (i < n) ct_failf(__FILE__, __LINE__, "dump has %d lines, expected %d:\n%s", i, n, text);
  free(copy);
}

static void dump_events_format(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  CT_EQ(event_base_priority_init(b, 3), 0);
  /* The signal first, so the base's internal notification fd is lower than
     the socketpair's on both libraries. */
  struct event *s = evsignal_new(b, SIGUSR1, cb, NULL);
  CT_EQ(evsignal_add(s, NULL), 0);
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct timeval five = {5, 0}, half = {0, 500000};
  const struct timeval *common = event_base_init_common_timeout(b, &half);
  CT_REQUIRE(common);
  struct event *r = event_new(b, sv[0], EV_READ | EV_PERSIST, cb, NULL);
  struct event *w = event_new(b, sv[0], EV_WRITE, cb, NULL);
  struct event *c = event_new(b, sv[1], EV_CLOSED | EV_ET, cb, NULL);
  struct event *t = evtimer_new(b, cb, NULL);
  struct event *ct = evtimer_new(b, cb, NULL);
  struct event *a = evtimer_new(b, cb, NULL);
  CT_EQ(event_add(r, &five), 0);
  CT_EQ(event_add(w, NULL), 0);
  CT_EQ(event_add(c, NULL), 0);
  CT_EQ(evtimer_add(t, &five), 0);
  CT_EQ(evtimer_add(ct, common), 0);
  event_active(a, EV_READ | EV_TIMEOUT, 1);
  event_active(t, EV_WRITE | EV_SIGNAL | EV_CLOSED, 1);

  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  CT_REQUIRE(out);
  event_base_dump_events(b, out);
  fclose(out);
  char l1[64], l2[64], l3[64];
  snprintf(l1, sizeof l1, "  @ [fd  %d] Write", sv[0]);
  snprintf(l2, sizeof l2, "  @ [fd  %d] Read Persist Timeout=#.#", sv[0]);
  snprintf(l3, sizeof l3, "  @ [fd  %d] EOF ET", sv[1]);
  char sig[64];
  snprintf(sig, sizeof sig, "  @ [sig %d] Signal Persist", SIGUSR1);
  const char *const want[] = {
      "Inserted events:",
      "  @ [fd  #] Read Persist Internal",
      l1,
      l2,
      l3,
      sig,
      "  @ [fd  -1] Internal Timeout=#.#",
      "  @ [fd  -1] Timeout=#.#",
      "  @ [fd  -1] Timeout=#.#",
      "Active events:",
      "  @ [fd  -1, priority=1] Write EOF Signal active",
      "  @ [fd  -1, priority=1] Read Timeout active",
  };
  check_shapes(text, want, (int)(sizeof want / sizeof want[0]));
  /* Times are absolute wall-clock seconds with 6-digit microseconds. */
  char *tpos = strstr(text, "Timeout=");
  CT_REQUIRE(tpos);
  long secs = strtol(tpos + 8, &tpos, 10);
  CT_CHECK(secs > 1000000000L);
  CT_CHECK(*tpos == '.' && isdigit((unsigned char)tpos[6]) && !isdigit((unsigned char)tpos[7]));
  free(text);

  /* An empty base. */
  struct event_base *e = new_base();
  text = NULL;
  out = open_memstream(&text, &len);
  event_base_dump_events(e, out);
  fclose(out);
  CT_STREQ(text, "Inserted events:\nActive events:\n");
  free(text);
  event_base_free(e);

  event_free(r);
  event_free(w);
  event_free(c);
  event_free(t);
  event_free(ct);
  event_free(a);
  event_free(s);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

static const struct event *g_seen[16];
static int g_nseen, g_stop_after;
static int collect(const struct event_base *b, const struct event *ev, void *arg) {
  (void)b;
  (void)arg;
  if (event_get_events(ev) == (EV_READ | EV_PERSIST) &&
      ev->ev_evcallback.evcb_flags & EVLIST_INTERNAL)
    return 0; /* skip internal events */
  g_seen[g_nseen++] = ev;
  return g_nseen == g_stop_after ? 42 : 0;
}

/* Order: fd events (per fd, newest first), signals, timeout-only events,
   then events that are only active; a nonzero return stops the walk. */
static void foreach_order_and_stop(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct timeval five = {5, 0};
  struct event *act = evtimer_new(b, cb, NULL);
  struct event *tm = evtimer_new(b, cb, NULL);
  struct event *sig = evsignal_new(b, SIGUSR2, cb, NULL);
  struct event *r1 = event_new(b, sv[1], EV_READ, cb, NULL);
  struct event *r0 = event_new(b, sv[0], EV_READ, cb, NULL);
  struct event *w0 = event_new(b, sv[0], EV_WRITE, cb, NULL);
  event_active(act, EV_TIMEOUT, 1);
  CT_EQ(evtimer_add(tm, &five), 0);
  CT_EQ(evsignal_add(sig, NULL), 0);
  CT_EQ(event_add(r1, &five), 0); /* inserted and timed: visited once */
  CT_EQ(event_add(r0, NULL), 0);
  CT_EQ(event_add(w0, NULL), 0);
  g_nseen = 0;
  g_stop_after = 0;
  CT_EQ(event_base_foreach_event(b, collect, NULL), 0);
  CT_EQ(g_nseen, 6);
  const struct event *want[] = {w0, r0, r1, sig, tm, act};
  for (int i = 0; i < 6 && i < g_nseen; ++i) CT_CHECK(g_seen[i] == want[i]);
  g_nseen = 0;
  g_stop_after = 3;
  CT_EQ(event_base_foreach_event(b, collect, NULL), 42);
  CT_EQ(g_nseen, 3);
  event_free(act);
  event_free(tm);
  event_free(sig);
  event_free(r1);
  event_free(r0);
  event_free(w0);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

static int g_calls;
static short g_res[4];
static void res_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  g_res[(long)arg] = what;
  ++g_calls;
}

/* active_by_fd activates each event of the fd for the bits it asked. */
static void active_by_fd(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct event *r = event_new(b, sv[0], EV_READ | EV_PERSIST, res_cb, (void *)0L);
  struct event *w = event_new(b, sv[0], EV_WRITE | EV_PERSIST, res_cb, (void *)1L);
  struct event *other = event_new(b, sv[1], EV_READ | EV_PERSIST, res_cb, (void *)2L);
  CT_EQ(event_add(r, NULL), 0);
  CT_EQ(event_add(w, NULL), 0);
  CT_EQ(event_add(other, NULL), 0);
  event_base_active_by_fd(b, sv[0], EV_READ);
  CT_EQ(event_pending(r, EV_READ, NULL), EV_READ);
  CT_EQ(event_pending(w, EV_WRITE, NULL), EV_WRITE);
  CT_EQ(event_del(w), 0); /* always writable: keep the loop quiet */
  memset(g_res, 0, sizeof g_res);
  g_calls = 0;
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 1);
  CT_EQ(g_res[0], EV_READ);
  CT_EQ(g_res[2], 0);
  /* Bits nobody asked for, unknown fds: nothing. */
  event_base_active_by_fd(b, sv[0], EV_WRITE);
  event_base_active_by_fd(b, 5000, EV_READ);
  event_base_active_by_fd(b, -1, EV_READ);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 1);
  event_free(r);
  event_free(w);
  event_free(other);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

/* With EV_TIMEOUT, active_by_fd fires the timeouts of the events on that fd
   (libevent 2.1.12 walks the timer heap and the common-timeout queues). */
static void active_by_fd_timeouts(void) {
  int sv[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  struct timeval five = {5, 0}, half = {0, 500000};
  const struct timeval *common = event_base_init_common_timeout(b, &half);
  struct event *r = event_new(b, sv[0], EV_READ, res_cb, (void *)0L);
  struct event *c = event_new(b, sv[0], EV_READ, res_cb, (void *)1L);
  struct event *plain = event_new(b, sv[0], EV_READ, res_cb, (void *)2L);
  struct event *t = evtimer_new(b, res_cb, (void *)3L);
  CT_EQ(event_add(r, &five), 0);
  CT_EQ(event_add(c, common), 0);
  CT_EQ(event_add(plain, NULL), 0);
  CT_EQ(evtimer_add(t, &five), 0);
  memset(g_res, 0, sizeof g_res);
  g_calls = 0;
  event_base_active_by_fd(b, sv[0], EV_TIMEOUT);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 2);
  CT_EQ(g_res[0], EV_TIMEOUT);
  CT_EQ(g_res[1], EV_TIMEOUT);
  CT_EQ(g_res[2], 0);
  CT_EQ(g_res[3], 0);
  /* Timers have fd -1. */
  event_base_active_by_fd(b, -1, EV_TIMEOUT);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(g_calls, 3);
  CT_EQ(g_res[3], EV_TIMEOUT);
  event_free(r);
  event_free(c);
  event_free(plain);
  event_free(t);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

/* ADDED counts each insertion, timeout and activation of a non-internal
   event (an I/O event with a timeout counts twice), as libevent does. */
static void event_counts(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  const unsigned all = EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_VIRTUAL;
  CT_EQ(event_base_get_num_events(b, all), 0);
  struct timeval five = {5, 0};
  struct event *r = event_new(b, sv[0], EV_READ, cb, NULL);
  struct event *t = evtimer_new(b, cb, NULL);
  struct event *a = evtimer_new(b, cb, NULL);
  struct event *s = evsignal_new(b, SIGUSR1, cb, NULL);
  CT_EQ(event_add(r, &five), 0);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 2);
  CT_EQ(evtimer_add(t, &five), 0);
  CT_EQ(evsignal_add(s, NULL), 0); /* its internal helper event is not counted */
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 4);
  event_active(a, EV_TIMEOUT, 1);
  event_active(t, EV_TIMEOUT, 1);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE), 2);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 6);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_VIRTUAL), 0);
  CT_EQ(event_base_get_num_events(b, all), 8);
  CT_EQ(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED, 0), 6);
  CT_EQ(event_base_get_max_events(b, EVENT_BASE_COUNT_ACTIVE, 0), 2);
  CT_EQ(event_base_loop(b, EVLOOP_NONBLOCK), 0);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ACTIVE), 0);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 3); /* r (twice) and s */
  CT_EQ(event_del(r), 0);
  CT_EQ(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED), 1);
  /* The maxima stay until cleared; clearing returns them, then 0. */
  CT_EQ(event_base_get_max_events(b, all, 0), 8);
  CT_EQ(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED, 1), 6);
  CT_EQ(event_base_get_max_events(b, EVENT_BASE_COUNT_ADDED, 0), 0);
  CT_EQ(event_base_get_max_events(b, EVENT_BASE_COUNT_ACTIVE, 0), 2);
  event_free(r);
  event_free(t);
  event_free(a);
  event_free(s);
  event_base_free(b);
  close(sv[0]);
  close(sv[1]);
}

static struct event *g_running;
static void running_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_running = event_base_get_running_event(arg);
}

static void running_event(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  struct event *ev = evtimer_new(b, running_cb, b);
  event_active(ev, EV_TIMEOUT, 1);
  CT_EQ(event_base_dispatch(b), 1);
  CT_CHECK(g_running == ev);
  event_free(ev);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"dump_events_format", dump_events_format, CT_ALL_BACKENDS},
    {"foreach_order_and_stop", foreach_order_and_stop, 0},
    {"active_by_fd", active_by_fd, CT_ALL_BACKENDS},
    {"active_by_fd_timeouts", active_by_fd_timeouts, 0},
    {"event_counts", event_counts, 0},
    {"running_event", running_event, 0},
};
CT_REGISTER(event_introspect, cases)
