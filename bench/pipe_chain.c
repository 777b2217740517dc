/* Pipe chain through libevent's public API only: the same source is built
   against Debian's libevent and against eventide's C face (bench/run.py runs
   the two as separate processes). Method, from libevent's bench.c as described
   in its docs: n socketpairs, `active` of them primed with one byte; every read
   callback reads its byte and passes one on to the next pair until `writes`
   bytes have been forwarded. Only the forwarding is timed; re-registering the
   events before each round is setup. With -t every callback also re-adds its
   event with a fresh random timeout (10 s + up to 1 s), which keeps the timer
   heap busy without any timer expiring.
   Usage: pipe_chain [-n pipes] [-a active] [-w writes] [-r rounds] [-t]
   Prints "round_us <median>": CPU microseconds per timed round (see bench_cpu_ns),
   warm-up excluded, "round_min_us", the fastest round, and "round_wall_us <median>",
   the median in wall time. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "bench_common.h"

static struct event_base *g_base;
static struct event *g_events; /* calloc'ed array: struct event is complete */
static int (*g_pairs)[2];
static int g_n, g_with_timeouts;
static long g_reads, g_writes_left, g_short_io;
static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;

static void random_timeout(struct timeval *tv) {
  tv->tv_sec = 10;
  tv->tv_usec = (long)(bench_rand(&g_rng) % 1000000);
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  const int idx = (int)(intptr_t)arg;
  char ch;
  (void)what;
  if (read(fd, &ch, 1) != 1) ++g_short_io;
  ++g_reads;
  if (g_writes_left > 0) {
    const int next = idx + 1 == g_n ? 0 : idx + 1;
    --g_writes_left;
    if (write(g_pairs[next][0], "e", 1) != 1) ++g_short_io;
  }
  if (g_with_timeouts) {
    struct timeval tv;
    random_timeout(&tv);
    event_add(&g_events[idx], &tv);
  }
}

/* The timed part, a function of its own so profilers can single it out
   (valgrind --tool=callgrind --toggle-collect=run_chain). */
__attribute__((noinline)) static void run_chain(long reads) {
  while (g_reads < reads) event_base_loop(g_base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Times one round: CPU time (the reported figure) and wall time. */
static void run_round(int active, long writes, double *cpu_us, double *wall_us) {
  const int space = g_n / active;
  double t0, c0;
  int i;
  for (i = 0; i < g_n; ++i) {
    struct timeval tv;
    random_timeout(&tv);
    if (event_initialized(&g_events[i])) event_del(&g_events[i]);
    event_assign(&g_events[i], g_base, g_pairs[i][1], EV_READ | EV_PERSIST, on_read,
                 (void *)(intptr_t)i);
    if (event_add(&g_events[i], g_with_timeouts ? &tv : NULL) != 0) bench_die("event_add");
  }
  event_base_loop(g_base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  for (i = 0; i < active; ++i)
    if (write(g_pairs[i * space][0], "e", 1) != 1) ++g_short_io;
  g_reads = 0;
  g_writes_left = writes;
  t0 = bench_now_ns();
  c0 = bench_cpu_ns();
  run_chain(active + writes);
  *cpu_us = (bench_cpu_ns() - c0) / 1e3;
  *wall_us = (bench_now_ns() - t0) / 1e3;
}

int main(int argc, char **argv) {
  int active, rounds, i;
  long writes;
  double *samples, *wall, ignored;
  struct bench_chain_args args;
  const int bad = bench_chain_parse(argc, argv, "pipe_chain", &args);
  if (bad) return bad;
  g_n = args.pipes;
  active = args.active;
  writes = args.writes;
  rounds = args.rounds;
  g_with_timeouts = args.with_timeouts;
  g_base = event_base_new();
  g_events = calloc((size_t)g_n, sizeof *g_events);
  g_pairs = calloc((size_t)g_n, sizeof *g_pairs);
  samples = calloc((size_t)rounds, sizeof *samples);
  wall = calloc((size_t)rounds, sizeof *wall);
  if (!g_base || !g_events || !g_pairs || !samples || !wall) bench_die("setup");
  for (i = 0; i < g_n; ++i) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, g_pairs[i]) != 0) bench_die("socketpair");
    evutil_make_socket_nonblocking(g_pairs[i][0]);
    evutil_make_socket_nonblocking(g_pairs[i][1]);
  }
  printf("# %s, method %s, pipes %d, active %d, writes %ld, timeouts %s\n", event_get_version(),
         event_base_get_method(g_base), g_n, active, writes, g_with_timeouts ? "yes" : "no");
  run_round(active, writes, &ignored, &ignored); /* warm-up: caches, heap and map growth */
  for (i = 0; i < rounds; ++i) run_round(active, writes, &samples[i], &wall[i]);
  if (g_short_io) {
    fprintf(stderr, "pipe_chain: %ld short reads or writes\n", g_short_io);
    return 1;
  }
  bench_result("round_us", bench_median(samples, rounds));
  bench_result("round_min_us", samples[0]); /* sorted by bench_median */
  bench_result("round_wall_us", bench_median(wall, rounds));
  for (i = 0; i < g_n; ++i) {
    event_del(&g_events[i]);
    close(g_pairs[i][0]);
    close(g_pairs[i][1]);
  }
  event_base_free(g_base);
  free(g_events);
  free(g_pairs);
  free(samples);
  free(wall);
  return 0;
}
