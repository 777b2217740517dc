/* eventide: the layout of struct event, complete so programs can embed it or
   calloc arrays of it (libevent 2.1's event2/event_struct.h). 120 bytes on x86-64. */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* State bits kept in ev_flags. */
#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_ACTIVE_LATER 0x20
#define EVLIST_FINALIZING 0x40
#define EVLIST_INIT 0x80
#define EVLIST_ALL 0xff

struct event;
struct event_base;

/* The part of an event that sits in an active queue. */
struct event_callback {
  struct {
    struct event_callback *tqe_next;
    struct event_callback **tqe_prev;
  } evcb_active_next;
  short evcb_flags;
  ev_uint8_t evcb_pri; /* lower runs first */
  ev_uint8_t evcb_closure;
  union {
    void (*evcb_callback)(evutil_socket_t, short, void *);
    void (*evcb_selfcb)(struct event_callback *, void *);
    void (*evcb_evfinalize)(struct event *, void *);
    void (*evcb_cbfinalize)(struct event_callback *, void *);
  } evcb_cb_union;
  void *evcb_arg;
};

struct event {
  struct event_callback ev_evcallback;
  /* Where the timeout lives: an index in the timer heap, or links in a
     common-timeout queue. */
  union {
    struct {
      struct event *tqe_next;
      struct event **tqe_prev;
    } ev_next_with_common_timeout;
    int min_heap_idx;
  } ev_timeout_pos;
  evutil_socket_t ev_fd; /* fd, or signal number */
  short ev_events;
  short ev_res; /* result flags passed to the callback */
  struct event_base *ev_base;
  /* Links in the per-fd or per-signal list of the base. */
  struct {
    struct event *le_next;
    struct event **le_prev;
  } ev_next;
  ev_int64_t ev_interval; /* EV_PERSIST timeout in microseconds, -1 when none */
  ev_int64_t ev_deadline; /* absolute monotonic nanoseconds while EVLIST_TIMEOUT */
  short ev_ncalls;        /* signal deliveries still to call back */
  ev_uint16_t ev_common_timeout_idx;
  ev_uint32_t ev_reserved;
  short *ev_pncalls; /* lets a callback stop its remaining signal calls */
};

#ifdef __cplusplus
}
#endif

#endif
