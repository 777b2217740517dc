/* Loss and delay: two network namespaces made by this test, joined by a veth
   pair whose input hooks drop 5% of packets at random (nftables `numgen
   random mod 100 < 5 drop`; this kernel has no tc netem), and a small
   userspace proxy that holds every chunk for a few milliseconds in both
   directions. A 10 MiB transfer between socket bufferevents (client -> proxy
   -> lossy link -> server) completes intact. The addresses are link-local
   (169.254.77.0/30) and live only inside the namespaces. Without permission
   for `ip netns` (or without ip/nft), the test prints why and skips. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ct.h"
#include "stress.h"

enum { kTotal = 10 << 20, kDelayMs = 5, kPort = 7077 };

static char g_ns[2][32], g_veth[2][16];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
  char cmd[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  char quiet[600];
  snprintf(quiet, sizeof quiet, "%s >/dev/null 2>&1", cmd);
  return system(quiet);
}

static void teardown(void) {
  for (int i = 0; i < 2; ++i) sh("ip netns del %s", g_ns[i]); /* takes the veth with it */
}

/* Returns NULL when ready, or why it cannot be done here. */
static const char *setup(void) {
  if (sh("command -v ip") != 0) return "the ip command is missing (apt-get install iproute2)";
  if (sh("command -v nft") != 0) return "the nft command is missing (apt-get install nftables)";
  const int id = (int)getpid();
  snprintf(g_ns[0], sizeof g_ns[0], "eventide-%d-s", id);
  snprintf(g_ns[1], sizeof g_ns[1], "eventide-%d-c", id);
  snprintf(g_veth[0], sizeof g_veth[0], "ev%ds", id % 1000000);
  snprintf(g_veth[1], sizeof g_veth[1], "ev%dc", id % 1000000);
  if (sh("ip netns add %s", g_ns[0]) != 0) return "ip netns add is not permitted here";
  if (sh("ip netns add %s", g_ns[1]) != 0 ||
      sh("ip link add %s type veth peer name %s", g_veth[0], g_veth[1]) != 0) {
    teardown();
    return "cannot create a veth pair here";
  }
  static const char *const addr[2] = {"169.254.77.1/30", "169.254.77.2/30"};
  for (int i = 0; i < 2; ++i) {
    if (sh("ip link set %s netns %s", g_veth[i], g_ns[i]) != 0 ||
        sh("ip -n %s addr add %s dev %s", g_ns[i], addr[i], g_veth[i]) != 0 ||
        sh("ip -n %s link set %s mtu 1500 gso_max_size 1500 gro_max_size 1500 up", g_ns[i],
           g_veth[i]) != 0 ||
        sh("ip -n %s link set lo up", g_ns[i]) != 0) {
      teardown();
      return "cannot configure the veth pair";
    }
    /* Loss on the veth only (iifname), in both directions. */
    if (sh("ip netns exec %s nft 'add table inet loss; add chain inet loss in "
           "{ type filter hook input priority 0; }; add rule inet loss in iifname %s "
           "numgen random mod 100 < 5 counter drop'",
           g_ns[i], g_veth[i]) != 0) {
      teardown();
      return "nft cannot add the drop rule in the namespace";
    }
  }
  return NULL;
}

static int enter_ns(const char *name) {
  char path[128];
  snprintf(path, sizeof path, "/var/run/netns/%s", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = setns(fd, CLONE_NEWNET);
  close(fd);
  return r;
}

/* ---- the receiving server (namespace s) ---- */

struct rx {
  struct event_base *base;
  long long got;
  int bad, eof, errors;
};

static void rx_read(struct bufferevent *bev, void *arg) {
  struct rx *r = arg;
  unsigned char buf[16384];
  int n;
  while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0)
    for (int i = 0; i < n; ++i, ++r->got)
      if (buf[i] != st_pattern(9, (uint64_t)r->got)) r->bad++;
}

static void rx_event(struct bufferevent *bev, short what, void *arg) {
  struct rx *r = arg;
  rx_read(bev, r);
  if (what & BEV_EVENT_EOF) r->eof = 1;
  if (what & BEV_EVENT_ERROR) r->errors++;
  bufferevent_free(bev);
  event_base_loopbreak(r->base);
}

