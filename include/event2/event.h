/* eventide: the reactor's C face (libevent 2.1's event2/event.h): event bases,
   events, timers, signals, loop control, configuration and introspection. */
#ifndef EVENT2_EVENT_H_INCLUDED_
#define EVENT2_EVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct event;
struct event_config;

/* Debug mode: must be called before any event or base exists. Catches use of
   unassigned, freed or re-assigned events with a log message and an error
   return instead of memory corruption. */
EVENT2_EXPORT_SYMBOL void event_enable_debug_mode(void);
/* Forget a (never-added) event in debug mode before its memory is released. */
EVENT2_EXPORT_SYMBOL void event_debug_unassign(struct event *);

/* A new base with the default configuration; NULL on failure. */
EVENT2_EXPORT_SYMBOL struct event_base *event_base_new(void);
/* Re-create kernel state after fork(); call in the child. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_reinit(struct event_base *base);
/* event_base_loop(base, 0). */
EVENT2_EXPORT_SYMBOL int event_base_dispatch(struct event_base *);
/* "epoll", "poll" or "select". */
EVENT2_EXPORT_SYMBOL const char *event_base_get_method(const struct event_base *);
/* NULL-terminated static list of the backends compiled in, best first. */
EVENT2_EXPORT_SYMBOL const char **event_get_supported_methods(void);
/* The base's monotonic clock (uncached). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_gettime_monotonic(struct event_base *base, struct timeval *tp);

/* Count flag: events currently active. */
#define EVENT_BASE_COUNT_ACTIVE 1U
/* Count flag: internal (virtual) events such as the notify pipe. */
#define EVENT_BASE_COUNT_VIRTUAL 2U
/* Count flag: events added (pending) on the base. */
#define EVENT_BASE_COUNT_ADDED 4U
/* Number of events of the EVENT_BASE_COUNT_* kinds in the second argument; -1 on bad arguments. */
EVENT2_EXPORT_SYMBOL int event_base_get_num_events(struct event_base *, unsigned int);
/* Highest count seen for the given kinds since creation; nonzero third argument resets it. */
EVENT2_EXPORT_SYMBOL int event_base_get_max_events(struct event_base *, unsigned int, int);

/* A new config with defaults; free with event_config_free. NULL on allocation failure. */
EVENT2_EXPORT_SYMBOL struct event_config *event_config_new(void);
/* Frees a config and its avoided-method list; NULL is ignored. */
EVENT2_EXPORT_SYMBOL void event_config_free(struct event_config *cfg);
/* Never pick backend method (copied) for bases made from cfg. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_config_avoid_method(struct event_config *cfg, const char *method);

/* Backend capabilities, ORed in event_config_require_features / event_base_get_features. */
enum event_method_feature {
  EV_FEATURE_ET = 0x01,
  EV_FEATURE_O1 = 0x02,
  EV_FEATURE_FDS = 0x04,
  EV_FEATURE_EARLY_CLOSE = 0x08
};

/* Flags for event_config_set_flag that change how a base is built. */
enum event_base_config_flag {
  EVENT_BASE_FLAG_NOLOCK = 0x01,
  EVENT_BASE_FLAG_IGNORE_ENV = 0x02,
  EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,
  EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08,
  EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10,
  EVENT_BASE_FLAG_PRECISE_TIMER = 0x20
};

/* The EV_FEATURE_* bits the base's backend supports. */
EVENT2_EXPORT_SYMBOL int event_base_get_features(const struct event_base *base);
/* Only accept backends with all feature bits. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_config_require_features(struct event_config *cfg, int feature);
/* ORs an EVENT_BASE_FLAG_* into cfg. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_config_set_flag(struct event_config *cfg, int flag);
/* Hint for IOCP (ignored on Linux). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus);
/* Caps loop time spent in callbacks of priority >= min_priority between polls. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_config_set_max_dispatch_interval(struct event_config *cfg,
                                                                const struct timeval *max_interval,
                                                                int max_callbacks,
                                                                int min_priority);
/* NULL when no backend satisfies the configuration. */
EVENT2_EXPORT_SYMBOL struct event_base *event_base_new_with_config(const struct event_config *);
/* Frees the base; pending events become non-pending, pending once-events are freed. */
EVENT2_EXPORT_SYMBOL void event_base_free(struct event_base *);
/* Like event_base_free but never runs pending finalizers. */
EVENT2_EXPORT_SYMBOL void event_base_free_nofinalize(struct event_base *);

