/* Debug mode (event_enable_debug_mode): a bufferevent used after it was freed
   is reported and refused instead of corrupting memory. libevent has no such
   check for bufferevents (a second bufferevent_free is a double free), so the
   checks run against eventide only. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "test_bev_util.h"

static void free_twice_in_debug_mode(void) {
#ifndef CT_LIBEVENT
  event_enable_debug_mode();
  struct event_base *base = event_base_new();
  CT_REQUIRE(base);
  int fds[2];
  CT_REQUIRE(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(bev);
  bufferevent_free(bev);
  /* Every later call is refused with a message, the second free included. */
  bufferevent_free(bev);
  CT_EQ(bufferevent_write(bev, "x", 1), -1);
  CT_EQ(bufferevent_enable(bev, EV_READ), -1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_CHECK(!bt_fd_is_open(fds[0]));
  close(fds[1]);
  event_base_free(base);
#endif
}

static const struct ct_case cases[] = {
    {"free_twice_in_debug_mode", free_twice_in_debug_mode, 0},
};
CT_REGISTER(bev_debug, cases)
