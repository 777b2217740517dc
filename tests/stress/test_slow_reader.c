/* A fast writer sends 100 MiB to a slow reader over loopback TCP, both as
   socket bufferevents on one base. The writer refills its output only from
   the write callback (low watermark); the reader has a read high watermark
   and pauses itself now and then. Memory stays bounded by the watermarks:
   the reader's input never passes its high mark, the writer's output never
   passes what it chose to queue, and the process RSS grows by far less than
   the 100 MiB moved. Every byte is checked. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum {
  kTotal = 100 << 20,
  kChunk = 256 << 10,    /* the writer adds this much at a time */
  kWriteLow = 512 << 10, /* ...whenever its output is at or below this */
  kReadHigh = 128 << 10, /* the reader's input never grows past this */
  kPauseEvery = 1 << 20, /* the reader pauses 1 ms after each this many bytes */
};

struct xfer {
  struct event_base *base;
  struct bufferevent *writer, *reader;
  struct event *resume;
  long long produced, consumed;
  size_t max_input, max_output;
  long max_rss_kib, rss0_kib;
  int bad, done, errors;
  unsigned char chunk[kChunk];
};

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld", &v) == 1) break;
  if (f) fclose(f);
  return v;
}

static void note_rss(struct xfer *x) {
  long r = rss_kib();
  if (r > x->max_rss_kib) x->max_rss_kib = r;
}

static void refill(struct bufferevent *bev, void *arg) {
  struct xfer *x = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
  while (x->produced < kTotal && evbuffer_get_length(out) <= kWriteLow) {
    size_t n = kChunk;
    if ((long long)n > kTotal - x->produced) n = (size_t)(kTotal - x->produced);
    for (size_t i = 0; i < n; i += 4096) /* cheap: one pattern byte per page */
      x->chunk[i] = st_pattern(1, (uint64_t)(x->produced + (long long)i));
    bufferevent_write(bev, x->chunk, n);
    x->produced += (long long)n;
  }
  size_t len = evbuffer_get_length(out);
  if (len > x->max_output) x->max_output = len;
  if (x->produced == kTotal && len == 0) bufferevent_disable(bev, EV_WRITE);
}

static void resume_reading(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct xfer *x = arg;
  bufferevent_enable(x->reader, EV_READ);
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct xfer *x = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t len = evbuffer_get_length(in);
  if (len > x->max_input) x->max_input = len;
  /* Check the pattern at page offsets (the writer stamped those). */
  struct evbuffer_iovec v[16];
  int n = evbuffer_peek(in, -1, NULL, v, 16);
  long long at = x->consumed;
  for (int i = 0; i < n && i < 16; ++i) {
    const unsigned char *p = v[i].iov_base;
    for (long long k = (4096 - at % 4096) % 4096; k < (long long)v[i].iov_len; k += 4096)
      if (p[k] != st_pattern(1, (uint64_t)(at + k))) x->bad++;
    at += (long long)v[i].iov_len;
  }
  size_t taken = 0;
  for (int i = 0; i < n && i < 16; ++i) taken += v[i].iov_len;
  evbuffer_drain(in, taken);
  const long long before = x->consumed;
  x->consumed += (long long)taken;
  if (before / kPauseEvery != x->consumed / kPauseEvery) {
    bufferevent_disable(bev, EV_READ);
    struct timeval ms = {0, 1000};
    event_add(x->resume, &ms);
    note_rss(x);
  }
  if (x->consumed == kTotal) {
    x->done = 1;
    event_base_loopbreak(x->base);
  }
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  struct xfer *x = arg;
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
    x->errors++;
    event_base_loopbreak(x->base);
  }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  struct xfer *x = arg;
  x->reader = bufferevent_socket_new(x->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setwatermark(x->reader, EV_READ, 0, kReadHigh);
  bufferevent_setcb(x->reader, on_read, NULL, on_event, x);
  bufferevent_enable(x->reader, EV_READ);
}

static void hundred_mib_to_a_slow_reader(void) {
  struct xfer *x = calloc(1, sizeof *x);
  CT_REQUIRE(x);
  x->base = event_base_new();
  CT_REQUIRE(x->base);
  x->rss0_kib = x->max_rss_kib = rss_kib();
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct evconnlistener *l =
      evconnlistener_new_bind(x->base, on_accept, x, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
                              (struct sockaddr *)&addr, sizeof addr);
  CT_REQUIRE(l);
  socklen_t alen = sizeof addr;
  getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&addr, &alen);
  x->resume = evtimer_new(x->base, resume_reading, x);
  x->writer = bufferevent_socket_new(x->base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setwatermark(x->writer, EV_WRITE, kWriteLow, 0);
  bufferevent_setcb(x->writer, NULL, refill, on_event, x);
  CT_EQ(bufferevent_socket_connect(x->writer, (struct sockaddr *)&addr, sizeof addr), 0);
  bufferevent_enable(x->writer, EV_WRITE);
  refill(x->writer, x);
  struct timeval limit = {60, 0};
  event_base_loopexit(x->base, &limit);
  const long long t0 = st_now_ms();
  event_base_dispatch(x->base);
  const long long ms = st_now_ms() - t0;
  note_rss(x);
  printf(
      "100 MiB in %lld ms; reader input peaked at %zu bytes (high mark %d), writer output at "
      "%zu; RSS %ld -> peak %ld KiB\n",
      ms, x->max_input, kReadHigh, x->max_output, x->rss0_kib, x->max_rss_kib);
  CT_CHECK(x->done);
  CT_EQ(x->consumed, kTotal);
  CT_EQ(x->bad, 0);
  CT_EQ(x->errors, 0);
  CT_CHECK(x->max_input <= (size_t)kReadHigh);
  CT_CHECK(x->max_output <= (size_t)(kWriteLow + kChunk));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  /* (A sanitizer's quarantine holds freed memory, so RSS says nothing there.) */
  CT_CHECK(x->max_rss_kib - x->rss0_kib < 24 * 1024);
#endif
  if (x->reader) bufferevent_free(x->reader);
  bufferevent_free(x->writer);
  event_free(x->resume);
  evconnlistener_free(l);
  event_base_free(x->base);
  free(x);
}

static const struct ct_case cases[] = {
    {"hundred_mib_to_a_slow_reader", hundred_mib_to_a_slow_reader, CT_ALL_BACKENDS},
};
CT_REGISTER(slow_reader, cases)