/* Log severity: debug messages (only when debug logging is on). */
#define EVENT_LOG_DEBUG 0
/* Log severity: informational. */
#define EVENT_LOG_MSG 1
/* Log severity: warnings. */
#define EVENT_LOG_WARN 2
/* Log severity: errors. */
#define EVENT_LOG_ERR 3
/* Deprecated alias of EVENT_LOG_DEBUG. */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG
/* Deprecated alias of EVENT_LOG_MSG. */
#define _EVENT_LOG_MSG EVENT_LOG_MSG
/* Deprecated alias of EVENT_LOG_WARN. */
#define _EVENT_LOG_WARN EVENT_LOG_WARN
/* Deprecated alias of EVENT_LOG_ERR. */
#define _EVENT_LOG_ERR EVENT_LOG_ERR

/* Receives every log message; must not call back into the library. */
typedef void (*event_log_cb)(int severity, const char *msg);
/* NULL restores the default (stderr). */
EVENT2_EXPORT_SYMBOL void event_set_log_callback(event_log_cb cb);
/* Called on a fatal internal error with an errno-like code; should not return. */
typedef void (*event_fatal_cb)(int err);
/* Replaces the fatal-error handler (NULL: the default, which aborts). */
EVENT2_EXPORT_SYMBOL void event_set_fatal_callback(event_fatal_cb cb);
/* Debug-logging mask: everything. */
#define EVENT_DBG_ALL 0xffffffffu
/* Debug-logging mask: nothing. */
#define EVENT_DBG_NONE 0
/* Enables debug-level log messages for the given mask (EVENT_DBG_*). */
EVENT2_EXPORT_SYMBOL void event_enable_debug_logging(ev_uint32_t which);

/* Move a non-pending event to another base. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_set(struct event_base *, struct event *);

/* Loop flag: block until an event is active, run callbacks, return. */
#define EVLOOP_ONCE 0x01
/* Loop flag: poll once without blocking, run ready callbacks, return. */
#define EVLOOP_NONBLOCK 0x02
/* Loop flag: keep running when no events are pending (until loopexit/loopbreak). */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04

/* 0 on a normal exit, 1 when no events were registered, -1 on error
   (including a reentrant call on the same base). */
EVENT2_EXPORT_SYMBOL int event_base_loop(struct event_base *, int);
/* Exit the loop after the given delay (NULL: after this iteration's callbacks). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_loopexit(struct event_base *, const struct timeval *);
/* Exit the loop after the current callback; thread-safe with locking on. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_loopbreak(struct event_base *);
/* Restart polling after the current callback instead of running the rest. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_loopcontinue(struct event_base *);
/* Nonzero if the last loop ended through event_base_loopexit. */
EVENT2_EXPORT_SYMBOL int event_base_got_exit(struct event_base *);
/* Nonzero if the last loop ended through event_base_loopbreak. */
EVENT2_EXPORT_SYMBOL int event_base_got_break(struct event_base *);

/* Event flag: the timeout expired. */
#define EV_TIMEOUT 0x01
/* Event flag: fd is readable. */
#define EV_READ 0x02
/* Event flag: fd is writable. */
#define EV_WRITE 0x04
/* Event flag: the fd argument is a signal number. */
#define EV_SIGNAL 0x08
/* Event flag: stays pending after its callback runs. */
#define EV_PERSIST 0x10
/* Event flag: edge-triggered (backend must support EV_FEATURE_ET). */
#define EV_ET 0x20
/* Event flag: event_del does not wait for a running callback (use finalizers). */
#define EV_FINALIZE 0x40
/* Event flag: peer closed the connection (EV_FEATURE_EARLY_CLOSE). */
#define EV_CLOSED 0x80

/* event_assign for a pure timer (no fd, no flags). */
#define evtimer_assign(ev, b, cb, arg) event_assign((ev), (b), -1, 0, (cb), (arg))
/* event_new for a pure timer; free with event_free. */
#define evtimer_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
/* Schedule a timer; tv is relative. 0 or -1. */
#define evtimer_add(ev, tv) event_add((ev), (tv))
/* Cancel a timer. 0 or -1. */
#define evtimer_del(ev) event_del(ev)
/* Nonzero if the timer is pending; tv gets its expiry. */
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
/* Nonzero once the timer memory was assigned. */
#define evtimer_initialized(ev) event_initialized(ev)

