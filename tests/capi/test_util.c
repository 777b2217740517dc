/* The evutil_* helpers of event2/util.h (and the legacy <evutil.h>) as a
   libevent program uses them: sockets, clocks, addresses, strings, RNG. */
#include <evutil.h>
#include <event2/event.h>
#include <event2/util.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

/* Counts warnings so the eventide build can check that bad input is reported. */
static int g_warnings;
static void count_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++g_warnings;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Parses str; returns the result and leaves the address in *ss. */
static int parse(const char *str, struct sockaddr_storage *ss, int *len) {
  *len = (int)sizeof *ss;
  memset(ss, 0x5a, sizeof *ss);
  return evutil_parse_sockaddr_port(str, (struct sockaddr *)ss, len);
}

static int port_of(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)ss)->sin_port);
  return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static const char *text_of(const struct sockaddr_storage *ss, char *buf, size_t len) {
  const void *a = ss->ss_family == AF_INET
                      ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
                      : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
  return evutil_inet_ntop(ss->ss_family, a, buf, len);
}

static void socketpair_round_trip(void) {
  evutil_socket_t sv[2] = {-1, -1};
  char buf[16];
  CT_REQUIRE(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_CHECK(sv[0] >= 0 && sv[1] >= 0 && sv[0] != sv[1]);
  /* Plain sockets, as libevent hands them out: blocking and inheritable. */
  CT_EQ(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  CT_EQ(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
  CT_EQ(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);
  CT_EQ(write(sv[0], "ping", 4), 4);
  CT_EQ(read(sv[1], buf, sizeof buf), 4);
  CT_CHECK(memcmp(buf, "ping", 4) == 0);
  CT_EQ(write(sv[1], "pong!", 5), 5);
  CT_EQ(read(sv[0], buf, sizeof buf), 5);
  CT_CHECK(memcmp(buf, "pong!", 5) == 0);
  CT_EQ(evutil_closesocket(sv[0]), 0);
  /* The peer sees end of file once the other end is closed. */
  CT_EQ(read(sv[1], buf, sizeof buf), 0);
  CT_EQ(EVUTIL_CLOSESOCKET(sv[1]), 0);
  /* Closed really means closed. */
  CT_EQ(fcntl(sv[1], F_GETFD), -1);
}

static void nonblocking_and_cloexec(void) {
  evutil_socket_t sv[2];
  char c;
  CT_REQUIRE(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
  CT_CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
  CT_EQ(evutil_make_socket_nonblocking(sv[0]), 0); /* twice is fine */
  CT_EQ(read(sv[0], &c, 1), -1);
  CT_EQ(EVUTIL_SOCKET_ERROR(), EAGAIN);
  CT_EQ(evutil_make_socket_closeonexec(sv[1]), 0);
  CT_CHECK(fcntl(sv[1], F_GETFD) & FD_CLOEXEC);
  CT_EQ(evutil_make_socket_closeonexec(sv[1]), 0);
  /* Each call touches only its own flag. */
  CT_EQ(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
  CT_EQ(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static int int_option(evutil_socket_t fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) < 0) return -1;
  return v;
}

static void listen_socket_options(void) {
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  CT_REQUIRE(fd >= 0);
  CT_EQ(int_option(fd, SOL_SOCKET, SO_REUSEADDR), 0);
  CT_EQ(evutil_make_listen_socket_reuseable(fd), 0);
  CT_CHECK(int_option(fd, SOL_SOCKET, SO_REUSEADDR) != 0);
  CT_EQ(evutil_make_listen_socket_reuseable_port(fd), 0);
  CT_CHECK(int_option(fd, SOL_SOCKET, SO_REUSEPORT) != 0);
  CT_EQ(int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
  CT_EQ(evutil_make_tcp_listen_socket_deferred(fd), 0);
  CT_CHECK(int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) > 0);
  /* An IPv4 socket has no IPv6 options. */
  CT_EQ(evutil_make_listen_socket_ipv6only(fd), -1);
  evutil_closesocket(fd);

  fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd >= 0) { /* a kernel without IPv6 has nothing more to check */
    CT_EQ(evutil_make_listen_socket_ipv6only(fd), 0);
    CT_EQ(int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
    evutil_closesocket(fd);
  }

  /* TCP_DEFER_ACCEPT means nothing on a Unix socket: refused. */
  evutil_socket_t sv[2];
  CT_REQUIRE(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_EQ(evutil_make_tcp_listen_socket_deferred(sv[0]), -1);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static void bad_socket_arguments(void) {
  g_warnings = 0;
  event_set_log_callback(count_log);
  CT_EQ(evutil_make_socket_nonblocking(-1), -1);
  CT_EQ(evutil_make_socket_closeonexec(-1), -1);
  CT_EQ(evutil_closesocket(-1), -1);
  CT_EQ(evutil_make_listen_socket_reuseable(-1), -1);
  CT_EQ(evutil_make_listen_socket_reuseable_port(-1), -1);
  CT_EQ(evutil_make_listen_socket_ipv6only(-1), -1);
  CT_EQ(evutil_make_tcp_listen_socket_deferred(-1), -1);
  /* A socket number that is not open. */
  CT_EQ(evutil_make_socket_nonblocking(1000000), -1);
  CT_EQ(evutil_closesocket(1000000), -1);
  evutil_socket_t sv[2];
  CT_EQ(evutil_socketpair(12345, SOCK_STREAM, 0, sv), -1);
#ifndef CT_LIBEVENT
  /* eventide says why each call failed; libevent logs only the fcntl ones. */
  CT_CHECK(g_warnings >= 10);
  /* libevent passes a NULL array on to the kernel; eventide refuses it. */
  CT_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), -1);
#endif
  event_set_log_callback(NULL);
}

static void timeval_macros(void) {
  struct timeval a = {1, 900000}, b = {2, 200000}, r;
  evutil_timeradd(&a, &b, &r);
  CT_EQ(r.tv_sec, 4);
  CT_EQ(r.tv_usec, 100000);
  evutil_timersub(&b, &a, &r);
  CT_EQ(r.tv_sec, 0);
  CT_EQ(r.tv_usec, 300000);
  evutil_timersub(&a, &b, &r);
  CT_EQ(r.tv_sec, -1);
  CT_EQ(r.tv_usec, 700000);
  CT_CHECK(evutil_timercmp(&a, &b, <));
  CT_CHECK(evutil_timercmp(&b, &a, >));
  CT_CHECK(evutil_timercmp(&a, &a, ==));
  CT_CHECK(evutil_timercmp(&a, &b, <=));
  CT_CHECK(!evutil_timercmp(&a, &b, >=));
  struct timeval c = {1, 950000};
  CT_CHECK(evutil_timercmp(&a, &c, <)); /* same second: microseconds decide */
  CT_CHECK(evutil_timerisset(&a));
  evutil_timerclear(&a);
  CT_CHECK(!evutil_timerisset(&a));
  CT_EQ(a.tv_sec, 0);
  CT_EQ(a.tv_usec, 0);
}

static void gettimeofday_works(void) {
  struct timeval tv;
  time_t before = time(NULL);
  CT_EQ(evutil_gettimeofday(&tv, NULL), 0);
  time_t after = time(NULL);
  CT_CHECK(tv.tv_sec >= before && tv.tv_sec <= after);
  CT_CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
}

static void check_timer_moves_forward(int flags) {
  struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
  struct timeval t0, t1, t2, d;
  CT_REQUIRE(t != NULL);
  CT_EQ(evutil_configure_monotonic_time(t, flags), 0);
  CT_EQ(evutil_gettime_monotonic(t, &t0), 0);
  CT_EQ(evutil_gettime_monotonic(t, &t1), 0);
  CT_CHECK(evutil_timercmp(&t0, &t1, <=));
  sleep_ms(30);
  CT_EQ(evutil_gettime_monotonic(t, &t2), 0);
  CT_CHECK(evutil_timercmp(&t1, &t2, <));
  evutil_timersub(&t2, &t1, &d);
  /* Slept 30 ms: even libevent's default coarse clock sees at least 20 ms;
     the upper bound only catches a clock running wild. */
  CT_CHECK(d.tv_sec > 0 || d.tv_usec >= 20000);
  CT_CHECK(d.tv_sec < 10);
  CT_CHECK(t2.tv_usec >= 0 && t2.tv_usec < 1000000);
  evutil_monotonic_timer_free(t);
}

static void monotonic_timer(void) {
  check_timer_moves_forward(0);
  check_timer_moves_forward(EV_MONOT_PRECISE);
  check_timer_moves_forward(EV_MONOT_FALLBACK);
  CT_EQ(EV_MONOT_PRECISE, 1);
  CT_EQ(EV_MONOT_FALLBACK, 2);
}

static void date_rfc1123(void) {
  struct tm tm;
  char buf[64];
  memset(&tm, 0, sizeof tm);
  tm.tm_year = 94;
  tm.tm_mon = 10;
  tm.tm_mday = 6;
  tm.tm_hour = 8;
  tm.tm_min = 49;
  tm.tm_sec = 37;
  tm.tm_wday = 0;
  CT_EQ(evutil_date_rfc1123(buf, sizeof buf, &tm), 29);
  CT_STREQ(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
  /* Truncated like snprintf, and still NUL-terminated. */
  CT_EQ(evutil_date_rfc1123(buf, 9, &tm), 29);
  CT_STREQ(buf, "Sun, 06 ");
  /* NULL tm: now, in GMT. */
  CT_EQ(evutil_date_rfc1123(buf, sizeof buf, NULL), 29);
  CT_CHECK(strlen(buf) == 29 && strcmp(buf + 25, " GMT") == 0 && buf[3] == ',');
}

static void inet_ntop_pton(void) {
  unsigned char a4[4], a6[16];
  char text[64];
  CT_EQ(evutil_inet_pton(AF_INET, "192.168.1.20", a4), 1);
  CT_CHECK(a4[0] == 192 && a4[1] == 168 && a4[2] == 1 && a4[3] == 20);
  CT_STREQ(evutil_inet_ntop(AF_INET, a4, text, sizeof text), "192.168.1.20");
  CT_EQ(evutil_inet_pton(AF_INET6, "2001:db8::1", a6), 1);
  CT_CHECK(a6[0] == 0x20 && a6[1] == 0x01 && a6[2] == 0x0d && a6[3] == 0xb8 && a6[15] == 1);
  CT_STREQ(evutil_inet_ntop(AF_INET6, a6, text, sizeof text), "2001:db8::1");
  CT_EQ(evutil_inet_pton(AF_INET6, "::1", a6), 1);
  CT_STREQ(evutil_inet_ntop(AF_INET6, a6, text, sizeof text), "::1");
  CT_EQ(evutil_inet_pton(AF_INET6, "::ffff:10.0.0.1", a6), 1);
  CT_STREQ(evutil_inet_ntop(AF_INET6, a6, text, sizeof text), "::ffff:10.0.0.1");

  /* Not addresses. */
  CT_EQ(evutil_inet_pton(AF_INET, "1.2.3", a4), 0);
  CT_EQ(evutil_inet_pton(AF_INET, "1.2.3.256", a4), 0);
  CT_EQ(evutil_inet_pton(AF_INET, "localhost", a4), 0);
  CT_EQ(evutil_inet_pton(AF_INET6, "1::2::3", a6), 0);
  CT_EQ(evutil_inet_pton(AF_INET6, "12345::", a6), 0);
  /* Unknown family: -1. */
  CT_EQ(evutil_inet_pton(12345, "1.2.3.4", a4), -1);
  CT_CHECK(evutil_inet_ntop(12345, a4, text, sizeof text) == NULL);
  /* Too small a buffer: NULL, not a truncated address. */
  CT_EQ(evutil_inet_pton(AF_INET, "192.168.1.20", a4), 1);
  CT_CHECK(evutil_inet_ntop(AF_INET, a4, text, 12) == NULL);
  CT_CHECK(evutil_inet_ntop(AF_INET, a4, text, 13) != NULL);

  /* Zones. */
  unsigned idx = 99;
  CT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%lo", a6, &idx), 1);
  CT_EQ(idx, if_nametoindex("lo"));
  idx = 99;
  CT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%7", a6, &idx), 1);
  CT_EQ(idx, 7);
  CT_EQ(a6[0], 0xfe);
  CT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%no-such-if0", a6, &idx), 0);
  idx = 99;
  CT_EQ(evutil_inet_pton_scope(AF_INET6, "::1", a6, &idx), 1);
  CT_EQ(idx, 0);
  idx = 99;
  CT_EQ(evutil_inet_pton_scope(AF_INET, "1.2.3.4", a4, &idx), 1);
  CT_EQ(idx, 0);
}

static void parse_sockaddr_port_forms(void) {
  struct sockaddr_storage ss;
  char text[64];
  int len;

  CT_EQ(parse("1.2.3.4", &ss, &len), 0);
  CT_EQ(len, sizeof(struct sockaddr_in));
  CT_EQ(ss.ss_family, AF_INET);
  CT_STREQ(text_of(&ss, text, sizeof text), "1.2.3.4");
  CT_EQ(port_of(&ss), 0);

  CT_EQ(parse("1.2.3.4:80", &ss, &len), 0);
  CT_EQ(len, sizeof(struct sockaddr_in));
  CT_STREQ(text_of(&ss, text, sizeof text), "1.2.3.4");
  CT_EQ(port_of(&ss), 80);

  CT_EQ(parse("[::1]", &ss, &len), 0);
  CT_EQ(len, sizeof(struct sockaddr_in6));
  CT_EQ(ss.ss_family, AF_INET6);
  CT_STREQ(text_of(&ss, text, sizeof text), "::1");
  CT_EQ(port_of(&ss), 0);

  CT_EQ(parse("[::1]:80", &ss, &len), 0);
  CT_EQ(len, sizeof(struct sockaddr_in6));
  CT_STREQ(text_of(&ss, text, sizeof text), "::1");
  CT_EQ(port_of(&ss), 80);

  CT_EQ(parse("::1", &ss, &len), 0);
  CT_EQ(ss.ss_family, AF_INET6);
  CT_STREQ(text_of(&ss, text, sizeof text), "::1");
  CT_EQ(port_of(&ss), 0);

  CT_EQ(parse("[2001:db8::7]:65535", &ss, &len), 0);
  CT_STREQ(text_of(&ss, text, sizeof text), "2001:db8::7");
  CT_EQ(port_of(&ss), 65535);

  CT_EQ(parse("[fe80::1%lo]:5", &ss, &len), 0);
  CT_EQ(((struct sockaddr_in6 *)&ss)->sin6_scope_id, if_nametoindex("lo"));
  CT_EQ(port_of(&ss), 5);

  /* The rest of the buffer is zeroed: no stale bytes in sin_zero. */
  CT_EQ(parse("10.0.0.1:1", &ss, &len), 0);
  CT_CHECK(((unsigned char *)&ss)[sizeof(struct sockaddr_in)] == 0);

  /* Bad forms. */
  static const char *const bad[] = {"",
                                    "1.2.3",
                                    "1.2.3.4.5",
                                    "1.2.3.256",
                                    "localhost",
                                    "localhost:80",
                                    "1.2.3.4:",
                                    "1.2.3.4:0",
                                    "1.2.3.4:65536",
                                    "1.2.3.4:-1",
                                    "1.2.3.4:http",
                                    "[::1",
                                    "[::1]:",
                                    "[1.2.3.4]:80",
                                    "[::1]:0",
                                    "[::1]:99999",
                                    "[zz::1]:80",
                                    ":::",
                                    "1:2:3:4:5:6:7:8:9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    if (parse(bad[i], &ss, &len) != -1) ct_failf(__FILE__, __LINE__, "\"%s\" was accepted", bad[i]);
  }
#ifndef CT_LIBEVENT
  /* libevent reads the port with atoi and ignores what follows ']', so it
     takes these; eventide refuses them rather than silently dropping or
     shortening a port. */
  CT_EQ(parse("1.2.3.4:80abc", &ss, &len), -1);
  CT_EQ(parse("[::1]80", &ss, &len), -1);
  CT_EQ(parse("1.2.3.4:+80", &ss, &len), -1);
#endif

  /* An output too small for the address. */
  struct sockaddr_in sin;
  len = (int)sizeof sin - 1;
  CT_EQ(evutil_parse_sockaddr_port("1.2.3.4:5", (struct sockaddr *)&sin, &len), -1);
  len = (int)sizeof sin;
  CT_EQ(evutil_parse_sockaddr_port("[::1]:5", (struct sockaddr *)&sin, &len), -1);
  len = (int)sizeof sin;
  CT_EQ(evutil_parse_sockaddr_port("1.2.3.4:5", (struct sockaddr *)&sin, &len), 0);
  CT_EQ(ntohs(sin.sin_port), 5);
}

static void sockaddr_cmp(void) {
  struct sockaddr_storage a, b;
  int len;
  CT_EQ(parse("1.2.3.4:80", &a, &len), 0);
  CT_EQ(parse("1.2.3.4:80", &b, &len), 0);
  CT_EQ(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1), 0);
  CT_EQ(parse("1.2.3.4:81", &b, &len), 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1) < 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&b, (struct sockaddr *)&a, 1) > 0);
  CT_EQ(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 0), 0);
  CT_EQ(parse("1.2.3.5:1", &b, &len), 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1) < 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 0) < 0);
