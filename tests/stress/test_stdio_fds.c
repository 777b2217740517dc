/* Descriptors 0, 1 and 2 are ordinary sockets to the loop: in a child
   process (a daemon or an inetd-style server looks like this) sockets are
   dup2'd onto 0/1/2, or 0/1/2 are closed before the base exists so the base's
   own descriptors take those numbers. Each child echoes through its loop; the
   parent checks the echoes and the child's exit code. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kRounds = 50 };

struct echo {
  struct event_base *base;
  int echoed;
  int open; /* peers not yet closed */
  int bad;
};

struct conn {
  struct echo *e;
  struct event *ev;
};

static void on_echo(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct conn *c = arg;
  struct echo *e = c->e;
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0) e->bad |= 1;
    event_del(c->ev);
    if (--e->open == 0) event_base_loopbreak(e->base);
    return;
  }
  if (write(fd, buf, (size_t)n) != n) e->bad |= 2;
  e->echoed += (int)n;
}

static int g_ticks, g_signals;
static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_ticks;
}
static void on_signal(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_signals;
}

/* The child: echoes on each of fds[0..n) until all peers close. Also checks
   a timer and a signal work with the base's descriptors at these numbers. */
static int child_loop(const int *fds, int n) {
  struct echo e = {event_base_new(), 0, n, 0};
  if (!e.base) return 64;
  if (ct_backend() && strcmp(event_base_get_method(e.base), ct_backend()) != 0) return 65;
  struct conn c[3];
  for (int i = 0; i < n; ++i) {
    c[i].e = &e;
    c[i].ev = event_new(e.base, fds[i], EV_READ | EV_PERSIST, on_echo, &c[i]);
    if (!c[i].ev || event_add(c[i].ev, NULL) != 0) return 66 + i;
  }
  struct event *tick = event_new(e.base, -1, EV_PERSIST, on_tick, NULL);
  struct event *sig = evsignal_new(e.base, SIGUSR1, on_signal, NULL);
  struct timeval ms = {0, 1000};
  if (event_add(tick, &ms) != 0 || event_add(sig, NULL) != 0) return 70;
  raise(SIGUSR1);
  struct timeval limit = {15, 0};
  event_base_loopexit(e.base, &limit);
  event_base_dispatch(e.base); /* until every peer closed */
  const long long end = st_now_ms() + 5000;
  while ((g_ticks == 0 || g_signals == 0) && st_now_ms() < end)
    event_base_loop(e.base, EVLOOP_ONCE);
  int bad = e.bad;
  if (e.open != 0) bad |= 32;
  if (g_signals != 1) bad |= 4;
  if (g_ticks == 0) bad |= 8;
  if (e.echoed != n * kRounds * 16) bad |= 16;
  return bad;
}

/* The parent's side: kRounds echoes of 16 bytes on each peer, then close. */
static void talk(const int *peers, int n) {
  char msg[16], back[16];
  for (int r = 0; r < kRounds; ++r)
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < 16; ++k) msg[k] = (char)st_pattern((uint32_t)i, (uint64_t)(r * 16 + k));
      CT_EQ(write(peers[i], msg, 16), 16);
      size_t got = 0;
      while (got < 16) {
        ssize_t m = read(peers[i], back + got, 16 - got);
        if (m <= 0) break;
        got += (size_t)m;
      }
      CT_EQ(got, 16);
      CT_CHECK(memcmp(msg, back, 16) == 0);
    }
  for (int i = 0; i < n; ++i) close(peers[i]);
}

static void sockets_on_0_1_2(void) {
  int sv[3][2];
  for (int i = 0; i < 3; ++i) CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]) == 0);
  fflush(NULL);
  pid_t pid = fork();
  CT_REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(30);
    for (int i = 0; i < 3; ++i) {
      close(sv[i][1]);
      if (dup2(sv[i][0], i) != i) _exit(100);
      close(sv[i][0]);
    }
    static const int fds[3] = {0, 1, 2};
    _exit(child_loop(fds, 3));
  }
  int peers[3];
  for (int i = 0; i < 3; ++i) {
    close(sv[i][0]);
    peers[i] = sv[i][1];
  }
  talk(peers, 3);
  int status = st_wait_child(pid, 20000);
  CT_CHECK(WIFEXITED(status));
  CT_EQ(WEXITSTATUS(status), 0);
}

/* 0, 1 and 2 are closed before the base is made: its own descriptors (epoll
   fd, eventfd, signal plumbing) take the low numbers, the sockets the next. */
static void base_made_with_0_1_2_closed(void) {
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  /* Park the child's end high so closing 0/1/2 frees the lowest numbers. */
  fflush(NULL);
  pid_t pid = fork();
  CT_REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(30);
    close(sv[1]);
    int mine = fcntl(sv[0], F_DUPFD, 100);
    close(sv[0]);
    close(0);
    close(1);
    close(2);
    int fds[1] = {mine};
    _exit(child_loop(fds, 1));
  }
  close(sv[0]);
  talk(&sv[1], 1);
  int status = st_wait_child(pid, 20000);
  CT_CHECK(WIFEXITED(status));
  CT_EQ(WEXITSTATUS(status), 0);
}

static const struct ct_case cases[] = {
    {"sockets_on_0_1_2", sockets_on_0_1_2, CT_ALL_BACKENDS},
    {"base_made_with_0_1_2_closed", base_made_with_0_1_2_closed, CT_ALL_BACKENDS},
};
CT_REGISTER(stdio_fds, cases)
