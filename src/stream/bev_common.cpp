// What all bufferevents share: setup, references and finalization, the user
// callbacks (direct or deferred), enable/disable/suspend, watermarks and the
// timer-only timeouts of pairs and filters — libevent 2.1's rules.
#include <cerrno>
#include <mutex>
#include <new>
#include <unordered_set>

#include "core/debug_registry.hpp"
#include "core/deferred.hpp"
#include "core/event_base.hpp"
#include "stream/bev.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"

namespace eventide::detail {
namespace {

constexpr int kKnownOptions =
    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS;

// Live bufferevents handed to users, consulted only in debug mode.
std::mutex g_debug_mu;
std::unordered_set<const void *> &debug_live() {
  static auto *s = new std::unordered_set<const void *>;
  return *s;
}

void run_deferred(struct event_callback *, void *arg) {
  Bev *b = static_cast<Bev *>(arg);
  bufferevent *pub = b->self();
  bev_lock(b);
  const bool unlocked = b->options & BEV_OPT_UNLOCK_CALLBACKS;
  // Callbacks may free the bufferevent: the queued run's reference keeps the
  // memory until the decref below.
  auto call = [&](auto &&fn) {
    if (unlocked) bev_unlock(b);
    fn();
    if (unlocked) bev_lock(b);
  };
  if ((b->eventcb_pending & BEV_EVENT_CONNECTED) && pub->errorcb) {
    b->eventcb_pending &= ~BEV_EVENT_CONNECTED;
    bufferevent_event_cb cb = pub->errorcb;
    void *arg2 = pub->cbarg;
    call([&] { cb(pub, BEV_EVENT_CONNECTED, arg2); });
  }
  if (b->readcb_pending && pub->readcb) {
    b->readcb_pending = false;
    bufferevent_data_cb cb = pub->readcb;
    void *arg2 = pub->cbarg;
    call([&] { cb(pub, arg2); });
  }
  if (b->writecb_pending && pub->writecb) {
    b->writecb_pending = false;
    bufferevent_data_cb cb = pub->writecb;
    void *arg2 = pub->cbarg;
    call([&] { cb(pub, arg2); });
  }
  if (b->eventcb_pending && pub->errorcb) {
    short what = b->eventcb_pending;
    int err = b->errno_pending;
    b->eventcb_pending = 0;
    b->errno_pending = 0;
    bufferevent_event_cb cb = pub->errorcb;
    void *arg2 = pub->cbarg;
    call([&] {
      errno = err;
      cb(pub, what, arg2);
    });
  }
  bev_decref_and_unlock(b);
}

void finalize_cb(struct event_callback *, void *arg) {
  Bev *b = static_cast<Bev *>(arg);
  b->ops()->destroy(b);
}

void inbuf_wm_cb(struct evbuffer *buf, const struct evbuffer_cb_info *, void *arg) {
  Bev *b = static_cast<Bev *>(arg);
  if (buf->length() >= b->pub.wm_read.high)
    bev_suspend_read(b, kSuspendWm);
  else
    bev_unsuspend_read(b, kSuspendWm);
}

void generic_timeout(Bev *b, short dir) {
  if (!bev_enter(b)) return;
  bev_disable_hard(b, dir);
  bev_run_eventcb(b, BEV_EVENT_TIMEOUT | (dir == EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING),
                  0);
  bev_decref_and_unlock(b);
}

void generic_read_timeout_cb(evutil_socket_t, short, void *arg) {
  generic_timeout(static_cast<Bev *>(arg), EV_READ);
}
void generic_write_timeout_cb(evutil_socket_t, short, void *arg) {
  generic_timeout(static_cast<Bev *>(arg), EV_WRITE);
}

bool timerset(const timeval &tv) {
  return tv.tv_sec || tv.tv_usec;
}

}  // namespace

uint8_t bev_deferred_priority(event_base *base) {
  int n = event_base_get_npriorities(base);
  return static_cast<uint8_t>(n > 0 ? n / 2 : 0);
}

int bev_init_common(Bev *b, event_base *base, const bufferevent_ops *ops, int options) {
  if (options & ~kKnownOptions) {
    log(kLogWarn, "%s bufferevent: unknown option bits 0x%x", ops->type, options & ~kKnownOptions);
    errno = EINVAL;
    return -1;
  }
  if ((options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)) ==
      BEV_OPT_UNLOCK_CALLBACKS) {
    log(kLogWarn, "UNLOCK_CALLBACKS requires DEFER_CALLBACKS");
    errno = EINVAL;
    return -1;
  }
  if ((options & BEV_OPT_THREADSAFE) && !threading_enabled()) {
    log(kLogWarn,
        "%s bufferevent: BEV_OPT_THREADSAFE needs evthread_use_pthreads() (or lock callbacks) "
        "before the bufferevent is made",
        ops->type);
    errno = EINVAL;
    return -1;
  }
  bufferevent &p = b->pub;
  p.input = evbuffer::create();
  p.output = evbuffer::create();
  if (!p.input || !p.output) {
    log(kLogWarn, "%s bufferevent: out of memory", ops->type);
    errno = ENOMEM;
    return -1;
  }
  p.ev_base = base;
  p.be_ops = ops;
  p.enabled = EV_WRITE;  // libevent's rule: writing on, reading to be enabled
  b->options = options;
  if (options & BEV_OPT_THREADSAFE) {
    b->lock = lock_alloc(1 /* EVTHREAD_LOCKTYPE_RECURSIVE */);
    if (!b->lock) {
      log(kLogWarn, "%s bufferevent: cannot allocate a lock", ops->type);
      errno = ENOMEM;
      return -1;
    }
    b->own_lock = true;
    p.input->lock_ = b->lock;
    p.output->lock_ = b->lock;
  }
  deferred_init(&b->deferred, bev_deferred_priority(base), run_deferred, b);
  p.input->parent_ = b;
  p.output->parent_ = b;
  return 0;
}

