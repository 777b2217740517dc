/* Bad input to every call of event2/bufferevent.h and event2/listener.h:
   NULL bufferevents, listeners, buffers and addresses; closed descriptors;
   options, flags and modes that do not exist; rate-limit configurations that
   make no sense; and, in debug mode, a bufferevent used after it was freed.
   The rows are docs/bad-input.md's bufferevent and listener tables; see
   test_badinput_harness.h. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>

#include "test_badinput_harness.h"

static struct timeval bi_ms = {0, 1000};
static char bi_out[16];
static size_t bi_lo, bi_hi;
static ev_uint64_t bi_u1, bi_u2;
static struct bufferevent *bi_pair[2];
static struct sockaddr_in bi_sin;

static struct sockaddr *bi_sa(void) {
  bi_sin.sin_family = AF_INET;
  bi_sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bi_sin.sin_port = 0;
  return (struct sockaddr *)&bi_sin;
}
static struct bufferevent *bi_bev(int fd) {
  struct bufferevent *b = bufferevent_socket_new(bi_base, fd, 0);
  bi_warnings = 0;
  return b;
}
static struct ev_token_bucket_cfg *bi_cfg(void) {
  return ev_token_bucket_cfg_new(1000, 1000, 1000, 1000, NULL);
}
static struct bufferevent_rate_limit_group *bi_group(void) {
  return bufferevent_rate_limit_group_new(bi_base, bi_cfg());
}
static void bi_lcb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                   void *arg) {
  (void)l;
  (void)sa;
  (void)len;
  (void)arg;
  close(fd);
}
static void bi_lerr(struct evconnlistener *l, void *arg) {
  (void)l;
  (void)arg;
}
static int bi_listening(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  bind(fd, bi_sa(), sizeof bi_sin);
  listen(fd, 4);
  return fd;
}
static long bi_watermark_inverted(void) {
  struct bufferevent *b = bi_bev(-1);
  bufferevent_setwatermark(b, EV_READ, 100, 10);
  size_t lo = 0, hi = 0;
  bufferevent_getwatermark(b, EV_READ, &lo, &hi);
  return (long)(lo * 1000 + hi); /* what was stored */
}
static long bi_bucket_zero(void) {
  return ev_token_bucket_cfg_new(0, 0, 0, 0, NULL) != NULL;
}
static long bi_bucket_burst_small(void) {
  return ev_token_bucket_cfg_new(10, 5, 10, 5, NULL) != NULL;
}
static long bi_listener_on_plain_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  return evconnlistener_new(bi_base, bi_lcb, NULL, 0, 0, fd) != NULL;
}
static long bi_listener_bind_null(void) {
  return evconnlistener_new_bind(bi_base, bi_lcb, NULL, 0, -1, NULL, 0) != NULL;
}
static long bi_listener_unknown_flag(void) {
  return evconnlistener_new_bind(bi_base, bi_lcb, NULL, 0x10000, -1, bi_sa(),
                                 sizeof(struct sockaddr_in)) != NULL;
}
static long bi_listener_threadsafe(void) {
  return evconnlistener_new_bind(bi_base, bi_lcb, NULL, LEV_OPT_THREADSAFE, -1, bi_sa(),
                                 sizeof(struct sockaddr_in)) != NULL;
}
static void bi_debug_on(void) {
  event_enable_debug_mode();
}
static struct bufferevent *bi_freed_bev(void) {
  struct bufferevent *b = bufferevent_socket_new(bi_base, -1, 0);
  bufferevent_free(b);
  event_base_loop(bi_base, EVLOOP_NONBLOCK); /* let a deferred free finish */
  bi_warnings = 0;
  return b;
}
static long bi_bev_free_twice(void) {
  struct bufferevent *b = bufferevent_socket_new(bi_base, -1, 0);
  bufferevent_free(b);
  event_base_loop(bi_base, EVLOOP_NONBLOCK);
  bi_warnings = 0;
  bufferevent_free(b);
  return 0;
}
static long bi_getwm_both(void) {
  return bufferevent_getwatermark(bi_bev(-1), EV_READ | EV_WRITE, &bi_lo, &bi_hi);
}

