// Length-change callbacks: run inside the changing call, or later from a
// loop (evbuffer_defer_callbacks). Entries removed while callbacks run are
// unlinked afterwards, so any callback may remove any entry or free the buffer.
#include <event2/event.h>

#include <new>

#include "buffer/evbuffer.hpp"
#include "core/deferred.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::kCbInternal;
using eventide::detail::kCbNoDefer;
using eventide::detail::kCbObsolete;
using eventide::detail::kCbRemoved;
using eventide::detail::kCbSuspended;
using eventide::detail::kLogWarn;
using eventide::detail::log;

namespace {

void deferred_thunk(struct event_callback *, void *arg) {
  static_cast<evbuffer *>(arg)->run_deferred();
}

void call_entry(evbuffer *buf, evbuffer_cb_entry *e, const evbuffer_cb_info &info) {
  if (e->flags & kCbObsolete)
    e->cb.obsolete(buf, info.orig_size, info.orig_size + info.n_added - info.n_deleted, e->arg);
  else
    e->cb.fn(buf, &info, e->arg);
}

}  // namespace

evbuffer_cb_entry *evbuffer::add_cb(evbuffer_cb_func fn, void *arg, uint32_t extra_flags) {
  auto *e =
      static_cast<evbuffer_cb_entry *>(eventide::detail::mm_malloc(sizeof(evbuffer_cb_entry)));
  if (!e) {
    log(kLogWarn, "evbuffer_add_cb: out of memory");
    return nullptr;
  }
  new (e) evbuffer_cb_entry{};
  e->cb.fn = fn;
  e->arg = arg;
  e->flags = EVBUFFER_CB_ENABLED | extra_flags;
  if (!callbacks_) {  // counts left from older listeners
    n_add_ = n_del_ = 0;
    if (deferral_) deferral_->n_add = deferral_->n_del = 0;
  }
  // Newest first, as libevent calls them.
  e->next = callbacks_;
  callbacks_ = e;
  return e;
}

bool evbuffer::owns_cb(const evbuffer_cb_entry *ent) const {
  for (const evbuffer_cb_entry *e = callbacks_; e; e = e->next)
    if (e == ent) return !(e->flags & kCbRemoved);
  return false;
}

int evbuffer::remove_cb(evbuffer_cb_entry *ent) {
  evbuffer_cb_entry **pp = &callbacks_;
  while (*pp && *pp != ent) pp = &(*pp)->next;
  if (!*pp || (ent->flags & kCbRemoved)) return -1;
  if (cb_running_) {
    ent->flags |= kCbRemoved;
    cb_removed_pending_ = true;
    return 0;
  }
  *pp = ent->next;
  eventide::detail::mm_free(ent);
  return 0;
}

int evbuffer::remove_cb(evbuffer_cb_func fn, void *arg) {
  for (evbuffer_cb_entry *e = callbacks_; e; e = e->next)
    if (!(e->flags & (kCbRemoved | kCbObsolete)) && e->cb.fn == fn && e->arg == arg)
      return remove_cb(e);
  return -1;
}

int evbuffer::setcb(evbuffer_cb fn, void *arg) {
  for (evbuffer_cb_entry *e = callbacks_, *next; e; e = next) {
    next = e->next;
    if (!(e->flags & (kCbInternal | kCbRemoved))) remove_cb(e);
  }
  if (!fn) return 0;
  evbuffer_cb_entry *e = add_cb(nullptr, arg, kCbObsolete);
  if (!e) return -1;
  e->cb.obsolete = fn;
  return 0;
}

void evbuffer::suspend_cb(evbuffer_cb_entry *ent) {
  if (ent->flags & kCbSuspended) return;
  ent->flags |= kCbSuspended;
  ent->susp_size = len_;
  ent->susp_added = total_added_;
  ent->susp_deleted = total_deleted_;
}

void evbuffer::unsuspend_cb(evbuffer_cb_entry *ent) {
  if (!(ent->flags & kCbSuspended)) return;
  ent->flags &= ~kCbSuspended;
  evbuffer_cb_info info{ent->susp_size, static_cast<size_t>(total_added_ - ent->susp_added),
                        static_cast<size_t>(total_deleted_ - ent->susp_deleted)};
  if ((info.n_added || info.n_deleted) && (ent->flags & EVBUFFER_CB_ENABLED)) {
    ++cb_running_;
    call_entry(this, ent, info);
    if (--cb_running_ == 0 && cb_removed_pending_) sweep_removed_cbs();
  }
}

