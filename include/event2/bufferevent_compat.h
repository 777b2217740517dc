/* eventide: libevent 1.x bufferevent calls (libevent 2.1's
   event2/bufferevent_compat.h). New code uses bufferevent_socket_new. */
#ifndef EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Old name of bufferevent_data_cb. */
#define evbuffercb bufferevent_data_cb
/* Old name of bufferevent_event_cb. */
#define everrorcb bufferevent_event_cb

/* A socket bufferevent on the "current" base of event_init (move it with
   bufferevent_base_set when there are several) with its callbacks set.
   NULL on failure. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb,
                                                         evbuffercb writecb, everrorcb errorcb,
                                                         void *cbarg);
/* Timeouts in whole seconds (0: none). */
EVENT2_EXPORT_SYMBOL void bufferevent_settimeout(struct bufferevent *bufev, int timeout_read,
                                                 int timeout_write);

/* Old name of BEV_EVENT_READING. */
#define EVBUFFER_READ BEV_EVENT_READING
/* Old name of BEV_EVENT_WRITING. */
#define EVBUFFER_WRITE BEV_EVENT_WRITING
/* Old name of BEV_EVENT_EOF. */
#define EVBUFFER_EOF BEV_EVENT_EOF
/* Old name of BEV_EVENT_ERROR. */
#define EVBUFFER_ERROR BEV_EVENT_ERROR
/* Old name of BEV_EVENT_TIMEOUT. */
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT

/* The bufferevent's input evbuffer (owned by it). */
#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
/* The bufferevent's output evbuffer (owned by it). */
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
