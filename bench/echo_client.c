/* The neutral load client: raw sockets and epoll, no event library, so no
   server under test shares code with it. Two modes:
   - pingpong: c connections, each sends one message of s bytes, waits for the
     whole echo, then sends the next (one message in flight per connection).
     Reports the echoed bytes received in the measured window (MiB/s; partial
     messages count, so a round trip longer than the window still measures)
     and the p50/p99 round trip of the messages completed in it.
   - accept: k connections at a time; each connects, waits for the server to
     close it, and is closed with a reset (SO_LINGER 0, so no TIME_WAIT piles
     up). Reports connections per second.
   Usage: echo_client -p port [-m pingpong|accept] [-c conns] [-s bytes]
                      [-k concurrent] [-d seconds] [-W warmup_seconds]
   Prints mib_s, rtt_p50_us, rtt_p99_us, messages (pingpong) or conn_per_s. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

/* Log-spaced latency buckets 1% apart from 100 ns: 1% resolution, fixed memory. */
#define HIST_BUCKETS 2200
static uint64_t g_hist[HIST_BUCKETS];
static uint64_t g_hist_count;

static void hist_add(double ns) {
  int b = ns <= 100 ? 0 : (int)(log(ns / 100) / log(1.01));
  if (b >= HIST_BUCKETS) b = HIST_BUCKETS - 1;
  ++g_hist[b];
  ++g_hist_count;
}

static double hist_quantile_us(double q) {
  uint64_t want = (uint64_t)ceil(q * (double)g_hist_count), seen = 0;
  int b;
  if (want == 0) want = 1;
  for (b = 0; b < HIST_BUCKETS; ++b) {
    seen += g_hist[b];
    if (seen >= want) return 100 * pow(1.01, b + 0.5) / 1e3;
  }
  return 0;
}

struct conn {
  int fd;
  size_t sent, received;
  double started_ns;
};

static struct sockaddr_in g_addr;
static char *g_msg, *g_scratch;
static size_t g_size;
#define SCRATCH (256 * 1024)

static void set_interest(int ep, struct conn *c, int idx, int want_out) {
  struct epoll_event ev;
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
  ev.data.u64 = (uint64_t)idx;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) bench_die("epoll_ctl");
}

/* Writes what the socket takes; returns 1 while part of the message waits. */
static int push(struct conn *c) {
  while (c->sent < g_size) {
    ssize_t n = send(c->fd, g_msg + c->sent, g_size - c->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 1;
      bench_die("send");
    }
    c->sent += (size_t)n;
  }
  return 0;
}

static void start_message(int ep, struct conn *c, int idx, double now) {
  c->sent = c->received = 0;
  c->started_ns = now;
  if (push(c)) set_interest(ep, c, idx, 1);
}

/* A reset instead of a FIN: no TIME_WAIT piles up over thousands of runs. */
static void close_with_reset(int fd) {
  struct linger reset = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);
}

static int connect_blocking(void) {
  int fd = -1, attempt, one = 1;
  for (attempt = 0; attempt < 200; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) bench_die("socket");
    if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) == 0) break;
    close(fd);
    fd = -1;
    if (errno != ECONNREFUSED && errno != EAGAIN) bench_die("connect");
    usleep(10000);
  }
  if (fd < 0) bench_die("connect (server never listened)");
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int run_pingpong(int nconn, double warmup_s, double duration_s) {
  struct conn *conns = calloc((size_t)nconn, sizeof *conns);
  struct epoll_event ready[256];
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  double begin, window_start, window_end, now;
  uint64_t messages = 0, bytes = 0;
  int i;
  g_msg = malloc(g_size);
  g_scratch = malloc(SCRATCH);
  if (!conns || !g_msg || !g_scratch || ep < 0) bench_die("setup");
  memset(g_msg, 'x', g_size);
  for (i = 0; i < nconn; ++i) {
    struct epoll_event ev;
    conns[i].fd = connect_blocking();
    if (fcntl(conns[i].fd, F_SETFL, O_NONBLOCK) != 0) bench_die("fcntl");
    ev.events = EPOLLIN;
    ev.data.u64 = (uint64_t)i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) bench_die("epoll_ctl");
  }
  begin = bench_now_ns();
  window_start = begin + warmup_s * 1e9;
  window_end = window_start + duration_s * 1e9;
  for (i = 0; i < nconn; ++i) start_message(ep, &conns[i], i, begin);
  for (now = begin; now < window_end;) {
    const int n = epoll_wait(ep, ready, 256, 100);
    if (n < 0 && errno != EINTR) bench_die("epoll_wait");
    now = bench_now_ns();
    for (i = 0; i < n; ++i) {
      const int idx = (int)ready[i].data.u64;
      struct conn *c = &conns[idx];
      if ((ready[i].events & EPOLLOUT) && !push(c)) set_interest(ep, c, idx, 0);
      if (!(ready[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
      for (;;) {
        ssize_t got = recv(c->fd, g_scratch, SCRATCH, 0);
        if (got < 0) {
          if (errno == EAGAIN || errno == EINTR) break;
          bench_die("recv");
        }
        if (got == 0) {
          fprintf(stderr, "echo_client: the server closed connection %d\n", idx);
          return 1;
        }
        c->received += (size_t)got;
        if (now >= window_start) bytes += (uint64_t)got;
        if (c->received > g_size) {
          fprintf(stderr, "echo_client: the server echoed more than was sent\n");
          return 1;
        }
        if (c->received == g_size) {
          if (now >= window_start && now < window_end) {
            hist_add(now - c->started_ns);
            ++messages;
          }
          start_message(ep, c, idx, now);
          break;
        }
      }
    }
  }
  bench_result("mib_s", (double)bytes / duration_s / (1024.0 * 1024.0));
  if (messages) {
    bench_result("rtt_p50_us", hist_quantile_us(0.50));
    bench_result("rtt_p99_us", hist_quantile_us(0.99));
  }
  bench_result("messages", (double)messages);
  for (i = 0; i < nconn; ++i) close_with_reset(conns[i].fd);
  close(ep);
  free(conns);
  free(g_msg);
  free(g_scratch);
  return bytes > 0 ? 0 : 1;
}

static int open_nonblocking(int ep, int slot) {
  struct linger reset = {1, 0};
  struct epoll_event ev;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) bench_die("socket");
  /* Closed with a reset once the server has closed: no TIME_WAIT. */
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) != 0 && errno != EINPROGRESS)
    bench_die("connect");
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = ((uint64_t)(unsigned)fd << 32) | (unsigned)slot;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) bench_die("epoll_ctl");
  return fd;
}

