/* Pipe chain on libuv: one uv_poll_t per pair (libuv's readiness watcher, the
   closest match to a persistent EV_READ event), driven by uv_run(UV_RUN_NOWAIT).
   With -t each pair also owns a uv_timer_t restarted by every callback
   (10 s + up to 1 s; libuv timers have millisecond resolution).
   Usage and output as bench/pipe_chain.c. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "bench_common.h"

static uv_loop_t *g_loop;
static uv_poll_t *g_polls;
static uv_timer_t *g_timers;
static int (*g_pairs)[2];
static int g_n, g_with_timeouts;
static long g_reads, g_writes_left, g_short_io;
static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;

static void on_timeout(uv_timer_t *t) {
  (void)t;
  fprintf(stderr, "pipe_chain_uv: a 10 s timeout expired\n");
  exit(1);
}

static void restart_timer(int idx) {
  uv_timer_start(&g_timers[idx], on_timeout, 10000 + bench_rand(&g_rng) % 1000, 0);
}

static void on_read(uv_poll_t *p, int status, int events) {
  const int idx = (int)(p - g_polls);
  char ch;
  (void)status;
  (void)events;
  if (read(g_pairs[idx][1], &ch, 1) != 1) ++g_short_io;
  ++g_reads;
  if (g_writes_left > 0) {
    const int next = idx + 1 == g_n ? 0 : idx + 1;
    --g_writes_left;
    if (write(g_pairs[next][0], "e", 1) != 1) ++g_short_io;
  }
  if (g_with_timeouts) restart_timer(idx);
}

/* The timed part, a function of its own so profilers can single it out
   (valgrind --tool=callgrind --toggle-collect=run_chain). */
__attribute__((noinline)) static void run_chain(long reads) {
  while (g_reads < reads) uv_run(g_loop, UV_RUN_NOWAIT);
}

/* Times one round: CPU time (the reported figure) and wall time. */
static void run_round(int active, long writes, double *cpu_us, double *wall_us) {
  const int space = g_n / active;
  double t0, c0;
  int i;
  for (i = 0; i < g_n; ++i) {
    uv_poll_stop(&g_polls[i]);
    if (uv_poll_start(&g_polls[i], UV_READABLE, on_read) != 0) bench_die("uv_poll_start");
    if (g_with_timeouts) restart_timer(i);
  }
  uv_run(g_loop, UV_RUN_NOWAIT);
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

static void on_close(uv_handle_t *h) {
  (void)h;
}

int main(int argc, char **argv) {
  int active, rounds, i;
  long writes;
  double *samples, *wall, ignored;
  struct bench_chain_args args;
  const int bad = bench_chain_parse(argc, argv, "pipe_chain_uv", &args);
  if (bad) return bad;
  g_n = args.pipes;
  active = args.active;
  writes = args.writes;
  rounds = args.rounds;
  g_with_timeouts = args.with_timeouts;
  g_loop = uv_default_loop();
  g_polls = calloc((size_t)g_n, sizeof *g_polls);
  g_timers = calloc((size_t)g_n, sizeof *g_timers);
  g_pairs = calloc((size_t)g_n, sizeof *g_pairs);
  samples = calloc((size_t)rounds, sizeof *samples);
  wall = calloc((size_t)rounds, sizeof *wall);
  if (!g_loop || !g_polls || !g_timers || !g_pairs || !samples || !wall) bench_die("setup");
  for (i = 0; i < g_n; ++i) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, g_pairs[i]) != 0)
      bench_die("socketpair");
    if (uv_poll_init(g_loop, &g_polls[i], g_pairs[i][1]) != 0) bench_die("uv_poll_init");
    uv_timer_init(g_loop, &g_timers[i]);
  }
  printf("# libuv %s, pipes %d, active %d, writes %ld, timeouts %s\n", uv_version_string(), g_n,
         active, writes, g_with_timeouts ? "yes" : "no");
  run_round(active, writes, &ignored, &ignored); /* warm-up: caches, heap and map growth */
  for (i = 0; i < rounds; ++i) run_round(active, writes, &samples[i], &wall[i]);
  if (g_short_io) {
    fprintf(stderr, "pipe_chain_uv: %ld short reads or writes\n", g_short_io);
    return 1;
  }
  bench_result("round_us", bench_median(samples, rounds));
  bench_result("round_min_us", samples[0]); /* sorted by bench_median */
  bench_result("round_wall_us", bench_median(wall, rounds));
  for (i = 0; i < g_n; ++i) {
    uv_close((uv_handle_t *)&g_polls[i], on_close);
    uv_close((uv_handle_t *)&g_timers[i], on_close);
  }
  uv_run(g_loop, UV_RUN_DEFAULT);
  for (i = 0; i < g_n; ++i) {
    close(g_pairs[i][0]);
    close(g_pairs[i][1]);
  }
  uv_loop_close(g_loop);
  free(g_polls);
  free(g_timers);
  free(g_pairs);
  free(samples);
  free(wall);
  return 0;
}