/* X(id, the call as the table writes it, the call, eventide's result, logs?,
     libevent: BI_SAME / BI_CRASH / BI_OTHER with its result / BI_ANY) */
#define FN(id, call, expr, want, warns, le, le_want) \
  static long id(void) {                             \
    return (long)(expr);                             \
  }
#define ROW(id, call, expr, want, warns, le, le_want) {call, id, want, warns, le, le_want},

#define BUFFEREVENT_CALLS_ROWS(X)                                                                  \
  X(bufferevent_calls_0, "bufferevent_socket_new(NULL, -1, 0)",                                    \
    bufferevent_socket_new(NULL, -1, 0) != NULL, 0, 1, BI_CRASH, 0)                                \
  X(bufferevent_calls_1, "bufferevent_socket_new(base, closed fd, 0)",                             \
    bufferevent_socket_new(bi_base, bi_closed, 0) != NULL, 1, 0, BI_SAME, 0)                       \
  X(bufferevent_calls_2, "bufferevent_socket_new(base, -1, 0x8000 (no such option))",              \
    bufferevent_socket_new(bi_base, -1, 0x8000) != NULL, 0, 1, BI_OTHER, 1)                        \
  X(bufferevent_calls_3, "bufferevent_socket_connect(NULL, sa, len)",                              \
    bufferevent_socket_connect(NULL, bi_sa(), sizeof(struct sockaddr_in)), -1, 1, BI_CRASH, 0)     \
  X(bufferevent_calls_4, "bufferevent_socket_connect(bev, NULL, 0) on a bev without fd",           \
    bufferevent_socket_connect(bi_bev(-1), NULL, 0), -1, 1, BI_SAME, 0)                            \
  X(bufferevent_calls_5, "bufferevent_socket_connect(bev, sa, 3) (length too short)",              \
    bufferevent_socket_connect(bi_bev(-1), bi_sa(), 3), -1, 0, BI_SAME, 0)                         \
  X(bufferevent_calls_6, "bufferevent_socket_connect(bev on closed fd, sa, len)",                  \
    bufferevent_socket_connect(bi_bev(bi_closed), bi_sa(), sizeof(struct sockaddr_in)), -1, 0,     \
    BI_SAME, 0)                                                                                    \
  X(bufferevent_calls_7,                                                                           \
    "bufferevent_socket_connect_hostname(NULL, NULL, AF_INET, \"localhost\", 80)",                 \
    bufferevent_socket_connect_hostname(NULL, NULL, AF_INET, "localhost", 80), -1, 1, BI_CRASH, 0) \
  X(bufferevent_calls_8, "bufferevent_socket_connect_hostname(bev, NULL, AF_INET, NULL, 80)",      \
    bufferevent_socket_connect_hostname(bi_bev(-1), NULL, AF_INET, NULL, 80), -1, 1, BI_OTHER, 0)  \
  X(bufferevent_calls_9, "bufferevent_socket_connect_hostname(bev, NULL, 999, \"localhost\", 80)", \
    bufferevent_socket_connect_hostname(bi_bev(-1), NULL, 999, "localhost", 80), -1, 1, BI_SAME,   \
    0)                                                                                             \
  X(bufferevent_calls_10, "bufferevent_socket_get_dns_error(NULL)",                                \
    bufferevent_socket_get_dns_error(NULL), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_11, "bufferevent_base_set(NULL, bev)",                                       \
    bufferevent_base_set(NULL, bi_bev(-1)), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_12, "bufferevent_base_set(base, NULL)", bufferevent_base_set(bi_base, NULL), \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(bufferevent_calls_13, "bufferevent_get_base(NULL)", bufferevent_get_base(NULL) != NULL, 0, 1,  \
    BI_CRASH, 0)                                                                                   \
  X(bufferevent_calls_14, "bufferevent_priority_set(NULL, 0)", bufferevent_priority_set(NULL, 0),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(bufferevent_calls_15, "bufferevent_priority_set(bev, 99)",                                     \
    bufferevent_priority_set(bi_bev(-1), 99), -1, 1, BI_SAME, 0)                                   \
  X(bufferevent_calls_16, "bufferevent_get_priority(NULL)", bufferevent_get_priority(NULL), -1, 1, \
    BI_CRASH, 0)                                                                                   \
  X(bufferevent_calls_17, "bufferevent_free(NULL)", (bufferevent_free(NULL), 0), 0, 1, BI_CRASH,   \
    0)                                                                                             \
  X(bufferevent_calls_18, "bufferevent_setcb(NULL, ...)",                                          \
    (bufferevent_setcb(NULL, NULL, NULL, NULL, NULL), 0), 0, 1, BI_CRASH, 0)                       \
  X(bufferevent_calls_19, "bufferevent_getcb(NULL, ...)",                                          \
    (bufferevent_getcb(NULL, NULL, NULL, NULL, NULL), 0), 0, 1, BI_CRASH, 0)                       \
  X(bufferevent_calls_20, "bufferevent_setfd(NULL, fd)", bufferevent_setfd(NULL, bi_sock[0]), -1,  \
    1, BI_CRASH, 0)                                                                                \
  X(bufferevent_calls_21, "bufferevent_setfd(bev, closed fd)",                                     \
    bufferevent_setfd(bi_bev(-1), bi_closed), -1, 1, BI_OTHER, 0)                                  \
  X(bufferevent_calls_22, "bufferevent_getfd(NULL)", bufferevent_getfd(NULL), -1, 1, BI_CRASH, 0)  \
  X(bufferevent_calls_23, "bufferevent_get_underlying(NULL)",                                      \
    bufferevent_get_underlying(NULL) != NULL, 0, 1, BI_CRASH, 0)                                   \
  X(bufferevent_calls_24, "bufferevent_write(NULL, \"x\", 1)", bufferevent_write(NULL, "x", 1),    \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(bufferevent_calls_25, "bufferevent_write(bev, NULL, 5)",                                       \
    bufferevent_write(bi_bev(-1), NULL, 5), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_26, "bufferevent_write_buffer(NULL, buf)",                                   \
    bufferevent_write_buffer(NULL, bi_buf), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_27, "bufferevent_write_buffer(bev, NULL)",                                   \
    bufferevent_write_buffer(bi_bev(-1), NULL), -1, 1, BI_CRASH, 0)                                \
  X(bufferevent_calls_28, "bufferevent_read(NULL, out, 4)",                                        \
    (long)bufferevent_read(NULL, bi_out, 4), 0, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_29, "bufferevent_read(bev, NULL, 4)",                                        \
    (long)bufferevent_read(bi_bev(-1), NULL, 4), 0, 1, BI_SAME, 0)                                 \
  X(bufferevent_calls_30, "bufferevent_read_buffer(NULL, buf)",                                    \
    bufferevent_read_buffer(NULL, bi_buf), -1, 1, BI_CRASH, 0)                                     \
  X(bufferevent_calls_31, "bufferevent_read_buffer(bev, NULL)",                                    \
    bufferevent_read_buffer(bi_bev(-1), NULL), -1, 1, BI_CRASH, 0)                                 \
  X(bufferevent_calls_32, "bufferevent_get_input(NULL)", bufferevent_get_input(NULL) != NULL, 0,   \
    1, BI_CRASH, 0)                                                                                \
  X(bufferevent_calls_33, "bufferevent_get_output(NULL)", bufferevent_get_output(NULL) != NULL, 0, \
    1, BI_CRASH, 0)                                                                                \
  X(bufferevent_calls_34, "bufferevent_enable(NULL, EV_READ)", bufferevent_enable(NULL, EV_READ),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(bufferevent_calls_35, "bufferevent_enable(bev, 0x1000 (no such flag))",                        \
    bufferevent_enable(bi_bev(bi_sock[0]), 0x1000), -1, 1, BI_OTHER, 0)                            \
  X(bufferevent_calls_36, "bufferevent_enable(bev on closed fd, EV_READ)",                         \
    bufferevent_enable(bi_bev(bi_closed), EV_READ), -1, 1, BI_SAME, 0)                             \
  X(bufferevent_calls_37, "bufferevent_disable(NULL, EV_READ)",                                    \
    bufferevent_disable(NULL, EV_READ), -1, 1, BI_CRASH, 0)                                        \
  X(bufferevent_calls_38, "bufferevent_get_enabled(NULL)", bufferevent_get_enabled(NULL), 0, 1,    \
    BI_CRASH, 0)                                                                                   \
  X(bufferevent_calls_39, "bufferevent_set_timeouts(NULL, &tv, &tv)",                              \
    bufferevent_set_timeouts(NULL, &bi_ms, &bi_ms), -1, 1, BI_CRASH, 0)                            \
  X(bufferevent_calls_40, "bufferevent_setwatermark(NULL, EV_READ, 0, 10)",                        \
    (bufferevent_setwatermark(NULL, EV_READ, 0, 10), 0), 0, 1, BI_CRASH, 0)                        \
  X(bufferevent_calls_41, "bufferevent_setwatermark(bev, EV_READ, 100, 10) (low above high)",      \
    bi_watermark_inverted(), 100010, 0, BI_SAME, 0)                                                \
  X(bufferevent_calls_42, "bufferevent_getwatermark(NULL, EV_READ, &lo, &hi)",                     \
    bufferevent_getwatermark(NULL, EV_READ, &bi_lo, &bi_hi), -1, 1, BI_CRASH, 0)                   \
  X(bufferevent_calls_43, "bufferevent_getwatermark(bev, both EV_READ and EV_WRITE, &lo, &hi)",    \
    bi_getwm_both(), -1, 1, BI_SAME, 0)                                                            \
  X(bufferevent_calls_44, "bufferevent_lock(NULL)", (bufferevent_lock(NULL), 0), 0, 1, BI_CRASH,   \
    0)                                                                                             \
  X(bufferevent_calls_45, "bufferevent_unlock(NULL)", (bufferevent_unlock(NULL), 0), 0, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(bufferevent_calls_46, "bufferevent_incref(NULL)", (bufferevent_incref(NULL), 0), 0, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(bufferevent_calls_47, "bufferevent_decref(NULL)", bufferevent_decref(NULL), -1, 1, BI_CRASH,   \
    0)                                                                                             \
  X(bufferevent_calls_48, "bufferevent_flush(NULL, EV_WRITE, BEV_FLUSH)",                          \
    bufferevent_flush(NULL, EV_WRITE, BEV_FLUSH), -1, 1, BI_CRASH, 0)                              \
  X(bufferevent_calls_49, "bufferevent_flush(bev, EV_WRITE, 7 (no such mode))",                    \
    bufferevent_flush(bi_bev(-1), EV_WRITE, (enum bufferevent_flush_mode)7), -1, 1, BI_OTHER, 0)   \
  X(bufferevent_calls_50, "bufferevent_trigger(NULL, EV_READ, 0)",                                 \
    (bufferevent_trigger(NULL, EV_READ, 0), 0), 0, 1, BI_CRASH, 0)                                 \
  X(bufferevent_calls_51, "bufferevent_trigger_event(NULL, BEV_EVENT_EOF, 0)",                     \
    (bufferevent_trigger_event(NULL, BEV_EVENT_EOF, 0), 0), 0, 1, BI_CRASH, 0)                     \
  X(bufferevent_calls_52, "bufferevent_filter_new(NULL, NULL, NULL, 0, NULL, NULL)",               \
    bufferevent_filter_new(NULL, NULL, NULL, 0, NULL, NULL) != NULL, 0, 1, BI_SAME, 0)             \
  X(bufferevent_calls_53, "bufferevent_pair_new(NULL, 0, pair)",                                   \
    bufferevent_pair_new(NULL, 0, bi_pair), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_54, "bufferevent_pair_new(base, 0, NULL)",                                   \
    bufferevent_pair_new(bi_base, 0, NULL), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_55, "bufferevent_pair_get_partner(NULL)",                                    \
    bufferevent_pair_get_partner(NULL) != NULL, 0, 1, BI_CRASH, 0)                                 \
  X(bufferevent_calls_56, "bufferevent_pair_get_partner(a socket bev)",                            \
    bufferevent_pair_get_partner(bi_bev(-1)) != NULL, 0, 1, BI_SAME, 0)                            \
  X(bufferevent_calls_57, "ev_token_bucket_cfg_new(0, 0, 0, 0, NULL)", bi_bucket_zero(), 0, 1,     \
    BI_SAME, 0)                                                                                    \
  X(bufferevent_calls_58, "ev_token_bucket_cfg_new(10, 5 (burst below rate), 10, 5, NULL)",        \
    bi_bucket_burst_small(), 0, 1, BI_SAME, 0)                                                     \
  X(bufferevent_calls_59, "ev_token_bucket_cfg_free(NULL)", (ev_token_bucket_cfg_free(NULL), 0),   \
    0, 0, BI_SAME, 0)                                                                              \
  X(bufferevent_calls_60, "bufferevent_set_rate_limit(NULL, cfg)",                                 \
    bufferevent_set_rate_limit(NULL, bi_cfg()), -1, 1, BI_CRASH, 0)                                \
  X(bufferevent_calls_61, "bufferevent_set_rate_limit(bev, NULL) (no limit)",                      \
    bufferevent_set_rate_limit(bi_bev(-1), NULL), 0, 0, BI_SAME, 0)                                \
  X(bufferevent_calls_62, "bufferevent_rate_limit_group_new(NULL, cfg)",                           \
    bufferevent_rate_limit_group_new(NULL, bi_cfg()) != NULL, 0, 1, BI_OTHER, 1)                   \
  X(bufferevent_calls_63, "bufferevent_rate_limit_group_new(base, NULL)",                          \
    bufferevent_rate_limit_group_new(bi_base, NULL) != NULL, 0, 1, BI_CRASH, 0)                    \
  X(bufferevent_calls_64, "bufferevent_rate_limit_group_set_cfg(NULL, cfg)",                       \
    bufferevent_rate_limit_group_set_cfg(NULL, bi_cfg()), -1, 1, BI_SAME, 0)                       \
  X(bufferevent_calls_65, "bufferevent_rate_limit_group_set_min_share(NULL, 1)",                   \
    bufferevent_rate_limit_group_set_min_share(NULL, 1), -1, 1, BI_CRASH, 0)                       \
  X(bufferevent_calls_66, "bufferevent_rate_limit_group_free(NULL)",                               \
    (bufferevent_rate_limit_group_free(NULL), 0), 0, 1, BI_CRASH, 0)                               \
  X(bufferevent_calls_67, "bufferevent_add_to_rate_limit_group(NULL, grp)",                        \
    bufferevent_add_to_rate_limit_group(NULL, bi_group()), -1, 1, BI_CRASH, 0)                     \
  X(bufferevent_calls_68, "bufferevent_add_to_rate_limit_group(bev, NULL)",                        \
    bufferevent_add_to_rate_limit_group(bi_bev(-1), NULL), 0, 0, BI_SAME, 0)                       \
  X(bufferevent_calls_69, "bufferevent_remove_from_rate_limit_group(NULL)",                        \
    bufferevent_remove_from_rate_limit_group(NULL), -1, 1, BI_CRASH, 0)                            \
  X(bufferevent_calls_70, "bufferevent_set_max_single_read(NULL, 10)",                             \
    bufferevent_set_max_single_read(NULL, 10), -1, 1, BI_CRASH, 0)                                 \
  X(bufferevent_calls_71, "bufferevent_set_max_single_write(NULL, 10)",                            \
    bufferevent_set_max_single_write(NULL, 10), -1, 1, BI_CRASH, 0)                                \
  X(bufferevent_calls_72, "bufferevent_get_max_single_read(NULL)",                                 \
    (long)bufferevent_get_max_single_read(NULL), -1, 1, BI_CRASH, 0)                               \
  X(bufferevent_calls_73, "bufferevent_get_max_single_write(NULL)",                                \
    (long)bufferevent_get_max_single_write(NULL), -1, 1, BI_CRASH, 0)                              \
  X(bufferevent_calls_74, "bufferevent_get_read_limit(NULL)",                                      \
    (long)bufferevent_get_read_limit(NULL), -1, 1, BI_CRASH, 0)                                    \
  X(bufferevent_calls_75, "bufferevent_get_write_limit(NULL)",                                     \
    (long)bufferevent_get_write_limit(NULL), -1, 1, BI_CRASH, 0)                                   \
  X(bufferevent_calls_76, "bufferevent_get_max_to_read(NULL)",                                     \
    (long)bufferevent_get_max_to_read(NULL), -1, 1, BI_CRASH, 0)                                   \
  X(bufferevent_calls_77, "bufferevent_get_max_to_write(NULL)",                                    \
    (long)bufferevent_get_max_to_write(NULL), -1, 1, BI_CRASH, 0)                                  \
  X(bufferevent_calls_78, "bufferevent_get_token_bucket_cfg(NULL)",                                \
    bufferevent_get_token_bucket_cfg(NULL) != NULL, 0, 1, BI_CRASH, 0)                             \
  X(bufferevent_calls_79, "bufferevent_rate_limit_group_get_read_limit(NULL)",                     \
    (long)bufferevent_rate_limit_group_get_read_limit(NULL), -1, 1, BI_CRASH, 0)                   \
  X(bufferevent_calls_80, "bufferevent_rate_limit_group_get_write_limit(NULL)",                    \
    (long)bufferevent_rate_limit_group_get_write_limit(NULL), -1, 1, BI_CRASH, 0)                  \
  X(bufferevent_calls_81, "bufferevent_decrement_read_limit(NULL, 1)",                             \
    bufferevent_decrement_read_limit(NULL, 1), -1, 1, BI_CRASH, 0)                                 \
  X(bufferevent_calls_82, "bufferevent_decrement_write_limit(bev without a limit, 1)",             \
    bufferevent_decrement_write_limit(bi_bev(-1), 1), -1, 1, BI_CRASH, 0)                          \
  X(bufferevent_calls_83, "bufferevent_rate_limit_group_decrement_read(NULL, 1)",                  \
    bufferevent_rate_limit_group_decrement_read(NULL, 1), -1, 1, BI_CRASH, 0)                      \
  X(bufferevent_calls_84, "bufferevent_rate_limit_group_decrement_write(NULL, 1)",                 \
    bufferevent_rate_limit_group_decrement_write(NULL, 1), -1, 1, BI_CRASH, 0)                     \
  X(bufferevent_calls_85, "bufferevent_rate_limit_group_get_totals(NULL, &r, &w)",                 \
    (bufferevent_rate_limit_group_get_totals(NULL, &bi_u1, &bi_u2), 0), 0, 1, BI_CRASH, 0)         \
  X(bufferevent_calls_86, "bufferevent_rate_limit_group_reset_totals(NULL)",                       \
    (bufferevent_rate_limit_group_reset_totals(NULL), 0), 0, 1, BI_CRASH, 0)
BUFFEREVENT_CALLS_ROWS(FN)

static const struct bi_row bufferevent_calls_rows[] = {BUFFEREVENT_CALLS_ROWS(ROW)};

static void bufferevent_calls(void) {
  bi_pre_setup = NULL;
  BI_ROWS(bufferevent_calls_rows);
}

#define LISTENER_CALLS_ROWS(X)                                                                     \
  X(listener_calls_87, "evconnlistener_new(NULL, cb, NULL, 0, -1, fd)",                            \
    evconnlistener_new(NULL, bi_lcb, NULL, 0, -1, bi_listening()) != NULL, 0, 1, BI_OTHER, 1)      \
  X(listener_calls_88, "evconnlistener_new(base, cb, NULL, 0, -1, closed fd)",                     \
    evconnlistener_new(bi_base, bi_lcb, NULL, 0, -1, bi_closed) != NULL, 0, 1, BI_SAME, 0)         \
  X(listener_calls_89, "evconnlistener_new(base, cb, NULL, 0, -1, -1)",                            \
    evconnlistener_new(bi_base, bi_lcb, NULL, 0, -1, -1) != NULL, 0, 1, BI_SAME, 0)                \
  X(listener_calls_90, "evconnlistener_new(base, cb, NULL, 0, 0, a socket that is not listening)", \
    bi_listener_on_plain_socket(), 1, 0, BI_SAME, 0)                                               \
  X(listener_calls_91, "evconnlistener_new_bind(NULL, cb, NULL, 0, -1, sa, len)",                  \
    evconnlistener_new_bind(NULL, bi_lcb, NULL, 0, -1, bi_sa(), sizeof(struct sockaddr_in)) !=     \
        NULL,                                                                                      \
    0, 1, BI_OTHER, 1)                                                                             \
  X(listener_calls_92, "evconnlistener_new_bind(base, cb, NULL, 0, -1, NULL, 0)",                  \
    bi_listener_bind_null(), 0, 1, BI_SAME, 0)                                                     \
  X(listener_calls_93, "evconnlistener_new_bind(base, cb, NULL, 0, -1, sa, 3)",                    \
    evconnlistener_new_bind(bi_base, bi_lcb, NULL, 0, -1, bi_sa(), 3) != NULL, 0, 1, BI_SAME, 0)   \
  X(listener_calls_94,                                                                             \
    "evconnlistener_new_bind(base, cb, NULL, 0x10000 (no such flag), -1, sa, len)",                \
    bi_listener_unknown_flag(), 0, 1, BI_OTHER, 1)                                                 \
  X(listener_calls_95,                                                                             \
    "evconnlistener_new_bind(base, cb, NULL, LEV_OPT_THREADSAFE, -1, sa, len) without threads",    \
    bi_listener_threadsafe(), 1, 0, BI_SAME, 0)                                                    \
  X(listener_calls_96, "evconnlistener_free(NULL)", (evconnlistener_free(NULL), 0), 0, 1,          \
    BI_CRASH, 0)                                                                                   \
  X(listener_calls_97, "evconnlistener_enable(NULL)", evconnlistener_enable(NULL), -1, 1,          \
    BI_CRASH, 0)                                                                                   \
  X(listener_calls_98, "evconnlistener_disable(NULL)", evconnlistener_disable(NULL), -1, 1,        \
    BI_CRASH, 0)                                                                                   \
  X(listener_calls_99, "evconnlistener_get_base(NULL)", evconnlistener_get_base(NULL) != NULL, 0,  \
    1, BI_CRASH, 0)                                                                                \
  X(listener_calls_100, "evconnlistener_get_fd(NULL)", evconnlistener_get_fd(NULL), -1, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(listener_calls_101, "evconnlistener_set_cb(NULL, cb, NULL)",                                   \
    (evconnlistener_set_cb(NULL, bi_lcb, NULL), 0), 0, 1, BI_CRASH, 0)                             \
  X(listener_calls_102, "evconnlistener_set_error_cb(NULL, errcb)",                                \
    (evconnlistener_set_error_cb(NULL, bi_lerr), 0), 0, 1, BI_CRASH, 0)
LISTENER_CALLS_ROWS(FN)

static const struct bi_row listener_calls_rows[] = {LISTENER_CALLS_ROWS(ROW)};

static void listener_calls(void) {
  bi_pre_setup = NULL;
  BI_ROWS(listener_calls_rows);
}

#define USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(X)                                                    \
  X(use_after_free_in_debug_mode_103, "bufferevent_free(bev) twice", bi_bev_free_twice(), 0, 1, \
    BI_CRASH, 0)                                                                                \
  X(use_after_free_in_debug_mode_104, "bufferevent_enable(freed bev, EV_READ)",                 \
    bufferevent_enable(bi_freed_bev(), EV_READ), -1, 1, BI_CRASH, 0)                            \
  X(use_after_free_in_debug_mode_105, "bufferevent_write(freed bev, \"x\", 1)",                 \
    bufferevent_write(bi_freed_bev(), "x", 1), -1, 1, BI_CRASH, 0)
USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(FN)

static const struct bi_row use_after_free_in_debug_mode_rows[] = {
    USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(ROW)};

static void use_after_free_in_debug_mode(void) {
  bi_pre_setup = bi_debug_on;
  BI_ROWS(use_after_free_in_debug_mode_rows);
}

static const struct ct_case cases[] = {
    {"bufferevent_calls", bufferevent_calls, 0},
    {"listener_calls", listener_calls, 0},
    {"use_after_free_in_debug_mode", use_after_free_in_debug_mode, 0},
};
CT_REGISTER(badinput_bev, cases)