/* Add a signal event (tv: optional timeout). 0 or -1. */
#define evsignal_add(ev, tv) event_add((ev), (tv))
/* event_assign for signal x, persistent. */
#define evsignal_assign(ev, b, x, cb, arg) \
  event_assign((ev), (b), (x), EV_SIGNAL | EV_PERSIST, cb, (arg))
/* event_new for signal x, persistent; free with event_free. */
#define evsignal_new(b, x, cb, arg) event_new((b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/* Remove a signal event. 0 or -1. */
#define evsignal_del(ev) event_del(ev)
/* Nonzero if the signal event is pending. */
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/* Nonzero once the signal event memory was assigned. */
#define evsignal_initialized(ev) event_initialized(ev)

/* An fd-less event that only fires through evuser_trigger; free with event_free. */
#define evuser_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
/* Remove a user event. 0 or -1. */
#define evuser_del(ev) event_del(ev)
/* Nonzero if the user event is pending or active. */
#define evuser_pending(ev, tv) event_pending((ev), 0, (tv))
/* Nonzero once the user event memory was assigned. */
#define evuser_initialized(ev) event_initialized(ev)
/* Activate a user event from any thread (with locking on). */
#define evuser_trigger(ev) event_active((ev), 0, 0)

/* Event callback: (fd or signal, EV_* flags that fired, user argument). */
typedef void (*event_callback_fn)(evutil_socket_t, short, void *);

/* Pass as the callback argument to get the event itself. */
EVENT2_EXPORT_SYMBOL void *event_self_cbarg(void);
/* A heap-allocated event; NULL (and a log message) on bad arguments. */
EVENT2_EXPORT_SYMBOL struct event *event_new(struct event_base *, evutil_socket_t, short,
                                             event_callback_fn, void *);
/* Prepare caller-owned memory as an event. Must not be pending. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_assign(struct event *, struct event_base *, evutil_socket_t, short,
                                      event_callback_fn, void *);
/* Delete (if pending) and release an event from event_new. */
EVENT2_EXPORT_SYMBOL void event_free(struct event *);

/* Finalizer callback: runs once the event can no longer fire; may free it. */
typedef void (*event_finalize_callback_fn)(struct event *, void *);
/* Delete ev and run cb later in the loop, without blocking. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_finalize(unsigned, struct event *, event_finalize_callback_fn);
/* Delete ev, run cb, then free ev (must come from event_new). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_free_finalize(unsigned, struct event *, event_finalize_callback_fn);

/* A self-freeing one-shot event; EV_SIGNAL and EV_PERSIST are refused. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_once(struct event_base *, evutil_socket_t, short,
                                         event_callback_fn, void *, const struct timeval *);
/* Make pending (re-adding only resets the timeout). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_add(struct event *ev, const struct timeval *timeout);
/* Remove only the timeout, keeping fd/signal interest. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_remove_timer(struct event *ev);
/* Make non-pending and non-active. From another thread, waits for a running
   callback of this event to return (unless EV_FINALIZE). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_del(struct event *);
/* event_del that never waits for a running callback. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_del_noblock(struct event *ev);
/* event_del that always waits for a running callback in another thread. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_del_block(struct event *ev);
/* Activate with result flags res (ORed into an already active event). */
EVENT2_EXPORT_SYMBOL void event_active(struct event *ev, int res, short ncalls);
/* Which of events are pending or active; tv gets the absolute expiry
   (gettimeofday time) when EV_TIMEOUT is asked and pending. */
EVENT2_EXPORT_SYMBOL int event_pending(const struct event *ev, short events, struct timeval *tv);
/* The event whose callback is running now, or NULL; loop thread only. */
EVENT2_EXPORT_SYMBOL struct event *event_base_get_running_event(struct event_base *base);
/* Nonzero once event_assign/event_new has prepared the memory; 0 on zeroed memory. */
EVENT2_EXPORT_SYMBOL int event_initialized(const struct event *ev);