static int run_accept(int concurrent, double warmup_s, double duration_s) {
  struct epoll_event ready[256];
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  double begin, window_start, window_end, now;
  uint64_t accepted = 0, failed = 0;
  int i;
  close(connect_blocking()); /* waits until the server listens */
  if (ep < 0) bench_die("epoll_create1");
  for (i = 0; i < concurrent; ++i) open_nonblocking(ep, i);
  begin = bench_now_ns();
  window_start = begin + warmup_s * 1e9;
  window_end = window_start + duration_s * 1e9;
  for (now = begin; now < window_end;) {
    const int n = epoll_wait(ep, ready, 256, 100);
    if (n < 0 && errno != EINTR) bench_die("epoll_wait");
    now = bench_now_ns();
    for (i = 0; i < n; ++i) {
      const int fd = (int)(ready[i].data.u64 >> 32), slot = (int)(uint32_t)ready[i].data.u64;
      char ch;
      const ssize_t got = recv(fd, &ch, 1, 0);
      if (got > 0) continue; /* servers send nothing; ignore if one does */
      if (got < 0 && errno == EAGAIN) continue;
      if (got < 0) ++failed;
      if (got == 0 && now >= window_start) ++accepted;
      close(fd);
      open_nonblocking(ep, slot);
    }
  }
  if (failed) printf("# %llu connections failed\n", (unsigned long long)failed);
  bench_result("conn_per_s", (double)accepted / duration_s);
  close(ep);
  return accepted > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  int port = 0, nconn = 1, concurrent = 32, opt;
  double duration = 1.0, warmup = 0.2;
  const char *mode = "pingpong";
  g_size = 1024;
  while ((opt = getopt(argc, argv, "p:m:c:s:k:d:W:")) != -1) {
    switch (opt) {
      case 'p':
        port = atoi(optarg);
        break;
      case 'm':
        mode = optarg;
        break;
      case 'c':
        nconn = atoi(optarg);
        break;
      case 's':
        g_size = (size_t)atol(optarg);
        break;
      case 'k':
        concurrent = atoi(optarg);
        break;
      case 'd':
        duration = atof(optarg);
        break;
      case 'W':
        warmup = atof(optarg);
        break;
      default:
        fprintf(stderr,
                "usage: %s -p port [-m pingpong|accept] [-c conns] [-s bytes] [-k concurrent] "
                "[-d seconds] [-W warmup]\n",
                argv[0]);
        return 2;
    }
  }
  if (port <= 0 || nconn < 1 || g_size < 1 || concurrent < 1 || duration <= 0) {
    fprintf(stderr, "echo_client: bad arguments (need -p port)\n");
    return 2;
  }
  bench_raise_nofile(nconn + concurrent + 64);
  memset(&g_addr, 0, sizeof g_addr);
  g_addr.sin_family = AF_INET;
  g_addr.sin_port = htons((uint16_t)port);
  g_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!strcmp(mode, "pingpong")) return run_pingpong(nconn, warmup, duration);
  if (!strcmp(mode, "accept")) return run_accept(concurrent, warmup, duration);
  fprintf(stderr, "echo_client: unknown mode %s\n", mode);
  return 2;
}
