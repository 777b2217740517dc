/* eventide extension (not in libevent): a pool of event loops, one per thread,
   for C programs. Each loop is a plain struct event_base usable with every
   libevent call; work reaches a loop's thread through eventide_pool_post. */
#ifndef EVENTIDE_POOL_H_INCLUDED_
#define EVENTIDE_POOL_H_INCLUDED_

#include <event2/visibility.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct eventide_pool;

/* Starts n loops (n >= 1), each running on its own thread; enables threading
   (evthread_use_pthreads) for the process. NULL (and a log message) on error. */
EVENT2_EXPORT_SYMBOL struct eventide_pool *eventide_pool_new(int n);
/* Stops every loop, joins the threads, frees the bases. Not from a pool thread. */
EVENT2_EXPORT_SYMBOL void eventide_pool_free(struct eventide_pool *pool);
/* Number of loops in the pool, or -1 when pool is NULL. */
EVENT2_EXPORT_SYMBOL int eventide_pool_size(const struct eventide_pool *pool);
/* The i-th loop's base (owned by the pool), or NULL when i is out of range. */
EVENT2_EXPORT_SYMBOL struct event_base *eventide_pool_base(struct eventide_pool *pool, int i);
/* Round robin over the loops; thread-safe. */
EVENT2_EXPORT_SYMBOL struct event_base *eventide_pool_next_base(struct eventide_pool *pool);
/* Runs fn(arg) on loop i's thread, in post order. 0, or -1 on bad input. */
EVENT2_EXPORT_SYMBOL int eventide_pool_post(struct eventide_pool *pool, int i,
                                            void (*fn)(void *arg), void *arg);
/* Index of the pool loop running the calling thread, or -1. */
EVENT2_EXPORT_SYMBOL int eventide_pool_current(const struct eventide_pool *pool);

#ifdef __cplusplus
}
#endif

#endif