#ifndef CT_LIBEVENT
  /* eventide orders IPv4 addresses numerically; libevent compares the raw
     network-order words, so its order depends on the host's byte order. */
  CT_EQ(parse("2.0.0.0", &a, &len), 0);
  CT_EQ(parse("1.255.255.255", &b, &len), 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 0) > 0);
#endif

  CT_EQ(parse("[::1]:80", &a, &len), 0);
  CT_EQ(parse("[::1]:80", &b, &len), 0);
  CT_EQ(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1), 0);
  CT_EQ(parse("[::2]:80", &b, &len), 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1) < 0);
  CT_EQ(parse("[::1]:90", &b, &len), 0);
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1) < 0);
  CT_EQ(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 0), 0);

  /* Different families never compare equal, and the order is antisymmetric. */
  CT_EQ(parse("1.2.3.4:80", &b, &len), 0);
  int ab = evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1);
  int ba = evutil_sockaddr_cmp((struct sockaddr *)&b, (struct sockaddr *)&a, 1);
  CT_CHECK(ab != 0 && ba != 0 && (ab < 0) != (ba < 0));

#ifndef CT_LIBEVENT
  /* libevent calls every pair of Unix addresses unequal; eventide compares
     the paths. */
  struct sockaddr_un u1, u2;
  memset(&u1, 0, sizeof u1);
  memset(&u2, 0, sizeof u2);
  u1.sun_family = u2.sun_family = AF_UNIX;
  strcpy(u1.sun_path, "/tmp/a.sock");
  strcpy(u2.sun_path, "/tmp/a.sock");
  CT_EQ(evutil_sockaddr_cmp((struct sockaddr *)&u1, (struct sockaddr *)&u2, 1), 0);
  strcpy(u2.sun_path, "/tmp/b.sock");
  CT_CHECK(evutil_sockaddr_cmp((struct sockaddr *)&u1, (struct sockaddr *)&u2, 1) < 0);
