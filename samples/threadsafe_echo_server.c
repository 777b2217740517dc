/* The seed note's "线程池 bufferevent" model: ONE event_base, bufferevents made
   with BEV_OPT_THREADSAFE, and a pool of worker threads that write the replies
   with bufferevent_write from their own threads. (For a loop per thread, see
   pool_echo_server.c.)
   Usage: threadsafe_echo_server PORT [CONNECTIONS]
   Echoes every chunk back; exits after CONNECTIONS clients have gone (default:
   serve forever). Port 0 picks a free port; the port is printed. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define WORKERS 4

/* One reply to write: the bytes and the bufferevent (held by a reference). */
struct job {
  struct job *next;
  struct bufferevent *bev;
  size_t len;
  char data[];
};

/* One queue per worker; a connection always goes to the same worker, so its
   replies leave in the order its requests came. */
struct queue {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct job *head, **tail;
  int quit;
};
static struct queue g_queues[WORKERS];

static struct event_base *g_base;
static int g_left = -1; /* connections still to serve; -1: forever */

static void *worker(void *arg) {
  struct queue *q = arg;
  for (;;) {
    struct job *j;
    pthread_mutex_lock(&q->mu);
    while (!q->head && !q->quit) pthread_cond_wait(&q->cv, &q->mu);
    j = q->head;
    if (!j) {
      pthread_mutex_unlock(&q->mu);
      return NULL;
    }
    q->head = j->next;
    if (!q->head) q->tail = &q->head;
    pthread_mutex_unlock(&q->mu);
    /* A worker thread writes into a bufferevent owned by the loop's thread:
       BEV_OPT_THREADSAFE makes that safe. */
    bufferevent_write(j->bev, j->data, j->len);
    bufferevent_decref(j->bev);
    free(j);
  }
}

static void read_cb(struct bufferevent *bev, void *ctx) {
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  struct job *j = malloc(sizeof *j + n);
  struct queue *q = &g_queues[((uintptr_t)bev / 64) % WORKERS];
  (void)ctx;
  if (!j) return;
  j->next = NULL;
  j->len = evbuffer_remove(in, j->data, n);
  j->bev = bev;
  bufferevent_incref(bev); /* the job keeps the bufferevent alive */
  pthread_mutex_lock(&q->mu);
  *q->tail = j;
  q->tail = &j->next;
  pthread_cond_signal(&q->cv);
  pthread_mutex_unlock(&q->mu);
}

static void event_cb(struct bufferevent *bev, short events, void *ctx) {
  (void)ctx;
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    bufferevent_free(bev); /* jobs still queued hold their own reference */
    if (g_left > 0 && --g_left == 0) event_base_loopexit(g_base, NULL);
  }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *ctx) {
  struct bufferevent *bev =
      bufferevent_socket_new(g_base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  (void)l;
  (void)sa;
  (void)len;
  (void)ctx;
  if (!bev) return;
  bufferevent_setcb(bev, read_cb, NULL, event_cb, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  socklen_t slen = sizeof sin;
  struct evconnlistener *listener;
  pthread_t th[WORKERS];
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  if (argc > 2) g_left = atoi(argv[2]);
  evthread_use_pthreads(); /* before the base: its locks come from here */
  g_base = event_base_new();
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listener = evconnlistener_new_bind(g_base, accept_cb, NULL,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_THREADSAFE,
                                     -1, (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("evconnlistener_new_bind");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &slen);
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);

  for (i = 0; i < WORKERS; ++i) {
    pthread_mutex_init(&g_queues[i].mu, NULL);
    pthread_cond_init(&g_queues[i].cv, NULL);
    g_queues[i].tail = &g_queues[i].head;
    pthread_create(&th[i], NULL, worker, &g_queues[i]);
  }
  event_base_dispatch(g_base);

  for (i = 0; i < WORKERS; ++i) {
    pthread_mutex_lock(&g_queues[i].mu);
    g_queues[i].quit = 1;
    pthread_cond_broadcast(&g_queues[i].cv);
    pthread_mutex_unlock(&g_queues[i].mu);
    pthread_join(th[i], NULL);
  }
  evconnlistener_free(listener);
  event_base_free(g_base);
  return 0;
}
