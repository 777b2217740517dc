/* eventide: threading set-up for the C face (libevent 2.1's event2/thread.h).
   Call evthread_use_pthreads() before creating bases that several threads use. */
#ifndef EVENT2_THREAD_H_INCLUDED_
#define EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lock mode: take the lock for writing (read-write locks). */
#define EVTHREAD_WRITE 0x04
/* Lock mode: take the lock for reading (read-write locks). */
#define EVTHREAD_READ 0x08
/* Lock mode: try without blocking; the lock call returns nonzero if busy. */
#define EVTHREAD_TRY 0x10

/* The lock_api_version evthread_lock_callbacks must carry. */
#define EVTHREAD_LOCK_API_VERSION 1
/* Lock type: the same thread may take the lock again. */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
/* Lock type: shared readers, exclusive writer. */
#define EVTHREAD_LOCKTYPE_READWRITE 2

/* User-supplied lock functions, installed with evthread_set_lock_callbacks. */
struct evthread_lock_callbacks {
  /* Must be EVTHREAD_LOCK_API_VERSION. */
  int lock_api_version;
  /* EVTHREAD_LOCKTYPE_* bits the functions support (RECURSIVE is required). */
  unsigned supported_locktypes;
  /* A new lock of the given type, or NULL on failure. */
  void *(*alloc)(unsigned locktype);
  /* Frees a lock from alloc. */
  void (*free)(void *lock, unsigned locktype);
  /* Takes the lock (mode: EVTHREAD_* bits); 0 on success. */
  int (*lock)(unsigned mode, void *lock);
  /* Releases the lock; 0 on success. */
  int (*unlock)(unsigned mode, void *lock);
};

/* Install lock functions (before any base exists). 0 or -1. */
EVENT2_EXPORT_SYMBOL int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *);

/* The condition_api_version evthread_condition_callbacks must carry. */
#define EVTHREAD_CONDITION_API_VERSION 1
struct timeval;
/* User-supplied condition-variable functions, installed with evthread_set_condition_callbacks. */
struct evthread_condition_callbacks {
  /* Must be EVTHREAD_CONDITION_API_VERSION. */
  int condition_api_version;
  /* A new condition variable, or NULL on failure. */
  void *(*alloc_condition)(unsigned condtype);
  /* Frees a condition variable from alloc_condition. */
  void (*free_condition)(void *cond);
  /* Wakes one waiter (all when broadcast is nonzero); 0 on success. */
  int (*signal_condition)(void *cond, int broadcast);
  /* Waits with lock held (NULL timeout: forever): 0 signalled, 1 timed out, -1 error. */
  int (*wait_condition)(void *cond, void *lock, const struct timeval *timeout);
};

/* Install condition-variable functions (before any base exists). 0 or -1. */
EVENT2_EXPORT_SYMBOL int evthread_set_condition_callbacks(
    const struct evthread_condition_callbacks *);
/* Install the function that names the calling thread (used by lock checks). */
EVENT2_EXPORT_SYMBOL void evthread_set_id_callback(unsigned long (*id_fn)(void));

/* Use pthreads for every lock and condition. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evthread_use_pthreads(void);
/* Defined because evthread_use_pthreads is available. */
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1

/* Wrap every lock with checks that catch double locking and unlocking a lock
   not held (reported through the log, then abort as libevent does). */
EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debugging(void);
/* Misspelled alias of evthread_enable_lock_debugging, kept for libevent compatibility. */
EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debuging(void);

struct event_base;
/* Make base wake from its wait when another thread changes it. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif
