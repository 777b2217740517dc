/* A plain libevent program (the seed's flow): the install tests build it against an
   installed eventide with -levent, pkg-config and find_package, and check its output. */
#include <event2/event.h>
#ifdef PROG_THREADS
#include <event2/thread.h>
#endif
#include <stdio.h>

#ifndef EVENTIDE_VERSION
#error "event2/event.h came from libevent, not from the installed eventide"
#endif

static int fired;

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  if (what & EV_TIMEOUT) ++fired;
}

int main(void) {
#ifdef PROG_THREADS
  if (evthread_use_pthreads() != 0) return 3;
#endif
  struct event_base *base = event_base_new();
  if (!base) return 1;
  struct event *ev = event_new(base, -1, 0, on_timer, NULL);
  if (!ev) return 1;
  struct timeval tv = {0, 10000};
  if (event_add(ev, &tv) != 0) return 1;
  event_base_dispatch(base);
  printf("version %s\n", event_get_version());
  printf("method %s\n", event_base_get_method(base));
  printf("fired %d\n", fired);
  event_free(ev);
  event_base_free(base);
  return fired == 1 ? 0 : 2;
}
