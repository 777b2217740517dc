/* A multi-reactor echo server in C: one loop accepts, a pool of loops (one per
   thread, eventide/pool.h — an eventide extension) serves the connections.
   Each connection lives on exactly one loop, so its bufferevent needs no lock.
   Usage: pool_echo_server PORT [LOOPS] [CONNECTIONS]
   Exits after CONNECTIONS clients have gone (default: serve forever). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <eventide/pool.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct eventide_pool *g_pool;
static struct event_base *g_accept_base;
static atomic_int g_left = -1;
static unsigned g_next;

struct handoff {
  evutil_socket_t fd;
  int loop;
};

static void echo_read(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void echo_event(struct bufferevent *bev, short events, void *ctx) {
  (void)ctx;
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    bufferevent_free(bev);
    if (atomic_fetch_sub(&g_left, 1) == 1) event_base_loopexit(g_accept_base, NULL);
  }
}

/* Runs on the chosen pool loop's thread. */
static void adopt(void *arg) {
  struct handoff *h = arg;
  struct event_base *base = eventide_pool_base(g_pool, h->loop);
  struct bufferevent *bev = bufferevent_socket_new(base, h->fd, BEV_OPT_CLOSE_ON_FREE);
  free(h);
  if (!bev) return;
  bufferevent_setcb(bev, echo_read, NULL, echo_event, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *ctx) {
  struct handoff *h = malloc(sizeof *h);
  (void)l;
  (void)sa;
  (void)len;
  (void)ctx;
  if (!h) {
    evutil_closesocket(fd);
    return;
  }
  h->fd = fd;
  h->loop = (int)(g_next++ % (unsigned)eventide_pool_size(g_pool));
  if (eventide_pool_post(g_pool, h->loop, adopt, h) < 0) {
    evutil_closesocket(fd);
    free(h);
  }
}

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  socklen_t slen = sizeof sin;
  struct evconnlistener *listener;
  int loops = argc > 2 ? atoi(argv[2]) : 2;

  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [LOOPS] [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  if (argc > 3) atomic_store(&g_left, atoi(argv[3]));
  g_pool = eventide_pool_new(loops); /* also enables threading for the process */
  g_accept_base = event_base_new();
  if (!g_pool || !g_accept_base) return 1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listener = evconnlistener_new_bind(g_accept_base, accept_cb, NULL,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                     (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("evconnlistener_new_bind");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &slen);
  printf("listening on 127.0.0.1:%d with %d loops\n", ntohs(sin.sin_port), loops);
  fflush(stdout);
  event_base_dispatch(g_accept_base);
  evconnlistener_free(listener);
  eventide_pool_free(g_pool); /* stops the loops: their bufferevents are gone by now */
  event_base_free(g_accept_base);
  return 0;
}
