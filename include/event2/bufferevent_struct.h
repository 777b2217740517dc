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

/* A watermark pair, in bytes (0 high: no limit). */
struct event_watermark {
  /* Low watermark. */
  size_t low;
  /* High watermark (0: no limit). */
  size_t high;
};

/* The operations of one kind of bufferevent (socket, pair, filter); opaque. */
struct bufferevent_ops;

/* Read-only for programs: change state through the functions of
   event2/bufferevent.h. ev_read and ev_write are real events of ev_base (for
   pairs and filters they only carry the timeouts). */
struct bufferevent {
  /* The base the bufferevent runs on. */
  struct event_base *ev_base;
  /* The kind's operations (private). */
  const struct bufferevent_ops *be_ops;
  /* Read event (carries the read timeout). */
  struct event ev_read;
  /* Write event (carries the write timeout). */
  struct event ev_write;
  /* Input buffer, owned by the bufferevent. */
  struct evbuffer *input;
  /* Output buffer, owned by the bufferevent. */
  struct evbuffer *output;
  /* Read watermarks. */
  struct event_watermark wm_read;
  /* Write watermarks. */
  struct event_watermark wm_write;
  /* Read callback. */
  bufferevent_data_cb readcb;
  /* Write callback. */
  bufferevent_data_cb writecb;
  bufferevent_event_cb errorcb; /* the event callback, under its 1.x name */
  /* Argument passed to the callbacks. */
  void *cbarg;
  /* Read timeout (zero: none). */
  struct timeval timeout_read;
  /* Write timeout (zero: none). */
  struct timeval timeout_write;
  short enabled; /* EV_READ | EV_WRITE as the user enabled them */
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
