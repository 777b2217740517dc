/* The soak (run by hand, not in CI: tests/stress/soak.sh): for a given time
   (default 10 minutes) 10,000 connections churn against one echo server.
   Two client processes keep 5,000 connections each; every connection makes
   1-20 round trips of 1 byte to 16 KiB, checks each echo byte by byte,
   closes and is replaced by a new one from the next source address in
   127.0.0.2-127.0.0.254 (so TIME_WAIT never runs out of ports). Prints, every
   10 s and at the end: connections served, bytes moved, errors, and the
   server's RSS at start and now. Exit status 0 when nothing went wrong. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <stdio.h>
#include <stdlib.h>

#include "stress.h"

enum {
  kConns = 10000,
  kProcs = 2,
  kMaxMsg = 16384,
  kMaxConnecting = 256,
  /* A connect completes before the server accepts it, so up to every
     connection can wait in the accept queue (the kernel caps this at
     somaxconn). -1 means 128, and a SYN dropped on a full queue comes
     back only after 1, 3, 7, 15 ... s. */
  kBacklog = kConns
};

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld", &v) == 1) break;
  if (f) fclose(f);
  return v;
}

/* ---- server ---- */

struct server {
  struct event_base *base;
  long long served, bytes, errors;
  int open;
};

static void s_read(struct bufferevent *bev, void *arg) {
  struct server *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->bytes += (long long)evbuffer_get_length(in);
  bufferevent_write_buffer(bev, in);
}

static void s_event(struct bufferevent *bev, short what, void *arg) {
  struct server *s = arg;
  if (what & BEV_EVENT_ERROR) s->errors++;
  s->open--;
  bufferevent_free(bev);
}

static void s_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                     void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  struct server *s = arg;
  struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, s_read, NULL, s_event, s);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  s->served++;
  s->open++;
}

static void s_error(struct evconnlistener *l, void *arg) {
  (void)l;
  ((struct server *)arg)->errors++;
}

/* ---- client process ---- */

struct client;
struct conn {
  struct client *c;
  struct bufferevent *bev;
  uint32_t seed;
  int rounds_left;
  size_t msg, got;
  uint64_t pos; /* pattern position of the current message */
};

struct client {
  struct event_base *base;
  struct sockaddr_in server;
  int index, connecting, next_src;
  long long conns_done, bytes, errors, bad;
  uint32_t rng;
  struct conn *conns;
  int n;
  long long end_ms;
  int out_fd;
};

static uint32_t rnd(struct client *c) {
  c->rng = c->rng * 1664525u + 1013904223u;
  return c->rng >> 8;
}

static void c_open(struct conn *k);

static void c_send(struct conn *k) {
  unsigned char buf[kMaxMsg];
  k->msg = 1 + rnd(k->c) % kMaxMsg;
  k->got = 0;
  for (size_t i = 0; i < k->msg; ++i) buf[i] = st_pattern(k->seed, k->pos + i);
  bufferevent_write(k->bev, buf, k->msg);
}

static void c_read(struct bufferevent *bev, void *arg) {
  struct conn *k = arg;
  struct client *c = k->c;
  unsigned char buf[kMaxMsg];
  int n;
  while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0)
    for (int i = 0; i < n; ++i, ++k->got)
      if (buf[i] != st_pattern(k->seed, k->pos + k->got)) c->bad++;
  if (k->got < k->msg) return;
  c->bytes += (long long)k->msg * 2;
  k->pos += k->msg;
  if (--k->rounds_left > 0) {
    c_send(k);
    return;
  }
  bufferevent_free(k->bev);
  k->bev = NULL;
  c->conns_done++;
  if (st_now_ms() < c->end_ms) c_open(k);
}

static void c_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  struct conn *k = arg;
  struct client *c = k->c;
  if (what & BEV_EVENT_CONNECTED) {
    c->connecting--;
    c_send(k);
    return;
  }
  c->errors++;
  bufferevent_free(k->bev);
  k->bev = NULL;
  if (st_now_ms() < c->end_ms) c_open(k);
}

static void c_open(struct conn *k) {
  struct client *c = k->c;
  struct sockaddr_in src;
  memset(&src, 0, sizeof src);
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(c->next_src++ % 253));
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || st_bind_source(fd, &src) != 0) {
    c->errors++;
    if (fd >= 0) close(fd);
    return;
  }
  k->seed = rnd(c);
  k->pos = 0;
  k->rounds_left = 1 + (int)(rnd(c) % 20);
  k->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(k->bev, c_read, NULL, c_event, k);
  bufferevent_enable(k->bev, EV_READ | EV_WRITE);
  if (bufferevent_socket_connect(k->bev, (struct sockaddr *)&c->server, sizeof c->server) != 0)
    c->errors++;
  c->connecting++;
}

static void c_ramp(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct client *c = arg;
  static int started;
  while (started < c->n && c->connecting < kMaxConnecting) {
    c->conns[started].c = c;
    c_open(&c->conns[started++]);
  }
}

