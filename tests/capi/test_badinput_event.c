/* Bad input to event2/event.h that tests/capi/test_event_misuse.c and
   test_event_debug.c do not already cover: in debug mode, every call on an
   event after event_free (libevent aborts on purpose; eventide refuses with
   a message, without touching the freed memory); closed descriptors; flags,
   timeouts and values that do not exist; re-entry from callbacks. The rows
   are docs/bad-input.md's event table; see test_badinput_harness.h. */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/event_struct.h>

#include <sys/time.h>

#include "test_badinput_harness.h"

static struct timeval bi_ms = {0, 1000};
static struct timeval bi_neg = {-1, 0};

static void bi_ev_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}
static void bi_fin(struct event *ev, void *arg) {
  (void)ev;
  (void)arg;
}

static struct timeval bi_tv;

static int bi_foreach(const struct event_base *b, const struct event *ev, void *arg) {
  (void)b;
  (void)ev;
  (void)arg;
  return 0;
}
static struct event *bi_timer(void) {
  return evtimer_new(bi_base, bi_ev_cb, NULL);
}
static struct event *bi_zeroed(void) {
  static struct event zero;
  memset(&zero, 0, sizeof zero);
  return &zero;
}
static long bi_new_with_null_config(void) {
  struct event_base *b = event_base_new_with_config(NULL);
  return b != NULL;
}
static long bi_new_without_base_add(void) {
  struct event *ev = event_new(NULL, -1, 0, bi_ev_cb, NULL);
  return event_add(ev, &bi_ms);
}
static long bi_get_assignment_null(void) {
  int fd = 77;
  event_get_assignment(NULL, NULL, &fd, NULL, NULL, NULL);
  return fd;
}

static void bi_debug_on(void) {
  event_enable_debug_mode();
}

/* A heap event, freed: what a use-after-free hands the library. */
static struct event *bi_freed(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  event_free(ev);
  bi_warnings = 0;
  return ev;
}

static long bi_get_assignment_freed(void) {
  int fd = 77;
  event_get_assignment(bi_freed(), NULL, &fd, NULL, NULL, NULL);
  return fd;
}
static long bi_add_after_base_freed(void) {
  struct event_base *b = event_base_new();
  struct event *ev = evtimer_new(b, bi_ev_cb, NULL);
  event_base_free(b);
  bi_warnings = 0;
  return event_add(ev, &bi_ms);
}
static long bi_new_closed_ok(void) {
  struct event *ev = event_new(bi_base, bi_closed, EV_READ, bi_ev_cb, NULL);
  return ev != NULL;
}
static long bi_add_closed(void) {
  struct event *ev = event_new(bi_base, bi_closed, EV_READ, bi_ev_cb, NULL);
  bi_warnings = 0;
  return event_add(ev, NULL);
}
static long bi_new_unknown_flag(void) {
  struct event *ev = event_new(bi_base, bi_sock[0], (short)(EV_READ | 0x1000), bi_ev_cb, NULL);
  return ev != NULL;
}
static long bi_add_null_cb(void) {
  struct event *ev = event_new(bi_base, bi_sock[0], EV_READ, NULL, NULL);
  return ev != NULL;
}
static long bi_null_cb_fires(void) {
  struct event *ev = event_new(bi_base, bi_sock[0], EV_READ, NULL, NULL);
  event_add(ev, NULL);
  event_active(ev, EV_READ, 1);
  return event_base_loop(bi_base, EVLOOP_NONBLOCK);
}
static long bi_assign_no_base_add(void) {
  static struct event ev;
  event_assign(&ev, NULL, bi_sock[0], EV_READ, bi_ev_cb, NULL);
  return event_add(&ev, NULL);
}
static long bi_add_negative_tv(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  struct timeval tv = {-1, 0};
  return event_add(ev, &tv);
}
static long bi_add_big_usec(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  struct timeval tv = {0, 2000000};
  return event_add(ev, &tv);
}
static long bi_loopexit_negative(void) {
  struct timeval tv = {-1, 0};
  return event_base_loopexit(bi_base, &tv);
}
static long bi_active_no_flags(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  event_active(ev, 0, 1);
  return event_base_loop(bi_base, EVLOOP_NONBLOCK);
}
static long bi_pending_unknown_flags(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  event_add(ev, &bi_ms);
  return event_pending(ev, 0x1000, NULL);
}
static long bi_config_unknown_flag(void) {
  struct event_config *cfg = event_config_new();
  return event_config_set_flag(cfg, 0x10000);
}
static long bi_cpus_negative(void) {
  struct event_config *cfg = event_config_new();
  return event_config_set_num_cpus_hint(cfg, -4);
}
static long bi_max_dispatch_bad(void) {
  struct event_config *cfg = event_config_new();
  struct timeval tv = {-1, 0};
  return event_config_set_max_dispatch_interval(cfg, &tv, -1, 300);
}
static long bi_priority_init_while_active(void) {
  struct event *ev = evtimer_new(bi_base, bi_ev_cb, NULL);
  event_active(ev, EV_TIMEOUT, 1);
  return event_base_priority_init(bi_base, 4);
}
static long bi_signal_65(void) {
  struct event *ev = evsignal_new(bi_base, 65, bi_ev_cb, NULL);
  return evsignal_add(ev, NULL);
}
static int bi_inner;
static void bi_dispatch_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  bi_inner = event_base_dispatch((struct event_base *)arg);
}
static long bi_reentrant_dispatch(void) {
  event_base_once(bi_base, -1, EV_TIMEOUT, bi_dispatch_cb, bi_base, &bi_ms);
  event_base_dispatch(bi_base);
  return bi_inner;
}
static void bi_free_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_free((struct event_base *)arg);
}
static long bi_free_base_in_cb(void) {
  event_base_once(bi_base, -1, EV_TIMEOUT, bi_free_cb, bi_base, &bi_ms);
  return event_base_dispatch(bi_base);
}

