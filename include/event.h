/* eventide: libevent's legacy all-in-one header <event.h>. */
#ifndef EVENT1_EVENT_H_INCLUDED_
#define EVENT1_EVENT_H_INCLUDED_

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdarg.h>
#include <evutil.h>

#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#if __has_include(<event2/buffer.h>)
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#endif
#if __has_include(<event2/bufferevent.h>)
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#endif

#endif
