// evthread: the lock and condition callbacks libevent programs install
// (evthread_use_pthreads or their own), and the lock helpers in lock.hpp.
// Nothing is locked until a program enables threading.
#include <event2/event.h>
#include <event2/thread.h>

#include <atomic>
#include <cstring>
#include <pthread.h>

#include "core/event_base.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

evthread_lock_callbacks g_lock{};
evthread_condition_callbacks g_cond{};
std::atomic<bool> g_enabled{false};
unsigned long (*g_id_fn)() = nullptr;

void *pt_alloc(unsigned locktype) {
  auto *m = static_cast<pthread_mutex_t *>(mm_malloc(sizeof(pthread_mutex_t)));
  if (!m) return nullptr;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (locktype & EVTHREAD_LOCKTYPE_RECURSIVE)
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  if (pthread_mutex_init(m, &attr)) {
    pthread_mutexattr_destroy(&attr);
    mm_free(m);
    return nullptr;
  }
  pthread_mutexattr_destroy(&attr);
  return m;
}
void pt_free(void *lock, unsigned) {
  pthread_mutex_destroy(static_cast<pthread_mutex_t *>(lock));
  mm_free(lock);
}
int pt_lock(unsigned mode, void *lock) {
  auto *m = static_cast<pthread_mutex_t *>(lock);
  return (mode & EVTHREAD_TRY) ? pthread_mutex_trylock(m) : pthread_mutex_lock(m);
}
int pt_unlock(unsigned, void *lock) {
  return pthread_mutex_unlock(static_cast<pthread_mutex_t *>(lock));
}

void *pt_cond_alloc(unsigned) {
  auto *c = static_cast<pthread_cond_t *>(mm_malloc(sizeof(pthread_cond_t)));
  if (c && pthread_cond_init(c, nullptr)) {
    mm_free(c);
    return nullptr;
  }
  return c;
}
void pt_cond_free(void *c) {
  pthread_cond_destroy(static_cast<pthread_cond_t *>(c));
  mm_free(c);
}
int pt_cond_signal(void *c, int broadcast) {
  auto *cv = static_cast<pthread_cond_t *>(c);
  return broadcast ? pthread_cond_broadcast(cv) : pthread_cond_signal(cv);
}
int pt_cond_wait(void *c, void *lock, const timeval *tv) {
  auto *cv = static_cast<pthread_cond_t *>(c);
  auto *m = static_cast<pthread_mutex_t *>(lock);
  if (!tv) return pthread_cond_wait(cv, m) ? -1 : 0;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += tv->tv_sec;
  ts.tv_nsec += tv->tv_usec * 1000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  int r = pthread_cond_timedwait(cv, m, &ts);
  return r == ETIMEDOUT ? 1 : (r ? -1 : 0);
}
unsigned long pt_id() {
  return static_cast<unsigned long>(pthread_self());
}

// Lock debugging: each lock remembers its holder and depth.
struct DebugLock {
  void *inner;
  unsigned type;
  unsigned long holder;
  int depth;
};
evthread_lock_callbacks g_inner_lock{};
bool g_lock_debug = false;

unsigned long current_id() {
  return g_id_fn ? g_id_fn() : pt_id();
}

void *dbg_alloc(unsigned locktype) {
  auto *d = static_cast<DebugLock *>(mm_calloc(1, sizeof(DebugLock)));
  if (!d) return nullptr;
  d->type = locktype;
  if (g_inner_lock.alloc && !(d->inner = g_inner_lock.alloc(locktype))) {
    mm_free(d);
    return nullptr;
  }
  return d;
}
void dbg_free(void *lock, unsigned locktype) {
  auto *d = static_cast<DebugLock *>(lock);
  if (d->depth) log(kLogErr, "evthread lock debugging: freeing a lock that is still held");
  if (g_inner_lock.free) g_inner_lock.free(d->inner, locktype);
  mm_free(d);
}
int dbg_lock(unsigned mode, void *lock) {
  auto *d = static_cast<DebugLock *>(lock);
  int r = g_inner_lock.lock ? g_inner_lock.lock(mode, d->inner) : 0;
  if (r) return r;
  if (d->depth && !(d->type & EVTHREAD_LOCKTYPE_RECURSIVE)) {
    log(kLogErr, "evthread lock debugging: a non-recursive lock was taken twice");
    std::abort();
  }
  d->holder = current_id();
  ++d->depth;
  return 0;
}
int dbg_unlock(unsigned mode, void *lock) {
  auto *d = static_cast<DebugLock *>(lock);
  if (d->depth <= 0 || d->holder != current_id()) {
    log(kLogErr, "evthread lock debugging: unlocking a lock this thread does not hold");
    std::abort();
  }
  --d->depth;
  return g_inner_lock.unlock ? g_inner_lock.unlock(mode, d->inner) : 0;
}

}  // namespace

