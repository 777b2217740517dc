/* Echo server with the C face (libevent 2.1 API), following the classic steps:
   1 event_base_new; 2 bufferevent_socket_new per client (BEV_OPT_CLOSE_ON_FREE);
   3 bufferevent_setcb; 4 read_cb reads with bufferevent_read and answers with
   bufferevent_write; 5-6 evconnlistener_new_bind (LEV_OPT_CLOSE_ON_FREE |
   LEV_OPT_REUSEABLE, backlog -1) whose callback sets up each client;
   7 bufferevent_enable(EV_READ); 8 event_base_dispatch; then
   evconnlistener_free, bufferevent_free (per client) and event_base_free.
   Usage: echo_server PORT [CONNECTIONS]  (exits after CONNECTIONS clients have
   gone; 0 or absent: runs until Ctrl-C). Listens on 127.0.0.1. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct server {
  struct event_base *base;
  long closed, limit;
};

/* Step 4: data arrived; send it back. */
static void read_cb(struct bufferevent *bev, void *arg) {
  char buf[4096];
  size_t n;
  (void)arg;
  while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0) bufferevent_write(bev, buf, n);
}

/* Called once output fell to the write low watermark (0: all sent). Nothing to do. */
static void write_cb(struct bufferevent *bev, void *arg) {
  (void)bev;
  (void)arg;
}

/* The client left (EOF) or failed: release the connection (step 8's cleanup). */
static void event_cb(struct bufferevent *bev, short events, void *arg) {
  struct server *s = arg;
  if (events & BEV_EVENT_ERROR) perror("echo_server: connection error");
  bufferevent_free(bev);
  if (s->limit && ++s->closed == s->limit) event_base_loopbreak(s->base);
}

/* Step 6: a client connected; fd is ours. */
static void listener_cb(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                        int socklen, void *arg) {
  struct server *s = arg;
  (void)listener;
  (void)sa;
  (void)socklen;
  struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE); /* 2 */
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, s); /* 3 */
  bufferevent_enable(bev, EV_READ);                       /* 7: writing is on already */
}

static void on_signal(evutil_socket_t sig, short events, void *arg) {
  (void)sig;
  (void)events;
  event_base_loopbreak(arg);
}

int main(int argc, char **argv) {
  struct server s = {NULL, 0, 0};
  struct sockaddr_in sin;
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  s.limit = argc > 2 ? atol(argv[2]) : 0;
  s.base = event_base_new(); /* 1 */
  if (!s.base) return 1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *listener = /* 5 */
      evconnlistener_new_bind(s.base, listener_cb, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("echo_server: cannot listen");
    event_base_free(s.base);
    return 1;
  }
  struct event *sigint = evsignal_new(s.base, SIGINT, on_signal, s.base);
  struct event *sigterm = evsignal_new(s.base, SIGTERM, on_signal, s.base);
  event_add(sigint, NULL);
  event_add(sigterm, NULL);
  printf("echo_server: listening on 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  event_base_dispatch(s.base); /* 8 */
  event_free(sigint);
  event_free(sigterm);
  evconnlistener_free(listener);
  event_base_free(s.base);
  printf("echo_server: %ld clients served\n", s.closed);
  return 0;
}
