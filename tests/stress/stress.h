/* Helpers shared by the fault and stress tests: loopback sockets, child
   processes waited for with a deadline, clocks and descriptor limits. */
#ifndef EVENTIDE_TESTS_STRESS_H
#define EVENTIDE_TESTS_STRESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline long long st_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void st_sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

static inline int st_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A TCP listener on 127.0.0.1 with a kernel-chosen port, written to *addr. */
static inline int st_listen(struct sockaddr_in *addr, int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *addr;
  if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Binds a client socket to a source address (port 0) the way that scales: with
   IP_BIND_ADDRESS_NO_PORT the port is chosen at connect() for the whole
   4-tuple. A plain bind() must find a port free on every destination; with
   tens of thousands of TIME_WAIT sockets from earlier runs that search made
   5,000 binds take up to 30 s of kernel CPU here. */
static inline int st_bind_source(int fd, const struct sockaddr_in *src) {
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  return bind(fd, (const struct sockaddr *)src, sizeof *src);
}

/* A blocking connect to addr, then the socket is made non-blocking. */
static inline int st_connect(const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  st_nonblock(fd);
  return fd;
}

/* Waits for a child this test started; kills it (only it) after timeout_ms.
   Returns the wait status, or -1 if it had to be killed. */
static inline int st_wait_child(pid_t pid, long long timeout_ms) {
  const long long end = st_now_ms() + timeout_ms;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (st_now_ms() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    st_sleep_us(2000);
  }
}

/* Sets the soft RLIMIT_NOFILE; returns the previous soft limit or -1. */
static inline long st_set_nofile(long soft) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  long old = (long)rl.rlim_cur;
  rl.rlim_cur = (rlim_t)soft;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
  return setrlimit(RLIMIT_NOFILE, &rl) == 0 ? old : -1;
}

/* A cheap, reproducible byte stream: byte i of stream `seed`. */
static inline unsigned char st_pattern(uint32_t seed, uint64_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed << 32 | seed);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return (unsigned char)x;
}

#endif