bool threading_enabled() {
  return g_enabled.load(std::memory_order_acquire);
}

void *lock_alloc(unsigned locktype) {
  if (!threading_enabled() || !g_lock.alloc) return nullptr;
  return g_lock.alloc(locktype);
}
void lock_free(void *lock, unsigned locktype) {
  if (lock && g_lock.free) g_lock.free(lock, locktype);
}
int lock_acquire(void *lock, unsigned mode) {
  return lock && g_lock.lock ? g_lock.lock(mode, lock) : 0;
}
int lock_release(void *lock, unsigned mode) {
  return lock && g_lock.unlock ? g_lock.unlock(mode, lock) : 0;
}

}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs) {
  if (!cbs) {
    if (g_enabled.load()) {
      log(kLogWarn,
          "Trying to disable lock functions after they have been set up will probably "
          "not work.");
    }
    std::memset(&g_lock, 0, sizeof g_lock);
    g_enabled.store(false);
    return 0;
  }
  if (!cbs->alloc || !cbs->free || !cbs->lock || !cbs->unlock) {
    log(kLogWarn, "evthread_set_lock_callbacks: every callback must be set");
    return -1;
  }
  if (g_enabled.load()) {
    if (std::memcmp(&g_lock, cbs, sizeof g_lock) == 0 ||
        (g_lock_debug && std::memcmp(&g_inner_lock, cbs, sizeof g_inner_lock) == 0))
      return 0;
    log(kLogWarn, "Can't change lock callbacks once they have been initialized.");
    return -1;
  }
  g_lock = *cbs;
  g_enabled.store(true, std::memory_order_release);
  return 0;
}

EVENT2_EXPORT_SYMBOL int evthread_set_condition_callbacks(
    const struct evthread_condition_callbacks *cbs) {
  if (!cbs) {
    std::memset(&g_cond, 0, sizeof g_cond);
    return 0;
  }
  if (!cbs->alloc_condition || !cbs->free_condition || !cbs->signal_condition ||
      !cbs->wait_condition) {
    log(kLogWarn, "evthread_set_condition_callbacks: every callback must be set");
    return -1;
  }
  g_cond = *cbs;
  return 0;
}

EVENT2_EXPORT_SYMBOL void evthread_set_id_callback(unsigned long (*id_fn)(void)) {
  g_id_fn = id_fn;
}

EVENT2_EXPORT_SYMBOL int evthread_use_pthreads(void) {
  static const evthread_lock_callbacks locks = {EVTHREAD_LOCK_API_VERSION,
                                                EVTHREAD_LOCKTYPE_RECURSIVE,
                                                pt_alloc,
                                                pt_free,
                                                pt_lock,
                                                pt_unlock};
  static const evthread_condition_callbacks conds = {EVTHREAD_CONDITION_API_VERSION, pt_cond_alloc,
                                                     pt_cond_free, pt_cond_signal, pt_cond_wait};
  if (evthread_set_lock_callbacks(&locks) < 0) return -1;
  evthread_set_condition_callbacks(&conds);
  evthread_set_id_callback(pt_id);
  return 0;
}

EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debugging(void) {
  if (g_lock_debug) return;
  static const evthread_lock_callbacks dbg = {EVTHREAD_LOCK_API_VERSION,
                                              EVTHREAD_LOCKTYPE_RECURSIVE,
                                              dbg_alloc,
                                              dbg_free,
                                              dbg_lock,
                                              dbg_unlock};
  g_inner_lock = g_lock;
  g_lock = dbg;
  g_lock_debug = true;
  g_enabled.store(true, std::memory_order_release);
}

EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debuging(void) {
  evthread_enable_lock_debugging();
}

EVENT2_EXPORT_SYMBOL int evthread_make_base_notifiable(struct event_base *base) {
  if (!base) {
    log(kLogWarn, "evthread_make_base_notifiable: NULL event_base");
    return -1;
  }
  BaseGuard g(base);
  return base_ensure_notify(base);
}

}  // extern "C"
