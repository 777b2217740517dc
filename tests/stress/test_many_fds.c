/* Descriptor numbers far above FD_SETSIZE: epoll and poll watch all of them;
   select refuses the ones it cannot hold (with a message) and keeps serving
   the rest. libevent's select writes past its fd_set instead, so that case
   runs on eventide only. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>

#include "ct.h"
#include "stress.h"

enum { kPairs = 1200 }; /* 2400 descriptors: well past FD_SETSIZE (1024) */

static int g_reads, g_warnings;

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  (void)arg;
  char c;
  if (read(fd, &c, 1) == 1) ++g_reads;
}

static void count_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

static void all_fds_watched(void) {
#ifdef CT_LIBEVENT
  if (ct_backend() && strcmp(ct_backend(), "select") == 0) return; /* memory corruption */
#endif
  long old = st_set_nofile(2 * kPairs + 64);
  if (old < 0) {
    printf("SKIPPED: cannot raise RLIMIT_NOFILE to %d\n", 2 * kPairs + 64);
    return;
  }
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  if (ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  const int is_select = strcmp(event_base_get_method(b), "select") == 0;
  static int sv[kPairs][2];
  static struct event *ev[kPairs];
  int added = 0, refused = 0, expect_refused = 0;
  event_set_log_callback(count_log);
  g_warnings = 0;
  g_reads = 0;
  for (int i = 0; i < kPairs; ++i) {
    CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]) == 0);
    ev[i] = event_new(b, sv[i][0], EV_READ | EV_PERSIST, on_read, NULL);
    CT_REQUIRE(ev[i]);
    if (event_add(ev[i], NULL) == 0)
      ++added;
    else
      ++refused;
    if (sv[i][0] >= FD_SETSIZE) ++expect_refused;
  }
  CT_CHECK(sv[kPairs - 1][0] > FD_SETSIZE);
  if (is_select) {
    CT_EQ(refused, expect_refused);
    CT_CHECK(g_warnings >= expect_refused);
  } else {
    CT_EQ(refused, 0);
  }
  /* Every other pair gets a byte, high numbers included. */
  int sent = 0, sent_watched = 0;
  for (int i = 0; i < kPairs; i += 2) {
    CT_EQ(write(sv[i][1], "x", 1), 1);
    ++sent;
    if (!is_select || sv[i][0] < FD_SETSIZE) ++sent_watched;
  }
  (void)sent;
  const long long end = st_now_ms() + 10000;
  while (g_reads < sent_watched && st_now_ms() < end) event_base_loop(b, EVLOOP_ONCE);
  struct timeval settle = {0, 20000};
  event_base_loopexit(b, &settle);
  event_base_dispatch(b);
  CT_EQ(g_reads, sent_watched);
  event_set_log_callback(NULL);
  for (int i = 0; i < kPairs; ++i) {
    event_free(ev[i]);
    close(sv[i][0]);
    close(sv[i][1]);
  }
  event_base_free(b);
  st_set_nofile(old);
}

static const struct ct_case cases[] = {
    {"all_fds_watched", all_fds_watched, CT_ALL_BACKENDS},
};
CT_REGISTER(many_fds, cases)
