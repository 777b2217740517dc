/* Timers and a signal with the C face (libevent 2.1 API): a repeating timer
   ticks 3 times, a one-shot timer fires between ticks, and the third tick
   raises SIGINT, whose handler stops the loop. Press Ctrl-C to stop early.
   The same program with the C++ face: timer_cpp.cpp. */
#include <event2/event.h>

#include <signal.h>
#include <stdio.h>

struct ticker {
  struct event *ev;
  int count;
};

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  struct ticker *t = arg;
  (void)fd;
  (void)what;
  printf("tick %d\n", ++t->count);
  if (t->count == 3) {
    event_del(t->ev); /* a repeating timer runs until deleted */
    printf("raising SIGINT\n");
    raise(SIGINT); /* delivered to on_sigint by the loop, not in the handler */
  }
}

static void on_once(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  printf("one-shot timer fired\n");
}

static void on_sigint(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  printf("got signal %d, stopping the loop\n", (int)sig);
  event_base_loopbreak(arg);
}

int main(void) {
  struct event_base *base = event_base_new();
  if (!base) {
    fprintf(stderr, "cannot create an event_base\n");
    return 1;
  }
  struct ticker t = {NULL, 0};
  /* EV_PERSIST with a timeout: fires every period until event_del. */
  t.ev = event_new(base, -1, EV_PERSIST, on_tick, &t);
  struct event *once = evtimer_new(base, on_once, NULL);
  struct event *sigint = evsignal_new(base, SIGINT, on_sigint, base);
  if (!t.ev || !once || !sigint) {
    fprintf(stderr, "cannot create events\n");
    return 1;
  }
  struct timeval period = {0, 100000}; /* 100 ms */
  struct timeval delay = {0, 150000};  /* 150 ms: between tick 1 and tick 2 */
  event_add(t.ev, &period);
  event_add(once, &delay);
  event_add(sigint, NULL);

  event_base_dispatch(base);
  printf("loop finished after %d ticks\n", t.count);

  event_free(sigint);
  event_free(once);
  event_free(t.ev);
  event_base_free(base);
  return 0;
}