static void c_stop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct client *c = arg;
  int busy = 0;
  for (int i = 0; i < c->n; ++i) busy += c->conns[i].bev != NULL;
  if (busy == 0 || st_now_ms() > c->end_ms + 15000) event_base_loopbreak(c->base);
}

static int client_main(int index, const struct sockaddr_in *server, long long end_ms, int out_fd) {
  struct client c;
  memset(&c, 0, sizeof c);
  c.base = event_base_new();
  c.server = *server;
  c.index = index;
  c.rng = 12345u + (uint32_t)index * 7919u;
  c.n = kConns / kProcs;
  c.conns = calloc((size_t)c.n, sizeof *c.conns);
  c.end_ms = end_ms;
  c.next_src = index * 127;
  struct event *ramp = event_new(c.base, -1, EV_PERSIST, c_ramp, &c);
  struct event *stop = event_new(c.base, -1, EV_PERSIST, c_stop, &c);
  struct timeval ms10 = {0, 10000}, s1 = {1, 0};
  event_add(ramp, &ms10);
  event_add(stop, &s1);
  event_base_dispatch(c.base);
  long long out[4] = {c.conns_done, c.bytes, c.errors, c.bad};
  if (write(out_fd, out, sizeof out) != (ssize_t)sizeof out) return 3;
  return (c.errors || c.bad) ? 1 : 0;
}

/* ---- main ---- */

struct report {
  struct server *s;
  long long t0;
  long rss0;
};

static void print_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct report *r = arg;
  printf(
      "[%4lld s] open %d, connections served %lld, bytes echoed %lld, server errors %lld, "
      "RSS %ld KiB (start %ld)\n",
      (st_now_ms() - r->t0) / 1000, r->s->open, r->s->served, r->s->bytes, r->s->errors, rss_kib(),
      r->rss0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const long seconds = argc > 1 ? atol(argv[1]) : 600;
  signal(SIGPIPE, SIG_IGN); /* for libevent builds; eventide never raises it */
  if (st_set_nofile(kConns / kProcs * 2 + kConns + 500) < 0)
    fprintf(stderr, "warning: cannot raise RLIMIT_NOFILE\n");
  struct server s;
  memset(&s, 0, sizeof s);
  s.base = event_base_new();
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *l =
      evconnlistener_new_bind(s.base, s_accept, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              kBacklog, (struct sockaddr *)&addr, sizeof addr);
  if (!l) {
    perror("listen");
    return 2;
  }
  evconnlistener_set_error_cb(l, s_error);
  socklen_t alen = sizeof addr;
  getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&addr, &alen);
  struct report r = {&s, st_now_ms(), rss_kib()};
  printf("soak: %d connections churning for %ld s against 127.0.0.1:%d\n", kConns, seconds,
         ntohs(addr.sin_port));
  const long long end_ms = st_now_ms() + seconds * 1000;
  pid_t kids[kProcs];
  int outs[kProcs];
  fflush(NULL);
  for (int i = 0; i < kProcs; ++i) {
    int p[2];
    if (pipe(p) != 0) return 2;
    kids[i] = fork();
    if (kids[i] == 0) {
      close(p[0]);
      _exit(client_main(i, &addr, end_ms, p[1]));
    }
    close(p[1]);
    outs[i] = p[0];
  }
  struct event *tick = event_new(s.base, -1, EV_PERSIST, print_stats, &r);
  struct timeval ten = {10, 0};
  event_add(tick, &ten);
  /* Run until every client process has exited and all connections closed. */
  int left = kProcs, status[kProcs];
  while (left > 0 || s.open > 0) {
    struct timeval ms = {0, 100000};
    event_base_loopexit(s.base, &ms);
    event_base_dispatch(s.base);
    for (int i = 0; i < kProcs; ++i)
      if (kids[i] > 0 && waitpid(kids[i], &status[i], WNOHANG) == kids[i]) {
        kids[i] = 0;
        left--;
      }
    if (st_now_ms() > end_ms + 60000) break;
  }
  long long done = 0, bytes = 0, errors = 0, bad = 0;
  for (int i = 0; i < kProcs; ++i) {
    long long out[4] = {0, 0, 1, 0};
    if (read(outs[i], out, sizeof out) != (ssize_t)sizeof out) errors++;
    done += out[0];
    bytes += out[1];
    errors += out[2];
    bad += out[3];
  }
  print_stats(-1, 0, &r);
  printf(
      "soak done: %lld connections completed by clients, %lld bytes moved (both ways), "
      "%lld client errors, %lld wrong bytes, %lld server errors; RSS start %ld KiB, end %ld KiB\n",
      done, bytes, errors, bad, s.errors, r.rss0, rss_kib());
  event_free(tick);
  evconnlistener_free(l);
  event_base_free(s.base);
  return (errors || bad || s.errors) ? 1 : 0;
}