int evbuffer::defer_callbacks(event_base *base) {
  drop_deferred_run();
  if (!deferral_) {
    void *mem = eventide::detail::mm_malloc(sizeof(eventide::detail::BufferDeferral));
    if (!mem) {
      log(kLogWarn, "evbuffer_defer_callbacks: out of memory");
      return -1;
    }
    deferral_ = new (mem) eventide::detail::BufferDeferral;
  }
  deferral_->base = base;
  int npri = event_base_get_npriorities(base);
  eventide::detail::deferred_init(&deferral_->cb, static_cast<uint8_t>(npri > 0 ? npri / 2 : 0),
                                  deferred_thunk, this);
  return 0;
}

void evbuffer::run_callbacks() {
  evbuffer_cb_info info{len_ - n_add_ + n_del_, n_add_, n_del_};
  n_add_ = n_del_ = 0;
  eventide::detail::BufferDeferral *d = deferral_;
  if (!callbacks_) {
    if (d) d->n_add = d->n_del = 0;
    return;
  }
  uint32_t need = EVBUFFER_CB_ENABLED;
  if (d && d->base) {
    if (!d->queued && (d->n_add | d->n_del)) {
      d->queued = true;
      ++refcnt_;  // keeps the buffer alive until the loop has run the callbacks
      eventide::detail::deferred_schedule(d->base, &d->cb);
    }
    need |= kCbNoDefer;
  } else if (d) {
    d->n_add = d->n_del = 0;
  }
  ++cb_running_;
  for (evbuffer_cb_entry *e = callbacks_, *next; e; e = next) {
    next = e->next;
    if ((e->flags & (need | kCbRemoved | kCbSuspended)) == need) call_entry(this, e, info);
  }
  if (--cb_running_ == 0 && cb_removed_pending_) sweep_removed_cbs();
}

void evbuffer::sweep_removed_cbs() {
  cb_removed_pending_ = false;
  for (evbuffer_cb_entry **pp = &callbacks_; *pp;) {
    evbuffer_cb_entry *e = *pp;
    if (e->flags & kCbRemoved) {
      *pp = e->next;
      eventide::detail::mm_free(e);
    } else {
      pp = &e->next;
    }
  }
}

void evbuffer::drop_deferred_run() {
  eventide::detail::BufferDeferral *d = deferral_;
  if (!d || !d->queued) return;
  // Still queued: the base is alive, take it back. Not queued: either the
  // loop is about to run it (another thread, waiting for our lock: it drops
  // its reference itself) or event_base_free discarded it, which without
  // locking is the only possibility. Never touch a base that may be gone.
  bool queued = d->cb.evcb_flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER);
  bool discarded = !queued && !lock_;
  if (discarded || (queued && eventide::detail::deferred_cancel(d->base, &d->cb))) {
    d->queued = false;
    --refcnt_;  // the caller still holds its own reference
  }
}

void evbuffer::free_by_user() {
  // Nothing the user registered may run after evbuffer_free.
  drop_deferred_run();
  for (evbuffer_cb_entry *e = callbacks_, *next; e; e = next) {
    next = e->next;
    if (!(e->flags & kCbRemoved)) remove_cb(e);
  }
  decref();
}

void evbuffer::run_deferred() {
  eventide::detail::BufferLock g(this);
  eventide::detail::BufferDeferral *d = deferral_;
  d->queued = false;
  evbuffer_cb_info info{len_ - d->n_add + d->n_del, d->n_add, d->n_del};
  d->n_add = d->n_del = 0;
  if (info.n_added || info.n_deleted) {
    ++cb_running_;
    for (evbuffer_cb_entry *e = callbacks_, *next; e; e = next) {
      next = e->next;
      if ((e->flags & (EVBUFFER_CB_ENABLED | kCbNoDefer | kCbRemoved | kCbSuspended)) ==
          EVBUFFER_CB_ENABLED)
        call_entry(this, e, info);
    }
    if (--cb_running_ == 0 && cb_removed_pending_) sweep_removed_cbs();
  }
  --refcnt_;  // the queued run's reference; BufferLock frees on the way out
}
