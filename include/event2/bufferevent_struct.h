/* eventide: the public fields of struct bufferevent (libevent 2.1's
   event2/bufferevent_struct.h), kept for old programs that read them directly. */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/event_struct.h>
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_watermark {
  size_t low;
  size_t high;
};

/* The operations of one kind of bufferevent (socket, pair, filter); opaque. */
struct bufferevent_ops;

/* Read-only for programs: change state through the functions of
   event2/bufferevent.h. ev_read and ev_write are real events of ev_base (for
   pairs and filters they only carry the timeouts). */
struct bufferevent {
  struct event_base *ev_base;
  const struct bufferevent_ops *be_ops;
  struct event ev_read;
  struct event ev_write;
  struct evbuffer *input;
  struct evbuffer *output;
  struct event_watermark wm_read;
  struct event_watermark wm_write;
  bufferevent_data_cb readcb;
  bufferevent_data_cb writecb;
  bufferevent_event_cb errorcb; /* the event callback, under its 1.x name */
  void *cbarg;
  struct timeval timeout_read;
  struct timeval timeout_write;
  short enabled; /* EV_READ | EV_WRITE as the user enabled them */
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
