// Bev: what every bufferevent (socket, pair, filter) shares behind the public
// struct bufferevent — references, lock, deferred callbacks, suspension, rate limits.
#pragma once

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstddef>
#include <cstdint>

#include "buffer/evbuffer.hpp"

namespace eventide::detail {

struct Bev;
struct RateLimit;

// Why a direction is paused, apart from the user disabling it.
enum Suspend : uint8_t {
  kSuspendWm = 0x01,       // read: input reached the high watermark
  kSuspendBw = 0x02,       // the bufferevent's own token bucket is empty
  kSuspendBwGroup = 0x04,  // its rate-limit group's bucket is empty
  kSuspendLookup = 0x08,   // a hostname lookup is running
  kSuspendFiltRead = 0x10  // a filter on top does not want data yet
};

enum class CtrlOp { SetFd, GetFd, GetUnderlying, CancelAll };

// Default for bufferevent_get_max_single_read/write. libevent's is 16 KiB;
// 64 KiB matches what one evbuffer read takes and echoes ~50% faster over
// loopback (measured: 460 vs 710 MiB/s for a 512 MiB echo, release build).
inline constexpr ssize_t kDefaultMaxSingleIo = 65536;

}  // namespace eventide::detail

// The operations of one kind of bufferevent: a table, so the public struct
// keeps libevent's layout (be_ops is its only type tag).
struct bufferevent_ops {
  const char *type;
  // Start / stop the kernel side of a direction (the user-visible `enabled`
  // bits are kept by the generic code).
  int (*enable)(eventide::detail::Bev *, short);
  int (*disable)(eventide::detail::Bev *, short);
  // The last reference went away: detach from partners and underlying ones.
  void (*unlink)(eventide::detail::Bev *);
  // Releases the kind's resources and the memory (runs as a finalizer).
  void (*destroy)(eventide::detail::Bev *);
  int (*adj_timeouts)(eventide::detail::Bev *);
  int (*flush)(eventide::detail::Bev *, short, bufferevent_flush_mode);
  // -1 when the kind does not support op.
  int (*ctrl)(eventide::detail::Bev *, eventide::detail::CtrlOp, void *);
};

namespace eventide::detail {

// Standard layout with the public struct first, so a struct bufferevent* is
// a Bev* (the kinds derive from Bev).
struct Bev {
  struct bufferevent pub;
  void *lock = nullptr;
  bool own_lock = false;
  int options = 0;
  int refcnt = 1;
  bool user_freed = false;  // bufferevent_free ran
  bool finalizing = false;  // the last reference is gone; memory goes soon
  uint8_t read_suspended = 0;
  uint8_t write_suspended = 0;
  // Deferred callbacks (BEV_OPT_DEFER_CALLBACKS) not yet run.
  bool readcb_pending = false;
  bool writecb_pending = false;
  short eventcb_pending = 0;
  int errno_pending = 0;
  struct event_callback deferred {};  // also the finalizer once finalizing
  evbuffer_cb_entry *read_wm_cb = nullptr;
  ssize_t max_single_read = kDefaultMaxSingleIo;
  ssize_t max_single_write = kDefaultMaxSingleIo;
  RateLimit *rate = nullptr;

