// Per-bufferevent token buckets: refilled by whole ticks of the loop's
// clock, drained by each read and write; an empty bucket pauses its
// direction until a refill timer brings tokens back (libevent 2.1's model).
#include "stream/rate_limit.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "stream/bev.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

void update_own(Bev *b) {
  RateLimit *r = b->rate;
  bucket_update(r->limit, r->cfg, bucket_tick(b->pub.ev_base, r->cfg));
}

void refill_cb(evutil_socket_t, short, void *arg) {
  Bev *b = static_cast<Bev *>(arg);
  if (!bev_enter(b)) return;
  RateLimit *r = b->rate;
  if (r && r->cfg) {
    update_own(b);
    bool again = false;
    if (b->read_suspended & kSuspendBw) {
      if (r->limit.read_limit > 0)
        bev_unsuspend_read(b, kSuspendBw);
      else
        again = true;
    }
    if (b->write_suspended & kSuspendBw) {
      if (r->limit.write_limit > 0)
        bev_unsuspend_write(b, kSuspendBw);
      else
        again = true;
    }
    if (again) event_add(&r->refill, &r->cfg->tick_timeout);
  }
  bev_decref_and_unlock(b);
}

ssize_t clamp_max(Bev *b, ssize_t max, bool write) {
  RateLimit *r = b->rate;
  if (!r) return max;
  if (r->cfg) {
    // libevent's rule: with a bucket of its own, the bucket replaces the
    // max single read/write (a full bucket may be taken in one go).
    update_own(b);
    const int64_t lim = write ? r->limit.write_limit : r->limit.read_limit;
    max = static_cast<ssize_t>(std::min<int64_t>(lim, EV_SSIZE_MAX));
  }
  if (r->group) {
    bufferevent_rate_limit_group *g = r->group;
    group_lock(g);
    int64_t share;
    if (write ? group_write_suspended(g) : group_read_suspended(g)) {
      // The group paused while this bufferevent could not be told (its lock
      // was busy): pause it now.
      if (write)
        bev_suspend_write(b, kSuspendBwGroup);
      else
        bev_suspend_read(b, kSuspendBwGroup);
      share = 0;
    } else {
      share = group_share(g, write);
    }
    group_unlock(g);
    if (share < max) max = static_cast<ssize_t>(share);
  }
  return max < 0 ? 0 : max;
}

// Takes bytes from the own bucket; pauses or resumes the direction as the
// bucket crosses zero.
void own_consume(Bev *b, int64_t bytes, bool write) {
  RateLimit *r = b->rate;
  int64_t &lim = write ? r->limit.write_limit : r->limit.read_limit;
  const int64_t old = lim;
  lim -= bytes;
  const uint8_t other = write ? b->read_suspended : b->write_suspended;
  if (lim <= 0) {
    if (write)
      bev_suspend_write(b, kSuspendBw);
    else
      bev_suspend_read(b, kSuspendBw);
    event_add(&r->refill, &r->cfg->tick_timeout);
  } else if (old <= 0 || ((write ? b->write_suspended : b->read_suspended) & kSuspendBw)) {
    if (!(other & kSuspendBw)) event_del(&r->refill);
    if (write)
      bev_unsuspend_write(b, kSuspendBw);
    else
      bev_unsuspend_read(b, kSuspendBw);
  }
}

}  // namespace

RateLimit *bev_ensure_rate(Bev *b) {
  if (b->rate) return b->rate;
  void *mem = mm_malloc(sizeof(RateLimit));
  if (!mem) return nullptr;
  b->rate = new (mem) RateLimit();
  b->rate->bev = b;
  event_assign(&b->rate->refill, b->pub.ev_base, -1, EV_FINALIZE, refill_cb, b);
  return b->rate;
}

uint32_t bucket_tick(event_base *base, const ev_token_bucket_cfg *cfg) {
  const int64_t ms = base_now(base) / 1000000;
  return static_cast<uint32_t>(ms / cfg->msec_per_tick);
}

void bucket_init(TokenBucket &b, const ev_token_bucket_cfg *cfg, uint32_t tick, bool reinit) {
  if (reinit) {
    // A new configuration keeps what was left, within the new burst.
    b.read_limit = std::min<int64_t>(b.read_limit, static_cast<int64_t>(cfg->read_maximum));
    b.write_limit = std::min<int64_t>(b.write_limit, static_cast<int64_t>(cfg->write_maximum));
  } else {
    b.read_limit = static_cast<int64_t>(cfg->read_rate);
    b.write_limit = static_cast<int64_t>(cfg->write_rate);
    b.last_updated = tick;
  }
}

