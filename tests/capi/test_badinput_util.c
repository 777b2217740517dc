/* Bad input to every call of event2/util.h and event2/thread.h: NULL
   pointers, closed or negative descriptors, unknown families and flags,
   buffers too small. The rows are docs/bad-input.md's util and thread
   tables; see test_badinput_harness.h. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <sys/time.h>

#include "test_badinput_harness.h"

static evutil_socket_t bi_sv[2];
static char bi_text[64];
static unsigned char bi_addr[16] = {127, 0, 0, 1};
static unsigned bi_idx;
static int bi_len = (int)sizeof(struct sockaddr_storage);
static struct timeval bi_tv;
static struct sockaddr_storage bi_ss;

static struct sockaddr *bi_sa(void) {
  return (struct sockaddr *)&bi_ss;
}

static long bi_deferred_on_pipe(void) {
  int p[2];
  if (pipe(p) != 0) return -99;
  return evutil_make_tcp_listen_socket_deferred(p[0]);
}
static long bi_configure_bad_flags(void) {
  struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
  long r = evutil_configure_monotonic_time(t, 0x100);
  evutil_monotonic_timer_free(t);
  return r;
}
static long bi_gettime_null_tv(void) {
  struct evutil_monotonic_timer *t = evutil_monotonic_timer_new();
  evutil_configure_monotonic_time(t, 0);
  long r = evutil_gettime_monotonic(t, NULL);
  evutil_monotonic_timer_free(t);
  return r;
}
static long bi_snprintf_null_fmt(void) {
  const char *volatile fmt = NULL;
  return evutil_snprintf(bi_text, 4, fmt);
}
static long bi_parse_small_len(void) {
  int len = 2;
  return evutil_parse_sockaddr_port("1.2.3.4:80", bi_sa(), &len);
}
static long bi_getaddrinfo_nothing(void) {
  struct evutil_addrinfo *res = NULL;
  long r = evutil_getaddrinfo(NULL, NULL, NULL, &res);
  if (res) evutil_freeaddrinfo(res);
  return r;
}
static long bi_getaddrinfo_bad_family(void) {
  struct evutil_addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = 999;
  long r = evutil_getaddrinfo("127.0.0.1", "80", &hints, &res);
  if (res) evutil_freeaddrinfo(res);
  return r;
}
static long bi_lock_callbacks_incomplete(void) {
  struct evthread_lock_callbacks cbs;
  memset(&cbs, 0, sizeof cbs);
  cbs.lock_api_version = EVTHREAD_LOCK_API_VERSION;
  return evthread_set_lock_callbacks(&cbs);
}
static long bi_cond_callbacks_incomplete(void) {
  struct evthread_condition_callbacks cbs;
  memset(&cbs, 0, sizeof cbs);
  cbs.condition_api_version = EVTHREAD_CONDITION_API_VERSION;
  return evthread_set_condition_callbacks(&cbs);
}
static long bi_vsnprintf_null_fmt(int unused, ...) {
  va_list ap;
  va_start(ap, unused);
  const char *volatile fmt = NULL;
  long r = evutil_vsnprintf(bi_text, 4, fmt, ap);
  va_end(ap);
  return r;
}

/* X(id, the call as the table writes it, the call, eventide's result, logs?,
     libevent: BI_SAME / BI_CRASH / BI_OTHER with its result / BI_ANY) */
#define FN(id, call, expr, want, warns, le, le_want) \
  static long id(void) {                             \
    return (long)(expr);                             \
  }
#define ROW(id, call, expr, want, warns, le, le_want) {call, id, want, warns, le, le_want},

