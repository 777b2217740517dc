/* Signals arriving while the loop dispatches (epoll_wait/poll/select return
   EINTR): none lost, none doubled. Classic signals coalesce in the kernel, so
   exact counts come from a handshake per signal (the sender waits until the
   callback ran) or from real-time signals, which the kernel queues. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/thread.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kHandshakes = 2000, kProcHandshakes = 1000, kQueued = 200, kBurst = 100 };

static struct event_base *new_base(void) {
  struct event_base *b = event_base_new();
  if (b && ct_backend()) CT_STREQ(event_base_get_method(b), ct_backend());
  return b;
}

static atomic_int g_calls;
static atomic_int g_pipe_bytes;
static int g_ticks;
static int g_ack_fd = -1;

static void on_signal(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  atomic_fetch_add(&g_calls, 1);
  if (g_ack_fd >= 0) {
    char c = 'a';
    if (write(g_ack_fd, &c, 1) != 1) abort();
  }
}

static void on_pipe(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  (void)arg;
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) atomic_fetch_add(&g_pipe_bytes, (int)n);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_ticks;
}

struct sender {
  pthread_t loop_thread;
  int pipe_w;
  int n;
  int failed; /* the callback for signal i never came */
};

/* Sends n SIGUSR1, alternating a process-directed kill() and a pthread_kill
   at the loop thread, and waits for each callback before the next; writes a
   byte into the loop's pipe between signals. */
static void *send_with_handshake(void *arg) {
  struct sender *s = arg;
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, NULL); /* delivery goes to the loop */
  for (int i = 0; i < s->n; ++i) {
    if (i & 1)
      pthread_kill(s->loop_thread, SIGUSR1);
    else
      kill(getpid(), SIGUSR1);
    const long long end = st_now_ms() + 3000;
    while (atomic_load(&g_calls) < i + 1) {
      if (st_now_ms() > end) {
        s->failed = i + 1;
        return NULL;
      }
      sched_yield();
    }
    if ((i % 4) == 0 && write(s->pipe_w, "p", 1) != 1) s->failed = -1;
  }
  return NULL;
}

static void burst_from_thread_with_handshake(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int p[2];
  CT_REQUIRE(pipe(p) == 0);
  atomic_store(&g_calls, 0);
  atomic_store(&g_pipe_bytes, 0);
  g_ticks = 0;
  struct event *sig = evsignal_new(b, SIGUSR1, on_signal, NULL);
  struct event *rd = event_new(b, p[0], EV_READ | EV_PERSIST, on_pipe, NULL);
  struct event *tick = event_new(b, -1, EV_PERSIST, on_tick, NULL);
  struct timeval ms = {0, 1000};
  CT_EQ(event_add(sig, NULL), 0);
  CT_EQ(event_add(rd, NULL), 0);
  CT_EQ(event_add(tick, &ms), 0);
  struct sender s = {pthread_self(), p[1], kHandshakes, 0};
  pthread_t t;
  CT_REQUIRE(pthread_create(&t, NULL, send_with_handshake, &s) == 0);
  const int want_bytes = (kHandshakes + 3) / 4;
  const long long end = st_now_ms() + 30000;
  while ((atomic_load(&g_calls) < kHandshakes || atomic_load(&g_pipe_bytes) < want_bytes) &&
         !s.failed && st_now_ms() < end)
    CT_CHECK(event_base_loop(b, EVLOOP_ONCE) >= 0);
  pthread_join(t, NULL);
  /* Anything still in flight would show up now as a double. */
  struct timeval settle = {0, 50000};
  event_base_loopexit(b, &settle);
  event_base_dispatch(b);
  CT_EQ(s.failed, 0);
  CT_EQ(atomic_load(&g_calls), kHandshakes);
  CT_EQ(atomic_load(&g_pipe_bytes), want_bytes);
  CT_CHECK(g_ticks > 0);
  event_free(sig);
  event_free(rd);
  event_free(tick);
  event_base_free(b);
  close(p[0]);
  close(p[1]);
}

/* Another process sends SIGUSR2 and waits for the callback's ack byte each
   time: kProcHandshakes signals, exactly that many callbacks. */