void bev_release_common(Bev *b) {
  bev_rate_limit_free(b);
  // Our buffers borrow the bufferevent's lock: detach it before they go, so a
  // user's extra reference on a buffer cannot outlive it with a dangling lock.
  // Nobody else can reach the buffers any more (finalizing or never handed out).
  for (evbuffer *buf : {b->pub.input, b->pub.output}) {
    if (!buf) continue;
    if (!buf->own_lock_) buf->lock_ = nullptr;
    buf->parent_ = nullptr;
    evbuffer_free(buf);
  }
  b->pub.input = b->pub.output = nullptr;
  if (b->own_lock && b->lock) lock_free(b->lock, 1);
  b->lock = nullptr;
  debug_note_teardown(&b->pub.ev_read);
  debug_note_teardown(&b->pub.ev_write);
}

void bev_abandon(Bev *b) {
  bev_release_common(b);
}

void bev_lock(Bev *b) {
  if (b->lock) lock_acquire(b->lock);
}
void bev_unlock(Bev *b) {
  if (b->lock) lock_release(b->lock);
}

void bev_incref_and_lock(Bev *b) {
  bev_lock(b);
  ++b->refcnt;
}

bool bev_enter(Bev *b) {
  bev_lock(b);
  if (b->finalizing) {
    bev_unlock(b);
    return false;
  }
  ++b->refcnt;
  return true;
}

bool bev_decref_and_unlock(Bev *b) {
  if (--b->refcnt > 0) {
    bev_unlock(b);
    return false;
  }
  b->finalizing = true;
  if (b->ops()->unlink) b->ops()->unlink(b);
  // Nothing may call into b from now on. Our events carry EV_FINALIZE, so
  // these never wait for a callback running in another thread; such a
  // callback finds `finalizing` set and leaves, and the finalizer below runs
  // in the loop thread after it.
  event_del(&b->pub.ev_read);
  event_del(&b->pub.ev_write);
  bev_rate_limit_unlink(b);
  event_base *base = b->pub.ev_base;
  b->deferred.evcb_closure = kClosureCbFinalize;
  b->deferred.evcb_cb_union.evcb_cbfinalize = finalize_cb;
  b->deferred.evcb_arg = b;
  // Unlock before queueing the finalizer: once queued, the loop thread may
  // run it at once and free the lock (and b) under our feet.
  bev_unlock(b);
  {
    BaseGuard g(base);
    callback_activate_nolock(base, &b->deferred);
  }
  return true;
}

