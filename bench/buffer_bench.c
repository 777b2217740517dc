/* evbuffer micro-benchmarks through libevent's public API only, so the same
   source builds against eventide and against libevent. Prints "name ns_per_op". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/util.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void report(const char *name, double t0, long ops) {
  printf("%s %.1f\n", name, (now_ns() - t0) / (double)ops);
  fflush(stdout);
}

/* Defeats dead-code elimination of results. */
static volatile size_t g_sink;

static void bench_add_drain(void) {
  struct evbuffer *b = evbuffer_new();
  char data[256];
  long i, n = 5000000;
  double t0;
  memset(data, 'a', sizeof data);
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    evbuffer_add(b, data, 64);
    evbuffer_drain(b, 64);
  }
  report("add_drain_64", t0, n);
  n = 2000000;
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    evbuffer_add(b, data, sizeof data);
    evbuffer_add(b, data, sizeof data);
    evbuffer_drain(b, 2 * sizeof data);
  }
  report("add_add_drain_256", t0, n);
  evbuffer_free(b);
}

static void bench_add_buffer(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  char data[1024];
  long i, n = 2000000;
  double t0;
  memset(data, 'b', sizeof data);
  evbuffer_add(a, data, sizeof data);
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    evbuffer_add_buffer(b, a);
    evbuffer_add_buffer(a, b);
  }
  report("add_buffer_move_1k", t0, 2 * n);
  /* A fresh 1 KiB message appended to an output queue, later written out. */
  n = 1000000;
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    struct evbuffer *msg = b;
    evbuffer_add(msg, data, 512);
    evbuffer_add_buffer(a, msg);
    if (evbuffer_get_length(a) > 64 * 1024) evbuffer_drain(a, evbuffer_get_length(a));
  }
  report("add_then_add_buffer_512", t0, n);
  evbuffer_free(a);
  evbuffer_free(b);
}

static void bench_readln(void) {
  struct evbuffer *b = evbuffer_new();
  char line[1024];
  long i, round, lines = 2000, rounds = 200;
  double t0, total = 0;
  size_t len;
  memset(line, 'l', sizeof line);
  line[1022] = '\r';
  line[1023] = '\n';
  for (round = 0; round < rounds; ++round) {
    for (i = 0; i < lines; ++i) evbuffer_add(b, line, sizeof line);
    t0 = now_ns();
    for (i = 0; i < lines; ++i) {
      char *s = evbuffer_readln(b, &len, EVBUFFER_EOL_CRLF);
      g_sink += len;
      free(s);
    }
    total += now_ns() - t0;
  }
  printf("readln_crlf_1k %.1f\n", total / (double)(lines * rounds));
  evbuffer_free(b);
}

static void bench_search(void) {
  struct evbuffer *b = evbuffer_new();
  char block[4096];
  long i, n = 2000;
  double t0;
  struct evbuffer_ptr p;
  memset(block, 's', sizeof block);
  for (i = 0; i < 256; ++i) evbuffer_add(b, block, sizeof block); /* 1 MiB */
  evbuffer_add(b, "needle", 6);
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    p = evbuffer_search(b, "needle", 6, NULL);
    g_sink += (size_t)p.pos;
  }
  report("search_1mib", t0, n);
  /* Every occurrence of a byte, one search per hit. */
  evbuffer_drain(b, evbuffer_get_length(b));
  for (i = 0; i < 64; ++i) evbuffer_add(b, "x\n", 2), evbuffer_add(b, block, 62);
  n = 20000;
  t0 = now_ns();
  for (i = 0; i < n; ++i) {
    evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET);
    for (;;) {
      p = evbuffer_search(b, "\n", 1, &p);
      if (p.pos < 0 || evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD) < 0) break;
    }
  }
  report("search_step_64_hits", t0, n);
  evbuffer_free(b);
}

/* Stream 256 MiB through a socketpair: the writer adds 16 KiB messages and
   writes, the reader reads with evbuffer_read and drains. */
static void bench_socket(void) {
  struct evbuffer *out = evbuffer_new(), *in = evbuffer_new();
  static char msg[16384];
  int sv[2], bufsz = 1 << 20;
  size_t total = 256u << 20, sent = 0, got = 0;
  long reads = 0, writes = 0;
  double t0;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof bufsz);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  memset(msg, 'm', sizeof msg);
  t0 = now_ns();
  while (got < total) {
    while (sent < total && evbuffer_get_length(out) < 256 * 1024) {
      evbuffer_add(out, msg, sizeof msg);
      sent += sizeof msg;
    }
    if (evbuffer_get_length(out) > 0) {
      int n = evbuffer_write(out, sv[0]);
      if (n < 0 && errno != EAGAIN) break;
      ++writes;
    }
    for (;;) {
      int n = evbuffer_read(in, sv[1], -1);
      if (n <= 0) break;
      ++reads;
      got += (size_t)n;
      evbuffer_drain(in, evbuffer_get_length(in));
    }
  }
  printf("socket_stream_per_mib %.1f\n", (now_ns() - t0) / (double)(total >> 20));
  printf("# socket: %.1f reads/MiB, %.1f writes/MiB\n", (double)reads / (double)(total >> 20),
         (double)writes / (double)(total >> 20));
  /* Request/response sized exchange: 512 bytes each way. */
  {
    long i, n = 200000;
    char req[512];
    memset(req, 'r', sizeof req);
    t0 = now_ns();
    for (i = 0; i < n; ++i) {
      evbuffer_add(out, req, sizeof req);
      evbuffer_write(out, sv[0]);
      while (evbuffer_read(in, sv[1], -1) <= 0) {
      }
      evbuffer_drain(in, evbuffer_get_length(in));
    }
    report("socket_write_read_512", t0, n);
  }
  close(sv[0]);
  close(sv[1]);
  evbuffer_free(out);
  evbuffer_free(in);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  if (!only || !strcmp(only, "add")) bench_add_drain();
  if (!only || !strcmp(only, "add_buffer")) bench_add_buffer();
  if (!only || !strcmp(only, "readln")) bench_readln();
  if (!only || !strcmp(only, "search")) bench_search();
  if (!only || !strcmp(only, "socket")) bench_socket();
  return (int)(g_sink & 0);
}
