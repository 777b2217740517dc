/* Memory per event through libevent's public API only (one source, built
   against libevent and against eventide): sizeof(struct event), and the growth
   of the resident set per idle event added to a base:
   - io: EV_READ|EV_PERSIST events on both ends of p socketpairs (the sockets
     are created before the baseline, so only the library's memory counts:
     the event itself, its malloc header, and the base's per-fd state);
   - timer: t timers with random deadlines 1-101 s (event plus heap slot).
   With -b, instead: socket bufferevents on both ends of p socketpairs, reading
   enabled (a server's idle connection), then again after one 1 KiB message
   went through each pair and was drained (an idle connection that has served
   a request: what the buffers keep).
   Usage: memory [-p socketpairs] [-t timers] | memory -b [-p socketpairs]
   Prints sizeof_event, event_struct_size, rss_io_event_bytes, rss_timer_event_bytes;
   with -b rss_bev_idle_bytes and rss_bev_after_message_bytes (per bufferevent). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "bench_common.h"

static void on_event(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

static void on_bev_read(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  evbuffer_drain(in, evbuffer_get_length(in));
  ++*(int *)arg;
}

/* RSS per idle socket bufferevent, fresh and after one message. */
static int bufferevents(int pairs) {
  static char msg[1024];
  struct event_base *base = event_base_new();
  struct bufferevent **bevs = calloc(2 * (size_t)pairs, sizeof *bevs);
  int *fds = calloc(2 * (size_t)pairs, sizeof *fds);
  int received = 0, i, rounds;
  long rss0;
  if (!base || !bevs || !fds) bench_die("setup");
  bench_touch(bevs, 2 * (size_t)pairs * sizeof *bevs);
  for (i = 0; i < pairs; ++i)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, &fds[2 * i]) != 0)
      bench_die("socketpair");
  memset(msg, 'm', sizeof msg);
  rss0 = bench_rss_bytes();
  for (i = 0; i < 2 * pairs; ++i) {
    bevs[i] = bufferevent_socket_new(base, fds[i], BEV_OPT_CLOSE_ON_FREE);
    if (!bevs[i]) bench_die("bufferevent_socket_new");
    bufferevent_setcb(bevs[i], on_bev_read, NULL, NULL, &received);
    if (bufferevent_enable(bevs[i], EV_READ) != 0) bench_die("bufferevent_enable");
  }
  event_base_loop(base, EVLOOP_NONBLOCK);
  bench_result("rss_bev_idle_bytes", (double)(bench_rss_bytes() - rss0) / (2.0 * pairs));
  for (i = 0; i < pairs; ++i)
    if (bufferevent_write(bevs[2 * i], msg, sizeof msg) != 0) bench_die("bufferevent_write");
  for (rounds = 0; received < pairs && rounds < 100000; ++rounds)
    event_base_loop(base, EVLOOP_NONBLOCK);
  if (received < pairs) bench_die("messages not delivered");
  bench_result("rss_bev_after_message_bytes", (double)(bench_rss_bytes() - rss0) / (2.0 * pairs));
  printf("# %s, %d socketpairs, %d bufferevents\n", event_get_version(), pairs, 2 * pairs);
  for (i = 0; i < 2 * pairs; ++i) bufferevent_free(bevs[i]);
  event_base_free(base);
  free(bevs);
  free(fds);
  return 0;
}

int main(int argc, char **argv) {
  int pairs = 9000, timers = 1000000, opt, i, bev_mode = 0;
  uint64_t rng = 7;
  struct event_base *base, *tbase;
  struct event **evs, **tevs;
  int *fds;
  long rss0;
  while ((opt = getopt(argc, argv, "bp:t:")) != -1) {
    switch (opt) {
      case 'b':
        bev_mode = 1;
        break;
      case 'p':
        pairs = atoi(optarg);
        break;
      case 't':
        timers = atoi(optarg);
        break;
      default:
        fprintf(stderr, "usage: %s [-p socketpairs] [-t timers] | -b [-p socketpairs]\n", argv[0]);
        return 2;
    }
  }
  if (pairs < 1 || timers < 1) return 2;
  {
    const long limit = bench_raise_nofile(2L * pairs + 64);
    if (limit < 2L * pairs + 16) pairs = (int)((limit - 16) / 2);
  }
  if (bev_mode) return bufferevents(pairs);
  bench_result("sizeof_event", (double)sizeof(struct event));
  bench_result("event_struct_size", (double)event_get_struct_event_size());

  base = event_base_new();
  fds = calloc(2 * (size_t)pairs, sizeof *fds);
  evs = calloc(2 * (size_t)pairs, sizeof *evs);
  tevs = calloc((size_t)timers, sizeof *tevs);
  if (!base || !fds || !evs || !tevs) bench_die("setup");
  bench_touch(evs, 2 * (size_t)pairs * sizeof *evs);
  bench_touch(tevs, (size_t)timers * sizeof *tevs);
  for (i = 0; i < pairs; ++i)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, &fds[2 * i]) != 0)
      bench_die("socketpair");
  rss0 = bench_rss_bytes();
  for (i = 0; i < 2 * pairs; ++i) {
    evs[i] = event_new(base, fds[i], EV_READ | EV_PERSIST, on_event, NULL);
    if (!evs[i] || event_add(evs[i], NULL) != 0) bench_die("event_add");
  }
  event_base_loop(base, EVLOOP_NONBLOCK); /* flush any batched kernel changes */
  bench_result("rss_io_event_bytes", (double)(bench_rss_bytes() - rss0) / (2.0 * pairs));

  /* The io events stay allocated, so the timers cannot reuse their memory. */
  tbase = event_base_new();
  if (!tbase) bench_die("event_base_new");
  rss0 = bench_rss_bytes();
  for (i = 0; i < timers; ++i) {
    const uint64_t r = bench_rand(&rng);
    struct timeval tv = {1 + (long)(r % 100), (long)((r >> 32) % 1000000)};
    tevs[i] = evtimer_new(tbase, on_event, NULL);
    if (!tevs[i] || evtimer_add(tevs[i], &tv) != 0) bench_die("evtimer_add");
  }
  bench_result("rss_timer_event_bytes", (double)(bench_rss_bytes() - rss0) / timers);
  printf("# %s, %d socketpairs, %d timers\n", event_get_version(), pairs, timers);
  for (i = 0; i < timers; ++i) event_free(tevs[i]);
  event_base_free(tbase);
  for (i = 0; i < 2 * pairs; ++i) {
    event_free(evs[i]);
    close(fds[i]);
  }
  event_base_free(base);
  free(evs);
  free(tevs);
  free(fds);
  return 0;
}
