/* Pipe chain with no library: the reference limit. Same workload and the same
   syscalls as bench/pipe_chain.c (epoll_wait with a zero timeout, one 1-byte
   read and one 1-byte write per callback). Like the libevent-API program it
   re-registers every fd before each round (EPOLL_CTL_DEL then _ADD, untimed),
   so every arm starts its timed part with the same cache state.
   With -t each fd keeps a deadline in a binary min-heap and every callback
   re-arms it (10 s + up to 1 s) from the clock read once per loop iteration:
   the least a hand-written program with per-fd timeouts must do.
   Usage and output as bench/pipe_chain.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#define MAX_READY 1024

static int g_ep, g_n, g_with_timeouts;
static int (*g_pairs)[2];
static long g_reads, g_writes_left, g_short_io;
static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;

/* Deadline heap: g_heap holds pipe indices, g_pos[i] is i's slot. */
static int64_t *g_deadline;
static int *g_heap, *g_pos;
static int64_t g_now;

static int64_t clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void heap_place(int slot, int idx) {
  g_heap[slot] = idx;
  g_pos[idx] = slot;
}

static void heap_fix(int slot) {
  const int idx = g_heap[slot];
  const int64_t d = g_deadline[idx];
  while (slot > 0 && g_deadline[g_heap[(slot - 1) / 2]] > d) {
    heap_place(slot, g_heap[(slot - 1) / 2]);
    slot = (slot - 1) / 2;
  }
  for (;;) {
    int child = 2 * slot + 1;
    if (child >= g_n) break;
    if (child + 1 < g_n && g_deadline[g_heap[child + 1]] < g_deadline[g_heap[child]]) ++child;
    if (g_deadline[g_heap[child]] >= d) break;
    heap_place(slot, g_heap[child]);
    slot = child;
  }
  heap_place(slot, idx);
}

static void rearm(int idx) {
  g_deadline[idx] = g_now + 10000000000LL + (int64_t)(bench_rand(&g_rng) % 1000000) * 1000;
  heap_fix(g_pos[idx]);
}

static void on_read(int idx) {
  char ch;
  if (read(g_pairs[idx][1], &ch, 1) != 1) ++g_short_io;
  ++g_reads;
  if (g_writes_left > 0) {
    const int next = idx + 1 == g_n ? 0 : idx + 1;
    --g_writes_left;
    if (write(g_pairs[next][0], "e", 1) != 1) ++g_short_io;
  }
  if (g_with_timeouts) rearm(idx);
}

static void register_fd(int idx, int op) {
  struct epoll_event ev;
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  ev.data.u32 = (uint32_t)idx;
  if (epoll_ctl(g_ep, op, g_pairs[idx][1], &ev) != 0) bench_die("epoll_ctl");
}

static void loop_once(void) {
  struct epoll_event ready[MAX_READY];
  int n, i;
  if (g_with_timeouts) {
    g_now = clock_ns();
    if (g_deadline[g_heap[0]] <= g_now) {
      fprintf(stderr, "pipe_chain_epoll: a 10 s timeout expired\n");
      exit(1);
    }
  }
  n = epoll_wait(g_ep, ready, MAX_READY, 0);
  for (i = 0; i < n; ++i) on_read((int)ready[i].data.u32);
}

/* The timed part, a function of its own so profilers can single it out
   (valgrind --tool=callgrind --toggle-collect=run_chain). */
__attribute__((noinline)) static void run_chain(long reads) {
  while (g_reads < reads) loop_once();
}

/* Times one round: CPU time (the reported figure) and wall time. */
static void run_round(int active, long writes, double *cpu_us, double *wall_us) {
  const int space = g_n / active;
  double t0, c0;
  int i;
  for (i = 0; i < g_n; ++i) register_fd(i, EPOLL_CTL_DEL);
  for (i = 0; i < g_n; ++i) register_fd(i, EPOLL_CTL_ADD);
  if (g_with_timeouts) {
    g_now = clock_ns();
    for (i = 0; i < g_n; ++i) rearm(i);
  }
  loop_once();
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
  const int bad = bench_chain_parse(argc, argv, "pipe_chain_epoll", &args);
  if (bad) return bad;
  g_n = args.pipes;
  active = args.active;
  writes = args.writes;
  rounds = args.rounds;
  g_with_timeouts = args.with_timeouts;
  g_ep = epoll_create1(EPOLL_CLOEXEC);
  g_pairs = calloc((size_t)g_n, sizeof *g_pairs);
  g_deadline = calloc((size_t)g_n, sizeof *g_deadline);
  g_heap = calloc((size_t)g_n, sizeof *g_heap);
  g_pos = calloc((size_t)g_n, sizeof *g_pos);
  samples = calloc((size_t)rounds, sizeof *samples);
  wall = calloc((size_t)rounds, sizeof *wall);
  if (g_ep < 0 || !g_pairs || !g_deadline || !g_heap || !g_pos || !samples || !wall)
    bench_die("setup");
  for (i = 0; i < g_n; ++i) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, g_pairs[i]) != 0)
      bench_die("socketpair");
    register_fd(i, EPOLL_CTL_ADD);
    heap_place(i, i); /* all deadlines 0: a valid heap */
  }
  printf("# raw epoll, pipes %d, active %d, writes %ld, timeouts %s\n", g_n, active, writes,
         g_with_timeouts ? "yes" : "no");
  run_round(active, writes, &ignored, &ignored); /* warm-up: caches, heap and map growth */
  for (i = 0; i < rounds; ++i) run_round(active, writes, &samples[i], &wall[i]);
  if (g_short_io) {
    fprintf(stderr, "pipe_chain_epoll: %ld short reads or writes\n", g_short_io);
    return 1;
  }
  bench_result("round_us", bench_median(samples, rounds));
  bench_result("round_min_us", samples[0]); /* sorted by bench_median */
  bench_result("round_wall_us", bench_median(wall, rounds));
  for (i = 0; i < g_n; ++i) {
    close(g_pairs[i][0]);
    close(g_pairs[i][1]);
  }
  close(g_ep);
  free(g_pairs);
  free(g_deadline);
  free(g_heap);
  free(g_pos);
  free(samples);
  free(wall);
  return 0;
}
