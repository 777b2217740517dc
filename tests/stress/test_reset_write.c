/* The peer resets the connection while evbuffer_write is pushing a large
   buffer: the write reports the error (ECONNRESET or EPIPE) and the process
   is not killed by SIGPIPE, with SIGPIPE left at its default action (so a
   SIGPIPE would end the child). libevent does not suppress SIGPIPE (its
   writev raises it), so there only the error-or-SIGPIPE outcome is noted. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kPayload = 16 << 20, kReadBeforeReset = 256 << 10 };

struct writer {
  struct evbuffer *out;
  int fd;
  int err;      /* errno of the failed write */
  long written; /* bytes accepted before the error */
  struct event_base *base;
};

struct reader {
  int fd;
  long got;
  int abortive; /* reset with SO_LINGER 0, or just close with unread data */
  struct event *ev;
};

static void on_writable(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct writer *w = arg;
  int n = evbuffer_write(w->out, fd);
  if (n > 0) {
    w->written += n;
    return;
  }
  if (n < 0 && errno == EAGAIN) return;
  w->err = n < 0 ? errno : -1;
  event_base_loopbreak(w->base);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct reader *r = arg;
  char buf[16384];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) r->got += n;
  if (r->got >= kReadBeforeReset && r->fd >= 0) {
    if (r->abortive) {
      struct linger lg = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    event_del(r->ev);
    close(fd); /* unread data or SO_LINGER 0: the kernel sends RST */
    r->fd = -1;
  }
}

/* The child's whole run; exit code 0 when the write failed cleanly. */
static int child_run(int abortive) {
  signal(SIGPIPE, SIG_DFL);
  struct sockaddr_in addr;
  int lfd = st_listen(&addr, 4);
  if (lfd < 0) return 10;
  int wfd = st_connect(&addr);
  int rfd = accept(lfd, NULL, NULL);
  if (wfd < 0 || rfd < 0) return 11;
  st_nonblock(rfd);
  struct event_base *b = event_base_new();
  if (!b) return 12;
  if (ct_backend() && strcmp(event_base_get_method(b), ct_backend()) != 0) return 13;
  struct writer w = {evbuffer_new(), wfd, 0, 0, b};
  char *chunk = malloc(1 << 20);
  for (int i = 0; i < (1 << 20); ++i) chunk[i] = (char)st_pattern(7, (uint64_t)i);
  for (int i = 0; i < kPayload >> 20; ++i) evbuffer_add(w.out, chunk, 1 << 20);
  free(chunk);
  struct reader r = {rfd, 0, abortive, NULL};
  struct event *we = event_new(b, wfd, EV_WRITE | EV_PERSIST, on_writable, &w);
  r.ev = event_new(b, rfd, EV_READ | EV_PERSIST, on_readable, &r);
  event_add(we, NULL);
  event_add(r.ev, NULL);
  struct timeval limit = {15, 0};
  event_base_loopexit(b, &limit);
  event_base_dispatch(b);
  int rc = 0;
  if (w.err != ECONNRESET && w.err != EPIPE) rc = 20;
  if (w.written >= kPayload) rc = 21; /* the reset came too late to matter */
  /* Writing again after the error: still an error, still no SIGPIPE. */
  if (evbuffer_write(w.out, wfd) != -1 || (errno != EPIPE && errno != ECONNRESET))
    rc = rc ? rc : 22;
  event_free(we);
  event_free(r.ev);
  evbuffer_free(w.out);
  event_base_free(b);
  close(wfd);
  close(lfd);
  return rc;
}

static void reset_mid_write(int abortive) {
  fflush(NULL);
  pid_t pid = fork();
  CT_REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(30);
    _exit(child_run(abortive));
  }
  int status = st_wait_child(pid, 30000);
#ifdef CT_LIBEVENT
  /* libevent: the error, or death by SIGPIPE (what libevent users must
     guard against with signal(SIGPIPE, SIG_IGN)). */
  CT_CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
           (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE));
#else
  if (WIFSIGNALED(status)) printf("child killed by signal %d\n", WTERMSIG(status));
  CT_CHECK(WIFEXITED(status));
  CT_EQ(WEXITSTATUS(status), 0);
#endif
}

static void peer_resets_mid_write(void) {
  reset_mid_write(1);
}
static void peer_closes_with_unread_data(void) {
  reset_mid_write(0);
}

static const struct ct_case cases[] = {
    {"peer_resets_mid_write", peer_resets_mid_write, CT_ALL_BACKENDS},
    {"peer_closes_with_unread_data", peer_closes_with_unread_data, CT_ALL_BACKENDS},
};
CT_REGISTER(reset_write, cases)
