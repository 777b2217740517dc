/* Helpers shared by every benchmark program: clocks, result lines, fd limits.
   Header-only and library-free, so the neutral client and the raw-epoll programs can use it. */
#ifndef EVENTIDE_BENCH_COMMON_H
#define EVENTIDE_BENCH_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of the calling thread, user plus kernel. The single-process
   benchmarks never block while timed, so on an idle machine this equals wall
   time; on a shared one it leaves out the time other processes held the core,
   which is most of the noise there. */
static inline double bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The protocol bench/run.py parses: one "metric value" pair per line; lines
   starting with '#' are comments for humans. */
static inline void bench_result(const char *metric, double value) {
  printf("%s %.3f\n", metric, value);
  fflush(stdout);
}

static inline void bench_die(const char *what) {
  fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
  exit(2);
}

/* Raises the soft fd limit towards `want` (never above the hard limit);
   returns the limit now in force so callers can size themselves to it. */
static inline long bench_raise_nofile(long want) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if ((rlim_t)want > rl.rlim_cur) {
    rl.rlim_cur = (rlim_t)want < rl.rlim_max ? (rlim_t)want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return (long)rl.rlim_cur;
}

/* xorshift64*: the same deterministic sequence in every program and build. */
static inline uint64_t bench_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Fisher-Yates shuffle of 0..n-1, so deletions hit the timer heap in no
   particular order. */
static inline void bench_permutation(unsigned *perm, unsigned n, uint64_t seed) {
  unsigned i;
  for (i = 0; i < n; ++i) perm[i] = i;
  for (i = n; i > 1; --i) {
    unsigned j = (unsigned)(bench_rand(&seed) % i);
    unsigned t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

/* Resident set size in bytes, from /proc/self/statm. */
static inline long bench_rss_bytes(void) {
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

/* Faults in every page of p[0..n), so later RSS deltas exclude it. */
static inline void bench_touch(void *p, size_t n) {
  volatile char *c = (volatile char *)p;
  size_t i;
  for (i = 0; i < n; i += 4096) c[i] = 0;
}

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median of v[0..n-1]; sorts v in place. */
static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The pipe chain's command line, the same for every arm:
   [-n pipes] [-a active] [-w writes] [-r rounds] [-t]. */
struct bench_chain_args {
  int pipes, active, rounds, with_timeouts;
  long writes;
};

/* Parses and checks it and raises RLIMIT_NOFILE for two fds a pipe. Returns 0,
   or the exit status (2) after a message naming `prog`. */
static inline int bench_chain_parse(int argc, char **argv, const char *prog,
                                    struct bench_chain_args *a) {
  int opt;
  a->pipes = 100;
  a->active = 100;
  a->rounds = 25;
  a->with_timeouts = 0;
  a->writes = 1000;
  while ((opt = getopt(argc, argv, "n:a:w:r:t")) != -1) {
    switch (opt) {
      case 'n':
        a->pipes = atoi(optarg);
        break;
      case 'a':
        a->active = atoi(optarg);
        break;
      case 'w':
        a->writes = atol(optarg);
        break;
      case 'r':
        a->rounds = atoi(optarg);
        break;
      case 't':
        a->with_timeouts = 1;
        break;
      default:
        fprintf(stderr, "usage: %s [-n pipes] [-a active] [-w writes] [-r rounds] [-t]\n", argv[0]);
        return 2;
    }
  }
  if (a->pipes < 1 || a->active < 1 || a->active > a->pipes || a->rounds < 1) {
    fprintf(stderr, "%s: need 1 <= active <= pipes and rounds >= 1\n", prog);
    return 2;
  }
  if (bench_raise_nofile(2L * a->pipes + 64) < 2L * a->pipes + 16) {
    fprintf(stderr, "%s: %d pipes need %d fds; RLIMIT_NOFILE is lower\n", prog, a->pipes,
            2 * a->pipes + 16);
    return 2;
  }
  return 0;
}

/* A nonblocking listening socket on 127.0.0.1:port (0 = any free port) with
   SO_REUSEPORT, so each loop of a multi-loop server can own one on the same
   port and the kernel spreads connections over them. */
static inline int bench_listen_loopback(int port) {
  struct sockaddr_in a;
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) bench_die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) bench_die("bind");
  if (listen(fd, 4096) != 0) bench_die("listen");
  return fd;
}

static inline int bench_bound_port(int fd) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &len) != 0) bench_die("getsockname");
  return ntohs(a.sin_port);
}

/* The line bench/run.py waits for before it starts the client. */
static inline void bench_announce_port(int port) {
  printf("port %d\n", port);
  fflush(stdout);
}

#ifdef __cplusplus
}
#endif

#endif
