/* Processes and descriptors: event_reinit after fork (both loops keep
   working), a tight RLIMIT_NOFILE, and (eventide only) the fds a base costs. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct.h"

static struct event_base *new_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

static int g_reads, g_timers, g_signals;

static void read_cb(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  (void)arg;
  char c;
  if (read(fd, &c, 1) == 1) ++g_reads;
}
static void timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_timers;
}
static void signal_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_signals;
}

/* Runs b until a read, a timer and a signal were seen, or 2 s passed. */
static void run_until_all_seen(struct event_base *b) {
  struct timeval stop = {2, 0};
  event_base_loopexit(b, &stop);
  while (!(g_reads && g_timers && g_signals) && !event_base_got_exit(b))
    event_base_loop(b, EVLOOP_ONCE);
}

static void reinit_after_fork(void) {
  int p[2];
  struct event_base *b = new_base();
  CT_REQUIRE(b && pipe(p) == 0);
  struct event *rd = event_new(b, p[0], EV_READ | EV_PERSIST, read_cb, NULL);
  struct event *tm = evtimer_new(b, timer_cb, NULL);
  struct event *sg = evsignal_new(b, SIGUSR1, signal_cb, NULL);
  struct timeval ms = {0, 10000};
  CT_EQ(event_add(rd, NULL), 0);
  CT_EQ(evtimer_add(tm, &ms), 0);
  CT_EQ(evsignal_add(sg, NULL), 0);
  g_reads = g_timers = g_signals = 0;
  fflush(NULL);
  const pid_t pid = fork();
  CT_REQUIRE(pid >= 0);
  if (pid == 0) {
    int bad = 0;
    if (event_reinit(b) != 0) bad |= 1;
    if (write(p[1], "c", 1) != 1) bad |= 2;
    raise(SIGUSR1);
    run_until_all_seen(b);
    if (g_reads != 1) bad |= 4;
    if (g_timers != 1) bad |= 8;
    if (g_signals != 1) bad |= 16;
    event_free(rd);
    event_free(tm);
    event_free(sg);
    event_base_free(b);
    _exit(bad);
  }
  int status = 0;
  CT_REQUIRE(waitpid(pid, &status, 0) == pid);
  CT_CHECK(WIFEXITED(status));
  CT_EQ(WEXITSTATUS(status), 0);
  /* The parent's base was not disturbed by the child. */
  CT_EQ(g_reads + g_timers + g_signals, 0);
  CT_EQ(write(p[1], "p", 1), 1);
  raise(SIGUSR1);
  run_until_all_seen(b);
  CT_EQ(g_reads, 1);
  CT_EQ(g_timers, 1);
  CT_EQ(g_signals, 1);
  event_free(rd);
  event_free(tm);
  event_free(sg);
  event_base_free(b);
  close(p[0]);
  close(p[1]);
}

static int count_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1; /* the directory's own fd */
}

/* A program limited to 20 descriptors can still make a base, a few pipes and
   events, and run them. */
static void tiny_fd_limit(void) {
  struct rlimit old, tiny;
  CT_REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  CT_REQUIRE(count_fds() < 8);
  tiny = old;
  tiny.rlim_cur = 20;
  CT_REQUIRE(setrlimit(RLIMIT_NOFILE, &tiny) == 0);
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int p[3][2];
  struct event *ev[3];
  for (int i = 0; i < 3; ++i) {
    CT_REQUIRE(pipe(p[i]) == 0);
    ev[i] = event_new(b, p[i][0], EV_READ | EV_PERSIST, read_cb, NULL);
    CT_EQ(event_add(ev[i], NULL), 0);
  }
  struct event *sg = evsignal_new(b, SIGUSR2, signal_cb, NULL);
  struct event *tm = evtimer_new(b, timer_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evsignal_add(sg, NULL), 0);
  CT_EQ(evtimer_add(tm, &ms), 0);
  CT_CHECK(count_fds() <= 20);
  g_reads = g_timers = g_signals = 0;
  for (int i = 0; i < 3; ++i) CT_EQ(write(p[i][1], "x", 1), 1);
  raise(SIGUSR2);
  struct timeval stop = {2, 0};
  event_base_loopexit(b, &stop);
  while (!(g_reads == 3 && g_timers && g_signals) && !event_base_got_exit(b))
    event_base_loop(b, EVLOOP_ONCE);
  CT_EQ(g_reads, 3);
  CT_EQ(g_timers, 1);
  CT_EQ(g_signals, 1);
  for (int i = 0; i < 3; ++i) {
    event_free(ev[i]);
    close(p[i][0]);
    close(p[i][1]);
  }
  event_free(sg);
  event_free(tm);
  event_base_free(b);
  setrlimit(RLIMIT_NOFILE, &old);
}

/* eventide's base costs one fd with epoll and none with poll or select;
   one more (an eventfd) once a signal is watched, none left after free.
   libevent opens more (a signal socketpair at creation, for one). */
static void fd_budget(void) {
#ifndef CT_LIBEVENT
  const int before = count_fds();
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  const int own = strcmp(event_base_get_method(b), "epoll") == 0 ? 1 : 0;
  CT_EQ(count_fds() - before, own);
  struct event *tm = evtimer_new(b, timer_cb, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(evtimer_add(tm, &ms), 0);
  CT_EQ(event_base_dispatch(b), 1);
  CT_EQ(count_fds() - before, own);
  struct event *sg = evsignal_new(b, SIGUSR2, signal_cb, NULL);
  CT_EQ(evsignal_add(sg, NULL), 0);
  CT_EQ(count_fds() - before, own + 1);
  event_free(sg);
  event_free(tm);
  event_base_free(b);
  CT_EQ(count_fds(), before);
#endif
}

static const struct ct_case cases[] = {
    {"reinit_after_fork", reinit_after_fork, CT_ALL_BACKENDS},
    {"tiny_fd_limit", tiny_fd_limit, CT_ALL_BACKENDS},
    {"fd_budget", fd_budget, CT_ALL_BACKENDS},
};
CT_REGISTER(event_fork, cases)
