/* eventide: evconnlistener (libevent 2.1's event2/listener.h): accepts TCP or
   unix-domain connections on a listening socket and hands each fd to a callback. */
#ifndef EVENT2_LISTENER_H_INCLUDED_
#define EVENT2_LISTENER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct evconnlistener;

/* A new connection: the callback owns fd (close it or hand it on). */
typedef void (*evconnlistener_cb)(struct evconnlistener *, evutil_socket_t, struct sockaddr *,
                                  int socklen, void *);
/* accept() failed in a way retrying at once cannot fix; errno says why. */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *, void *);

#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0) /* accepted fds stay blocking */
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)          /* evconnlistener_free closes the listening fd */
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)          /* FD_CLOEXEC on listening and accepted fds */
#define LEV_OPT_REUSEABLE (1u << 3)              /* SO_REUSEADDR */
#define LEV_OPT_THREADSAFE (1u << 4)             /* a lock (needs evthread_use_pthreads) */
#define LEV_OPT_DISABLED (1u << 5)               /* start disabled */
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)        /* TCP_DEFER_ACCEPT: wake when data arrives */
#define LEV_OPT_REUSEABLE_PORT (1u << 7)         /* SO_REUSEPORT */
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)          /* IPV6_V6ONLY */

/* Listens on fd (already bound; backlog > 0: listen(backlog), -1: listen(128),
   0: already listening). cb NULL keeps the listener idle until set. NULL on
   failure (logged). eventide makes fd nonblocking. When accept runs out of
   descriptors (EMFILE/ENFILE) the listener pauses, reports once through the
   error callback and resumes by itself as descriptors free up. */
EVENT2_EXPORT_SYMBOL struct evconnlistener *evconnlistener_new(struct event_base *base,
                                                               evconnlistener_cb cb, void *ptr,
                                                               unsigned flags, int backlog,
                                                               evutil_socket_t fd);
/* Creates, configures (flags), binds and listens on a socket for sa. backlog
   0 is refused. NULL on failure. */
EVENT2_EXPORT_SYMBOL struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
                                                                    evconnlistener_cb cb, void *ptr,
                                                                    unsigned flags, int backlog,
                                                                    const struct sockaddr *sa,
                                                                    int socklen);
/* Stops accepting and releases the listener (closing the fd with
   CLOSE_ON_FREE); safe inside its own callbacks. */
EVENT2_EXPORT_SYMBOL void evconnlistener_free(struct evconnlistener *lev);
/* Resumes accepting connections. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evconnlistener_enable(struct evconnlistener *lev);
/* Stops accepting connections (the socket stays open). 0 or -1. */
EVENT2_EXPORT_SYMBOL int evconnlistener_disable(struct evconnlistener *lev);
/* The base the listener runs on. */
EVENT2_EXPORT_SYMBOL struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
/* The listening socket; still owned by the listener. */
EVENT2_EXPORT_SYMBOL evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);
/* Replaces the callback and its argument (NULL pauses accepting). */
EVENT2_EXPORT_SYMBOL void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
                                                void *arg);
/* Sets the callback for accept() errors, errno set (NULL: errors are only logged). */
EVENT2_EXPORT_SYMBOL void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                                      evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_LISTENER_H_INCLUDED_ */
