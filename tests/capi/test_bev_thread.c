/* BEV_OPT_THREADSAFE with evthread_use_pthreads: other threads write to a
   bufferevent whose loop runs in the main thread, and pairs share one lock. */
#define _GNU_SOURCE
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/thread.h>

#include <pthread.h>

#include "test_bev_util.h"

#define WRITERS 4
#define PER_WRITER 2000
#define MSG 16

struct shared {
  struct event_base *base;
  struct bufferevent *bev;
  size_t received;
};

static void *writer(void *arg) {
  struct shared *s = arg;
  char msg[MSG];
  memset(msg, 'w', sizeof msg);
  for (int i = 0; i < PER_WRITER; ++i) {
    /* One message stays whole: the lock covers each write. */
    bufferevent_lock(s->bev);
    bufferevent_write(s->bev, msg, sizeof msg);
    bufferevent_unlock(s->bev);
  }
  return NULL;
}

static void count_read(struct bufferevent *bev, void *arg) {
  struct shared *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (s->received == (size_t)WRITERS * PER_WRITER * MSG) event_base_loopbreak(s->base);
}

static void writers_from_threads(void) {
  CT_REQUIRE(evthread_use_pthreads() == 0);
  struct shared s;
  memset(&s, 0, sizeof s);
  s.base = bt_base();
  int fds[2];
  CT_REQUIRE(s.base && bt_socket_pair(AF_INET, fds) == 0);
  s.bev = bufferevent_socket_new(s.base, fds[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  struct bufferevent *rd = bufferevent_socket_new(s.base, fds[1], BEV_OPT_CLOSE_ON_FREE);
  CT_REQUIRE(s.bev && rd);
  bufferevent_setcb(rd, count_read, NULL, NULL, &s);
  bufferevent_enable(rd, EV_READ);
  pthread_t t[WRITERS];
  for (int i = 0; i < WRITERS; ++i) pthread_create(&t[i], NULL, writer, &s);
  bt_dispatch(s.base, 20);
  for (int i = 0; i < WRITERS; ++i) pthread_join(t[i], NULL);
  CT_EQ(s.received, (size_t)WRITERS * PER_WRITER * MSG);
  bufferevent_free(s.bev);
  bufferevent_free(rd);
  event_base_free(s.base);
}

static void threadsafe_pair(void) {
  CT_REQUIRE(evthread_use_pthreads() == 0);
  struct event_base *base = bt_base();
  struct bufferevent *p[2];
  CT_REQUIRE(base && bufferevent_pair_new(base, BEV_OPT_THREADSAFE, p) == 0);
  /* Both ends share one lock: holding one end's lock holds the other's. */
  bufferevent_lock(p[0]);
  bufferevent_enable(p[1], EV_READ);
  bufferevent_write(p[0], "x", 1);
  bufferevent_unlock(p[0]);
  CT_EQ(evbuffer_get_length(bufferevent_get_input(p[1])), 1);
  bufferevent_free(p[0]);
  bufferevent_free(p[1]);
  event_base_free(base);
}

/* ---- freeing from another thread while the loop reads ------------------ */

struct race {
  struct event_base *base;
  struct bufferevent *bev;
  int peer;
  volatile int reads;
  int reads_at_free;
};

static void race_read(struct bufferevent *bev, void *arg) {
  struct race *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  evbuffer_drain(in, evbuffer_get_length(in));
  r->reads++;
}

static void *race_thread(void *arg) {
  struct race *r = arg;
  char chunk[1024] = {0};
  for (int i = 0; i < 200; ++i) {
    /* The other end closes once freed: no SIGPIPE for this writer. */
    if (send(r->peer, chunk, sizeof chunk, MSG_NOSIGNAL) < 0) break;
    usleep(500);
    if (i == 100) {
      bufferevent_free(r->bev);
      r->reads_at_free = r->reads;
    }
  }
  event_base_loopbreak(r->base);
  return NULL;
}

static void free_from_other_thread(void) {
  CT_REQUIRE(evthread_use_pthreads() == 0);
  struct race r;
  memset(&r, 0, sizeof r);
  r.base = bt_base();
  int fds[2];
  CT_REQUIRE(r.base && bt_socket_pair(AF_INET, fds) == 0);
  r.peer = fds[0];
  r.bev = bufferevent_socket_new(r.base, fds[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  CT_REQUIRE(r.bev);
  bufferevent_setcb(r.bev, race_read, NULL, NULL, &r);
  bufferevent_enable(r.bev, EV_READ);
  pthread_t t;
  pthread_create(&t, NULL, race_thread, &r);
  bt_dispatch(r.base, 20);
  pthread_join(t, NULL);
  CT_CHECK(r.reads > 0);
  /* At most the callback already running when the free returned. */
  CT_CHECK(r.reads - r.reads_at_free <= 1);
  close(fds[0]);
  event_base_free(r.base);
}

static const struct ct_case cases[] = {
    {"free_from_other_thread", free_from_other_thread, 0},
    {"writers_from_threads", writers_from_threads, 0},
    {"threadsafe_pair", threadsafe_pair, 0},
};
CT_REGISTER(bev_thread, cases)
