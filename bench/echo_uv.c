/* Echo server on libuv: uv_tcp with uv_read_start into a per-connection
   64 KiB buffer; uv_try_write sends the bytes back at once, and only when the
   socket takes less does reading pause until a uv_write of the rest finishes.
   -t N runs N loops, one per thread, each with its own SO_REUSEPORT listener
   (opened with uv_tcp_open: libuv 1.44 has no reuse-port flag).
   -m accept closes every connection as soon as it is accepted.
   Usage: echo_uv [-t loops] [-m echo|accept]
   Prints "port N" once every listener is bound, then serves until killed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "bench_common.h"

#define READ_SIZE (64 * 1024)

struct conn {
  uv_tcp_t tcp; /* first: the handle pointer is the conn pointer */
  uv_write_t write;
  char buf[READ_SIZE];
};

struct loop {
  uv_loop_t loop;
  uv_tcp_t server;
  pthread_t thread;
};

static int g_accept_only;

static void on_closed(uv_handle_t *h) {
  free(h);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  struct conn *c = (struct conn *)h;
  (void)suggested;
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_written(uv_write_t *req, int status) {
  uv_stream_t *s = req->handle;
  if (status < 0) {
    uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  uv_read_start(s, on_alloc, on_read);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct conn *c = (struct conn *)s;
  uv_buf_t out;
  int sent;
  if (nread == 0) return;
  if (nread < 0) {
    uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  out = uv_buf_init(buf->base, (unsigned)nread);
  sent = uv_try_write(s, &out, 1);
  if (sent == nread) return;
  if (sent < 0 && sent != UV_EAGAIN) {
    uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  if (sent < 0) sent = 0;
  uv_read_stop(s); /* the buffer holds the rest until it is written */
  out = uv_buf_init(buf->base + sent, (unsigned)(nread - sent));
  if (uv_write(&c->write, s, &out, 1, on_written) != 0) uv_close((uv_handle_t *)s, on_closed);
}

static void on_connection(uv_stream_t *server, int status) {
  struct conn *c;
  if (status < 0) return;
  c = malloc(sizeof *c);
  if (!c) return;
  uv_tcp_init(server->loop, &c->tcp);
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || g_accept_only) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void *run_loop(void *arg) {
  struct loop *l = arg;
  uv_run(&l->loop, UV_RUN_DEFAULT);
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
  bench_raise_nofile(65536);
  loops = calloc((size_t)nloops, sizeof *loops);
  if (!loops) bench_die("setup");
  for (i = 0; i < nloops; ++i) {
    const int fd = bench_listen_loopback(port);
    port = bench_bound_port(fd);
    if (uv_loop_init(&loops[i].loop) != 0 || uv_tcp_init(&loops[i].loop, &loops[i].server) != 0 ||
        uv_tcp_open(&loops[i].server, fd) != 0 ||
        uv_listen((uv_stream_t *)&loops[i].server, 4096, on_connection) != 0)
      bench_die("uv listen");
  }
  bench_announce_port(port);
  for (i = 1; i < nloops; ++i)
    if (pthread_create(&loops[i].thread, NULL, run_loop, &loops[i]) != 0)
      bench_die("pthread_create");
  run_loop(&loops[0]);
  return 0;
}
