/* Memory per event through libevent's public API only (one source, built
   against libevent and against eventide): sizeof(struct event), and the growth
   of the resident set per idle event added to a base:
   - io: EV_READ|EV_PERSIST events on both ends of p socketpairs (the sockets
     are created before the baseline, so only the library's memory counts:
     the event itself, its malloc header, and the base's per-fd state);
   - timer: t timers with random deadlines 1-101 s (event plus heap slot).
   Usage: memory [-p socketpairs] [-t timers]
   Prints sizeof_event, event_struct_size, rss_io_event_bytes, rss_timer_event_bytes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "bench_common.h"

static void on_event(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

int main(int argc, char **argv) {
  int pairs = 9000, timers = 1000000, opt, i;
  uint64_t rng = 7;
  struct event_base *base, *tbase;
  struct event **evs, **tevs;
  int *fds;
  long rss0;
  while ((opt = getopt(argc, argv, "p:t:")) != -1) {
    switch (opt) {
      case 'p':
        pairs = atoi(optarg);
        break;
      case 't':
        timers = atoi(optarg);
        break;
      default:
        fprintf(stderr, "usage: %s [-p socketpairs] [-t timers]\n", argv[0]);
        return 2;
    }
  }
  if (pairs < 1 || timers < 1) return 2;
  {
    const long limit = bench_raise_nofile(2L * pairs + 64);
    if (limit < 2L * pairs + 16) pairs = (int)((limit - 16) / 2);
  }
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