static void rx_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  struct rx *r = arg;
  struct bufferevent *bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, rx_read, NULL, rx_event, r);
  bufferevent_enable(bev, EV_READ);
}

static int server_main(int ready_fd) {
  alarm(120);
  if (enter_ns(g_ns[0]) != 0) return 90;
  struct rx r;
  memset(&r, 0, sizeof r);
  r.base = event_base_new();
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(kPort);
  inet_pton(AF_INET, "169.254.77.1", &a.sin_addr);
  struct evconnlistener *l =
      evconnlistener_new_bind(r.base, rx_accept, &r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4,
                              (struct sockaddr *)&a, sizeof a);
  if (!l) return 91;
  if (write(ready_fd, "r", 1) != 1) return 92;
  event_base_dispatch(r.base);
  printf("server: %lld bytes, %d wrong, eof %d, errors %d\n", r.got, r.bad, r.eof, r.errors);
  fflush(stdout);
  evconnlistener_free(l);
  event_base_free(r.base);
  return (r.got != kTotal ? 1 : 0) | (r.bad ? 2 : 0) | (r.eof ? 0 : 4) | (r.errors ? 8 : 0);
}

/* ---- the delaying proxy (namespace c): 127.0.0.1:kPort -> 169.254.77.1 ---- */

struct held {
  long long due;
  size_t len, off;
  unsigned char data[16384];
  struct held *next;
};

static int proxy_main(int ready_fd) {
  alarm(120);
  if (enter_ns(g_ns[1]) != 0) return 80;
  struct sockaddr_in la;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&la, 0, sizeof la);
  la.sin_family = AF_INET;
  la.sin_port = htons(kPort);
  la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&la, sizeof la) != 0 || listen(lfd, 1) != 0) return 81;
  if (write(ready_fd, "r", 1) != 1) return 82;
  int side[2];
  side[0] = accept(lfd, NULL, NULL);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(kPort);
  inet_pton(AF_INET, "169.254.77.1", &sa.sin_addr);
  side[1] = socket(AF_INET, SOCK_STREAM, 0);
  if (side[0] < 0 || connect(side[1], (struct sockaddr *)&sa, sizeof sa) != 0) return 83;
  /* One queue per direction: bytes read from side i wait kDelayMs, then go
     to side 1 - i. EOF is passed on as shutdown once the queue drained. */
  struct held *head[2] = {NULL, NULL}, *tail[2] = {NULL, NULL};
  int eof[2] = {0, 0}, shut[2] = {0, 0};
  while (!(shut[0] && shut[1])) {
    struct pollfd p[2];
    int timeout = 50;
    const long long now = st_now_ms();
    for (int i = 0; i < 2; ++i) {
      p[i].fd = side[i];
      p[i].events = eof[i] ? 0 : POLLIN;
      if (head[i]) {
        long long wait = head[i]->due - now;
        if (wait < timeout) timeout = wait < 0 ? 0 : (int)wait;
      }
    }
    if (poll(p, 2, timeout) < 0 && errno != EINTR) return 84;
    for (int i = 0; i < 2; ++i) {
      if (!eof[i] && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        struct held *h = malloc(sizeof *h);
        ssize_t n = read(side[i], h->data, sizeof h->data);
        if (n <= 0) {
          free(h);
          eof[i] = 1;
        } else {
          h->len = (size_t)n;
          h->off = 0;
          h->due = st_now_ms() + kDelayMs;
          h->next = NULL;
          if (tail[i])
            tail[i]->next = h;
          else
            head[i] = h;
          tail[i] = h;
        }
      }
      while (head[i] && head[i]->due <= st_now_ms()) {
        struct held *h = head[i];
        ssize_t n = write(side[1 - i], h->data + h->off, h->len - h->off);
        if (n <= 0) return 85;
        h->off += (size_t)n;
        if (h->off < h->len) continue;
        head[i] = h->next;
        if (!head[i]) tail[i] = NULL;
        free(h);
      }
      if (eof[i] && !head[i] && !shut[i]) {
        shutdown(side[1 - i], SHUT_WR);
        shut[i] = 1;
      }
    }
  }
  return 0;
}

/* ---- the sending client (namespace c) ---- */

struct tx {
  struct event_base *base;
  long long sent;
  int errors, done;
  unsigned char chunk[65536];
};

