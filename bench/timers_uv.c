/* Timer costs on libuv, the equivalents of bench/timers.c where libuv has them
   (no common timeouts): uv_timer_start of n timers with random deadlines
   (1-101 s; libuv timers have millisecond resolution), uv_timer_stop of all in
   shuffled order, and f timers due within 1 ms fired by one uv_run.
   Usage: timers_uv [-n add_del_count] [-f fire_count]
   Prints add_ns, del_ns, fire_ns (nanoseconds per timer). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "bench_common.h"

static long g_fired;
static uint64_t g_rng = 0x2545F4914F6CDD1DULL;

static void on_timer(uv_timer_t *t) {
  (void)t;
  ++g_fired;
}

static void on_close(uv_handle_t *h) {
  (void)h;
}

static void close_all(uv_loop_t *loop, uv_timer_t *ts, int n) {
  int i;
  for (i = 0; i < n; ++i) uv_close((uv_handle_t *)&ts[i], on_close);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
}

static void add_del(int n, const unsigned *perm) {
  uv_loop_t loop;
  uv_timer_t *ts = calloc((size_t)n, sizeof *ts);
  uint64_t *ms = calloc((size_t)n, sizeof *ms);
  double t0;
  int i;
  if (!ts || !ms || uv_loop_init(&loop) != 0) bench_die("setup");
  for (i = 0; i < n; ++i) {
    uv_timer_init(&loop, &ts[i]);
    ms[i] = 1000 + bench_rand(&g_rng) % 100000;
  }
  uv_update_time(&loop);
  t0 = bench_cpu_ns();
  for (i = 0; i < n; ++i) uv_timer_start(&ts[i], on_timer, ms[i], 0);
  bench_result("add_ns", (bench_cpu_ns() - t0) / n);
  t0 = bench_cpu_ns();
  for (i = 0; i < n; ++i) uv_timer_stop(&ts[perm[i]]);
  bench_result("del_ns", (bench_cpu_ns() - t0) / n);
  close_all(&loop, ts, n);
  free(ts);
  free(ms);
}

static void fire(int n) {
  uv_loop_t loop;
  uv_timer_t *ts = calloc((size_t)n, sizeof *ts);
  struct timespec nap = {0, 20000000};
  double t0;
  int i;
  if (!ts || uv_loop_init(&loop) != 0) bench_die("setup");
  uv_update_time(&loop);
  for (i = 0; i < n; ++i) {
    uv_timer_init(&loop, &ts[i]);
    uv_timer_start(&ts[i], on_timer, bench_rand(&g_rng) % 2, 0);
  }
  while (nanosleep(&nap, &nap) != 0) {
  }
  g_fired = 0;
  t0 = bench_cpu_ns();
  uv_run(&loop, UV_RUN_DEFAULT);
  bench_result("fire_ns", (bench_cpu_ns() - t0) / n);
  if (g_fired != n) {
    fprintf(stderr, "timers_uv: %ld of %d timers fired\n", g_fired, n);
    exit(1);
  }
  close_all(&loop, ts, n);
  free(ts);
}

int main(int argc, char **argv) {
  int n = 1000000, f = 100000, opt;
  unsigned *perm;
  while ((opt = getopt(argc, argv, "n:f:")) != -1) {
    switch (opt) {
      case 'n':
        n = atoi(optarg);
        break;
      case 'f':
        f = atoi(optarg);
        break;
      default:
        fprintf(stderr, "usage: %s [-n add_del_count] [-f fire_count]\n", argv[0]);
        return 2;
    }
  }
  if (n < 1 || f < 1) return 2;
  perm = calloc((size_t)n, sizeof *perm);
  if (!perm) bench_die("setup");
  bench_permutation(perm, (unsigned)n, 42);
  printf("# libuv %s, add/del %d, fire %d\n", uv_version_string(), n, f);
  add_del(n, perm);
  fire(f);
  free(perm);
  return 0;
}
