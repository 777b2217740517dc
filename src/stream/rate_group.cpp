// Rate-limit groups: one token bucket shared by many bufferevents, refilled
// every tick by a persistent timer; each member may take an equal share per
// operation (at least min_share), and the whole group pauses when it is empty.
#include <event2/bufferevent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "stream/bev.hpp"
#include "stream/rate_limit.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::RateLimit;
using eventide::detail::TokenBucket;

struct bufferevent_rate_limit_group {
  event_base *base = nullptr;
  ev_token_bucket_cfg cfg{};
  TokenBucket bucket;
  RateLimit *members = nullptr;
  int n_members = 0;
  bool read_suspended = false;
  bool write_suspended = false;
  // Members that could not be resumed at once (their lock was busy).
  bool pending_unsuspend_read = false;
  bool pending_unsuspend_write = false;
  uint64_t total_read = 0;
  uint64_t total_written = 0;
  size_t min_share = 64;
  size_t configured_min_share = 64;
  struct event refill {};
  void *lock = nullptr;
};

namespace eventide::detail {
namespace {

// Another thread may hold a member's lock while waiting for the group's: try,
// and let the member catch up later (clamp_max / pending_unsuspend) if busy.
bool try_lock(Bev *b) {
  return !b->lock || lock_acquire(b->lock, 0x04 /* EVTHREAD_TRY */) == 0;
}

void suspend_all(bufferevent_rate_limit_group *g, bool write) {
  (write ? g->write_suspended : g->read_suspended) = true;
  (write ? g->pending_unsuspend_write : g->pending_unsuspend_read) = false;
  for (RateLimit *r = g->members; r; r = r->group_next) {
    if (!try_lock(r->bev)) continue;
    if (write)
      bev_suspend_write(r->bev, kSuspendBwGroup);
    else
      bev_suspend_read(r->bev, kSuspendBwGroup);
    bev_unlock(r->bev);
  }
}

void unsuspend_all(bufferevent_rate_limit_group *g, bool write) {
  (write ? g->write_suspended : g->read_suspended) = false;
  bool again = false;
  for (RateLimit *r = g->members; r; r = r->group_next) {
    if (!try_lock(r->bev)) {
      again = true;
      continue;
    }
    if (write)
      bev_unsuspend_write(r->bev, kSuspendBwGroup);
    else
      bev_unsuspend_read(r->bev, kSuspendBwGroup);
    bev_unlock(r->bev);
  }
  (write ? g->pending_unsuspend_write : g->pending_unsuspend_read) = again;
}

void group_refill_cb(evutil_socket_t, short, void *arg) {
  auto *g = static_cast<bufferevent_rate_limit_group *>(arg);
  group_lock(g);
  bucket_update(g->bucket, &g->cfg, bucket_tick(g->base, &g->cfg));
  const auto share = static_cast<int64_t>(g->min_share);
  if (g->pending_unsuspend_read || (g->read_suspended && g->bucket.read_limit >= share))
    unsuspend_all(g, false);
  if (g->pending_unsuspend_write || (g->write_suspended && g->bucket.write_limit >= share))
    unsuspend_all(g, true);
  group_unlock(g);
}

void group_destroy(bufferevent_rate_limit_group *g) {
  debug_note_teardown(&g->refill);
  void *lock = g->lock;
  g->~bufferevent_rate_limit_group();
  mm_free(g);
  if (lock) lock_free(lock, 1);
}

void group_finalized(struct event *, void *arg) {
  group_destroy(static_cast<bufferevent_rate_limit_group *>(arg));
}

}  // namespace

void group_lock(bufferevent_rate_limit_group *g) {
  if (g->lock) lock_acquire(g->lock);
}
void group_unlock(bufferevent_rate_limit_group *g) {
  if (g->lock) lock_release(g->lock);
}
bool group_read_suspended(bufferevent_rate_limit_group *g) {
  return g->read_suspended;
}
bool group_write_suspended(bufferevent_rate_limit_group *g) {
  return g->write_suspended;
}

int64_t group_share(bufferevent_rate_limit_group *g, bool write) {
  const int64_t lim = write ? g->bucket.write_limit : g->bucket.read_limit;
  int64_t share = g->n_members ? lim / g->n_members : lim;
  if (share < static_cast<int64_t>(g->min_share)) share = static_cast<int64_t>(g->min_share);
  return share;
}

void group_consume(bufferevent_rate_limit_group *g, int64_t bytes, bool write) {
  group_lock(g);
  int64_t &lim = write ? g->bucket.write_limit : g->bucket.read_limit;
  lim -= bytes;
  (write ? g->total_written : g->total_read) += static_cast<uint64_t>(bytes);
  if (lim <= 0)
    suspend_all(g, write);
  else if (write ? g->write_suspended : g->read_suspended)
    unsuspend_all(g, write);
  group_unlock(g);
}

int bev_add_to_group(Bev *b, bufferevent_rate_limit_group *g) {
  if (!g) return bev_remove_from_group(b, true);
  if (!bev_ensure_rate(b)) {
    log(kLogWarn, "bufferevent_add_to_rate_limit_group: out of memory");
    errno = ENOMEM;
    return -1;
  }
  RateLimit *r = b->rate;
  if (r->group == g) return 0;
  if (r->group) bev_remove_from_group(b, true);
  group_lock(g);
  r->group = g;
  r->group_prev = nullptr;
  r->group_next = g->members;
  if (g->members) g->members->group_prev = r;
  g->members = r;
  ++g->n_members;
  const bool rs = g->read_suspended, ws = g->write_suspended;
  group_unlock(g);
  if (rs) bev_suspend_read(b, kSuspendBwGroup);
  if (ws) bev_suspend_write(b, kSuspendBwGroup);
  return 0;
}

int bev_remove_from_group(Bev *b, bool unsuspend) {
  RateLimit *r = b->rate;
  if (!r || !r->group) return 0;
  bufferevent_rate_limit_group *g = r->group;
  group_lock(g);
  if (r->group_prev)
    r->group_prev->group_next = r->group_next;
  else
    g->members = r->group_next;
  if (r->group_next) r->group_next->group_prev = r->group_prev;
  r->group_next = r->group_prev = nullptr;
  --g->n_members;
  r->group = nullptr;
  group_unlock(g);
  if (unsuspend) {
    bev_unsuspend_read(b, kSuspendBwGroup);
    bev_unsuspend_write(b, kSuspendBwGroup);
  }
  return 0;
}

bufferevent_rate_limit_group *group_new(event_base *base, const ev_token_bucket_cfg *cfg) {
  void *mem = mm_malloc(sizeof(bufferevent_rate_limit_group));
  if (!mem) return nullptr;
  auto *g = new (mem) bufferevent_rate_limit_group();
  g->base = base;
  g->cfg = *cfg;
  bucket_init(g->bucket, cfg, bucket_tick(base, cfg), false);
  if (threading_enabled()) g->lock = lock_alloc(1);
  event_assign(&g->refill, base, -1, EV_PERSIST | EV_FINALIZE, group_refill_cb, g);
  if (event_add(&g->refill, &g->cfg.tick_timeout) < 0) {
    group_destroy(g);
    return nullptr;
  }
  group_set_min_share(g, 64);
  return g;
}

int group_set_cfg(bufferevent_rate_limit_group *g, const ev_token_bucket_cfg *cfg) {
  group_lock(g);
  const bool same_tick = g->cfg.tick_timeout.tv_sec == cfg->tick_timeout.tv_sec &&
                         g->cfg.tick_timeout.tv_usec == cfg->tick_timeout.tv_usec;
  g->cfg = *cfg;
  g->bucket.read_limit =
      std::min<int64_t>(g->bucket.read_limit, static_cast<int64_t>(cfg->read_maximum));
  g->bucket.write_limit =
      std::min<int64_t>(g->bucket.write_limit, static_cast<int64_t>(cfg->write_maximum));
  if (!same_tick) event_add(&g->refill, &g->cfg.tick_timeout);
  group_set_min_share(g, g->configured_min_share);
  group_unlock(g);
  return 0;
}

int group_set_min_share(bufferevent_rate_limit_group *g, size_t share) {
  if (share > static_cast<size_t>(EV_SSIZE_MAX)) {
    log(kLogWarn, "bufferevent_rate_limit_group_set_min_share: share %zu is too large", share);
    errno = EINVAL;
    return -1;
  }
  group_lock(g);
  g->configured_min_share = share;
  // Never more than one tick's worth, so at least one member moves per tick.
  share = std::min({share, g->cfg.read_rate, g->cfg.write_rate});
  g->min_share = share;
  group_unlock(g);
  return 0;
}

void group_free(bufferevent_rate_limit_group *g) {
  group_lock(g);
  if (g->n_members)
    log(kLogWarn,
        "bufferevent_rate_limit_group_free: the group still has %d members; they leave it",
        g->n_members);
  while (RateLimit *r = g->members) {
    group_unlock(g);
    bev_lock(r->bev);
    bev_remove_from_group(r->bev, true);
    bev_unlock(r->bev);
    group_lock(g);
  }
  group_unlock(g);
  // With threads the refill callback may be about to run: free after it.
  if (g->base->locking)
    event_finalize(0, &g->refill, group_finalized);
  else {
    event_del(&g->refill);
    group_destroy(g);
  }
}

int group_decrement(bufferevent_rate_limit_group *g, int64_t decr, bool write) {
  group_lock(g);
  int64_t &lim = write ? g->bucket.write_limit : g->bucket.read_limit;
  const int64_t old = lim;
  lim -= decr;
  if (old > 0 && lim <= 0)
    suspend_all(g, write);
  else if (old <= 0 && lim > 0)
    unsuspend_all(g, write);
  group_unlock(g);
  return 0;
}

int64_t group_limit(bufferevent_rate_limit_group *g, bool write) {
  group_lock(g);
  const int64_t r = write ? g->bucket.write_limit : g->bucket.read_limit;
  group_unlock(g);
  return r;
}

void group_totals(bufferevent_rate_limit_group *g, uint64_t *read, uint64_t *written) {
  group_lock(g);
  if (read) *read = g->total_read;
  if (written) *written = g->total_written;
  group_unlock(g);
}

void group_reset_totals(bufferevent_rate_limit_group *g) {
  group_lock(g);
  g->total_read = g->total_written = 0;
  group_unlock(g);
}

}  // namespace eventide::detail
