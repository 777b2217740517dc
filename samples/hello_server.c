/* Hello server with the C face (libevent 2.1 API): every client gets a greeting
   and the connection is closed once it has been sent.
   Usage: hello_server PORT [CONNECTIONS]  (serves CONNECTIONS clients, then
   exits; 0 or absent: serves until Ctrl-C). Listens on 127.0.0.1. */
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

static const char greeting[] = "Hello, World!\n";

struct server {
  struct event_base *base;
  long served, limit;
};

/* The greeting left the output buffer: done with this client. */
static void conn_writecb(struct bufferevent *bev, void *arg) {
  struct server *s = arg;
  if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
    bufferevent_free(bev);
    if (s->limit && ++s->served == s->limit) event_base_loopbreak(s->base);
  }
}

static void conn_eventcb(struct bufferevent *bev, short events, void *arg) {
  (void)arg;
  if (events & BEV_EVENT_ERROR) perror("hello_server: connection error");
  bufferevent_free(bev);
}

static void listener_cb(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                        int socklen, void *arg) {
  struct server *s = arg;
  (void)listener;
  (void)sa;
  (void)socklen;
  struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    fprintf(stderr, "hello_server: cannot make a bufferevent\n");
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, NULL, conn_writecb, conn_eventcb, s);
  bufferevent_enable(bev, EV_WRITE);
  bufferevent_disable(bev, EV_READ);
  bufferevent_write(bev, greeting, strlen(greeting));
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
  s.base = event_base_new();
  if (!s.base) return 1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *listener =
      evconnlistener_new_bind(s.base, listener_cb, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("hello_server: cannot listen");
    event_base_free(s.base);
    return 1;
  }
  struct event *sigint = evsignal_new(s.base, SIGINT, on_signal, s.base);
  struct event *sigterm = evsignal_new(s.base, SIGTERM, on_signal, s.base);
  event_add(sigint, NULL);
  event_add(sigterm, NULL);
  printf("hello_server: listening on 127.0.0.1:%s\n", argv[1]);
  fflush(stdout);
  event_base_dispatch(s.base);
  event_free(sigint);
  event_free(sigterm);
  evconnlistener_free(listener);
  event_base_free(s.base);
  printf("hello_server: served %ld clients\n", s.served);
  return 0;
}
