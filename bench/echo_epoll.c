/* Echo server with no library: the reference limit for the echo and accept
   scenarios. Level-triggered epoll; one read per readiness into a 64 KiB
   stack buffer, written straight back; only a partial write keeps bytes (and
   switches the connection to EPOLLOUT until they are gone).
   -t N runs N loops, one per thread, each with its own SO_REUSEPORT listener.
   -m accept closes every connection as soon as it is accepted.
   Usage: echo_epoll [-t loops] [-m echo|accept]
   Prints "port N" once every listener is bound, then serves until killed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#define READ_SIZE (64 * 1024)

struct pending {
  char *data;
  size_t len, off;
};

struct loop {
  int ep, listener;
  pthread_t thread;
};

static int g_accept_only;
static long g_max_fd;
static struct pending *g_pending; /* indexed by fd; each fd belongs to one loop */

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  free(g_pending[fd].data);
  memset(&g_pending[fd], 0, sizeof g_pending[fd]);
  close(fd);
}

static void set_events(int ep, int fd, uint32_t events) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = 0;
  ev.data.fd = fd;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) bench_die("epoll_ctl");
}

static void on_accept(int ep, int listener) {
  for (;;) {
    struct epoll_event ev;
    int one = 1, fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN, or a transient error: the next wake-up retries */
    if (g_accept_only || fd >= g_max_fd) {
      close(fd);
      continue;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) close(fd);
  }
}

/* Writes data; keeps what the socket did not take. Returns -1 on error. */
static int send_or_keep(int fd, const char *data, size_t len) {
  struct pending *p = &g_pending[fd];
  ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN) return -1;
    n = 0;
  }
  if ((size_t)n < len) {
    p->data = malloc(len - (size_t)n);
    if (!p->data) return -1;
    memcpy(p->data, data + n, len - (size_t)n);
    p->len = len - (size_t)n;
    p->off = 0;
  }
  return 0;
}

static void on_connection(int ep, int fd, uint32_t events) {
  struct pending *p = &g_pending[fd];
  if (p->data) {
    ssize_t n = send(fd, p->data + p->off, p->len - p->off, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      drop(ep, fd);
      return;
    }
    if (n > 0) p->off += (size_t)n;
    if (p->off == p->len) {
      free(p->data);
      memset(p, 0, sizeof *p);
      set_events(ep, fd, EPOLLIN);
    }
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char buf[READ_SIZE];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0 || send_or_keep(fd, buf, (size_t)n) != 0) {
      drop(ep, fd);
      return;
    }
    if (p->data) set_events(ep, fd, EPOLLOUT);
  }
}

static void *run_loop(void *arg) {
  struct loop *l = arg;
  struct epoll_event ready[1024];
  for (;;) {
    int n = epoll_wait(l->ep, ready, 1024, -1), i;
    if (n < 0 && errno != EINTR) bench_die("epoll_wait");
    for (i = 0; i < n; ++i) {
      if (ready[i].data.fd == l->listener)
        on_accept(l->ep, l->listener);
      else
        on_connection(l->ep, ready[i].data.fd, ready[i].events);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  int nloops = 1, opt, i, port = 0;
  struct loop *loops;
  while ((opt = getopt(argc, argv, "t:m:")) != -1) {
    switch (opt) {
      case 't':
        nloops = atoi(optarg);
        break;
      case 'm':
        g_accept_only = !strcmp(optarg, "accept");
        break;
      default:
        fprintf(stderr, "usage: %s [-t loops] [-m echo|accept]\n", argv[0]);
        return 2;
    }
  }
  if (nloops < 1) return 2;
  signal(SIGPIPE, SIG_IGN); /* a client may reset while we write */
  g_max_fd = bench_raise_nofile(65536);
  g_pending = calloc((size_t)g_max_fd, sizeof *g_pending);
  loops = calloc((size_t)nloops, sizeof *loops);
  if (!g_pending || !loops) bench_die("setup");
  for (i = 0; i < nloops; ++i) {
    struct epoll_event ev;
    loops[i].listener = bench_listen_loopback(port);
    port = bench_bound_port(loops[i].listener);
    loops[i].ep = epoll_create1(EPOLL_CLOEXEC);
    if (loops[i].ep < 0) bench_die("epoll_create1");
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    ev.data.fd = loops[i].listener;
    if (epoll_ctl(loops[i].ep, EPOLL_CTL_ADD, loops[i].listener, &ev) != 0) bench_die("epoll_ctl");
  }
  bench_announce_port(port);
  for (i = 1; i < nloops; ++i)
    if (pthread_create(&loops[i].thread, NULL, run_loop, &loops[i]) != 0)
      bench_die("pthread_create");
  run_loop(&loops[0]);
  return 0;
}