#endif
}

static void getaddrinfo_numeric(void) {
  struct evutil_addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = EVUTIL_AI_NUMERICHOST;
  CT_REQUIRE(evutil_getaddrinfo("127.0.0.1", "8080", &hints, &res) == 0);
  CT_REQUIRE(res != NULL);
  CT_EQ(res->ai_family, AF_INET);
  CT_EQ(res->ai_socktype, SOCK_STREAM);
  CT_EQ(res->ai_addrlen, sizeof(struct sockaddr_in));
  const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
  CT_EQ(ntohl(sin->sin_addr.s_addr), 0x7f000001);
  CT_EQ(ntohs(sin->sin_port), 8080);
  evutil_freeaddrinfo(res);

  /* A name is not a number: refused without a lookup. */
  res = NULL;
  CT_EQ(evutil_getaddrinfo("foo.invalid", NULL, &hints, &res), EVUTIL_EAI_NONAME);
  CT_CHECK(res == NULL);
  /* Neither host nor service. */
  CT_EQ(evutil_getaddrinfo(NULL, NULL, &hints, &res), EVUTIL_EAI_NONAME);
  /* A family that does not exist. */
  hints.ai_family = 12345;
  CT_EQ(evutil_getaddrinfo("127.0.0.1", "80", &hints, &res), EVUTIL_EAI_FAMILY);
#ifndef CT_LIBEVENT
  /* Allowed, like free(NULL); libevent dereferences it. */
  evutil_freeaddrinfo(NULL);
#endif

  /* NULL hints: any family, every socket type. */
  res = NULL;
  CT_REQUIRE(evutil_getaddrinfo("::1", "80", NULL, &res) == 0);
  CT_EQ(res->ai_family, AF_INET6);
  CT_EQ(ntohs(((const struct sockaddr_in6 *)res->ai_addr)->sin6_port), 80);
  evutil_freeaddrinfo(res);
}