void bucket_update(TokenBucket &b, const ev_token_bucket_cfg *cfg, uint32_t tick) {
  const uint32_t n = tick - b.last_updated;
  if (n == 0 || n > INT_MAX) return;
  auto refill = [n](int64_t &lim, size_t rate, size_t maximum) {
    const int64_t max = static_cast<int64_t>(maximum);
    if ((max - lim) / static_cast<int64_t>(n) < static_cast<int64_t>(rate))
      lim = max;
    else
      lim += static_cast<int64_t>(n) * static_cast<int64_t>(rate);
  };
  refill(b.read_limit, cfg->read_rate, cfg->read_maximum);
  refill(b.write_limit, cfg->write_rate, cfg->write_maximum);
  b.last_updated = tick;
}

ssize_t bev_get_read_max(Bev *b) {
  return clamp_max(b, b->max_single_read, false);
}
ssize_t bev_get_write_max(Bev *b) {
  return clamp_max(b, b->max_single_write, true);
}

void bev_decrement_read_buckets(Bev *b, ssize_t bytes) {
  RateLimit *r = b->rate;
  if (!r) return;
  if (r->cfg) own_consume(b, bytes, false);
  if (r->group) group_consume(r->group, bytes, false);
}

void bev_decrement_write_buckets(Bev *b, ssize_t bytes) {
  RateLimit *r = b->rate;
  if (!r) return;
  if (r->cfg) own_consume(b, bytes, true);
  if (r->group) group_consume(r->group, bytes, true);
}

int bev_set_rate_limit(Bev *b, ev_token_bucket_cfg *cfg) {
  if (!cfg) {
    if (RateLimit *r = b->rate) {
      r->cfg = nullptr;
      bev_unsuspend_read(b, kSuspendBw);
      bev_unsuspend_write(b, kSuspendBw);
      event_del(&r->refill);
    }
    return 0;
  }
  RateLimit *r = bev_ensure_rate(b);
  if (!r) {
    log(kLogWarn, "bufferevent_set_rate_limit: out of memory");
    errno = ENOMEM;
    return -1;
  }
  if (r->cfg == cfg) return 0;
  const bool reinit = r->cfg != nullptr;
  r->cfg = cfg;
  bucket_init(r->limit, cfg, bucket_tick(b->pub.ev_base, cfg), reinit);
  event_del(&r->refill);
  bool paused = false;
  if (r->limit.read_limit > 0) {
    bev_unsuspend_read(b, kSuspendBw);
  } else {
    bev_suspend_read(b, kSuspendBw);
    paused = true;
  }
  if (r->limit.write_limit > 0) {
    bev_unsuspend_write(b, kSuspendBw);
  } else {
    bev_suspend_write(b, kSuspendBw);
    paused = true;
  }
  if (paused) event_add(&r->refill, &cfg->tick_timeout);
  return 0;
}

int64_t bev_read_limit(Bev *b) {
  if (!b->rate || !b->rate->cfg) return EV_SSIZE_MAX;
  update_own(b);
  return b->rate->limit.read_limit;
}

int64_t bev_write_limit(Bev *b) {
  if (!b->rate || !b->rate->cfg) return EV_SSIZE_MAX;
  update_own(b);
  return b->rate->limit.write_limit;
}

static int decrement_own(Bev *b, int64_t decr, bool write, const char *fn) {
  RateLimit *r = b->rate;
  if (!r || !r->cfg) {
    log(kLogWarn, "%s: the bufferevent has no rate limit of its own", fn);
    errno = EINVAL;
    return -1;
  }
  int64_t &lim = write ? r->limit.write_limit : r->limit.read_limit;
  const int64_t old = lim;
  lim -= decr;
  const uint8_t other = write ? b->read_suspended : b->write_suspended;
  int rc = 0;
  if (old > 0 && lim <= 0) {
    if (write)
      bev_suspend_write(b, kSuspendBw);
    else
      bev_suspend_read(b, kSuspendBw);
    if (event_add(&r->refill, &r->cfg->tick_timeout) < 0) rc = -1;
  } else if (old <= 0 && lim > 0) {
    if (!(other & kSuspendBw)) event_del(&r->refill);
    if (write)
      bev_unsuspend_write(b, kSuspendBw);
    else
      bev_unsuspend_read(b, kSuspendBw);
  }
  return rc;
}

int bev_decrement_read_limit(Bev *b, int64_t decr) {
  return decrement_own(b, decr, false, "bufferevent_decrement_read_limit");
}
int bev_decrement_write_limit(Bev *b, int64_t decr) {
  return decrement_own(b, decr, true, "bufferevent_decrement_write_limit");
}

void bev_rate_limit_unlink(Bev *b) {
  if (!b->rate) return;
  if (b->rate->group) bev_remove_from_group(b, false);
  event_del(&b->rate->refill);
}

void bev_rate_limit_free(Bev *b) {
  if (!b->rate) return;
  // Unlinked and stopped already (bev_rate_limit_unlink): a finalizer must not
  // take the base lock, which event_base_free may hold while running it.
  debug_note_teardown(&b->rate->refill);
  b->rate->~RateLimit();
  mm_free(b->rate);
  b->rate = nullptr;
}

}  // namespace eventide::detail
