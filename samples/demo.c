/* eventide demo, written against the libevent 2.1 C API: an echo server and
   its clients in one process, on one loop. The server listens on an ephemeral
   loopback port (evconnlistener + socket bufferevents); 8 clients play
   ping-pong with small messages, then one client streams a large payload
   through it. Every byte is checksummed on the way out and on the way back;
   the program prints what was sent, what came back and how fast, and exits
   by itself in a few seconds.
   Usage: demo [MEGABYTES]  (size of the streamed payload, default 128). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define PINGERS 8
#define ROUND_TRIPS 5000
#define MSG_SIZE 64

/* ---- the echo server --------------------------------------------------- */

static int server_connections; /* open on the server side */
static int draining;           /* set at the end: stop once they are all gone */

static void server_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  /* Moves the input chain to the output: no copy. */
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void server_event(struct bufferevent *bev, short events, void *arg) {
  (void)events;
  bufferevent_free(bev); /* EOF or error: the client is gone */
  if (--server_connections == 0 && draining) event_base_loopbreak(arg);
}

static void server_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                          int socklen, void *arg) {
  struct event_base *base = arg;
  (void)lev;
  (void)sa;
  (void)socklen;
  struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, server_read, NULL, server_event, base);
  bufferevent_enable(bev, EV_READ);
  ++server_connections;
}

/* ---- checksums --------------------------------------------------------- */

/* A streaming 64-bit checksum that eats 8 bytes per step, and gives the same
   value however the stream is cut into pieces. */
struct sum {
  uint64_t h, word;
  int have; /* bytes in `word` */
};

static void sum_init(struct sum *s) {
  s->h = 1469598103934665603ull;
  s->word = 0;
  s->have = 0;
}

static void sum_word(struct sum *s, uint64_t w) {
  s->h = (s->h ^ w) * 0x100000001b3ull;
  s->h ^= s->h >> 29;
}

static void sum_add(struct sum *s, const unsigned char *p, size_t n) {
  while (n && s->have) { /* finish a word left from the previous piece */
    s->word |= (uint64_t)*p++ << (8 * s->have);
    --n;
    if (++s->have == 8) {
      sum_word(s, s->word);
      s->word = 0;
      s->have = 0;
    }
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    sum_word(s, w);
  }
  while (n--) s->word |= (uint64_t)*p++ << (8 * s->have++);
}

static uint64_t sum_value(const struct sum *s) {
  struct sum t = *s;
  if (t.have) sum_word(&t, t.word ^ ((uint64_t)t.have << 56));
  return t.h;
}

static void sum_buffer(struct sum *s, struct evbuffer *buf) {
  struct evbuffer_iovec v[16];
  int n = evbuffer_peek(buf, -1, NULL, v, 16);
  for (int i = 0; i < n && i < 16; ++i) sum_add(s, v[i].iov_base, v[i].iov_len);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- clients ----------------------------------------------------------- */

struct client {
  struct event_base *base;
  struct bufferevent *bev;
  int *running;          /* clients still busy; the loop ends at 0 */
  size_t to_send;        /* stream: total payload */
  size_t sent, received; /* bytes */
  long trips;            /* ping-pong: round trips done */
  struct sum sent_sum, recv_sum;
  uint64_t seed;
  int ok;
};

static int sums_match(const struct client *c) {
  return sum_value(&c->sent_sum) == sum_value(&c->recv_sum);
}

static void client_done(struct client *c, int ok) {
  c->ok = ok;
  bufferevent_free(c->bev);
  c->bev = NULL;
  if (--*c->running == 0) event_base_loopbreak(c->base);
}

/* Pseudo-random payload, 8 bytes per step. */
static void fill(struct client *c, unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    c->seed = c->seed * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t w = c->seed ^ (c->seed >> 33);
    memcpy(p + i, &w, n - i < 8 ? n - i : 8);
  }
}

static void ping(struct client *c) {
  unsigned char msg[MSG_SIZE];
  fill(c, msg, sizeof msg);
  sum_add(&c->sent_sum, msg, sizeof msg);
  c->sent += sizeof msg;
  bufferevent_write(c->bev, msg, sizeof msg);
}

static void pinger_read(struct bufferevent *bev, void *arg) {
  struct client *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  while (evbuffer_get_length(in) >= MSG_SIZE) {
    unsigned char msg[MSG_SIZE];
    evbuffer_remove(in, msg, sizeof msg);
    sum_add(&c->recv_sum, msg, sizeof msg);
    c->received += sizeof msg;
    if (++c->trips == ROUND_TRIPS) {
      client_done(c, sums_match(c));
      return;
    }
    ping(c);
  }
}