static void getaddrinfo_localhost(void) {
  struct evutil_addrinfo hints, *res = NULL, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  CT_REQUIRE(evutil_getaddrinfo("localhost", "80", &hints, &res) == 0);
  CT_REQUIRE(res != NULL);
  int n = 0;
  for (ai = res; ai; ai = ai->ai_next, ++n) {
    CT_EQ(ai->ai_socktype, SOCK_STREAM);
    if (ai->ai_family == AF_INET) {
      const struct sockaddr_in *s = (const struct sockaddr_in *)ai->ai_addr;
      CT_EQ(ntohl(s->sin_addr.s_addr) >> 24, 127);
      CT_EQ(ntohs(s->sin_port), 80);
    } else {
      CT_EQ(ai->ai_family, AF_INET6);
      const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ai->ai_addr;
      CT_CHECK(IN6_IS_ADDR_LOOPBACK(&s->sin6_addr));
    }
  }
  CT_CHECK(n >= 1);
  evutil_freeaddrinfo(res);
}

static void gai_codes_and_strings(void) {
  CT_STREQ(evutil_gai_strerror(EVUTIL_EAI_CANCEL), "Request canceled");
  CT_EQ(EVUTIL_EAI_CANCEL, -90001);
  CT_CHECK(evutil_gai_strerror(EVUTIL_EAI_NONAME) != NULL);
  CT_CHECK(strlen(evutil_gai_strerror(EVUTIL_EAI_NONAME)) > 0);
  CT_CHECK(evutil_gai_strerror(EVUTIL_EAI_FAMILY) != NULL);
  CT_CHECK(evutil_gai_strerror(123456) != NULL);
  /* On Linux the codes and flags are the system's own. */
  CT_EQ(EVUTIL_EAI_NONAME, EAI_NONAME);
  CT_EQ(EVUTIL_EAI_AGAIN, EAI_AGAIN);
  CT_EQ(EVUTIL_EAI_FAIL, EAI_FAIL);
  CT_EQ(EVUTIL_EAI_FAMILY, EAI_FAMILY);
  CT_EQ(EVUTIL_EAI_MEMORY, EAI_MEMORY);
  CT_EQ(EVUTIL_EAI_SERVICE, EAI_SERVICE);
  CT_EQ(EVUTIL_EAI_SOCKTYPE, EAI_SOCKTYPE);
  CT_EQ(EVUTIL_EAI_SYSTEM, EAI_SYSTEM);
  CT_EQ(EVUTIL_EAI_BADFLAGS, EAI_BADFLAGS);
  CT_EQ(EVUTIL_AI_PASSIVE, AI_PASSIVE);
  CT_EQ(EVUTIL_AI_CANONNAME, AI_CANONNAME);
  CT_EQ(EVUTIL_AI_NUMERICHOST, AI_NUMERICHOST);
  CT_EQ(EVUTIL_AI_NUMERICSERV, AI_NUMERICSERV);
  CT_EQ(EVUTIL_AI_V4MAPPED, AI_V4MAPPED);
  CT_EQ(EVUTIL_AI_ALL, AI_ALL);
  CT_EQ(EVUTIL_AI_ADDRCONFIG, AI_ADDRCONFIG);
  /* struct evutil_addrinfo is struct addrinfo. */
  struct addrinfo plain;
  struct evutil_addrinfo *alias = &plain;
  (void)alias;
  CT_EQ(sizeof(struct evutil_addrinfo), sizeof(struct addrinfo));
}