static void tx_refill(struct bufferevent *bev, void *arg) {
  struct tx *t = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
  while (t->sent < kTotal && evbuffer_get_length(out) < (256 << 10)) {
    size_t n = sizeof t->chunk;
    if ((long long)n > kTotal - t->sent) n = (size_t)(kTotal - t->sent);
    for (size_t i = 0; i < n; ++i) t->chunk[i] = st_pattern(9, (uint64_t)t->sent + i);
    bufferevent_write(bev, t->chunk, n);
    t->sent += (long long)n;
  }
  if (t->sent == kTotal && evbuffer_get_length(out) == 0) {
    t->done = 1;
    event_base_loopbreak(t->base);
  }
}

static void tx_event(struct bufferevent *bev, short what, void *arg) {
  struct tx *t = arg;
  if (what & BEV_EVENT_CONNECTED) {
    tx_refill(bev, t);
    return;
  }
  t->errors++;
  event_base_loopbreak(t->base);
}

static int client_main(void) {
  alarm(120);
  if (enter_ns(g_ns[1]) != 0) return 70;
  struct tx *t = calloc(1, sizeof *t);
  t->base = event_base_new();
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(kPort);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct bufferevent *bev = bufferevent_socket_new(t->base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, tx_refill, tx_event, t);
  bufferevent_enable(bev, EV_WRITE);
  if (bufferevent_socket_connect(bev, (struct sockaddr *)&a, sizeof a) != 0) return 71;
  event_base_dispatch(t->base);
  int rc = (t->done ? 0 : 1) | (t->errors ? 2 : 0);
  bufferevent_free(bev); /* closes: EOF travels through the proxy */
  event_base_free(t->base);
  free(t);
  return rc;
}

static pid_t spawn(int (*fn)(int), int *ready) {
  int p[2];
  if (pipe(p) != 0) return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    _exit(fn(p[1]));
  }
  close(p[1]);
  char c;
  *ready = read(p[0], &c, 1) == 1;
  close(p[0]);
  return pid;
}

static int client_adapter(int unused) {
  (void)unused;
  return client_main();
}

static void ten_mib_over_loss_and_delay(void) {
  const char *why = setup();
  if (why) {
    printf("SKIPPED: %s\n", why);
    return;
  }
  const long long t0 = st_now_ms();
  int ready_s = 0, ready_p = 0, ignored;
  pid_t server = spawn(server_main, &ready_s);
  pid_t proxy = spawn(proxy_main, &ready_p);
  pid_t client = -1;
  if (ready_s && ready_p) {
    fflush(NULL);
    client = fork();
    if (client == 0) _exit(client_adapter(0));
  }
  (void)ignored;
  int st_c = client > 0 ? st_wait_child(client, 100000) : -1;
  int st_s = st_wait_child(server, 20000);
  int st_p = st_wait_child(proxy, 5000);
  printf("10 MiB through 5%% loss and %d ms proxy delay each way in %lld ms\n", kDelayMs,
         st_now_ms() - t0);
  for (int i = 0; i < 2; ++i) { /* evidence that packets were dropped */
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "ip netns exec %s nft list chain inet loss in | grep -o 'packets [0-9]*' | "
             "sed 's/^/dropped in %s: /'",
             g_ns[i], i ? "client ns" : "server ns");
    fflush(stdout);
    if (system(cmd) != 0) printf("(no drop counter)\n");
  }
  teardown();
  CT_CHECK(ready_s && ready_p);
  CT_CHECK(WIFEXITED(st_c) && WEXITSTATUS(st_c) == 0);
  CT_CHECK(WIFEXITED(st_s) && WEXITSTATUS(st_s) == 0);
  CT_CHECK(WIFEXITED(st_p) && WEXITSTATUS(st_p) == 0);
  if (!WIFEXITED(st_c) || !WIFEXITED(st_s) || !WIFEXITED(st_p))
    printf("exit: client %d, server %d, proxy %d\n", st_c, st_s, st_p);
  else
    printf("exit codes: client %d, server %d, proxy %d\n", WEXITSTATUS(st_c), WEXITSTATUS(st_s),
           WEXITSTATUS(st_p));
}

static const struct ct_case cases[] = {
    {"ten_mib_over_loss_and_delay", ten_mib_over_loss_and_delay, 0},
};
CT_REGISTER(lossy_net, cases)
