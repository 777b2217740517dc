/* Timer costs through libevent's public API only (one source, built against
   libevent and against eventide). Each section uses a fresh base:
   - add/del: event_add of n timers with random deadlines (1-101 s, microsecond
     resolution), then event_del of all of them in shuffled order;
   - fire: f timers due within 1 ms, a 20 ms sleep (untimed) so all are due, then
     one event_base_dispatch runs every callback;
   - the same three with one common timeout (event_base_init_common_timeout):
     equal durations go to a FIFO instead of the heap.
   Usage: timers [-n add_del_count] [-f fire_count] [-o add_del|fire|common]
   (-o runs one section only, for profiling)
   Prints add_ns, del_ns, fire_ns, add_common_ns, del_common_ns, fire_common_ns
   (nanoseconds per timer). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "bench_common.h"

static long g_fired;
static uint64_t g_rng = 0x2545F4914F6CDD1DULL;

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_fired;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* common: NULL for random deadlines, else the magic timeval from the base. */
static void add_del(int n, int with_common, const unsigned *perm, const char *add_name,
                    const char *del_name) {
  struct event_base *base = event_base_new();
  struct event *evs = calloc((size_t)n, sizeof *evs);
  struct timeval *tvs = calloc((size_t)n, sizeof *tvs);
  const struct timeval *common = NULL;
  double t0;
  int i;
  if (!base || !evs || !tvs) bench_die("setup");
  if (with_common) {
    struct timeval d = {30, 0};
    common = event_base_init_common_timeout(base, &d);
    if (!common) bench_die("event_base_init_common_timeout");
  }
  for (i = 0; i < n; ++i) {
    const uint64_t r = bench_rand(&g_rng);
    evtimer_assign(&evs[i], base, on_timer, NULL);
    tvs[i].tv_sec = 1 + (long)(r % 100);
    tvs[i].tv_usec = (long)((r >> 32) % 1000000);
  }
  t0 = bench_cpu_ns();
  for (i = 0; i < n; ++i)
    if (event_add(&evs[i], common ? common : &tvs[i]) != 0) bench_die("event_add");
  bench_result(add_name, (bench_cpu_ns() - t0) / n);
  t0 = bench_cpu_ns();
  for (i = 0; i < n; ++i) event_del(&evs[perm[i]]);
  bench_result(del_name, (bench_cpu_ns() - t0) / n);
  event_base_free(base);
  free(evs);
  free(tvs);
}

static void fire(int n, int with_common, const char *name) {
  struct event_base *base = event_base_new();
  struct event *evs = calloc((size_t)n, sizeof *evs);
  const struct timeval *common = NULL;
  double t0;
  int i;
  if (!base || !evs) bench_die("setup");
  if (with_common) {
    struct timeval d = {0, 1000};
    common = event_base_init_common_timeout(base, &d);
    if (!common) bench_die("event_base_init_common_timeout");
  }
  for (i = 0; i < n; ++i) {
    struct timeval tv = {0, (long)(bench_rand(&g_rng) % 1000)};
    evtimer_assign(&evs[i], base, on_timer, NULL);
    if (event_add(&evs[i], common ? common : &tv) != 0) bench_die("event_add");
  }
  /* Longer than any deadline plus a coarse clock tick: all are due. */
  sleep_ms(20);
  g_fired = 0;
  t0 = bench_cpu_ns();
  event_base_dispatch(base);
  bench_result(name, (bench_cpu_ns() - t0) / n);
  if (g_fired != n) {
    fprintf(stderr, "timers: %ld of %d timers fired\n", g_fired, n);
    exit(1);
  }
  event_base_free(base);
  free(evs);
}

int main(int argc, char **argv) {
  int n = 1000000, f = 100000, opt;
  const char *only = "";
  unsigned *perm;
  while ((opt = getopt(argc, argv, "n:f:o:")) != -1) {
    switch (opt) {
      case 'n':
        n = atoi(optarg);
        break;
      case 'f':
        f = atoi(optarg);
        break;
      case 'o':
        only = optarg;
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
  printf("# %s, add/del %d, fire %d\n", event_get_version(), n, f);
  if (!*only || !strcmp(only, "add_del")) add_del(n, 0, perm, "add_ns", "del_ns");
  if (!*only || !strcmp(only, "fire")) fire(f, 0, "fire_ns");
  if (!*only || !strcmp(only, "common")) {
    add_del(n, 1, perm, "add_common_ns", "del_common_ns");
    fire(f, 1, "fire_common_ns");
  }
  free(perm);
  return 0;
}