static void strtoll_values(void) {
  char *end = NULL;
  CT_EQ(evutil_strtoll("123456789012", NULL, 10), 123456789012LL);
  CT_EQ(evutil_strtoll("-42", NULL, 10), -42);
  CT_EQ(evutil_strtoll("0x10", NULL, 0), 16);
  CT_EQ(evutil_strtoll("777", NULL, 8), 511);
  CT_EQ(evutil_strtoll("9223372036854775807", NULL, 10), EV_INT64_MAX);
  CT_EQ(evutil_strtoll("12abc", &end, 10), 12);
  CT_STREQ(end, "abc");
}

static void snprintf_truncation(void) {
  char buf[8];
  CT_EQ(evutil_snprintf(buf, sizeof buf, "hello %d", 12345), 11);
  CT_STREQ(buf, "hello 1");
  CT_EQ(evutil_snprintf(buf, sizeof buf, "%s", "abc"), 3);
  CT_STREQ(buf, "abc");
  CT_EQ(evutil_snprintf(buf, sizeof buf, "%s", "1234567"), 7);
  CT_STREQ(buf, "1234567");
  CT_EQ(evutil_snprintf(buf, 1, "%s", "xyz"), 3);
  CT_STREQ(buf, "");
#ifndef CT_LIBEVENT
  /* C99 sizing with an empty buffer; libevent returns 0 here. */
  CT_EQ(evutil_snprintf(NULL, 0, "hello %d", 12345), 11);
#endif
}