#define UTIL_CALLS_ROWS(X)                                                                         \
  X(util_calls_0, "evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL)",                              \
    evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), -1, 1, BI_SAME, 0)                           \
  X(util_calls_1, "evutil_socketpair(12345, SOCK_STREAM, 0, sv)",                                  \
    evutil_socketpair(12345, SOCK_STREAM, 0, bi_sv), -1, 1, BI_SAME, 0)                            \
  X(util_calls_2, "evutil_make_socket_nonblocking(closed fd)",                                     \
    evutil_make_socket_nonblocking(bi_closed), -1, 1, BI_SAME, 0)                                  \
  X(util_calls_3, "evutil_make_socket_nonblocking(-1)", evutil_make_socket_nonblocking(-1), -1, 1, \
    BI_SAME, 0)                                                                                    \
  X(util_calls_4, "evutil_make_listen_socket_reuseable(closed fd)",                                \
    evutil_make_listen_socket_reuseable(bi_closed), -1, 1, BI_SAME, 0)                             \
  X(util_calls_5, "evutil_make_listen_socket_reuseable_port(closed fd)",                           \
    evutil_make_listen_socket_reuseable_port(bi_closed), -1, 1, BI_SAME, 0)                        \
  X(util_calls_6, "evutil_make_listen_socket_ipv6only(closed fd)",                                 \
    evutil_make_listen_socket_ipv6only(bi_closed), -1, 1, BI_SAME, 0)                              \
  X(util_calls_7, "evutil_make_socket_closeonexec(closed fd)",                                     \
    evutil_make_socket_closeonexec(bi_closed), -1, 1, BI_SAME, 0)                                  \
  X(util_calls_8, "evutil_closesocket(closed fd)", evutil_closesocket(bi_closed), -1, 1, BI_SAME,  \
    0)                                                                                             \
  X(util_calls_9, "evutil_closesocket(-1)", evutil_closesocket(-1), -1, 1, BI_SAME, 0)             \
  X(util_calls_10, "evutil_make_tcp_listen_socket_deferred(closed fd)",                            \
    evutil_make_tcp_listen_socket_deferred(bi_closed), -1, 1, BI_SAME, 0)                          \
  X(util_calls_11, "evutil_make_tcp_listen_socket_deferred(a pipe)", bi_deferred_on_pipe(), -1, 1, \
    BI_SAME, 0)                                                                                    \
  X(util_calls_12, "evutil_date_rfc1123(NULL, 0, NULL)", evutil_date_rfc1123(NULL, 0, NULL), 29,   \
    0, BI_OTHER, 0)                                                                                \
  X(util_calls_13, "evutil_date_rfc1123(buf, 5, NULL)", evutil_date_rfc1123(bi_text, 5, NULL), 29, \
    0, BI_SAME, 0)                                                                                 \
  X(util_calls_14, "evutil_monotonic_timer_free(NULL)", (evutil_monotonic_timer_free(NULL), 0), 0, \
    0, BI_SAME, 0)                                                                                 \
  X(util_calls_15, "evutil_configure_monotonic_time(NULL, 0)",                                     \
    evutil_configure_monotonic_time(NULL, 0), -1, 1, BI_CRASH, 0)                                  \
  X(util_calls_16, "evutil_configure_monotonic_time(timer, 0x100)", bi_configure_bad_flags(), 0,   \
    0, BI_SAME, 0)                                                                                 \
  X(util_calls_17, "evutil_gettime_monotonic(NULL, &tv)", evutil_gettime_monotonic(NULL, &bi_tv),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(util_calls_18, "evutil_gettime_monotonic(timer, NULL)", bi_gettime_null_tv(), -1, 1, BI_CRASH, \
    0)                                                                                             \
  X(util_calls_19, "evutil_strtoll(NULL, NULL, 10)", (long)evutil_strtoll(NULL, NULL, 10), 0, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(util_calls_20, "evutil_strtoll(\"12\", NULL, 99)", (long)evutil_strtoll("12", NULL, 99), 0, 0, \
    BI_SAME, 0)                                                                                    \
  X(util_calls_21, "evutil_snprintf(NULL, 0, \"%d\", 5)", evutil_snprintf(NULL, 0, "%d", 5), 1, 0, \
    BI_OTHER, 0)                                                                                   \
  X(util_calls_22, "evutil_snprintf(buf, 4, NULL)", bi_snprintf_null_fmt(), -1, 1, BI_ANY, 0)      \
  X(util_calls_23, "evutil_ascii_strcasecmp(NULL, \"a\")",                                         \
    evutil_ascii_strcasecmp(NULL, "a") != 0, 1, 1, BI_CRASH, 0)                                    \
  X(util_calls_24, "evutil_ascii_strncasecmp(NULL, NULL, 3)",                                      \
    evutil_ascii_strncasecmp(NULL, NULL, 3), 0, 1, BI_CRASH, 0)                                    \
  X(util_calls_25, "evutil_inet_ntop(AF_INET, NULL, buf, 64)",                                     \
    evutil_inet_ntop(AF_INET, NULL, bi_text, 64) != NULL, 0, 1, BI_CRASH, 0)                       \
  X(util_calls_26, "evutil_inet_ntop(AF_INET, addr, NULL, 64)",                                    \
    evutil_inet_ntop(AF_INET, bi_addr, NULL, 64) != NULL, 0, 1, BI_CRASH, 0)                       \
  X(util_calls_27, "evutil_inet_ntop(AF_INET, addr, buf, 3)",                                      \
    evutil_inet_ntop(AF_INET, bi_addr, bi_text, 3) != NULL, 0, 0, BI_SAME, 0)                      \
  X(util_calls_28, "evutil_inet_ntop(999, addr, buf, 64)",                                         \
    evutil_inet_ntop(999, bi_addr, bi_text, 64) != NULL, 0, 0, BI_SAME, 0)                         \
  X(util_calls_29, "evutil_inet_pton(AF_INET, NULL, addr)",                                        \
    evutil_inet_pton(AF_INET, NULL, bi_addr), 0, 1, BI_CRASH, 0)                                   \
  X(util_calls_30, "evutil_inet_pton(AF_INET, \"1.2.3.4\", NULL)",                                 \
    evutil_inet_pton(AF_INET, "1.2.3.4", NULL), 0, 1, BI_CRASH, 0)                                 \
  X(util_calls_31, "evutil_inet_pton(999, \"1.2.3.4\", addr)",                                     \
    evutil_inet_pton(999, "1.2.3.4", bi_addr), -1, 0, BI_SAME, 0)                                  \
  X(util_calls_32, "evutil_inet_pton_scope(AF_INET6, \"fe80::1%nosuchif\", addr, &idx)",           \
    evutil_inet_pton_scope(AF_INET6, "fe80::1%nosuchif", bi_addr, &bi_idx), 0, 0, BI_SAME, 0)      \
  X(util_calls_33, "evutil_parse_sockaddr_port(NULL, sa, &len)",                                   \
    evutil_parse_sockaddr_port(NULL, bi_sa(), &bi_len), -1, 1, BI_CRASH, 0)                        \
  X(util_calls_34, "evutil_parse_sockaddr_port(\"1.2.3.4:80\", NULL, &len)",                       \
    evutil_parse_sockaddr_port("1.2.3.4:80", NULL, &bi_len), -1, 1, BI_CRASH, 0)                   \
  X(util_calls_35, "evutil_parse_sockaddr_port(\"1.2.3.4:80\", sa, NULL)",                         \
    evutil_parse_sockaddr_port("1.2.3.4:80", bi_sa(), NULL), -1, 1, BI_CRASH, 0)                   \
  X(util_calls_36, "evutil_parse_sockaddr_port(\"1.2.3.4:99999\", sa, &len)",                      \
    evutil_parse_sockaddr_port("1.2.3.4:99999", bi_sa(), &bi_len), -1, 0, BI_SAME, 0)              \
  X(util_calls_37, "evutil_parse_sockaddr_port(\"1.2.3.4:80\", sa, &len = 2)",                     \
    bi_parse_small_len(), -1, 1, BI_SAME, 0)                                                       \
  X(util_calls_38, "evutil_sockaddr_cmp(NULL, NULL, 1)", evutil_sockaddr_cmp(NULL, NULL, 1), 0, 1, \
    BI_CRASH, 0)                                                                                   \
  X(util_calls_39, "evutil_getaddrinfo(NULL, NULL, NULL, &res)", bi_getaddrinfo_nothing(), -2, 0,  \
    BI_SAME, 0)                                                                                    \
  X(util_calls_40, "evutil_getaddrinfo(\"127.0.0.1\", NULL, NULL, NULL)",                          \
    evutil_getaddrinfo("127.0.0.1", NULL, NULL, NULL), -11, 1, BI_CRASH, 0)                        \
  X(util_calls_41, "evutil_getaddrinfo(\"127.0.0.1\", \"80\", hints with family 999, &res)",       \
    bi_getaddrinfo_bad_family(), -6, 0, BI_SAME, 0)                                                \
  X(util_calls_42, "evutil_freeaddrinfo(NULL)", (evutil_freeaddrinfo(NULL), 0), 0, 0, BI_CRASH, 0) \
  X(util_calls_43, "evutil_gai_strerror(12345)", evutil_gai_strerror(12345) != NULL, 1, 0,         \
    BI_SAME, 0)                                                                                    \
  X(util_calls_44, "evutil_secure_rng_get_bytes(NULL, 4)",                                         \
    (evutil_secure_rng_get_bytes(NULL, 4), 0), 0, 1, BI_CRASH, 0)                                  \
  X(util_calls_45, "evutil_secure_rng_set_urandom_device_file(NULL)",                              \
    evutil_secure_rng_set_urandom_device_file(NULL), 0, 0, BI_OTHER, -1)                           \
  X(util_calls_46, "evutil_secure_rng_add_bytes(NULL, 4)",                                         \
    (evutil_secure_rng_add_bytes(NULL, 4), 0), 0, 1, BI_SAME, 0)                                   \
  X(util_calls_47, "evutil_vsnprintf(buf, 4, NULL, ap)", bi_vsnprintf_null_fmt(0), -1, 1, BI_ANY, 0)
UTIL_CALLS_ROWS(FN)

static const struct bi_row util_calls_rows[] = {UTIL_CALLS_ROWS(ROW)};

static void util_calls(void) {
  bi_pre_setup = NULL;
  BI_ROWS(util_calls_rows);
}

#define THREAD_CALLS_ROWS(X)                                                                       \
  X(thread_calls_48, "evthread_set_lock_callbacks(NULL)", evthread_set_lock_callbacks(NULL), 0, 0, \
    BI_SAME, 0)                                                                                    \
  X(thread_calls_49, "evthread_set_lock_callbacks(callbacks with NULL functions)",                 \
    bi_lock_callbacks_incomplete(), -1, 1, BI_SAME, 0)                                             \
  X(thread_calls_50, "evthread_set_condition_callbacks(NULL)",                                     \
    evthread_set_condition_callbacks(NULL), 0, 0, BI_SAME, 0)                                      \
  X(thread_calls_51, "evthread_set_condition_callbacks(callbacks with NULL functions)",            \
    bi_cond_callbacks_incomplete(), -1, 1, BI_OTHER, 0)                                            \
  X(thread_calls_52, "evthread_set_id_callback(NULL)", (evthread_set_id_callback(NULL), 0), 0, 0,  \
    BI_SAME, 0)                                                                                    \
  X(thread_calls_53, "evthread_make_base_notifiable(NULL)", evthread_make_base_notifiable(NULL),   \
    -1, 1, BI_SAME, 0)                                                                             \
  X(thread_calls_54, "evthread_use_pthreads() twice",                                              \
    (evthread_use_pthreads(), evthread_use_pthreads()), 0, 0, BI_SAME, 0)
THREAD_CALLS_ROWS(FN)

static const struct bi_row thread_calls_rows[] = {THREAD_CALLS_ROWS(ROW)};

static void thread_calls(void) {
  bi_pre_setup = NULL;
  BI_ROWS(thread_calls_rows);
}

static const struct ct_case cases[] = {
    {"util_calls", util_calls, 0},
    {"thread_calls", thread_calls, 0},
};
CT_REGISTER(badinput_util, cases)
