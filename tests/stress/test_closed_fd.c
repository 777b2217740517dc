/* A descriptor closed while its event is still added: the loop neither
   crashes nor stops serving the other events, event_del afterwards is
   harmless, and a new socket that reuses the number is watched properly. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "ct.h"
#include "stress.h"

static struct event_base *new_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

struct counter {
  int calls;
  int bytes;
  int ebadf;
  struct event *ev;
};

/* Reads what there is; on EBADF it deletes its event, as a program that
   meets a dead descriptor should. */
static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct counter *c = arg;
  char buf[64];
  c->calls++;
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) c->bytes += (int)n;
  if (n < 0 && errno == EBADF) {
    c->ebadf++;
    if (c->ev) event_del(c->ev);
  }
}

static int g_warnings;
static void count_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

static void quiet(int severity, const char *msg) {
  (void)severity;
  (void)msg;
}

/* Runs the loop for ms milliseconds (EVLOOP_ONCE steps; a loop error ends
   the wait early and is returned). */
static int run_for(struct event_base *b, int ms) {
  const long long end = st_now_ms() + ms;
  int r = 0;
  while (st_now_ms() < end) {
    struct timeval tv = {0, 5000};
    event_base_loopexit(b, &tv);
    r = event_base_loop(b, EVLOOP_ONCE);
    if (r < 0) return r;
  }
  return r;
}

static void closed_then_reused(void) {
  event_set_log_callback(count_log);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int gone[2], ctl[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, gone) == 0);
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) == 0);
  struct counter cg = {0}, cc = {0};
  struct event *eg = event_new(b, gone[0], EV_READ | EV_PERSIST, on_read, &cg);
  struct event *ec = event_new(b, ctl[0], EV_READ | EV_PERSIST, on_read, &cc);
  cg.ev = eg;
  CT_EQ(event_add(eg, NULL), 0);
  CT_EQ(event_add(ec, NULL), 0);
  CT_EQ(write(ctl[1], "a", 1), 1);
  CT_EQ(run_for(b, 20), 0);
  CT_EQ(cc.bytes, 1);
  const int closed_fd = gone[0];
  close(gone[0]); /* the event is still added */
  close(gone[1]);
  CT_EQ(write(ctl[1], "b", 1), 1);
  g_warnings = 0;
  const int r = run_for(b, 50);
  (void)r;
  /* The other event is still served. (libevent's select backend fails the
     whole loop with EBADF instead.) */
#ifdef CT_LIBEVENT
  if (strcmp(event_base_get_method(b), "select") != 0) CT_EQ(cc.bytes, 2);
#else
  CT_EQ(r, 0);
  CT_EQ(cc.bytes, 2);
  if (strcmp(event_base_get_method(b), "epoll") == 0) {
    /* The kernel dropped the registration with the last close. */
    CT_EQ(cg.calls, 0);
  } else {
    /* poll and select report the dead fd ready (with a warning) so its
       owner meets EBADF and deletes it: once, then quiet. */
    CT_EQ(cg.calls, 1);
    CT_EQ(cg.ebadf, 1);
  }
  if (strcmp(event_base_get_method(b), "select") == 0) CT_CHECK(g_warnings >= 1);
#endif
  printf("closed fd: %d callbacks in 50 ms on %s\n", cg.calls, event_base_get_method(b));
  CT_EQ(event_del(eg), 0);
  /* The number comes back for a new socket; its new event must work. */
  int again[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, again) == 0);
  CT_EQ(again[0], closed_fd);
  struct counter ca = {0};
  struct event *ea = event_new(b, again[0], EV_READ | EV_PERSIST, on_read, &ca);
  CT_EQ(event_add(ea, NULL), 0);
  CT_EQ(write(again[1], "xyz", 3), 3);
  CT_EQ(write(ctl[1], "c", 1), 1);
  CT_EQ(run_for(b, 30), 0);
  CT_EQ(ca.bytes, 3);
  CT_EQ(cc.bytes, 3);
  event_free(ea);
  event_free(eg);
  event_free(ec);
  close(again[0]);
  close(again[1]);
  close(ctl[0]);
  close(ctl[1]);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* The number is reused while the old event is still added (no event_del in
   between): deleting the stale event must not unwatch the new socket. */
static void reused_before_del(void) {
  event_set_log_callback(quiet);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int first[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, first) == 0);
  struct counter c1 = {0}, c2 = {0};
  struct event *e1 = event_new(b, first[0], EV_READ | EV_PERSIST, on_read, &c1);
  CT_EQ(event_add(e1, NULL), 0);
  CT_EQ(run_for(b, 5), 0);
  const int num = first[0];
  close(first[0]);
  close(first[1]);
  int second[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, second) == 0);
  CT_EQ(second[0], num);
  CT_EQ(event_del(e1), 0);
  struct event *e2 = event_new(b, second[0], EV_READ | EV_PERSIST, on_read, &c2);
  CT_EQ(event_add(e2, NULL), 0);
  CT_EQ(write(second[1], "hello", 5), 5);
  CT_EQ(run_for(b, 30), 0);
  CT_EQ(c2.bytes, 5);
  event_free(e1);
  event_free(e2);
  close(second[0]);
  close(second[1]);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* Many rounds of: add, close without del, reuse, in one base. */