static void ascii_case_compare(void) {
  CT_EQ(evutil_ascii_strcasecmp("Content-Length", "content-length"), 0);
  CT_EQ(evutil_ascii_strcasecmp("", ""), 0);
  CT_CHECK(evutil_ascii_strcasecmp("abc", "ABD") < 0);
  CT_CHECK(evutil_ascii_strcasecmp("b", "A") > 0);
  CT_CHECK(evutil_ascii_strcasecmp("abc", "ab") > 0);
  CT_CHECK(evutil_ascii_strcasecmp("ab", "abc") < 0);
  /* '[' sits between 'Z' and 'a': only letters fold. */
  CT_CHECK(evutil_ascii_strcasecmp("[", "z") < 0);
  CT_EQ(evutil_ascii_strncasecmp("HTTP/1.1", "http/1.0", 7), 0);
  CT_CHECK(evutil_ascii_strncasecmp("HTTP/1.1", "http/1.0", 8) > 0);
  CT_EQ(evutil_ascii_strncasecmp("abc", "xyz", 0), 0);
  CT_EQ(evutil_ascii_strncasecmp("Ab", "aB", 100), 0);
}

static void secure_rng(void) {
  unsigned char a[32], b[32], zero[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  memset(zero, 0, sizeof zero);
  CT_EQ(evutil_secure_rng_init(), 0);
  evutil_secure_rng_get_bytes(a, sizeof a);
  evutil_secure_rng_get_bytes(b, sizeof b);
  CT_CHECK(memcmp(a, b, sizeof a) != 0);
  CT_CHECK(memcmp(a, zero, sizeof a) != 0);
  evutil_secure_rng_add_bytes("some entropy", 12);
  evutil_secure_rng_get_bytes(a, 0);
  /* A large request is filled to the end. */
  static unsigned char big[70000];
  memset(big, 0, sizeof big);
  evutil_secure_rng_get_bytes(big, sizeof big);
  CT_CHECK(memcmp(big + sizeof big - 32, zero, 32) != 0);
#ifndef CT_LIBEVENT
  /* Debian's libevent uses the C library's arc4random and refuses a device
     file (-1); eventide keeps it for when getrandom(2) is unavailable. */
  CT_EQ(evutil_secure_rng_set_urandom_device_file("/dev/urandom"), 0);
  CT_EQ(evutil_secure_rng_set_urandom_device_file(NULL), 0);
#endif
}

static void types_and_macros(void) {
  struct holder {
    char c;
    int x;
  };
  CT_EQ(evutil_offsetof(struct holder, x), offsetof(struct holder, x));
  CT_EQ(sizeof(ev_uint64_t), 8);
  CT_EQ(sizeof(ev_int32_t), 4);
  CT_EQ(sizeof(ev_uint16_t), 2);
  CT_EQ(sizeof(ev_uint8_t), 1);
  CT_EQ(sizeof(ev_off_t), 8);
  CT_EQ(sizeof(ev_ssize_t), sizeof(size_t));
  CT_EQ(sizeof(ev_uintptr_t), sizeof(void *));
  CT_EQ(sizeof(ev_socklen_t), sizeof(socklen_t));
  CT_EQ(sizeof(evutil_socket_t), sizeof(int));
  CT_CHECK(EV_INT64_MAX == INT64_MAX && EV_INT64_MIN == INT64_MIN);
  CT_CHECK(EV_UINT32_MAX == UINT32_MAX && EV_UINT16_MAX == 65535 && EV_INT8_MIN == -128);
  CT_CHECK(EV_SIZE_MAX == SIZE_MAX && EV_SSIZE_MAX == INT64_MAX && EV_SSIZE_MIN == INT64_MIN);
  CT_EQ(EVUTIL_INVALID_SOCKET, -1);
  EVUTIL_SET_SOCKET_ERROR(ECONNRESET);
  CT_EQ(EVUTIL_SOCKET_ERROR(), ECONNRESET);
  CT_EQ(evutil_socket_geterror(0), ECONNRESET);
  CT_STREQ(evutil_socket_error_to_string(ECONNREFUSED), strerror(ECONNREFUSED));
}

#ifndef CT_LIBEVENT
/* libevent dereferences these pointers and crashes; eventide returns its
   error value and logs a warning. */
static void null_arguments(void) {
  struct sockaddr_storage ss;
  struct evutil_addrinfo *res;
  struct timeval tv;
  char buf[16];
  int len = (int)sizeof ss;
  g_warnings = 0;
  event_set_log_callback(count_log);

  CT_EQ(evutil_parse_sockaddr_port(NULL, (struct sockaddr *)&ss, &len), -1);
  CT_EQ(evutil_parse_sockaddr_port("1.2.3.4", NULL, &len), -1);
  CT_EQ(evutil_parse_sockaddr_port("1.2.3.4", (struct sockaddr *)&ss, NULL), -1);
  CT_CHECK(evutil_inet_ntop(AF_INET, NULL, buf, sizeof buf) == NULL);
  CT_CHECK(evutil_inet_ntop(AF_INET, "abcd", NULL, 16) == NULL);
  CT_EQ(evutil_inet_pton(AF_INET, NULL, buf), 0);
  CT_EQ(evutil_inet_pton(AF_INET, "1.2.3.4", NULL), 0);
  CT_EQ(evutil_inet_pton_scope(AF_INET6, "::1", buf, NULL), 1); /* index not wanted: fine */
  CT_CHECK(evutil_sockaddr_cmp(NULL, (struct sockaddr *)&ss, 1) < 0);
  CT_EQ(evutil_sockaddr_cmp(NULL, NULL, 1), 0);
  CT_EQ(evutil_getaddrinfo("127.0.0.1", NULL, NULL, NULL), EVUTIL_EAI_SYSTEM);
  CT_EQ(errno, EINVAL);
  res = NULL;
  CT_EQ(evutil_getaddrinfo("127.0.0.1", NULL, NULL, &res), 0);
  evutil_freeaddrinfo(res);
  CT_EQ(evutil_strtoll(NULL, NULL, 10), 0);
  CT_EQ(evutil_snprintf(NULL, 10, "x"), -1);
  CT_EQ(evutil_snprintf(buf, sizeof buf, NULL), -1);
  CT_CHECK(evutil_ascii_strcasecmp(NULL, "a") < 0);
  CT_CHECK(evutil_ascii_strncasecmp("a", NULL, 1) > 0);
  CT_EQ(evutil_configure_monotonic_time(NULL, 0), -1);
  CT_EQ(evutil_gettime_monotonic(NULL, &tv), -1);
  struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
  CT_EQ(evutil_gettime_monotonic(t, NULL), -1);
  /* Usable before it is configured. */
  CT_EQ(evutil_gettime_monotonic(t, &tv), 0);
  evutil_monotonic_timer_free(t);
  evutil_monotonic_timer_free(NULL);
  CT_EQ(evutil_date_rfc1123(NULL, 10, NULL), -1);
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_mon = 12;
  CT_EQ(evutil_date_rfc1123(buf, sizeof buf, &tm), -1);
  evutil_secure_rng_get_bytes(NULL, 4);
  evutil_secure_rng_add_bytes(NULL, 4);
  /* gettimeofday through its address, as a function pointer user would. */
  int (*gtod)(struct timeval *, struct timezone *) = &(evutil_gettimeofday);
  CT_EQ(gtod(NULL, NULL), -1);
  CT_EQ(gtod(&tv, NULL), 0);

  /* A warning for each misuse above (23 calls; a NULL index for
     evutil_inet_pton_scope is allowed and stays quiet). */
  CT_CHECK(g_warnings >= 20);
  event_set_log_callback(NULL);
}
#endif

static const struct ct_case cases[] = {
    {"socketpair_round_trip", socketpair_round_trip, 0},
    {"nonblocking_and_cloexec", nonblocking_and_cloexec, 0},
    {"listen_socket_options", listen_socket_options, 0},
    {"bad_socket_arguments", bad_socket_arguments, 0},
    {"timeval_macros", timeval_macros, 0},
    {"gettimeofday", gettimeofday_works, 0},
    {"monotonic_timer", monotonic_timer, 0},
    {"date_rfc1123", date_rfc1123, 0},
    {"inet_ntop_pton", inet_ntop_pton, 0},
    {"parse_sockaddr_port", parse_sockaddr_port_forms, 0},
    {"sockaddr_cmp", sockaddr_cmp, 0},
    {"getaddrinfo_numeric", getaddrinfo_numeric, 0},
    {"getaddrinfo_localhost", getaddrinfo_localhost, 0},
    {"gai_codes_and_strings", gai_codes_and_strings, 0},
    {"strtoll", strtoll_values, 0},
    {"snprintf_truncation", snprintf_truncation, 0},
    {"ascii_case_compare", ascii_case_compare, 0},
    {"secure_rng", secure_rng, 0},
    {"types_and_macros", types_and_macros, 0},
#ifndef CT_LIBEVENT
    {"null_arguments", null_arguments, 0},
#endif
};
CT_REGISTER(util, cases)
