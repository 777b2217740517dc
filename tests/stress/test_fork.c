/* fork() with a live base: the child calls event_reinit, and then both the
   parent's loop and the child's loop keep serving reads, timers and signals,
   round after round, each child ping-ponging with the parent. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kRounds = 6, kPings = 300, kSignalAt = 100 };

struct side {
  struct event_base *base;
  int fd;
  int expect;      /* the next value the peer must send (mod 256) */
  int count;       /* values received */
  int limit;       /* the child stops answering after this many; 0: never */
  int timer_ticks; /* persistent 1 ms timer */
  int signals;     /* SIGUSR1 callbacks */
  int bad;         /* a wrong value arrived, or a write failed */
  pid_t peer;      /* parent: the child to signal at kSignalAt */
  int done;
};

static void on_value(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct side *s = arg;
  unsigned char v[64];
  ssize_t n = read(fd, v, sizeof v);
  if (n == 0) { /* the peer is gone */
    s->done = 1;
    event_base_loopbreak(s->base);
    return;
  }
  for (ssize_t i = 0; i < n; ++i) {
    if (v[i] != (unsigned char)s->expect) s->bad = 1;
    s->count++;
    if (s->peer > 0 && s->count == kSignalAt) kill(s->peer, SIGUSR1);
    if (s->limit && s->count >= s->limit) {
      s->done = 1;
      return;
    }
    unsigned char next = (unsigned char)(v[i] + 1);
    s->expect = (v[i] + 2) & 0xff;
    if (write(fd, &next, 1) != 1) s->bad = 1;
  }
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  ((struct side *)arg)->timer_ticks++;
}

static void on_signal(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  ((struct side *)arg)->signals++;
}

/* The child's half: reinit, keep only its own end, ping kPings times, and
   see its timer and the parent's one signal. Exit code: bits of what failed. */
static void child_round(struct side *s, struct event *theirs, int their_fd) {
  alarm(20);
  int bad = 0;
  if (event_reinit(s->base) != 0) bad |= 1;
  event_del(theirs);
  close(their_fd);
  s->peer = 0;
  s->count = s->timer_ticks = s->signals = s->bad = s->done = 0;
  s->limit = kPings;
  s->expect = 1;
  unsigned char first = 0;
  if (write(s->fd, &first, 1) != 1) bad |= 2;
  const long long end = st_now_ms() + 10000;
  while (!s->done && !s->bad && st_now_ms() < end)
    if (event_base_loop(s->base, EVLOOP_ONCE) < 0) {
      bad |= 4;
      break;
    }
  while ((s->signals == 0 || s->timer_ticks == 0) && st_now_ms() < end)
    event_base_loop(s->base, EVLOOP_ONCE);
  if (s->bad) bad |= 8;
  if (s->count != kPings) bad |= 16;
  if (s->signals != 1) bad |= 32;
  if (s->timer_ticks == 0) bad |= 64;
  _exit(bad);
}

static void fork_rounds_both_loops_work(void) {
  struct event_base *b = event_base_new();
  CT_REQUIRE(b);
  if (ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  struct side s;
  memset(&s, 0, sizeof s);
  s.base = b;
  struct timeval ms = {0, 1000};
  struct event *tick = event_new(b, -1, EV_PERSIST, on_tick, &s);
  struct event *sig = evsignal_new(b, SIGUSR1, on_signal, &s);
  CT_REQUIRE(tick && sig);
  CT_EQ(event_add(tick, &ms), 0);
  CT_EQ(event_add(sig, NULL), 0);
  for (int round = 0; round < kRounds; ++round) {
    int sv[2];
    CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    /* Both ends are watched by the base before the fork: each process then
       drops the other's. */
    struct event *pev = event_new(b, sv[0], EV_READ | EV_PERSIST, on_value, &s);
    struct event *cev = event_new(b, sv[1], EV_READ | EV_PERSIST, on_value, &s);
    CT_REQUIRE(pev && cev);
    CT_EQ(event_add(pev, NULL), 0);
    CT_EQ(event_add(cev, NULL), 0);
    fflush(NULL);
    pid_t pid = fork();
    CT_REQUIRE(pid >= 0);
    if (pid == 0) {
      s.fd = sv[1];
      child_round(&s, pev, sv[0]);
    }
    event_del(cev);
    close(sv[1]);
    s.fd = sv[0];
    s.peer = pid;
    s.expect = 0; /* the child starts at 0 */
    s.count = s.limit = s.bad = s.done = 0;
    s.timer_ticks = 0;
    int signals_before = s.signals;
    const long long end = st_now_ms() + 15000;
    while (!s.done && st_now_ms() < end) CT_CHECK(event_base_loop(b, EVLOOP_ONCE) >= 0);
    CT_CHECK(s.done);
    CT_EQ(s.bad, 0);
    CT_EQ(s.count, kPings);
    CT_CHECK(s.timer_ticks > 0);
    int status = st_wait_child(pid, 10000);
    CT_CHECK(WIFEXITED(status));
    CT_EQ(WEXITSTATUS(status), 0);
    /* The parent's own signal handling survived the child's reinit. */
    raise(SIGUSR1);
    while (s.signals == signals_before && st_now_ms() < end) event_base_loop(b, EVLOOP_ONCE);
    CT_EQ(s.signals, signals_before + 1);
    event_free(pev);
    event_free(cev);
    close(sv[0]);
  }
  event_free(tick);
  event_free(sig);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"fork_rounds_both_loops_work", fork_rounds_both_loops_work, CT_ALL_BACKENDS},
};
CT_REGISTER(fork, cases)
