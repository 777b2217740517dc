/* Echo server on bufferevents and evconnlistener, libevent's public API only:
   the same source is built against Debian's libevent and (once eventide ships
   event2/bufferevent.h and event2/listener.h) against eventide's C face.
   Each read callback moves the whole input buffer to the output buffer
   (bufferevent_write_buffer), the canonical libevent echo.
   -t N runs N bases, one per thread, each with its own listener on the same
   port (LEV_OPT_REUSEABLE_PORT): libevent's recommended multi-thread shape.
   -m accept closes every connection in the accept callback.
   Usage: echo_libevent [-t loops] [-m echo|accept]
   Prints "port N" once every listener is bound, then serves until killed. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "bench_common.h"

struct loop {
  struct event_base *base;
  struct evconnlistener *listener;
  pthread_t thread;
};

static int g_accept_only;

static void on_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)arg;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct bufferevent *bev;
  int one = 1;
  (void)sa;
  (void)socklen;
  (void)arg;
  if (g_accept_only) {
    evutil_closesocket(fd);
    return;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  bev = bufferevent_socket_new(evconnlistener_get_base(listener), fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void *run_loop(void *arg) {
  struct loop *l = arg;
  event_base_dispatch(l->base);
  return NULL;
}

int main(int argc, char **argv) {
  int nloops = 1, opt, i, port = 0;
  struct loop *loops;
  while ((opt = getopt(argc, argv, "t:m:")) != -1) {
    switch (opt) {
      case 't':
        nloops = atoi(optarg);
        break;
      case 'm':
        g_accept_only = !strcmp(optarg, "accept");
        break;
      default:
        fprintf(stderr, "usage: %s [-t loops] [-m echo|accept]\n", argv[0]);
        return 2;
    }
  }
  if (nloops < 1) return 2;
  signal(SIGPIPE, SIG_IGN); /* a client may reset while we write */
  bench_raise_nofile(65536);
  loops = calloc((size_t)nloops, sizeof *loops);
  if (!loops) bench_die("setup");
  for (i = 0; i < nloops; ++i) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    loops[i].base = event_base_new();
    if (!loops[i].base) bench_die("event_base_new");
    loops[i].listener = evconnlistener_new_bind(
        loops[i].base, on_accept, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
        4096, (struct sockaddr *)&a, sizeof a);
    if (!loops[i].listener) bench_die("evconnlistener_new_bind");
    port = bench_bound_port(evconnlistener_get_fd(loops[i].listener));
  }
  bench_announce_port(port);
  for (i = 1; i < nloops; ++i)
    if (pthread_create(&loops[i].thread, NULL, run_loop, &loops[i]) != 0)
      bench_die("pthread_create");
  run_loop(&loops[0]);
  return 0;
}