/* X(id, the call as the table writes it, the call, eventide's result, logs?,
     libevent: BI_SAME / BI_CRASH / BI_OTHER with its result / BI_ANY) */
#define FN(id, call, expr, want, warns, le, le_want) \
  static long id(void) {                             \
    return (long)(expr);                             \
  }
#define ROW(id, call, expr, want, warns, le, le_want) {call, id, want, warns, le, le_want},

#define NULL_ARGUMENTS_ROWS(X)                                                                     \
  X(null_arguments_0, "event_reinit(NULL)", event_reinit(NULL), -1, 1, BI_CRASH, 0)                \
  X(null_arguments_1, "event_base_dispatch(NULL)", event_base_dispatch(NULL), -1, 1, BI_CRASH, 0)  \
  X(null_arguments_2, "event_base_loop(NULL, 0)", event_base_loop(NULL, 0), -1, 1, BI_CRASH, 0)    \
  X(null_arguments_3, "event_base_get_method(NULL)", event_base_get_method(NULL) != NULL, 0, 1,    \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_4, "event_base_get_features(NULL)", event_base_get_features(NULL), 0, 1,        \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_5, "event_base_get_num_events(NULL, EVENT_BASE_COUNT_ADDED)",                   \
    event_base_get_num_events(NULL, EVENT_BASE_COUNT_ADDED), -1, 1, BI_CRASH, 0)                   \
  X(null_arguments_6, "event_base_get_max_events(NULL, EVENT_BASE_COUNT_ADDED, 0)",                \
    event_base_get_max_events(NULL, EVENT_BASE_COUNT_ADDED, 0), -1, 1, BI_CRASH, 0)                \
  X(null_arguments_7, "event_base_free(NULL)", (event_base_free(NULL), 0), 0, 1, BI_SAME, 0)       \
  X(null_arguments_8, "event_base_free_nofinalize(NULL)", (event_base_free_nofinalize(NULL), 0),   \
    0, 1, BI_SAME, 0)                                                                              \
  X(null_arguments_9, "event_gettime_monotonic(NULL, &tv)", event_gettime_monotonic(NULL, &bi_tv), \
    -1, 1, BI_SAME, 0)                                                                             \
  X(null_arguments_10, "event_gettime_monotonic(base, NULL)",                                      \
    event_gettime_monotonic(bi_base, NULL), -1, 1, BI_SAME, 0)                                     \
  X(null_arguments_11, "event_config_free(NULL)", (event_config_free(NULL), 0), 0, 0, BI_CRASH, 0) \
  X(null_arguments_12, "event_config_avoid_method(NULL, \"epoll\")",                               \
    event_config_avoid_method(NULL, "epoll"), -1, 1, BI_CRASH, 0)                                  \
  X(null_arguments_13, "event_config_avoid_method(cfg, NULL)",                                     \
    event_config_avoid_method(event_config_new(), NULL), -1, 1, BI_SAME, 0)                        \
  X(null_arguments_14, "event_config_require_features(NULL, EV_FEATURE_ET)",                       \
    event_config_require_features(NULL, EV_FEATURE_ET), -1, 1, BI_SAME, 0)                         \
  X(null_arguments_15, "event_config_set_flag(NULL, EVENT_BASE_FLAG_NOLOCK)",                      \
    event_config_set_flag(NULL, EVENT_BASE_FLAG_NOLOCK), -1, 1, BI_SAME, 0)                        \
  X(null_arguments_16, "event_config_set_num_cpus_hint(NULL, 2)",                                  \
    event_config_set_num_cpus_hint(NULL, 2), -1, 1, BI_SAME, 0)                                    \
  X(null_arguments_17, "event_config_set_max_dispatch_interval(NULL, &tv, 1, 0)",                  \
    event_config_set_max_dispatch_interval(NULL, &bi_ms, 1, 0), -1, 1, BI_CRASH, 0)                \
  X(null_arguments_18, "event_base_new_with_config(NULL)", bi_new_with_null_config(), 1, 0,        \
    BI_SAME, 0)                                                                                    \
  X(null_arguments_19, "event_base_set(NULL, ev)", event_base_set(NULL, bi_timer()), -1, 1,        \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_20, "event_base_set(base, NULL)", event_base_set(bi_base, NULL), -1, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_21, "event_base_loopexit(NULL, NULL)", event_base_loopexit(NULL, NULL), -1, 1,  \
    BI_SAME, 0)                                                                                    \
  X(null_arguments_22, "event_base_loopbreak(NULL)", event_base_loopbreak(NULL), -1, 1, BI_SAME,   \
    0)                                                                                             \
  X(null_arguments_23, "event_base_loopcontinue(NULL)", event_base_loopcontinue(NULL), -1, 1,      \
    BI_SAME, 0)                                                                                    \
  X(null_arguments_24, "event_base_got_exit(NULL)", event_base_got_exit(NULL), -1, 1, BI_CRASH, 0) \
  X(null_arguments_25, "event_base_got_break(NULL)", event_base_got_break(NULL), -1, 1, BI_CRASH,  \
    0)                                                                                             \
  X(null_arguments_26, "event_new(NULL, -1, 0, cb, NULL) then event_add",                          \
    bi_new_without_base_add(), -1, 1, BI_SAME, 0)                                                  \
  X(null_arguments_27, "event_assign(NULL, base, -1, 0, cb, NULL)",                                \
    event_assign(NULL, bi_base, -1, 0, bi_ev_cb, NULL), -1, 1, BI_CRASH, 0)                        \
  X(null_arguments_28, "event_free(NULL)", (event_free(NULL), 0), 0, 0, BI_CRASH, 0)               \
  X(null_arguments_29, "event_finalize(0, NULL, fin)", event_finalize(0, NULL, bi_fin), -1, 1,     \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_30, "event_finalize(0, ev, NULL)", event_finalize(0, bi_timer(), NULL), -1, 1,  \
    BI_OTHER, 0)                                                                                   \
  X(null_arguments_31, "event_free_finalize(0, NULL, fin)", event_free_finalize(0, NULL, bi_fin),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(null_arguments_32, "event_base_once(NULL, -1, EV_TIMEOUT, cb, NULL, &tv)",                     \
    event_base_once(NULL, -1, EV_TIMEOUT, bi_ev_cb, NULL, &bi_ms), -1, 1, BI_SAME, 0)              \
  X(null_arguments_33, "event_base_once(base, -1, EV_TIMEOUT, NULL, NULL, &tv)",                   \
    event_base_once(bi_base, -1, EV_TIMEOUT, NULL, NULL, &bi_ms), -1, 1, BI_OTHER, 0)              \
  X(null_arguments_34, "event_add(NULL, &tv)", event_add(NULL, &bi_ms), -1, 1, BI_CRASH, 0)        \
  X(null_arguments_35, "event_add(zeroed struct event, &tv)", event_add(bi_zeroed(), &bi_ms), -1,  \
    1, BI_SAME, 0)                                                                                 \
  X(null_arguments_36, "event_remove_timer(NULL)", event_remove_timer(NULL), -1, 1, BI_CRASH, 0)   \
  X(null_arguments_37, "event_del(NULL)", event_del(NULL), -1, 1, BI_CRASH, 0)                     \
  X(null_arguments_38, "event_del(zeroed struct event)", event_del(bi_zeroed()), -1, 1, BI_SAME,   \
    0)                                                                                             \
  X(null_arguments_39, "event_del_noblock(NULL)", event_del_noblock(NULL), -1, 1, BI_CRASH, 0)     \
  X(null_arguments_40, "event_del_block(NULL)", event_del_block(NULL), -1, 1, BI_CRASH, 0)         \
  X(null_arguments_41, "event_active(NULL, EV_READ, 1)", (event_active(NULL, EV_READ, 1), 0), 0,   \
    1, BI_CRASH, 0)                                                                                \
  X(null_arguments_42, "event_pending(NULL, EV_READ, NULL)", event_pending(NULL, EV_READ, NULL),   \
    0, 1, BI_CRASH, 0)                                                                             \
  X(null_arguments_43, "event_base_get_running_event(NULL)",                                       \
    event_base_get_running_event(NULL) != NULL, 0, 1, BI_CRASH, 0)                                 \
  X(null_arguments_44, "event_initialized(NULL)", event_initialized(NULL), 0, 0, BI_CRASH, 0)      \
  X(null_arguments_45, "event_get_fd(NULL)", event_get_fd(NULL), -1, 1, BI_CRASH, 0)               \
  X(null_arguments_46, "event_get_base(NULL)", event_get_base(NULL) != NULL, 0, 1, BI_CRASH, 0)    \
  X(null_arguments_47, "event_get_events(NULL)", event_get_events(NULL), 0, 1, BI_CRASH, 0)        \
  X(null_arguments_48, "event_get_callback(NULL)", event_get_callback(NULL) != NULL, 0, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_49, "event_get_callback_arg(NULL)", event_get_callback_arg(NULL) != NULL, 0, 1, \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_50, "event_get_priority(NULL)", event_get_priority(NULL), -1, 1, BI_CRASH, 0)   \
  X(null_arguments_51, "event_get_assignment(NULL, ...)", bi_get_assignment_null(), 77, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_52, "event_base_priority_init(NULL, 2)", event_base_priority_init(NULL, 2), -1, \
    1, BI_CRASH, 0)                                                                                \
  X(null_arguments_53, "event_base_get_npriorities(NULL)", event_base_get_npriorities(NULL), -1,   \
    1, BI_CRASH, 0)                                                                                \
  X(null_arguments_54, "event_priority_set(NULL, 0)", event_priority_set(NULL, 0), -1, 1,          \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_55, "event_base_init_common_timeout(NULL, &tv)",                                \
    event_base_init_common_timeout(NULL, &bi_ms) != NULL, 0, 1, BI_CRASH, 0)                       \
  X(null_arguments_56, "event_base_init_common_timeout(base, NULL)",                               \
    event_base_init_common_timeout(bi_base, NULL) != NULL, 0, 1, BI_CRASH, 0)                      \
  X(null_arguments_57, "event_base_dump_events(NULL, stderr)",                                     \
    (event_base_dump_events(NULL, stderr), 0), 0, 1, BI_CRASH, 0)                                  \
  X(null_arguments_58, "event_base_dump_events(base, NULL)",                                       \
    (event_base_dump_events(bi_base, NULL), 0), 0, 1, BI_CRASH, 0)                                 \
  X(null_arguments_59, "event_base_active_by_fd(NULL, 0, EV_READ)",                                \
    (event_base_active_by_fd(NULL, 0, EV_READ), 0), 0, 1, BI_CRASH, 0)                             \
  X(null_arguments_60, "event_base_active_by_signal(NULL, SIGUSR1)",                               \
    (event_base_active_by_signal(NULL, SIGUSR1), 0), 0, 1, BI_CRASH, 0)                            \
  X(null_arguments_61, "event_base_foreach_event(NULL, fn, NULL)",                                 \
    event_base_foreach_event(NULL, bi_foreach, NULL), -1, 1, BI_SAME, 0)                           \
  X(null_arguments_62, "event_base_foreach_event(base, NULL, NULL)",                               \
    event_base_foreach_event(bi_base, NULL, NULL), -1, 1, BI_SAME, 0)                              \
  X(null_arguments_63, "event_base_gettimeofday_cached(NULL, &tv)",                                \
    event_base_gettimeofday_cached(NULL, &bi_tv), 0, 0, BI_SAME, 0)                                \
  X(null_arguments_64, "event_base_gettimeofday_cached(base, NULL)",                               \
    event_base_gettimeofday_cached(bi_base, NULL), -1, 1, BI_OTHER, 0)                             \
  X(null_arguments_65, "event_base_update_cache_time(NULL)", event_base_update_cache_time(NULL),   \
    -1, 0, BI_SAME, 0)                                                                             \
  X(null_arguments_66, "event_set_log_callback(NULL)", (event_set_log_callback(NULL), 0), 0, 0,    \
    BI_SAME, 0)                                                                                    \
  X(null_arguments_67, "event_set_fatal_callback(NULL)", (event_set_fatal_callback(NULL), 0), 0,   \
    0, BI_SAME, 0)                                                                                 \
  X(null_arguments_68, "event_debug_unassign(NULL)", (event_debug_unassign(NULL), 0), 0, 0,        \
    BI_CRASH, 0)                                                                                   \
  X(null_arguments_69, "event_set_mem_functions(NULL, NULL, NULL)",                                \
    (event_set_mem_functions(NULL, NULL, NULL), 0), 0, 0, BI_SAME, 0)                              \
  X(null_arguments_70, "event_self_cbarg() outside any callback", event_self_cbarg() != NULL, 1,   \
    0, BI_SAME, 0)                                                                                 \
  X(null_arguments_71, "event_enable_debug_logging(0x1234)",                                       \
    (event_enable_debug_logging(0x1234), 0), 0, 0, BI_SAME, 0)
NULL_ARGUMENTS_ROWS(FN)

static const struct bi_row null_arguments_rows[] = {NULL_ARGUMENTS_ROWS(ROW)};

static void null_arguments(void) {
  bi_pre_setup = NULL;
  BI_ROWS(null_arguments_rows);
}

#define USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(X)                                                       \
  X(use_after_free_in_debug_mode_72, "event_add(freed event, NULL)", event_add(bi_freed(), NULL),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(use_after_free_in_debug_mode_73, "event_add(freed event, &tv)", event_add(bi_freed(), &bi_ms), \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(use_after_free_in_debug_mode_74, "event_del(freed event)", event_del(bi_freed()), -1, 1,       \
    BI_CRASH, 0)                                                                                   \
  X(use_after_free_in_debug_mode_75, "event_del_block(freed event)", event_del_block(bi_freed()),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(use_after_free_in_debug_mode_76, "event_del_noblock(freed event)",                             \
    event_del_noblock(bi_freed()), -1, 1, BI_CRASH, 0)                                             \
  X(use_after_free_in_debug_mode_77, "event_remove_timer(freed event)",                            \
    event_remove_timer(bi_freed()), -1, 1, BI_CRASH, 0)                                            \
  X(use_after_free_in_debug_mode_78, "event_active(freed event, EV_TIMEOUT, 1)",                   \
    (event_active(bi_freed(), EV_TIMEOUT, 1), 0), 0, 1, BI_CRASH, 0)                               \
  X(use_after_free_in_debug_mode_79, "event_pending(freed event, EV_TIMEOUT, NULL)",               \
    event_pending(bi_freed(), EV_TIMEOUT, NULL), 0, 1, BI_CRASH, 0)                                \
  X(use_after_free_in_debug_mode_80, "event_priority_set(freed event, 0)",                         \
    event_priority_set(bi_freed(), 0), -1, 1, BI_CRASH, 0)                                         \
  X(use_after_free_in_debug_mode_81, "event_get_fd(freed event)", event_get_fd(bi_freed()), -1, 1, \
    BI_CRASH, 0)                                                                                   \
  X(use_after_free_in_debug_mode_82, "event_get_base(freed event)",                                \
    event_get_base(bi_freed()) != NULL, 0, 1, BI_CRASH, 0)                                         \
  X(use_after_free_in_debug_mode_83, "event_get_events(freed event)",                              \
    event_get_events(bi_freed()), 0, 1, BI_CRASH, 0)                                               \
  X(use_after_free_in_debug_mode_84, "event_get_callback(freed event)",                            \
    event_get_callback(bi_freed()) != NULL, 0, 1, BI_CRASH, 0)                                     \
  X(use_after_free_in_debug_mode_85, "event_get_callback_arg(freed event)",                        \
    event_get_callback_arg(bi_freed()) != NULL, 0, 1, BI_CRASH, 0)                                 \
  X(use_after_free_in_debug_mode_86, "event_get_priority(freed event)",                            \
    event_get_priority(bi_freed()), -1, 1, BI_CRASH, 0)                                            \
  X(use_after_free_in_debug_mode_87, "event_get_assignment(freed event, ...)",                     \
    bi_get_assignment_freed(), 77, 1, BI_CRASH, 0)                                                 \
  X(use_after_free_in_debug_mode_88, "event_base_set(base, freed event)",                          \
    event_base_set(bi_base, bi_freed()), -1, 1, BI_CRASH, 0)                                       \
  X(use_after_free_in_debug_mode_89, "event_free(freed event) (double free)",                      \
    (event_free(bi_freed()), 0), 0, 1, BI_CRASH, 0)                                                \
  X(use_after_free_in_debug_mode_90, "event_finalize(0, freed event, fin)",                        \
    event_finalize(0, bi_freed(), bi_fin), -1, 1, BI_CRASH, 0)                                     \
  X(use_after_free_in_debug_mode_91, "event_free_finalize(0, freed event, fin)",                   \
    event_free_finalize(0, bi_freed(), bi_fin), -1, 1, BI_CRASH, 0)                                \
  X(use_after_free_in_debug_mode_92, "event_add(event of a freed base, &tv)",                      \
    bi_add_after_base_freed(), -1, 1, BI_OTHER, 0)
USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(FN)

static const struct bi_row use_after_free_in_debug_mode_rows[] = {
    USE_AFTER_FREE_IN_DEBUG_MODE_ROWS(ROW)};

static void use_after_free_in_debug_mode(void) {
  bi_pre_setup = bi_debug_on;
  BI_ROWS(use_after_free_in_debug_mode_rows);
}

#define CLOSED_FDS_FLAGS_AND_VALUES_ROWS(X)                                                        \
  X(closed_fds_flags_and_values_93, "event_new(base, closed fd, EV_READ, cb, NULL)",               \
    bi_new_closed_ok(), 1, 0, BI_SAME, 0)                                                          \
  X(closed_fds_flags_and_values_94, "event_add(event on closed fd, NULL)", bi_add_closed(), -1, 1, \
    BI_SAME, 0)                                                                                    \
  X(closed_fds_flags_and_values_95, "event_base_once(base, closed fd, EV_READ, cb, NULL, NULL)",   \
    event_base_once(bi_base, bi_closed, EV_READ, bi_ev_cb, NULL, NULL), -1, 1, BI_SAME, 0)         \
  X(closed_fds_flags_and_values_96, "event_base_active_by_fd(base, closed fd, EV_READ)",           \
    (event_base_active_by_fd(bi_base, bi_closed, EV_READ), 0), 0, 0, BI_SAME, 0)                   \
  X(closed_fds_flags_and_values_97, "event_base_active_by_fd(base, -1, EV_READ)",                  \
    (event_base_active_by_fd(bi_base, -1, EV_READ), 0), 0, 0, BI_SAME, 0)                          \
  X(closed_fds_flags_and_values_98, "event_new(base, fd, 0x1000 (no such flag), cb, NULL)",        \
    bi_new_unknown_flag(), 1, 0, BI_SAME, 0)                                                       \
  X(closed_fds_flags_and_values_99, "event_new(base, fd, EV_READ, NULL, NULL)", bi_add_null_cb(),  \
    1, 0, BI_SAME, 0)                                                                              \
  X(closed_fds_flags_and_values_100,                                                               \
    "event_assign(ev, NULL, fd, EV_READ, cb, NULL) then event_add", bi_assign_no_base_add(), -1,   \
    1, BI_SAME, 0)                                                                                 \
  X(closed_fds_flags_and_values_101, "event_add(ev, {-1, 0})", bi_add_negative_tv(), 0, 0,         \
    BI_SAME, 0)                                                                                    \
  X(closed_fds_flags_and_values_102, "event_add(ev, {0, 2000000})", bi_add_big_usec(), 0, 0,       \
    BI_SAME, 0)                                                                                    \
  X(closed_fds_flags_and_values_103, "event_base_loopexit(base, {-1, 0})", bi_loopexit_negative(), \
    0, 0, BI_SAME, 0)                                                                              \
  X(closed_fds_flags_and_values_104, "event_active(ev, 0, 1)", bi_active_no_flags(), 1, 0,         \
    BI_SAME, 0)                                                                                    \
  X(closed_fds_flags_and_values_105, "event_pending(ev, 0x1000, NULL)",                            \
    bi_pending_unknown_flags(), 0, 0, BI_SAME, 0)                                                  \
  X(closed_fds_flags_and_values_106, "event_base_get_num_events(base, 0x100)",                     \
    event_base_get_num_events(bi_base, 0x100), 0, 0, BI_SAME, 0)                                   \
  X(closed_fds_flags_and_values_107, "event_config_set_flag(cfg, 0x10000)",                        \
    bi_config_unknown_flag(), 0, 0, BI_SAME, 0)                                                    \
  X(closed_fds_flags_and_values_108, "event_config_set_num_cpus_hint(cfg, -4)",                    \
    bi_cpus_negative(), 0, 0, BI_SAME, 0)                                                          \
  X(closed_fds_flags_and_values_109,                                                               \
    "event_config_set_max_dispatch_interval(cfg, {-1,0}, -1, 300)", bi_max_dispatch_bad(), 0, 0,   \
    BI_SAME, 0)                                                                                    \
  X(closed_fds_flags_and_values_110, "event_base_init_common_timeout(base, {-1, 0})",              \
    event_base_init_common_timeout(bi_base, &bi_neg) != NULL, 1, 0, BI_SAME, 0)                    \
  X(closed_fds_flags_and_values_111, "event_base_priority_init(base, 4) while events are active",  \
    bi_priority_init_while_active(), -1, 1, BI_SAME, 0)                                            \
  X(closed_fds_flags_and_values_112, "event_reinit(base) twice",                                   \
    (event_reinit(bi_base), event_reinit(bi_base)), 0, 0, BI_SAME, 0)                              \
  X(closed_fds_flags_and_values_113, "evsignal_new(base, 65, cb, NULL) then evsignal_add",         \
    bi_signal_65(), -1, 1, BI_SAME, 0)                                                             \
  X(closed_fds_flags_and_values_114, "event_base_dispatch(base) inside its own callback",          \
    bi_reentrant_dispatch(), -1, 1, BI_SAME, 0)
CLOSED_FDS_FLAGS_AND_VALUES_ROWS(FN)

static const struct bi_row closed_fds_flags_and_values_rows[] = {
    CLOSED_FDS_FLAGS_AND_VALUES_ROWS(ROW)};

static void closed_fds_flags_and_values(void) {
  bi_pre_setup = NULL;
  BI_ROWS(closed_fds_flags_and_values_rows);
}

#define FREE_BASE_INSIDE_CALLBACK_ROWS(X)                                           \
  X(free_base_inside_callback_115, "event_base_free(base) inside its own callback", \
    bi_free_base_in_cb(), 0, BI_ANY_LOGGED, BI_CRASH, 0)
FREE_BASE_INSIDE_CALLBACK_ROWS(FN)

static const struct bi_row free_base_inside_callback_rows[] = {FREE_BASE_INSIDE_CALLBACK_ROWS(ROW)};

static void free_base_inside_callback(void) {
  bi_pre_setup = NULL;
  BI_ROWS(free_base_inside_callback_rows);
}

#define NULL_CALLBACK_FIRES_ROWS(X)                                                  \
  X(null_callback_fires_116, "an event with a NULL callback, added and made active", \
    bi_null_cb_fires(), 0, BI_ANY_LOGGED, BI_CRASH, 0)
NULL_CALLBACK_FIRES_ROWS(FN)

static const struct bi_row null_callback_fires_rows[] = {NULL_CALLBACK_FIRES_ROWS(ROW)};

static void null_callback_fires(void) {
  bi_pre_setup = NULL;
  BI_ROWS(null_callback_fires_rows);
}

static const struct ct_case cases[] = {
    {"null_arguments", null_arguments, 0},
    {"use_after_free_in_debug_mode", use_after_free_in_debug_mode, 0},
    {"closed_fds_flags_and_values", closed_fds_flags_and_values, 0},
    {"free_base_inside_callback", free_base_inside_callback, 0},
    {"null_callback_fires", null_callback_fires, 0},
};
CT_REGISTER(badinput_event, cases)
