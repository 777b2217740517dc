/* eventide: libevent's legacy global-base calls (event2/event_compat.h). */
#ifndef EVENT2_EVENT_COMPAT_H_INCLUDED_
#define EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a base and makes it the "current" one used by the calls below. */
EVENT2_EXPORT_SYMBOL struct event_base *event_init(void);
/* event_base_dispatch on the current base. 0, 1 (no events) or -1. */
EVENT2_EXPORT_SYMBOL int event_dispatch(void);
/* event_base_loop on the current base with EVLOOP_* flags. 0, 1 or -1. */
EVENT2_EXPORT_SYMBOL int event_loop(int);
/* event_base_loopexit on the current base. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_loopexit(const struct timeval *);
/* event_base_loopbreak on the current base. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_loopbreak(void);
/* event_base_once on the current base. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_once(evutil_socket_t, short,
                                    void (*)(evutil_socket_t, short, void *), void *,
                                    const struct timeval *);
/* The current base's backend name. */
EVENT2_EXPORT_SYMBOL const char *event_get_method(void);
/* event_base_priority_init on the current base. 0 or -1. */
EVENT2_EXPORT_SYMBOL int event_priority_init(int);
/* Assigns the event to the current base (if any). */
EVENT2_EXPORT_SYMBOL void event_set(struct event *, evutil_socket_t, short,
                                    void (*)(evutil_socket_t, short, void *), void *);

/* Legacy event_assign of a pure timer on the current base. */
#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
/* Legacy event_assign of a persistent signal event on the current base. */
#define evsignal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))

/* Old name of evtimer_add. 0 or -1. */
#define timeout_add(ev, tv) event_add((ev), (tv))
/* Old name of evtimer_set. */
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
/* Old name of evtimer_del. 0 or -1. */
#define timeout_del(ev) event_del(ev)
/* Old name of evtimer_pending. */
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
/* Old name of evtimer_initialized. */
#define timeout_initialized(ev) event_initialized(ev)

/* Old name of evsignal_add. 0 or -1. */
#define signal_add(ev, tv) event_add((ev), (tv))
/* Old name of evsignal_set. */
#define signal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/* Old name of evsignal_del. 0 or -1. */
#define signal_del(ev) event_del(ev)
/* Old name of evsignal_pending. */
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/* Old name of evsignal_initialized. */
#define signal_initialized(ev) event_initialized(ev)

#ifndef EVENT_FD
/* The event's fd as an int. */
#define EVENT_FD(ev) ((int)event_get_fd(ev))
/* The event's signal number. */
#define EVENT_SIGNAL(ev) event_get_signal(ev)
#endif

#ifdef __cplusplus
}
#endif

#endif
