/* eventide demo: the reactor at work, written against the libevent 2.1 C API.
   Two events ping-pong a counter over a socketpair while a repeating timer
   ticks; the program prints the backend, messages per second and how late the
   timer ran (it is never early). Runs to completion by itself. */
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pingpong {
  evutil_socket_t fds[2];
  struct event *ev[2];
  long remaining;
  long moved;
};

struct ticker {
  int ticks;
  double worst_late_ms;
  struct timespec start;
  struct event_base *base;
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  struct pingpong *pp = arg;
  long v;
  (void)what;
  if (read(fd, &v, sizeof v) != (ssize_t)sizeof v) return;
  pp->moved++;
  if (--pp->remaining <= 0) {
    event_del(pp->ev[0]);
    event_del(pp->ev[1]);
    return;
  }
  /* answer on the same socket: the other end's event fires next */
  if (write(fd, &v, sizeof v) != (ssize_t)sizeof v) perror("write");
}

static double g_start_ms;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  struct ticker *t = arg;
  double expected = g_start_ms + 10.0 * (t->ticks + 1);
  double late = now_ms() - expected;
  (void)fd;
  (void)what;
  if (late > t->worst_late_ms) t->worst_late_ms = late;
  if (++t->ticks == 20) event_base_loopbreak(t->base);
}

int main(int argc, char **argv) {
  long messages = argc > 1 ? atol(argv[1]) : 200000;
  struct event_base *base = event_base_new();
  struct pingpong pp;
  struct ticker tick;
  struct event *timer;
  struct timeval period = {0, 10000};
  double t0, t1;
  long v = 42;

  if (!base) return 1;
  printf("eventide demo — libevent API %s, backend %s\n", event_get_version(),
         event_base_get_method(base));

  memset(&pp, 0, sizeof pp);
  pp.remaining = messages;
  if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, pp.fds) < 0) return 1;
  pp.ev[0] = event_new(base, pp.fds[0], EV_READ | EV_PERSIST, on_readable, &pp);
  pp.ev[1] = event_new(base, pp.fds[1], EV_READ | EV_PERSIST, on_readable, &pp);
  event_add(pp.ev[0], NULL);
  event_add(pp.ev[1], NULL);
  if (write(pp.fds[0], &v, sizeof v) != (ssize_t)sizeof v) return 1;
  t0 = now_ms();
  event_base_dispatch(base);
  t1 = now_ms();
  printf("ping-pong: %ld messages in %.1f ms: %.0f messages/s\n", pp.moved, t1 - t0,
         pp.moved / ((t1 - t0) / 1e3));

  memset(&tick, 0, sizeof tick);
  tick.base = base;
  timer = event_new(base, -1, EV_PERSIST, on_tick, &tick);
  g_start_ms = now_ms();
  event_add(timer, &period);
  event_base_dispatch(base);
  printf("timer: %d ticks of 10 ms, latest %.3f ms after its deadline\n", tick.ticks,
         tick.worst_late_ms);

  event_free(timer);
  event_free(pp.ev[0]);
  event_free(pp.ev[1]);
  close(pp.fds[0]);
  close(pp.fds[1]);
  event_base_free(base);
  return 0;
}
