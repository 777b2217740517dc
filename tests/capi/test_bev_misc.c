/* The remaining calls: base_set, priorities, references, setfd on a
   bufferevent made without an fd, the 1.x names (bufferevent_new,
   bufferevent_settimeout), and freeing while a host-name lookup runs. */
#define _GNU_SOURCE
#include <event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "test_bev_util.h"

static int g_reads;
static void count_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  g_reads++;
  evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
}

static void base_set_and_priorities(void) {
  struct event_base *b1 = bt_base(), *b2 = bt_base();
  CT_REQUIRE(b1 && b2);
  CT_EQ(event_base_priority_init(b2, 4), 0);
  int fds[2];
  CT_REQUIRE(bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(b1, fds[1], BEV_OPT_CLOSE_ON_FREE);
  CT_EQ(bufferevent_base_set(b2, bev), 0);
  CT_CHECK(bufferevent_get_base(bev) == b2);
  CT_CHECK(event_get_base(&bev->ev_read) == b2);
  CT_EQ(bufferevent_priority_set(bev, 3), 0);
  CT_EQ(bufferevent_get_priority(bev), 3);
  CT_EQ(event_get_priority(&bev->ev_write), 3);
  bufferevent_setcb(bev, count_read, NULL, NULL, NULL);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "x", 1), 1);
  g_reads = 0;
  event_base_loop(b1, EVLOOP_NONBLOCK); /* not its base any more */
  CT_EQ(g_reads, 0);
  struct timeval t = {0, 50000};
  event_base_loopexit(b2, &t);
  event_base_dispatch(b2);
  CT_EQ(g_reads, 1);
  /* Pairs and filters have no priority of their own. */
  struct bufferevent *p[2];
  CT_EQ(bufferevent_pair_new(b2, 0, p), 0);
  CT_EQ(bufferevent_priority_set(p[0], 1), -1);
  CT_EQ(bufferevent_base_set(b1, p[0]), -1);
  bufferevent_free(p[0]);
  bufferevent_free(p[1]);
  bufferevent_free(bev);
  close(fds[0]);
  event_base_free(b1);
  event_base_free(b2);
}

static void references(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_incref(bev);
  bufferevent_free(bev);
  /* Our extra reference keeps it: still usable, fd still open. */
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_CHECK(bt_fd_is_open(fds[0]));
  CT_EQ(bufferevent_getfd(bev), fds[0]);
  bufferevent_lock(bev);
  bufferevent_unlock(bev);
  CT_EQ(bufferevent_decref(bev), 1); /* the last one */
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_CHECK(!bt_fd_is_open(fds[0]));
  close(fds[1]);
  event_base_free(base);
}

static void setfd_later(void) {
  struct event_base *base = bt_base();
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, count_read, NULL, NULL, NULL);
  /* Enabling without an fd is remembered and applied by setfd. */
  CT_EQ(bufferevent_enable(bev, EV_READ), 0);
  CT_EQ(bufferevent_getfd(bev), -1);
  CT_EQ(bufferevent_setfd(bev, fds[1]), 0);
  CT_EQ(bufferevent_getfd(bev), fds[1]);
  CT_EQ(write(fds[0], "abc", 3), 3);
  g_reads = 0;
  struct timeval t = {0, 50000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  CT_EQ(g_reads, 1);
  bufferevent_free(bev);
  close(fds[0]);
  event_base_free(base);
}

static void compat_names(void) {
  struct event_base *base = event_init(); /* the 1.x "current" base */
  int fds[2];
  CT_REQUIRE(base && bt_socket_pair(AF_INET, fds) == 0);
  struct bufferevent *bev = bufferevent_new(fds[1], count_read, NULL, NULL, NULL);
  CT_REQUIRE(bev);
#ifndef CT_LIBEVENT
  /* libevent leaves ev_base NULL here (its events use the current base);
     eventide reports the base the bufferevent really uses. */
  CT_CHECK(bufferevent_get_base(bev) == base);
#endif
  CT_CHECK(event_get_base(&bev->ev_read) == base);
  bufferevent_settimeout(bev, 5, 7);
  CT_EQ(bev->timeout_read.tv_sec, 5);
  CT_EQ(bev->timeout_write.tv_sec, 7);
  bufferevent_enable(bev, EV_READ);
  CT_EQ(write(fds[0], "x", 1), 1);
  g_reads = 0;
  struct timeval t = {0, 50000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  CT_EQ(g_reads, 1);
  CT_EQ(evbuffer_get_length(EVBUFFER_INPUT(bev)), 0);
  bufferevent_free(bev);
  close(fds[0]);
  close(fds[1]);
  event_base_free(base);
}

static void free_during_lookup(void) {
  struct event_base *base = bt_base();
  CT_REQUIRE(base);
  struct sockaddr_storage ss;
  socklen_t len;
  int l = bt_listen(AF_INET, &ss, &len);
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  CT_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "localhost", bt_port(&ss)), 0);
  bufferevent_free(bev); /* the answer, when it comes, is dropped */
  struct timeval t = {0, 300000};
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  close(l);
  event_base_free(base);
}

static const struct ct_case cases[] = {
    {"base_set_and_priorities", base_set_and_priorities, 0},
    {"references", references, 0},
    {"setfd_later", setfd_later, 0},
    {"compat_names", compat_names, 0},
    {"free_during_lookup", free_during_lookup, 0},
};
CT_REGISTER(bev_misc, cases)