  bufferevent *self() { return &pub; }
  const bufferevent_ops *ops() const { return pub.be_ops; }
};

inline Bev *bev_of(bufferevent *b) {
  return reinterpret_cast<Bev *>(b);
}
inline const Bev *bev_of(const bufferevent *b) {
  return reinterpret_cast<const Bev *>(b);
}

// ---- lifecycle (bev_common.cpp) ----
// Fills the shared part: buffers, lock, deferred callbacks. -1 (logged) on
// bad options or no memory; the caller then calls bev_abandon.
int bev_init_common(Bev *b, event_base *base, const bufferevent_ops *ops, int options);
// Undoes bev_init_common for an object that never reached the user.
void bev_abandon(Bev *b);
// For destroy(): frees the buffers, the lock (when owned) and rate-limit state.
void bev_release_common(Bev *b);

void bev_lock(Bev *b);
void bev_unlock(Bev *b);
void bev_incref_and_lock(Bev *b);
// Returns true when this released the last reference (the bufferevent is
// finalizing; it must not be touched again by the caller).
bool bev_decref_and_unlock(Bev *b);
// For callbacks of our own events: locks and takes a reference, or returns
// false (nothing held) when the bufferevent is already finalizing.
bool bev_enter(Bev *b);

// Marks b as handed to the user (debug-mode registry).
void bev_debug_note_new(Bev *b);
// False (logged) when b is not a live bufferevent known in debug mode.
bool bev_debug_check(const bufferevent *b, const char *fn);
// The argument check of every public bufferevent call: false (logged, errno
// EINVAL) when b is NULL or, in debug mode, not a live bufferevent.
bool bev_check_arg(const bufferevent *b, const char *fn);
void bev_debug_note_free(Bev *b);

// ---- callbacks ----
void bev_run_readcb(Bev *b, int options);
void bev_run_writecb(Bev *b, int options);
void bev_run_eventcb(Bev *b, short what, int options);
void bev_trigger_nolock(Bev *b, short iotype, int options);

// ---- enable / suspend ----
int bev_enable(Bev *b, short events);
int bev_disable(Bev *b, short events);
// Disables and also stops a pending connect (timeouts of pairs and filters).
int bev_disable_hard(Bev *b, short events);
void bev_suspend_read(Bev *b, uint8_t why);
void bev_unsuspend_read(Bev *b, uint8_t why);
void bev_suspend_write(Bev *b, uint8_t why);
void bev_unsuspend_write(Bev *b, uint8_t why);

// event_add with the bufferevent's timeout for that direction (none when zero).
int bev_add_event(struct event *ev, const timeval *tv);
// Timeouts of kinds whose ev_read/ev_write are pure timers (pair, filter).
void bev_init_generic_timeouts(Bev *b);
int bev_generic_adj_timeouts(Bev *b);
void bev_reset_read_timeout(Bev *b);
void bev_reset_write_timeout(Bev *b);
void bev_del_read_timeout(Bev *b);
void bev_del_write_timeout(Bev *b);

// Watermark rule for a read high watermark (installs the input callback).
void bev_set_read_watermarks(Bev *b, size_t low, size_t high);

// A deferred callback of the loop holding a reference until it runs
// (scheduling an already queued one is a no-op). Returns true if queued now.
bool bev_schedule(Bev *b, struct event_callback *cb);
// Changes the loop priority of one of b's deferred callbacks, queued or not.
void bev_set_deferred_priority(Bev *b, struct event_callback *cb, uint8_t pri);
// Takes back a queued deferred callback (and its reference); the caller
// holds another reference.
bool bev_unschedule(Bev *b, struct event_callback *cb);
// Loop priority used for b's deferred work.
uint8_t bev_deferred_priority(event_base *base);

// ---- rate limits (rate_limit.cpp) ----
// What the next read / write may move: max single I/O and the buckets.
ssize_t bev_get_read_max(Bev *b);
ssize_t bev_get_write_max(Bev *b);
void bev_decrement_read_buckets(Bev *b, ssize_t bytes);
void bev_decrement_write_buckets(Bev *b, ssize_t bytes);
// Called when the last reference goes: leaves the group, stops the refill timer.
void bev_rate_limit_unlink(Bev *b);
void bev_rate_limit_free(Bev *b);

// Constructors of the kinds (socket: socket_bev.hpp).
int pair_new(event_base *base, int options, bufferevent *out[2]);
bufferevent *pair_get_partner(Bev *b);
bufferevent *filter_new(Bev *underlying, bufferevent_filter_cb in, bufferevent_filter_cb out,
                        int options, void (*free_context)(void *), void *ctx);

// Kinds, for the few calls that only some of them support.
extern const bufferevent_ops kSocketOps;
extern const bufferevent_ops kPairOps;
extern const bufferevent_ops kFilterOps;

// Lock guard over a Bev (recursive; no-op without BEV_OPT_THREADSAFE).
class BevGuard {
 public:
  explicit BevGuard(Bev *b) : b_(b) { bev_lock(b_); }
  ~BevGuard() { bev_unlock(b_); }
  BevGuard(const BevGuard &) = delete;
  BevGuard &operator=(const BevGuard &) = delete;

 private:
  Bev *b_;
};

// evbuffer freeze flags lifted for the bufferevent's own I/O.
class Unfreeze {
 public:
  Unfreeze(evbuffer *buf, bool front) : buf_(buf), front_(front) {
    (front_ ? buf_->freeze_front_ : buf_->freeze_end_) = false;
  }
  ~Unfreeze() { (front_ ? buf_->freeze_front_ : buf_->freeze_end_) = true; }
  Unfreeze(const Unfreeze &) = delete;
  Unfreeze &operator=(const Unfreeze &) = delete;

 private:
  evbuffer *buf_;
  bool front_;
};

}  // namespace eventide::detail
