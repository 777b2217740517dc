/* An EMFILE storm: a server at RLIMIT_NOFILE = 64 (listener + echo
   bufferevents) is hit by 400 connections at once from a child process. The
   first ~50 are accepted and sit idle for a second while the rest wait in the
   backlog and every accept fails with EMFILE. Through that second the
   server's CPU stays low (getrusage), and afterwards it recovers: each
   connection is echoed and closed, freeing a descriptor for the next, until
   all 400 are served intact. libevent keeps its listener armed and spins at
   full CPU, so its numbers are printed, not checked. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "ct.h"
#include "stress.h"

enum { kLimit = 64, kClients = 400, kMsg = 1024, kIdleMs = 1000 };

struct server {
  struct event_base *base;
  int served, open, errors, emfile_reports;
  long long first_emfile_ms, first_data_ms;
  double cpu_at_emfile, cpu_at_data;
  pid_t kid;
  int kid_status, kid_done;
};

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void echo_read(struct bufferevent *bev, void *arg) {
  struct server *s = arg;
  if (!s->first_data_ms) {
    s->first_data_ms = st_now_ms();
    s->cpu_at_data = cpu_s();
  }
  struct evbuffer *in = bufferevent_get_input(bev);
  if (evbuffer_get_length(in) < kMsg) return;
  bufferevent_write_buffer(bev, in);
  bufferevent_disable(bev, EV_READ);
}

static void echo_written(struct bufferevent *bev, void *arg) {
  struct server *s = arg;
  if (bufferevent_get_enabled(bev) & EV_READ) return; /* not echoed yet */
  s->served++;
  s->open--;
  bufferevent_free(bev); /* a descriptor for the next one in the backlog */
}

static void echo_event(struct bufferevent *bev, short what, void *arg) {
  struct server *s = arg;
  s->errors++;
  (void)what;
  s->open--;
  bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  struct server *s = arg;
  struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, echo_read, echo_written, echo_event, s);
  bufferevent_setwatermark(bev, EV_READ, kMsg, 0);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  s->open++;
}

static void on_error(struct evconnlistener *l, void *arg) {
  (void)l;
  struct server *s = arg;
  if (s->emfile_reports++ == 0) {
    s->first_emfile_ms = st_now_ms();
    s->cpu_at_emfile = cpu_s();
  }
#ifdef CT_LIBEVENT
  /* Keep the storm bounded in libevent's case: it reports every pass. */
  if (s->emfile_reports > 2000000) event_base_loopbreak(s->base);
#endif
}

static void watch(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct server *s = arg;
  if (!s->kid_done && waitpid(s->kid, &s->kid_status, WNOHANG) == s->kid) s->kid_done = 1;
  if (s->kid_done && s->open == 0) event_base_loopbreak(s->base);
}

/* The clients: connect all, wait, then send and check each echo. */
static int clients(const struct sockaddr_in *addr) {
  alarm(60);
  static int fds[kClients];
  for (int i = 0; i < kClients; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0 || connect(fds[i], (const struct sockaddr *)addr, sizeof *addr) != 0) return 1;
  }
  st_sleep_us(kIdleMs * 1000);
  int bad = 0;
  unsigned char msg[kMsg], back[kMsg];
  for (int i = 0; i < kClients; ++i) {
    for (int k = 0; k < kMsg; ++k) msg[k] = st_pattern((uint32_t)i, (uint64_t)k);
    if (write(fds[i], msg, kMsg) != kMsg) bad |= 2;
  }
  for (int i = 0; i < kClients; ++i) {
    size_t got = 0;
    while (got < kMsg) {
      ssize_t n = read(fds[i], back + got, kMsg - got);
      if (n <= 0) break;
      got += (size_t)n;
    }
    for (int k = 0; k < kMsg; ++k) msg[k] = st_pattern((uint32_t)i, (uint64_t)k);
    if (got != kMsg || memcmp(msg, back, kMsg) != 0) bad |= 4;
    close(fds[i]);
  }
  return bad;
}

static void storm_at_64_descriptors(void) {
  struct server s;
  memset(&s, 0, sizeof s);
  s.base = event_base_new();
  CT_REQUIRE(s.base);
  if (ct_backend()) CT_STREQ(event_base_get_method(s.base), ct_backend());
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *l =
      evconnlistener_new_bind(s.base, on_accept, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              1024, (struct sockaddr *)&addr, sizeof addr);
  CT_REQUIRE(l);
  evconnlistener_set_error_cb(l, on_error);
  socklen_t alen = sizeof addr;
  getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&addr, &alen);
  fflush(NULL);
  s.kid = fork();
  CT_REQUIRE(s.kid >= 0);
  if (s.kid == 0) _exit(clients(&addr));
  long old = st_set_nofile(kLimit); /* the server only */
  CT_REQUIRE(old > 0);
  struct event *w = event_new(s.base, -1, EV_PERSIST, watch, &s);
  struct timeval every = {0, 20000};
  event_add(w, &every);
  struct timeval limit = {40, 0};
  event_base_loopexit(s.base, &limit);
  event_base_dispatch(s.base);
  st_set_nofile(old);
  if (!s.kid_done) s.kid_status = st_wait_child(s.kid, 5000);
  const long long idle_ms = s.first_data_ms - s.first_emfile_ms;
  const double idle_cpu = s.cpu_at_data - s.cpu_at_emfile;
  printf(
      "%d of %d served; %d EMFILE reports; %.0f ms CPU over the %lld ms the backlog waited "
      "(%.0f%%)\n",
      s.served, kClients, s.emfile_reports, idle_cpu * 1e3, idle_ms,
      idle_ms > 0 ? 100.0 * idle_cpu * 1e3 / (double)idle_ms : 0.0);
  CT_CHECK(s.emfile_reports >= 1);
  CT_CHECK(WIFEXITED(s.kid_status));
  CT_EQ(WEXITSTATUS(s.kid_status), 0);
  CT_EQ(s.served, kClients);
  CT_EQ(s.errors, 0);
#ifndef CT_LIBEVENT
  CT_CHECK(idle_ms > kIdleMs / 2);
  CT_CHECK(idle_cpu * 1e3 < 0.2 * (double)idle_ms); /* libevent: ~100% */
#endif
  event_free(w);
  evconnlistener_free(l);
  event_base_free(s.base);
}

static const struct ct_case cases[] = {
    {"storm_at_64_descriptors", storm_at_64_descriptors, CT_ALL_BACKENDS},
};
CT_REGISTER(emfile_storm, cases)
