// The rate-limit part of event2/bufferevent.h: token-bucket configurations,
// per-bufferevent limits and groups (argument checks, then src/stream).
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>

#include <cerrno>
#include <new>

#include "stream/bev.hpp"
#include "stream/rate_limit.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using namespace eventide::detail;

namespace {

bool check_group(const bufferevent_rate_limit_group *g, const char *fn) {
  if (g) return true;
  EVENTIDE_BAD_ARG("%s: NULL rate-limit group", fn);
  return false;
}

}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(
    size_t read_rate, size_t read_burst, size_t write_rate, size_t write_burst,
    const struct timeval *tick_len) {
  const timeval one_second{1, 0};
  if (!tick_len) tick_len = &one_second;
  if (read_rate > read_burst || write_rate > write_burst || read_rate < 1 || write_rate < 1 ||
      read_burst > static_cast<size_t>(EV_RATE_LIMIT_MAX) ||
      write_burst > static_cast<size_t>(EV_RATE_LIMIT_MAX)) {
    EVENTIDE_BAD_ARG(
        "ev_token_bucket_cfg_new: need 1 <= rate <= burst <= EV_RATE_LIMIT_MAX (read %zu/%zu, "
        "write %zu/%zu)",
        read_rate, read_burst, write_rate, write_burst);
    return nullptr;
  }
  if (tick_len->tv_sec < 0 || tick_len->tv_usec < 0 || tick_len->tv_usec >= 1000000 ||
      (tick_len->tv_sec == 0 && tick_len->tv_usec < 1000)) {
    EVENTIDE_BAD_ARG("ev_token_bucket_cfg_new: the tick must be at least one millisecond");
    return nullptr;
  }
  auto *cfg = static_cast<ev_token_bucket_cfg *>(mm_calloc(1, sizeof(ev_token_bucket_cfg)));
  if (!cfg) return nullptr;
  cfg->read_rate = read_rate;
  cfg->read_maximum = read_burst;
  cfg->write_rate = write_rate;
  cfg->write_maximum = write_burst;
  cfg->tick_timeout = *tick_len;
  cfg->msec_per_tick = static_cast<unsigned>(tick_len->tv_sec * 1000 + tick_len->tv_usec / 1000);
  return cfg;
}

EVENT2_EXPORT_SYMBOL void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg) {
  mm_free(cfg);
}

EVENT2_EXPORT_SYMBOL int bufferevent_set_rate_limit(struct bufferevent *bev,
                                                    struct ev_token_bucket_cfg *cfg) {
  if (!bev_check_arg(bev, "bufferevent_set_rate_limit")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_set_rate_limit(b, cfg);
}

EVENT2_EXPORT_SYMBOL struct bufferevent_rate_limit_group *bufferevent_rate_limit_group_new(
    struct event_base *base, const struct ev_token_bucket_cfg *cfg) {
  if (!base || !cfg) {
    EVENTIDE_BAD_ARG("bufferevent_rate_limit_group_new: NULL %s", base ? "configuration" : "base");
    return nullptr;
  }
  return group_new(base, cfg);
}

EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_set_cfg(
    struct bufferevent_rate_limit_group *g, const struct ev_token_bucket_cfg *cfg) {
  if (!check_group(g, "bufferevent_rate_limit_group_set_cfg")) return -1;
  if (!cfg) {
    EVENTIDE_BAD_ARG("bufferevent_rate_limit_group_set_cfg: NULL configuration");
    return -1;
  }
  return group_set_cfg(g, cfg);
}

EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_set_min_share(
    struct bufferevent_rate_limit_group *g, size_t share) {
  if (!check_group(g, "bufferevent_rate_limit_group_set_min_share")) return -1;
  return group_set_min_share(g, share);
}

EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_free(
    struct bufferevent_rate_limit_group *g) {
  if (!check_group(g, "bufferevent_rate_limit_group_free")) return;
  group_free(g);
}

EVENT2_EXPORT_SYMBOL int bufferevent_add_to_rate_limit_group(
    struct bufferevent *bev, struct bufferevent_rate_limit_group *g) {
  if (!bev_check_arg(bev, "bufferevent_add_to_rate_limit_group")) return -1;
  Bev *b = bev_of(bev);
  BevGuard guard(b);
  return bev_add_to_group(b, g);
}

EVENT2_EXPORT_SYMBOL int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_remove_from_rate_limit_group")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_remove_from_group(b, true);
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_get_read_limit")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return static_cast<ev_ssize_t>(bev_read_limit(b));
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_get_write_limit")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return static_cast<ev_ssize_t>(bev_write_limit(b));
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_get_max_to_read")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_get_read_max(b);
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_get_max_to_write")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_get_write_max(b);
}

EVENT2_EXPORT_SYMBOL const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(
    const struct bufferevent *bev) {
  if (!bev_check_arg(bev, "bufferevent_get_token_bucket_cfg")) return nullptr;
  Bev *b = const_cast<Bev *>(bev_of(bev));
  BevGuard g(b);
  return b->rate ? b->rate->cfg : nullptr;
}

EVENT2_EXPORT_SYMBOL ev_ssize_t
bufferevent_rate_limit_group_get_read_limit(struct bufferevent_rate_limit_group *g) {
  if (!check_group(g, "bufferevent_rate_limit_group_get_read_limit")) return -1;
  return static_cast<ev_ssize_t>(group_limit(g, false));
}

EVENT2_EXPORT_SYMBOL ev_ssize_t
bufferevent_rate_limit_group_get_write_limit(struct bufferevent_rate_limit_group *g) {
  if (!check_group(g, "bufferevent_rate_limit_group_get_write_limit")) return -1;
  return static_cast<ev_ssize_t>(group_limit(g, true));
}

EVENT2_EXPORT_SYMBOL int bufferevent_decrement_read_limit(struct bufferevent *bev,
                                                          ev_ssize_t decr) {
  if (!bev_check_arg(bev, "bufferevent_decrement_read_limit")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_decrement_read_limit(b, decr);
}

EVENT2_EXPORT_SYMBOL int bufferevent_decrement_write_limit(struct bufferevent *bev,
                                                           ev_ssize_t decr) {
  if (!bev_check_arg(bev, "bufferevent_decrement_write_limit")) return -1;
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return bev_decrement_write_limit(b, decr);
}

EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_decrement_read(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr) {
  if (!check_group(g, "bufferevent_rate_limit_group_decrement_read")) return -1;
  return group_decrement(g, decr, false);
}

EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_decrement_write(
    struct bufferevent_rate_limit_group *g, ev_ssize_t decr) {
  if (!check_group(g, "bufferevent_rate_limit_group_decrement_write")) return -1;
  return group_decrement(g, decr, true);
}

EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *g, ev_uint64_t *total_read_out,
    ev_uint64_t *total_written_out) {
  if (!check_group(g, "bufferevent_rate_limit_group_get_totals")) return;
  group_totals(g, total_read_out, total_written_out);
}

EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *g) {
  if (!check_group(g, "bufferevent_rate_limit_group_reset_totals")) return;
  group_reset_totals(g);
}

}  // extern "C"
