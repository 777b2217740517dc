/* 5,000 echo connections open at the same time, each moving 64 KiB that the
   client checks byte by byte. The server (listener + socket bufferevents) runs
   in this process; the clients run in two child processes with their own
   bases, bound to source addresses 127.0.0.2 and 127.0.0.3, so no process
   holds more than about 5,000 descriptors. A client closes its connections
   only when the parent says so, after the server saw all 5,000 open at once
   and every byte echoed. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum {
  kConns = 5000,
  kProcs = 2,
  kBytes = 64 << 10,
  kMaxConnecting = 256,
  /* A connect completes before the server accepts it, so up to every
     connection can wait in the accept queue (the kernel caps this at
     somaxconn). -1 means 128, and a SYN dropped on a full queue comes
     back only after 1, 3, 7, 15 ... s. */
  kBacklog = kConns
};

/* VmHWM (peak) or VmRSS of this process, in KiB. */
static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t k = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, k) == 0 && sscanf(line + k, ": %ld", &v) == 1) break;
  if (f) fclose(f);
  return v;
}

/* ---- the server ---- */

struct server {
  struct event_base *base;
  int open, max_open, served, errors;
  long long echoed;
  pid_t kids[kProcs];
  int go[kProcs];       /* write end: "close now" */
  int finished[kProcs]; /* read end: a client says all its echoes came back */
  int kids_finished, kids_left, told;
  int statuses[kProcs];
};

static void echo_read(struct bufferevent *bev, void *arg) {
  struct server *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->echoed += (long long)evbuffer_get_length(in);
  bufferevent_write_buffer(bev, in);
}

static void echo_event(struct bufferevent *bev, short what, void *arg) {
  struct server *s = arg;
  if (what & BEV_EVENT_ERROR) s->errors++;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    s->open--;
    bufferevent_free(bev);
  }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  struct server *s = arg;
  struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    s->errors++;
    close(fd);
    return;
  }
  bufferevent_setcb(bev, echo_read, NULL, echo_event, s);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  s->served++;
  if (++s->open > s->max_open) s->max_open = s->open;
}

static void watch_kids(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct server *s = arg;
  for (int i = 0; i < kProcs; ++i) {
    char c;
    if (s->finished[i] >= 0 && read(s->finished[i], &c, 1) == 1) {
      s->kids_finished++;
      close(s->finished[i]);
      s->finished[i] = -1;
    }
  }
  if (!s->told && s->kids_finished == kProcs) {
    s->told = 1;
    for (int i = 0; i < kProcs; ++i)
      if (write(s->go[i], "g", 1) != 1) s->errors++;
  }
  for (int i = 0; i < kProcs; ++i) {
    int st;
    if (s->kids[i] > 0 && waitpid(s->kids[i], &st, WNOHANG) == s->kids[i]) {
      s->statuses[i] = st;
      s->kids[i] = 0;
      s->kids_left--;
    }
  }
  if (s->kids_left == 0 && s->open == 0) event_base_loopbreak(s->base);
}

/* ---- a client process ---- */

struct client_conn {
  struct client *c;
  struct bufferevent *bev;
  uint32_t seed;
  long got;
  int done;
};

struct client {
  struct event_base *base;
  struct sockaddr_in server, source;
  struct client_conn *conns;
  int n, started, connecting, done, bad, errors;
  int finished_fd;
  struct event *go_ev;
};

static void client_start_more(struct client *c);

static void client_read(struct bufferevent *bev, void *arg) {
  struct client_conn *k = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  unsigned char buf[4096];
  int n;
  while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0)
    for (int i = 0; i < n; ++i, ++k->got)
      if (buf[i] != st_pattern(k->seed, (uint64_t)k->got)) k->c->bad++;
  if (!k->done && k->got >= kBytes) {
    k->done = 1;
    if (++k->c->done == k->c->n && write(k->c->finished_fd, "d", 1) != 1) k->c->errors++;
  }
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  struct client_conn *k = arg;
  struct client *c = k->c;
  if (what & BEV_EVENT_CONNECTED) {
    c->connecting--;
    unsigned char buf[4096];
    for (long off = 0; off < kBytes; off += (long)sizeof buf) {
      for (size_t i = 0; i < sizeof buf; ++i) buf[i] = st_pattern(k->seed, (uint64_t)off + i);
      bufferevent_write(k->bev, buf, sizeof buf);
    }
    client_start_more(c);
    return;
  }
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
    c->errors++;
    event_base_loopbreak(c->base);
  }
}

