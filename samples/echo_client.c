/* Echo client with the C face (libevent 2.1 API): event_base_new, a socket
   bufferevent with fd -1, bufferevent_socket_connect, and the event callback
   waiting for BEV_EVENT_CONNECTED before the first message. It then plays
   ping-pong: each message goes out once the previous one came back whole.
   Usage: echo_client PORT [MESSAGES [SIZE]]  (defaults: 1000 messages of 64
   bytes). Prints what it sent and received with a checksum; exit status 0
   when every byte came back unchanged. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct client {
  struct event_base *base;
  long messages, size, sent, echoed;
  uint64_t sent_sum, recv_sum;
  unsigned char *msg;
  int failed;
};

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void send_next(struct bufferevent *bev, struct client *c) {
  for (long i = 0; i < c->size; ++i) c->msg[i] = (unsigned char)('a' + (c->sent + i) % 26);
  c->sent_sum = fnv(c->sent_sum, c->msg, (size_t)c->size);
  bufferevent_write(bev, c->msg, (size_t)c->size);
  c->sent++;
}

static void read_cb(struct bufferevent *bev, void *arg) {
  struct client *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  while (evbuffer_get_length(in) >= (size_t)c->size) {
    unsigned char *p = evbuffer_pullup(in, c->size);
    c->recv_sum = fnv(c->recv_sum, p, (size_t)c->size);
    evbuffer_drain(in, (size_t)c->size);
    if (++c->echoed == c->messages) {
      event_base_loopbreak(c->base);
      return;
    }
    send_next(bev, c);
  }
}

static void event_cb(struct bufferevent *bev, short events, void *arg) {
  struct client *c = arg;
  if (events & BEV_EVENT_CONNECTED) {
    send_next(bev, c);
    return;
  }
  if (events & BEV_EVENT_ERROR)
    perror("echo_client: connection error");
  else
    fprintf(stderr, "echo_client: the server closed the connection early\n");
  c->failed = 1;
  event_base_loopbreak(c->base);
}

int main(int argc, char **argv) {
  struct client c;
  struct sockaddr_in sin;
  struct timespec t0, t1;
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [MESSAGES [SIZE]]\n", argv[0]);
    return 2;
  }
  memset(&c, 0, sizeof c);
  c.messages = argc > 2 ? atol(argv[2]) : 1000;
  c.size = argc > 3 ? atol(argv[3]) : 64;
  if (c.messages < 1 || c.size < 1) return 2;
  c.sent_sum = c.recv_sum = 1469598103934665603ull;
  c.msg = malloc((size_t)c.size);
  c.base = event_base_new();
  if (!c.base || !c.msg) return 1;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct bufferevent *bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, read_cb, NULL, event_cb, &c);
  bufferevent_enable(bev, EV_READ);
  if (bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin) < 0) {
    fprintf(stderr, "echo_client: cannot start connecting\n");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  event_base_dispatch(c.base);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  bufferevent_free(bev);
  event_base_free(c.base);
  free(c.msg);
  int ok = !c.failed && c.echoed == c.messages && c.sent_sum == c.recv_sum;
  printf(
      "echo_client: sent %ld x %ld bytes, received %ld back, checksum %016llx %s, %.0f round "
      "trips/s\n",
      c.sent, c.size, c.echoed, (unsigned long long)c.recv_sum, ok ? "matches" : "DIFFERS",
      secs > 0 ? c.echoed / secs : 0.0);
  return ok ? 0 : 1;
}
