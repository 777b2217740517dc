// Token buckets that cap how fast bufferevents read and write, alone
// (ev_token_bucket_cfg) or as a group sharing one bucket.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event_struct.h>

#include <cstddef>
#include <cstdint>

namespace eventide::detail {
struct Bev;
struct RateLimit;
}  // namespace eventide::detail

struct ev_token_bucket_cfg {
  size_t read_rate;
  size_t read_maximum;
  size_t write_rate;
  size_t write_maximum;
  struct timeval tick_timeout;
  unsigned msec_per_tick;
};

namespace eventide::detail {

// Bytes that may still move; negative after an overdraft.
struct TokenBucket {
  int64_t read_limit = 0;
  int64_t write_limit = 0;
  uint32_t last_updated = 0;  // tick number of the last refill
};

// Per-bufferevent state: its own bucket (when cfg is set) and its group.
struct RateLimit {
  Bev *bev = nullptr;
  const ev_token_bucket_cfg *cfg = nullptr;
  TokenBucket limit;
  struct event refill {};  // wakes a paused direction on the next tick
  bufferevent_rate_limit_group *group = nullptr;
  RateLimit *group_next = nullptr;
  RateLimit *group_prev = nullptr;
};

// Rate-limit calls of the C face (rate_limit.cpp / rate_group.cpp).
RateLimit *bev_ensure_rate(Bev *b);
int bev_set_rate_limit(Bev *b, ev_token_bucket_cfg *cfg);
int64_t bev_read_limit(Bev *b);
int64_t bev_write_limit(Bev *b);
int bev_decrement_read_limit(Bev *b, int64_t decr);
int bev_decrement_write_limit(Bev *b, int64_t decr);
int bev_add_to_group(Bev *b, bufferevent_rate_limit_group *g);
int bev_remove_from_group(Bev *b, bool unsuspend);

// Shared by the bucket code of bufferevents and groups.
uint32_t bucket_tick(event_base *base, const ev_token_bucket_cfg *cfg);
void bucket_init(TokenBucket &b, const ev_token_bucket_cfg *cfg, uint32_t tick, bool reinit);
void bucket_update(TokenBucket &b, const ev_token_bucket_cfg *cfg, uint32_t tick);

// Groups (rate_group.cpp).
bufferevent_rate_limit_group *group_new(event_base *base, const ev_token_bucket_cfg *cfg);
int group_set_cfg(bufferevent_rate_limit_group *g, const ev_token_bucket_cfg *cfg);
int group_set_min_share(bufferevent_rate_limit_group *g, size_t share);
void group_free(bufferevent_rate_limit_group *g);
int group_decrement(bufferevent_rate_limit_group *g, int64_t decr, bool write);
int64_t group_limit(bufferevent_rate_limit_group *g, bool write);
void group_totals(bufferevent_rate_limit_group *g, uint64_t *read, uint64_t *written);
void group_reset_totals(bufferevent_rate_limit_group *g);

// Group internals used by per-bufferevent code.
void group_lock(bufferevent_rate_limit_group *g);
void group_unlock(bufferevent_rate_limit_group *g);
bool group_read_suspended(bufferevent_rate_limit_group *g);
bool group_write_suspended(bufferevent_rate_limit_group *g);
int64_t group_share(bufferevent_rate_limit_group *g, bool write);
void group_consume(bufferevent_rate_limit_group *g, int64_t bytes, bool write);

}  // namespace eventide::detail
