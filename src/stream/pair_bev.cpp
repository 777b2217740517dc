// Paired bufferevents: two ends joined in memory, like a socketpair with no
// socket — what one end writes is moved (not copied) to the other's input.
// Callbacks are always deferred, so a write never re-enters the writer.
#include <atomic>
#include <cerrno>
#include <new>

#include "stream/bev.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

// The lock both ends share, freed with the second end to go.
struct SharedLock {
  void *lock;
  std::atomic<int> refs;
};

struct PairBev : Bev {
  PairBev *partner = nullptr;
  SharedLock *shared = nullptr;
};

PairBev *as_pair(Bev *b) {
  return static_cast<PairBev *>(b);
}

bool wants_to_talk(PairBev *src, PairBev *dst) {
  return !src->write_suspended && !dst->read_suspended && (src->pub.enabled & EV_WRITE) &&
         (dst->pub.enabled & EV_READ) && src->pub.output->length();
}

void transfer(PairBev *src, PairBev *dst, bool ignore_wm) {
  evbuffer *out = src->pub.output, *in = dst->pub.input;
  size_t n;
  {
    Unfreeze u1(out, true);
    Unfreeze u2(in, false);
    if (dst->pub.wm_read.high) {
      const size_t have = in->length();
      if (have < dst->pub.wm_read.high) {
        n = dst->pub.wm_read.high - have;
        evbuffer_remove_buffer(out, in, n);
      } else {
        if (!ignore_wm) return;
        n = out->length();
        evbuffer_add_buffer(in, out);
      }
    } else {
      n = out->length();
      evbuffer_add_buffer(in, out);
    }
  }
  if (n) {
    bev_reset_read_timeout(dst);
    if (dst->pub.output->length())
      bev_reset_write_timeout(dst);
    else
      bev_del_write_timeout(dst);
  }
  bev_trigger_nolock(dst, EV_READ, 0);
  bev_trigger_nolock(src, EV_WRITE, 0);
}

void outbuf_cb(struct evbuffer *, const struct evbuffer_cb_info *info, void *arg) {
  PairBev *p = static_cast<PairBev *>(arg);
  if (p->finalizing) return;
  bev_incref_and_lock(p);
  if (info->n_added > info->n_deleted && p->partner && wants_to_talk(p, p->partner))
    transfer(p, p->partner, false);
  bev_decref_and_unlock(p);
}

int pair_enable(Bev *b, short events) {
  PairBev *p = as_pair(b);
  bev_incref_and_lock(b);
  if (events & EV_READ) bev_reset_read_timeout(b);
  if ((events & EV_WRITE) && b->pub.output->length()) bev_reset_write_timeout(b);
  if ((events & EV_READ) && p->partner && wants_to_talk(p->partner, p))
    transfer(p->partner, p, false);
  if ((events & EV_WRITE) && p->partner && wants_to_talk(p, p->partner))
    transfer(p, p->partner, false);
  bev_decref_and_unlock(b);
  return 0;
}

int pair_disable(Bev *b, short events) {
  if (events & EV_READ) bev_del_read_timeout(b);
  if (events & EV_WRITE) bev_del_write_timeout(b);
  return 0;
}

void pair_unlink(Bev *b) {
  PairBev *p = as_pair(b);
  if (p->partner) {
    p->partner->partner = nullptr;
    p->partner = nullptr;
  }
}

void pair_destroy(Bev *b) {
  PairBev *p = as_pair(b);
  SharedLock *shared = p->shared;
  bev_release_common(b);
  p->~PairBev();
  mm_free(p);
  if (shared && shared->refs.fetch_sub(1) == 1) {
    lock_free(shared->lock, 1);
    delete shared;
  }
}

int pair_flush(Bev *b, short iotype, bufferevent_flush_mode mode) {
  PairBev *p = as_pair(b);
  if (!p->partner) return -1;
  if (mode == BEV_NORMAL) return 0;
  bev_incref_and_lock(b);
  PairBev *partner = p->partner;
  if (iotype & EV_READ) transfer(partner, p, true);
  if (iotype & EV_WRITE) transfer(p, partner, true);
  if (mode == BEV_FINISHED) {
    short what = BEV_EVENT_EOF;
    if (iotype & EV_READ) what |= BEV_EVENT_WRITING;
    if (iotype & EV_WRITE) what |= BEV_EVENT_READING;
    bev_run_eventcb(partner, what, 0);
  }
  bev_decref_and_unlock(b);
  return 0;
}

int pair_ctrl(Bev *, CtrlOp, void *) {
  return -1;
}

PairBev *elt_new(event_base *base, int options) {
  void *mem = mm_malloc(sizeof(PairBev));
  if (!mem) {
    errno = ENOMEM;
    return nullptr;
  }
  auto *p = new (mem) PairBev();
  if (bev_init_common(p, base, &kPairOps, options) < 0) {
    bev_abandon(p);
    p->~PairBev();
    mm_free(mem);
    return nullptr;
  }
  bev_init_generic_timeouts(p);
  {
    BufferLock g(p->pub.output);
    p->pub.output->add_cb(outbuf_cb, p, kCbNoDefer | kCbInternal);
  }
  p->pub.input->freeze_end_ = true;
  p->pub.output->freeze_front_ = true;
  return p;
}

void elt_discard(PairBev *p) {
  bev_release_common(p);
  p->~PairBev();
  mm_free(p);
}

}  // namespace

const bufferevent_ops kPairOps = {
    "pair_elt", pair_enable, pair_disable, pair_unlink, pair_destroy, bev_generic_adj_timeouts,
    pair_flush, pair_ctrl,
};

int pair_new(event_base *base, int options, bufferevent *out[2]) {
  options |= BEV_OPT_DEFER_CALLBACKS;
  PairBev *a = elt_new(base, options);
  if (!a) return -1;
  PairBev *b = elt_new(base, options & ~BEV_OPT_THREADSAFE);
  if (!b) {
    elt_discard(a);
    return -1;
  }
  if (a->lock) {
    auto *shared = new (std::nothrow) SharedLock{a->lock, {2}};
    if (!shared) {
      elt_discard(a);
      elt_discard(b);
      errno = ENOMEM;
      return -1;
    }
    a->own_lock = false;
    a->shared = b->shared = shared;
    b->lock = a->lock;
    b->options |= BEV_OPT_THREADSAFE;
    b->pub.input->lock_ = b->pub.output->lock_ = a->lock;
  }
  a->partner = b;
  b->partner = a;
  bev_debug_note_new(a);
  bev_debug_note_new(b);
  out[0] = a->self();
  out[1] = b->self();
  return 0;
}

bufferevent *pair_get_partner(Bev *b) {
  BevGuard g(b);
  PairBev *p = as_pair(b);
  return p->partner ? p->partner->self() : nullptr;
}

}  // namespace eventide::detail
