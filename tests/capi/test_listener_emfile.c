/* A listener driven into EMFILE with a low RLIMIT_NOFILE. libevent keeps the
   listener armed and its error callback fires without pause (the process
   spins at 100% CPU). eventide deliberately does better: it pauses, reports
   once, keeps CPU low, and resumes by itself once descriptors are free. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/listener.h>

#include <dirent.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "test_bev_util.h"

#define N_CLIENTS 3

struct emfile {
  struct event_base *base;
  int errors;
  int first_errno;
  int accepted;
  int fillers[4096];
  int n_fillers;
  double cpu_at_release; /* CPU seconds used while descriptors were short */
  struct rusage ru0;
};

static double cpu_seconds(const struct rusage *a, const struct rusage *b) {
  return (b->ru_utime.tv_sec - a->ru_utime.tv_sec) +
         (b->ru_utime.tv_usec - a->ru_utime.tv_usec) / 1e6 +
         (b->ru_stime.tv_sec - a->ru_stime.tv_sec) +
         (b->ru_stime.tv_usec - a->ru_stime.tv_usec) / 1e6;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  struct emfile *e = arg;
  (void)lev;
  (void)sa;
  (void)len;
  close(fd);
  if (++e->accepted == N_CLIENTS) event_base_loopbreak(e->base);
}

static void on_error(struct evconnlistener *lev, void *arg) {
  struct emfile *e = arg;
  (void)lev;
  if (e->errors++ == 0) e->first_errno = EVUTIL_SOCKET_ERROR();
}

/* Half a second into the shortage: give descriptors back. */
static void release_fds(evutil_socket_t fd, short what, void *arg) {
  struct emfile *e = arg;
  (void)fd;
  (void)what;
  struct rusage now;
  getrusage(RUSAGE_SELF, &now);
  e->cpu_at_release = cpu_seconds(&e->ru0, &now);
  for (int i = 0; i < 16 && e->n_fillers > 0; ++i) close(e->fillers[--e->n_fillers]);
}

static int highest_open_fd(void) {
  int hi = 2;
  DIR *d = opendir("/proc/self/fd");
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    int fd = atoi(de->d_name);
    if (fd > hi) hi = fd;
  }
  if (d) closedir(d);
  return hi;
}

static void emfile_pauses_and_resumes(void) {
  struct emfile e;
  memset(&e, 0, sizeof e);
  e.base = bt_base();
  CT_REQUIRE(e.base);
  struct sockaddr_storage ss;
  socklen_t len = bt_loopback(AF_INET, &ss);
  struct evconnlistener *lev =
      evconnlistener_new_bind(e.base, on_accept, &e, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                              (struct sockaddr *)&ss, (int)len);
  CT_REQUIRE(lev);
  evconnlistener_set_error_cb(lev, on_error);
  len = sizeof ss;
  getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);

  /* Clients connect first (their handshakes complete in the kernel)... */
  int clients[N_CLIENTS];
  for (int i = 0; i < N_CLIENTS; ++i) {
    clients[i] = socket(AF_INET, SOCK_STREAM, 0);
    CT_REQUIRE(clients[i] >= 0);
    CT_REQUIRE(connect(clients[i], (struct sockaddr *)&ss, len) == 0);
  }
  /* ...then the process runs out of descriptors. */
  struct rlimit old, low;
  CT_REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  low = old;
  low.rlim_cur = (rlim_t)highest_open_fd() + 32;
  CT_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  int fd;
  while (e.n_fillers < 4096 && (fd = open("/dev/null", O_RDONLY)) >= 0)
    e.fillers[e.n_fillers++] = fd;
  CT_CHECK(errno == EMFILE);

  struct timeval half = {0, 500000};
  event_base_once(e.base, -1, EV_TIMEOUT, release_fds, &e, &half);
  getrusage(RUSAGE_SELF, &e.ru0);
  double t0 = bt_now();
  bt_dispatch(e.base, 5);
  double took = bt_now() - t0;
  fprintf(stderr,
          "EMFILE: %d error callbacks, %.3f s CPU in the 0.5 s shortage, %d accepted %.3f s after "
          "the start\n",
          e.errors, e.cpu_at_release, e.accepted, took);

  /* Service resumes once descriptors are back, for both. */
  CT_EQ(e.accepted, N_CLIENTS);
  CT_EQ(e.first_errno, EMFILE);
#ifdef CT_LIBEVENT
  /* libevent: the listener stays armed and the error callback spins. */
  CT_CHECK(e.errors > 100);
#else
  /* eventide: one report, next to no CPU, and the pending clients are served
     within a back-off period of the release. */
  CT_EQ(e.errors, 1);
  CT_CHECK(e.cpu_at_release < 0.1);
  CT_CHECK(took < 0.5 + 0.4);
#endif

  while (e.n_fillers > 0) close(e.fillers[--e.n_fillers]);
  setrlimit(RLIMIT_NOFILE, &old);
  for (int i = 0; i < N_CLIENTS; ++i) close(clients[i]);
  evconnlistener_free(lev);
  event_base_free(e.base);
}

static const struct ct_case cases[] = {
    {"emfile_pauses_and_resumes", emfile_pauses_and_resumes, CT_ALL_BACKENDS},
};
CT_REGISTER(listener_emfile, cases)