void bev_set_deferred_priority(Bev *b, struct event_callback *cb, uint8_t pri) {
  event_base *base = b->pub.ev_base;
  BaseGuard g(base);
  // The active queue is chosen by priority: a queued callback moves queues.
  const bool queued = cb->evcb_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER);
  if (queued) callback_cancel_nolock(base, cb);
  cb->evcb_pri = pri;
  if (queued) callback_activate_nolock(base, cb);
}

bool bev_unschedule(Bev *b, struct event_callback *cb) {
  // Queued: take it back with its reference. Running (not queued) or idle:
  // nothing to do, a running one drops its own reference.
  if (!deferred_cancel(b->pub.ev_base, cb)) return false;
  --b->refcnt;
  return true;
}

bool bev_schedule(Bev *b, struct event_callback *cb) {
  if (!deferred_schedule(b->pub.ev_base, cb)) return false;
  ++b->refcnt;
  return true;
}

void bev_debug_note_new(Bev *b) {
  if (!debug_mode_on()) return;
  std::lock_guard<std::mutex> g(g_debug_mu);
  debug_live().insert(b);
}

bool bev_debug_check(const bufferevent *b, const char *fn) {
  if (!debug_mode_on()) return true;
  std::lock_guard<std::mutex> g(g_debug_mu);
  if (debug_live().count(b)) return true;
  log(kLogErr, "%s: %p is not a live bufferevent (already freed, or never made)", fn,
      static_cast<const void *>(b));
  return false;
}

bool bev_check_arg(const bufferevent *b, const char *fn) {
  if (!b) {
    EVENTIDE_BAD_ARG("%s: NULL bufferevent", fn);
    return false;
  }
  if (!bev_debug_check(b, fn)) {
    errno = EINVAL;
    return false;
  }
  return true;
}

void bev_debug_note_free(Bev *b) {
  if (!debug_mode_on()) return;
  std::lock_guard<std::mutex> g(g_debug_mu);
  debug_live().erase(b);
}

void bev_run_readcb(Bev *b, int options) {
  if (!b->pub.readcb) return;
  if ((b->options | options) & BEV_OPT_DEFER_CALLBACKS) {
    b->readcb_pending = true;
    bev_schedule(b, &b->deferred);
  } else {
    b->pub.readcb(&b->pub, b->pub.cbarg);
  }
}

void bev_run_writecb(Bev *b, int options) {
  if (!b->pub.writecb) return;
  if ((b->options | options) & BEV_OPT_DEFER_CALLBACKS) {
    b->writecb_pending = true;
    bev_schedule(b, &b->deferred);
  } else {
    b->pub.writecb(&b->pub, b->pub.cbarg);
  }
}

void bev_run_eventcb(Bev *b, short what, int options) {
  if (!b->pub.errorcb) return;
  if ((b->options | options) & BEV_OPT_DEFER_CALLBACKS) {
    b->eventcb_pending |= what;
    b->errno_pending = errno;
    bev_schedule(b, &b->deferred);
  } else {
    b->pub.errorcb(&b->pub, what, b->pub.cbarg);
  }
}

void bev_trigger_nolock(Bev *b, short iotype, int options) {
  const bool ignore_wm = options & BEV_TRIG_IGNORE_WATERMARKS;
  if ((iotype & EV_READ) && (ignore_wm || b->pub.input->length() >= b->pub.wm_read.low))
    bev_run_readcb(b, options);
  if ((iotype & EV_WRITE) && (ignore_wm || b->pub.output->length() <= b->pub.wm_write.low))
    bev_run_writecb(b, options);
}