static void churn_close_without_del(void) {
  event_set_log_callback(quiet);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  enum { kRounds = 300 };
  int served = 0;
  for (int i = 0; i < kRounds; ++i) {
    int sv[2];
    CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct counter c = {0};
    struct event *e = event_new(b, sv[0], EV_READ | EV_PERSIST, on_read, &c);
    CT_EQ(event_add(e, NULL), 0);
    CT_EQ(write(sv[1], "q", 1), 1);
    const long long end = st_now_ms() + 2000;
    while (c.bytes == 0 && st_now_ms() < end) event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    served += c.bytes;
    close(sv[0]);
    close(sv[1]);
    /* One pass only: libevent's poll backend reports a closed fd as readable
       on every pass, so EVLOOP_NONBLOCK alone would never return there. */
    event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    event_free(e); /* a del of an fd already closed */
  }
  CT_EQ(served, kRounds);
  event_base_free(b);
  event_set_log_callback(NULL);
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* The fd is closed while a dup() keeps the socket alive, and the peer makes
   it readable: with epoll the kernel keeps reporting the old registration.
   The loop must stay idle (no busy spin) and keep serving other events. */
static void closed_but_duplicated(void) {
  event_set_log_callback(quiet);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int sv[2], ctl[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) == 0);
  const int keep = dup(sv[0]);
  CT_REQUIRE(keep >= 0);
  struct counter cg = {0}, cc = {0};
  struct event *eg = event_new(b, sv[0], EV_READ | EV_PERSIST, on_read, &cg);
  struct event *ec = event_new(b, ctl[0], EV_READ | EV_PERSIST, on_read, &cc);
  cg.ev = eg;
  CT_EQ(event_add(eg, NULL), 0);
  CT_EQ(event_add(ec, NULL), 0);
  CT_EQ(run_for(b, 5), 0);
  close(sv[0]);
  CT_EQ(write(sv[1], "zz", 2), 2); /* readable through `keep`, forever */
  run_for(b, 20);
  event_del(eg);
  const double before = cpu_ms();
  run_for(b, 200);
  const double spent = cpu_ms() - before;
  printf("closed-but-duplicated: %.1f ms CPU in 200 ms idle, %d callbacks, on %s\n", spent,
         cg.calls, event_base_get_method(b));
#ifndef CT_LIBEVENT
  CT_CHECK(spent < 60);
#endif
  CT_EQ(write(ctl[1], "c", 1), 1);
  run_for(b, 20);
  CT_EQ(cc.bytes, 1);
  event_free(eg);
  event_free(ec);
  close(keep);
  close(sv[1]);
  close(ctl[0]);
  close(ctl[1]);
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* As above, but the number is reused by a new socket before anything is
   deleted: the stale registration (same number, other file) keeps firing
   while the new socket must be watched and served. */
static void duplicated_then_reused(void) {
  event_set_log_callback(quiet);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  const int keep = dup(sv[0]);
  CT_REQUIRE(keep >= 0);
  struct counter cg = {0}, cn = {0};
  struct event *eg = event_new(b, sv[0], EV_READ | EV_PERSIST, on_read, &cg);
  CT_EQ(event_add(eg, NULL), 0);
  CT_EQ(run_for(b, 5), 0);
  const int num = sv[0];
  close(sv[0]);
  CT_EQ(write(sv[1], "old", 3), 3); /* the old file stays readable via `keep` */
  int again[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, again) == 0);
  CT_EQ(again[0], num);
  /* Non-blocking: libevent hands the stale registration's reports to the
     new socket's event (a blocking read there would hang). */
  st_nonblock(again[0]);
  event_del(eg);
  struct event *en = event_new(b, again[0], EV_READ | EV_PERSIST, on_read, &cn);
  CT_EQ(event_add(en, NULL), 0);
  CT_EQ(write(again[1], "new", 3), 3);
  const double before = cpu_ms();
  run_for(b, 200);
  const double spent = cpu_ms() - before;
  printf(
      "duplicated-then-reused: %.1f ms CPU in 200 ms, new socket: %d bytes in %d callbacks, on "
      "%s\n",
      spent, cn.bytes, cn.calls, event_base_get_method(b));
  CT_EQ(cn.bytes, 3);
#ifndef CT_LIBEVENT
  CT_CHECK(spent < 60);
  CT_EQ(cn.calls, 1); /* no wake-ups borrowed from the stale registration */
#endif
  event_free(eg);
  event_free(en);
  close(keep);
  close(sv[1]);
  close(again[0]);
  close(again[1]);
  event_base_free(b);
  event_set_log_callback(NULL);
}

static const struct ct_case cases[] = {
    {"duplicated_then_reused", duplicated_then_reused, CT_ALL_BACKENDS},
    {"closed_but_duplicated", closed_but_duplicated, CT_ALL_BACKENDS},
    {"closed_then_reused", closed_then_reused, CT_ALL_BACKENDS},
    {"reused_before_del", reused_before_del, CT_ALL_BACKENDS},
    {"churn_close_without_del", churn_close_without_del, CT_ALL_BACKENDS},
};
CT_REGISTER(closed_fd, cases)