/* The signal number of a signal event. */
#define event_get_signal(ev) ((int)event_get_fd(ev))
/* The fd (or signal) the event was assigned with. */
EVENT2_EXPORT_SYMBOL evutil_socket_t event_get_fd(const struct event *ev);
/* The base the event belongs to. */
EVENT2_EXPORT_SYMBOL struct event_base *event_get_base(const struct event *ev);
/* The EV_* flags the event was assigned with. */
EVENT2_EXPORT_SYMBOL short event_get_events(const struct event *ev);
/* The callback the event was assigned with. */
EVENT2_EXPORT_SYMBOL event_callback_fn event_get_callback(const struct event *ev);
/* The callback argument the event was assigned with. */
EVENT2_EXPORT_SYMBOL void *event_get_callback_arg(const struct event *ev);
/* The event's priority (0 is most urgent). */
EVENT2_EXPORT_SYMBOL int event_get_priority(const struct event *ev);
/* Copies each assigned field into the non-NULL out pointers. */
EVENT2_EXPORT_SYMBOL void event_get_assignment(const struct event *event,
                                               struct event_base **base_out,
                                               evutil_socket_t *fd_out, short *events_out,
                                               event_callback_fn *callback_out, void **arg_out);
/* sizeof(struct event) in this build, for callers allocating events themselves. */
EVENT2_EXPORT_SYMBOL size_t event_get_struct_event_size(void);

/* The libevent version eventide is compatible with ("2.1.12-stable"). */
EVENT2_EXPORT_SYMBOL const char *event_get_version(void);
/* The version as 0xMMmmpp00 (matches LIBEVENT_VERSION_NUMBER). */
EVENT2_EXPORT_SYMBOL ev_uint32_t event_get_version_number(void);
/* Compile-time version string. */
#define LIBEVENT_VERSION EVENT__VERSION
/* Compile-time version number, same layout as event_get_version_number. */
#define LIBEVENT_VERSION_NUMBER EVENT__NUMERIC_VERSION

/* Upper bound for event_base_priority_init. */
#define EVENT_MAX_PRIORITIES 256
/* Set the number of priorities (1..EVENT_MAX_PRIORITIES) before any event is active. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_priority_init(struct event_base *, int);
/* Number of priorities the base has. */
EVENT2_EXPORT_SYMBOL int event_base_get_npriorities(struct event_base *eb);
/* Set a non-active event's priority (0..npriorities-1). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_priority_set(struct event *, int);

/* A magic timeval for many events sharing one duration: O(1) add. */
EVENT2_EXPORT_SYMBOL const struct timeval *event_base_init_common_timeout(
    struct event_base *base, const struct timeval *duration);

/* Replace malloc/realloc/free for all library memory; call before any other call. */
EVENT2_EXPORT_SYMBOL void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
                                                  void *(*realloc_fn)(void *ptr, size_t sz),
                                                  void (*free_fn)(void *ptr));
/* Defined because event_set_mem_functions is available. */
#define EVENT_SET_MEM_FUNCTIONS_IMPLEMENTED

/* Writes a human-readable list of the base's events to the stream (debugging). */
EVENT2_EXPORT_SYMBOL void event_base_dump_events(struct event_base *, FILE *);
/* Activate every event on fd with the given EV_* flags. */
EVENT2_EXPORT_SYMBOL void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd,
                                                  short events);
/* Activate every event on signal sig as if it had been delivered. */
EVENT2_EXPORT_SYMBOL void event_base_active_by_signal(struct event_base *base, int sig);

/* Visitor for event_base_foreach_event; nonzero stops the walk. Must not add or remove events. */
typedef int (*event_base_foreach_event_cb)(const struct event_base *, const struct event *, void *);
/* Stops and returns fn's value when it returns nonzero. */
EVENT2_EXPORT_SYMBOL int event_base_foreach_event(struct event_base *base,
                                                  event_base_foreach_event_cb fn, void *arg);
/* Current time from the loop's cache (or the clock if none). 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_gettimeofday_cached(struct event_base *base,
                                                        struct timeval *tv);
/* Refresh the loop's cached time now. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_base_update_cache_time(struct event_base *base);
/* Release global state; no eventide call may follow. */
EVENT2_EXPORT_SYMBOL void libevent_global_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