static void client_start_more(struct client *c) {
  while (c->started < c->n && c->connecting < kMaxConnecting) {
    struct client_conn *k = &c->conns[c->started];
    k->c = c;
    k->seed = (uint32_t)(ntohl(c->source.sin_addr.s_addr) * 100000u + (uint32_t)c->started);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || st_bind_source(fd, &c->source) != 0) {
      c->errors++;
      if (fd >= 0) close(fd);
      event_base_loopbreak(c->base);
      return;
    }
    k->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(k->bev, client_read, NULL, client_event, k);
    bufferevent_enable(k->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(k->bev, (struct sockaddr *)&c->server, sizeof c->server) != 0)
      c->errors++;
    c->started++;
    c->connecting++;
  }
}

static void client_go(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(((struct client *)arg)->base);
}

/* Exit code: 0, or bits saying what went wrong. */
static int client_main(int index, const struct sockaddr_in *server, int go_fd, int finished_fd) {
  alarm(100);
  struct client c;
  memset(&c, 0, sizeof c);
  c.base = event_base_new();
  c.server = *server;
  c.finished_fd = finished_fd;
  c.source.sin_family = AF_INET;
  c.source.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)index); /* 127.0.0.2, .3 */
  c.n = kConns / kProcs;
  c.conns = calloc((size_t)c.n, sizeof *c.conns);
  c.go_ev = event_new(c.base, go_fd, EV_READ, client_go, &c);
  event_add(c.go_ev, NULL);
  client_start_more(&c);
  event_base_dispatch(c.base); /* until the parent says go, or an error */
  int rc = 0;
  if (c.errors) rc |= 1;
  if (c.bad) rc |= 2;
  if (c.done != c.n) rc |= 4;
  for (int i = 0; i < c.started; ++i) bufferevent_free(c.conns[i].bev);
  event_free(c.go_ev);
  event_base_free(c.base);
  free(c.conns);
  return rc;
}

static void five_thousand_echo_connections(void) {
#ifdef CT_LIBEVENT
  signal(SIGPIPE, SIG_IGN); /* libevent does not; a reset peer would kill the server */
#endif
  if (st_set_nofile(kConns + kConns / kProcs + 200) < 0) {
    printf("SKIPPED: RLIMIT_NOFILE cannot be raised to %d\n", kConns + kConns / kProcs + 200);
    return;
  }
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
                              kBacklog, (struct sockaddr *)&addr, sizeof addr);
  CT_REQUIRE(l);
  socklen_t alen = sizeof addr;
  getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&addr, &alen);
  fflush(NULL);
  for (int i = 0; i < kProcs; ++i) {
    int p[2], f[2];
    CT_REQUIRE(pipe(p) == 0 && pipe2(f, O_NONBLOCK) == 0);
    pid_t pid = fork();
    CT_REQUIRE(pid >= 0);
    if (pid == 0) {
      close(p[1]);
      close(f[0]);
      /* The parent's base and listener are left alone: freeing them here
         would delete the listener from the epoll set both share. */
      _exit(client_main(i, &addr, p[0], f[1]));
    }
    close(p[0]);
    close(f[1]);
    s.finished[i] = f[0];
    s.kids[i] = pid;
    s.go[i] = p[1];
  }
  s.kids_left = kProcs;
  struct event *watch = event_new(s.base, -1, EV_PERSIST, watch_kids, &s);
  struct timeval every = {0, 20000};
  event_add(watch, &every);
  struct timeval limit = {90, 0};
  event_base_loopexit(s.base, &limit);
  const long long t0 = st_now_ms();
  event_base_dispatch(s.base);
  printf(
      "%d connections served, %d open at once at most, %lld bytes echoed in %lld ms; "
      "server RSS peak %ld KiB, %ld KiB at the end\n",
      s.served, s.max_open, s.echoed, st_now_ms() - t0, status_kib("VmHWM"), status_kib("VmRSS"));
  for (int i = 0; i < kProcs; ++i) {
    if (s.kids[i] > 0) s.statuses[i] = st_wait_child(s.kids[i], 5000);
    CT_CHECK(WIFEXITED(s.statuses[i]));
    CT_EQ(WEXITSTATUS(s.statuses[i]), 0);
    close(s.go[i]);
  }
  CT_EQ(s.served, kConns);
  CT_EQ(s.max_open, kConns);
  CT_EQ(s.echoed, (long long)kConns * kBytes);
  CT_EQ(s.errors, 0);
  event_free(watch);
  evconnlistener_free(l);
  event_base_free(s.base);
}

static const struct ct_case cases[] = {
    {"five_thousand_echo_connections", five_thousand_echo_connections, 0},
};
CT_REGISTER(many_conns, cases)