/* Keeps about 1 MiB in flight: the write callback tops the output up. */
static void streamer_write(struct bufferevent *bev, void *arg) {
  struct client *c = arg;
  unsigned char chunk[65536];
  struct evbuffer *out = bufferevent_get_output(bev);
  while (c->sent < c->to_send && evbuffer_get_length(out) < (1u << 20)) {
    size_t n = c->to_send - c->sent < sizeof chunk ? c->to_send - c->sent : sizeof chunk;
    fill(c, chunk, n);
    sum_add(&c->sent_sum, chunk, n);
    bufferevent_write(bev, chunk, n);
    c->sent += n;
  }
}

static void streamer_read(struct bufferevent *bev, void *arg) {
  struct client *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  sum_buffer(&c->recv_sum, in);
  evbuffer_drain(in, n);
  c->received += n;
  if (c->received == c->to_send) client_done(c, sums_match(c));
}

static void client_event(struct bufferevent *bev, short events, void *arg) {
  struct client *c = arg;
  if (events & BEV_EVENT_CONNECTED) {
    if (c->to_send)
      streamer_write(bev, c);
    else
      ping(c);
    return;
  }
  fprintf(stderr, "demo: client lost its connection (events 0x%x)\n", events);
  client_done(c, 0);
}

static int start_client(struct client *c, struct event_base *base, int *running,
                        const struct sockaddr_in *sin, size_t to_send, uint64_t seed) {
  memset(c, 0, sizeof *c);
  c->base = base;
  c->running = running;
  c->to_send = to_send;
  c->seed = seed;
  sum_init(&c->sent_sum);
  sum_init(&c->recv_sum);
  c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!c->bev) return -1;
  if (to_send)
    bufferevent_setcb(c->bev, streamer_read, streamer_write, client_event, c);
  else
    bufferevent_setcb(c->bev, pinger_read, NULL, client_event, c);
  bufferevent_enable(c->bev, EV_READ);
  ++*running;
  return bufferevent_socket_connect(c->bev, (const struct sockaddr *)sin, sizeof *sin);
}

int main(int argc, char **argv) {
  size_t megabytes = argc > 1 ? (size_t)atol(argv[1]) : 128;
  struct event_base *base = event_base_new();
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  struct client pingers[PINGERS], streamer;
  int running = 0, all_ok = 1;
  if (!base || megabytes == 0) return 1;
  printf("eventide demo — libevent API %s, backend %s\n", event_get_version(),
         event_base_get_method(base));

  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* port 0: the kernel picks a free one */
  struct evconnlistener *server =
      evconnlistener_new_bind(base, server_accept, base, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof sin);
  if (!server) {
    perror("demo: cannot listen");
    return 1;
  }
  getsockname(evconnlistener_get_fd(server), (struct sockaddr *)&sin, &len);
  printf("echo server listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));

  /* 1: ping-pong. Each client sends a message once the previous came back. */
  for (int i = 0; i < PINGERS; ++i)
    if (start_client(&pingers[i], base, &running, &sin, 0, 1000u + (uint64_t)i) < 0) return 1;
  double t0 = now_s();
  event_base_dispatch(base);
  double dt = now_s() - t0;
  size_t sent = 0, received = 0;
  long trips = 0;
  for (int i = 0; i < PINGERS; ++i) {
    sent += pingers[i].sent;
    received += pingers[i].received;
    trips += pingers[i].trips;
    all_ok &= pingers[i].ok;
  }
  printf("ping-pong: %d clients, %ld round trips of %d bytes in %.2f s: %.0f round trips/s\n",
         PINGERS, trips, MSG_SIZE, dt, trips / dt);
  printf("           sent %zu bytes, received %zu, checksums %s\n", sent, received,
         all_ok ? "match" : "DIFFER");

  /* 2: streaming. One client pushes the payload through the echo server. */
  if (start_client(&streamer, base, &running, &sin, megabytes << 20, 7u) < 0) return 1;
  t0 = now_s();
  event_base_dispatch(base);
  dt = now_s() - t0;
  all_ok &= streamer.ok;
  printf("stream:    sent %zu bytes, received %zu in %.2f s: %.0f MiB/s each way\n", streamer.sent,
         streamer.received, dt, (streamer.received / 1048576.0) / dt);
  printf("           checksum out %016llx, back %016llx: %s\n",
         (unsigned long long)sum_value(&streamer.sent_sum),
         (unsigned long long)sum_value(&streamer.recv_sum), streamer.ok ? "match" : "DIFFER");

  /* Let the server see its last clients leave before shutting down. */
  draining = 1;
  if (server_connections > 0) {
    struct timeval grace = {2, 0};
    event_base_loopexit(base, &grace);
    event_base_dispatch(base);
  }
  evconnlistener_free(server);
  event_base_free(base);
  printf("%s\n", all_ok ? "all bytes came back unchanged" : "DATA WAS LOST OR CHANGED");
  return all_ok ? 0 : 1;
}
