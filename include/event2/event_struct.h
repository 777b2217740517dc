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
/* State bit: added for fd or signal readiness. */
#define EVLIST_INSERTED 0x02
/* State bit: a signal event. */
#define EVLIST_SIGNAL 0x04
/* State bit: in an active queue, about to run. */
#define EVLIST_ACTIVE 0x08
/* State bit: internal to the library (not counted as a user event). */
#define EVLIST_INTERNAL 0x10
/* State bit: activated to run in the next loop iteration. */
#define EVLIST_ACTIVE_LATER 0x20
/* State bit: being finalized; its callback will not run again. */
#define EVLIST_FINALIZING 0x40
/* State bit: assigned (event_initialized is true). */
#define EVLIST_INIT 0x80
/* Mask of all state bits. */
#define EVLIST_ALL 0xff

struct event;
struct event_base;

/* The part of an event that sits in an active queue. */
struct event_callback {
  /* Links in the base's active queue (private). */
  struct {
    struct event_callback *tqe_next;
    struct event_callback **tqe_prev;
  } evcb_active_next;
  /* EVLIST_* state bits. */
  short evcb_flags;
  ev_uint8_t evcb_pri; /* lower runs first */
  /* Which callback form the union holds (private). */
  ev_uint8_t evcb_closure;
  /* The callback, in the form evcb_closure names (private). */
  union {
    void (*evcb_callback)(evutil_socket_t, short, void *);
    void (*evcb_selfcb)(struct event_callback *, void *);
    void (*evcb_evfinalize)(struct event *, void *);
    void (*evcb_cbfinalize)(struct event_callback *, void *);
  } evcb_cb_union;
  /* The callback's argument. */
  void *evcb_arg;
};

/* One event: embed it or use event_new; change it only through event.h calls. */
struct event {
  /* Active-queue state and callback (private). */
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
  /* The EV_* flags the event was assigned with. */
  short ev_events;
  short ev_res; /* result flags passed to the callback */
  /* The base the event belongs to. */
  struct event_base *ev_base;
  /* Links in the per-fd or per-signal list of the base. */
  struct {
    struct event *le_next;
    struct event **le_prev;
  } ev_next;
  ev_int64_t ev_interval; /* EV_PERSIST timeout in microseconds, -1 when none */
  ev_int64_t ev_deadline; /* absolute monotonic nanoseconds while EVLIST_TIMEOUT */
  short ev_ncalls;        /* signal deliveries still to call back */
  /* Index of the common timeout queue the event uses (private). */
  ev_uint16_t ev_common_timeout_idx;
  /* Padding kept for libevent's layout; unused. */
  ev_uint32_t ev_reserved;
  short *ev_pncalls; /* lets a callback stop its remaining signal calls */
};

#ifdef __cplusplus
}
#endif

#endif
