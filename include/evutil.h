/* eventide: libevent's legacy <evutil.h>. */
#ifndef EVENT1_EVUTIL_H_INCLUDED_
#define EVENT1_EVUTIL_H_INCLUDED_
#include <event2/util.h>
#endif