static void burst_from_process_with_handshake(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  int ack[2];
  CT_REQUIRE(pipe(ack) == 0);
  atomic_store(&g_calls, 0);
  struct event *sig = evsignal_new(b, SIGUSR2, on_signal, NULL);
  CT_EQ(event_add(sig, NULL), 0);
  g_ack_fd = ack[1];
  const pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  CT_REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(30);
    close(ack[1]);
    for (int i = 0; i < kProcHandshakes; ++i) {
      char c;
      if (kill(parent, SIGUSR2) != 0) _exit(1);
      if (read(ack[0], &c, 1) != 1) _exit(2);
    }
    _exit(0);
  }
  close(ack[0]);
  const long long end = st_now_ms() + 30000;
  while (atomic_load(&g_calls) < kProcHandshakes && st_now_ms() < end)
    CT_CHECK(event_base_loop(b, EVLOOP_ONCE) >= 0);
  int status = st_wait_child(pid, 10000);
  struct timeval settle = {0, 50000};
  event_base_loopexit(b, &settle);
  event_base_dispatch(b);
  g_ack_fd = -1;
  CT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CT_EQ(atomic_load(&g_calls), kProcHandshakes);
  event_free(sig);
  event_base_free(b);
  close(ack[1]);
}

struct queued {
  int sig;
  int n;
  int failed;
};

static void *send_queued(void *arg) {
  struct queued *q = arg;
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, q->sig);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  for (int i = 0; i < q->n; ++i) {
    union sigval v = {.sival_int = i};
    if (sigqueue(getpid(), q->sig, v) != 0) q->failed++;
  }
  return NULL;
}

/* Real-time signals queue in the kernel: a burst of kQueued with no
   handshake gives exactly kQueued callbacks. */
static void queued_realtime_burst(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  atomic_store(&g_calls, 0);
  struct queued q = {SIGRTMIN + 1, kQueued, 0};
  struct event *sig = evsignal_new(b, q.sig, on_signal, NULL);
  CT_EQ(event_add(sig, NULL), 0);
  pthread_t t;
  CT_REQUIRE(pthread_create(&t, NULL, send_queued, &q) == 0);
  const long long end = st_now_ms() + 10000;
  while (atomic_load(&g_calls) < kQueued && st_now_ms() < end)
    CT_CHECK(event_base_loop(b, EVLOOP_ONCE) >= 0);
  pthread_join(t, NULL);
  struct timeval settle = {0, 50000};
  event_base_loopexit(b, &settle);
  event_base_dispatch(b);
  CT_EQ(q.failed, 0);
  CT_EQ(atomic_load(&g_calls), kQueued);
  event_free(sig);
  event_base_free(b);
}

/* Classic signals in a burst coalesce: at least one callback, never more
   callbacks than signals sent. */
static void classic_burst_never_doubles(void) {
  struct event_base *b = new_base();
  CT_REQUIRE(b);
  atomic_store(&g_calls, 0);
  struct event *sig = evsignal_new(b, SIGUSR1, on_signal, NULL);
  CT_EQ(event_add(sig, NULL), 0);
  struct queued q = {SIGUSR1, kBurst, 0};
  pthread_t t;
  CT_REQUIRE(pthread_create(&t, NULL, send_queued, &q) == 0);
  pthread_join(t, NULL);
  struct timeval settle = {0, 100000};
  event_base_loopexit(b, &settle);
  event_base_dispatch(b);
  CT_CHECK(atomic_load(&g_calls) >= 1);
  CT_CHECK(atomic_load(&g_calls) <= kBurst);
  event_free(sig);
  event_base_free(b);
}

static const struct ct_case cases[] = {
    {"burst_from_thread_with_handshake", burst_from_thread_with_handshake, CT_ALL_BACKENDS},
    {"burst_from_process_with_handshake", burst_from_process_with_handshake, CT_ALL_BACKENDS},
    {"queued_realtime_burst", queued_realtime_burst, CT_ALL_BACKENDS},
    {"classic_burst_never_doubles", classic_burst_never_doubles, 0},
};
CT_REGISTER(signal_burst, cases)