int bev_enable(Bev *b, short events) {
  short impl = events;
  if (b->read_suspended) impl &= ~EV_READ;
  if (b->write_suspended) impl &= ~EV_WRITE;
  b->pub.enabled |= events;
  if (impl && b->ops()->enable(b, impl) < 0) return -1;
  return 0;
}

int bev_disable(Bev *b, short events) {
  b->pub.enabled &= ~events;
  return b->ops()->disable(b, events) < 0 ? -1 : 0;
}

int bev_disable_hard(Bev *b, short events) {
  return bev_disable(b, events);
}

void bev_suspend_read(Bev *b, uint8_t why) {
  if (!b->read_suspended) b->ops()->disable(b, EV_READ);
  b->read_suspended |= why;
}

void bev_unsuspend_read(Bev *b, uint8_t why) {
  if (!b->read_suspended) return;
  b->read_suspended &= static_cast<uint8_t>(~why);
  if (!b->read_suspended && (b->pub.enabled & EV_READ)) b->ops()->enable(b, EV_READ);
}

void bev_suspend_write(Bev *b, uint8_t why) {
  if (!b->write_suspended) b->ops()->disable(b, EV_WRITE);
  b->write_suspended |= why;
}

void bev_unsuspend_write(Bev *b, uint8_t why) {
  if (!b->write_suspended) return;
  b->write_suspended &= static_cast<uint8_t>(~why);
  if (!b->write_suspended && (b->pub.enabled & EV_WRITE)) b->ops()->enable(b, EV_WRITE);
}

int bev_add_event(struct event *ev, const timeval *tv) {
  return event_add(ev, timerset(*tv) ? tv : nullptr);
}

void bev_init_generic_timeouts(Bev *b) {
  event_assign(&b->pub.ev_read, b->pub.ev_base, -1, EV_FINALIZE, generic_read_timeout_cb, b);
  event_assign(&b->pub.ev_write, b->pub.ev_base, -1, EV_FINALIZE, generic_write_timeout_cb, b);
}

int bev_generic_adj_timeouts(Bev *b) {
  bufferevent &p = b->pub;
  int r = 0;
  if ((p.enabled & EV_READ) && !b->read_suspended && timerset(p.timeout_read)) {
    if (event_add(&p.ev_read, &p.timeout_read) < 0) r = -1;
  } else {
    event_del(&p.ev_read);
  }
  if ((p.enabled & EV_WRITE) && !b->write_suspended && timerset(p.timeout_write) &&
      p.output->length()) {
    if (event_add(&p.ev_write, &p.timeout_write) < 0) r = -1;
  } else {
    event_del(&p.ev_write);
  }
  return r;
}

void bev_reset_read_timeout(Bev *b) {
  if (timerset(b->pub.timeout_read)) event_add(&b->pub.ev_read, &b->pub.timeout_read);
}
void bev_reset_write_timeout(Bev *b) {
  if (timerset(b->pub.timeout_write)) event_add(&b->pub.ev_write, &b->pub.timeout_write);
}
void bev_del_read_timeout(Bev *b) {
  event_del(&b->pub.ev_read);
}
void bev_del_write_timeout(Bev *b) {
  event_del(&b->pub.ev_write);
}

void bev_set_read_watermarks(Bev *b, size_t low, size_t high) {
  bufferevent &p = b->pub;
  p.wm_read.low = low;
  p.wm_read.high = high;
  evbuffer *in = p.input;
  if (high) {
    {
      BufferLock g(in);
      if (!b->read_wm_cb) b->read_wm_cb = in->add_cb(inbuf_wm_cb, b, kCbNoDefer | kCbInternal);
      if (b->read_wm_cb) b->read_wm_cb->flags |= EVBUFFER_CB_ENABLED;
    }
    if (in->length() >= high)
      bev_suspend_read(b, kSuspendWm);
    else
      bev_unsuspend_read(b, kSuspendWm);
  } else {
    if (b->read_wm_cb) {
      BufferLock g(in);
      b->read_wm_cb->flags &= ~EVBUFFER_CB_ENABLED;
    }
    bev_unsuspend_read(b, kSuspendWm);
  }
}

}  // namespace eventide::detail
