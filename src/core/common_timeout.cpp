// Common timeouts: events sharing one duration sit in a FIFO ordered by
// deadline; only its head is in the heap (through one internal timer), so
// adding is O(1) however many there are. The magic timeval handed out encodes
// the queue index as libevent does (tv_usec bits 28-31 = 0x5, 20-27 = index).
#include <event2/event.h>

#include <cstring>
#include <new>

#include "core/event_base.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace eventide::detail {

namespace {
constexpr long kMagic = 0x50000000;
constexpr long kMagicMask = 0xf0000000;
constexpr long kIndexMask = 0x0ff00000;
constexpr int kIndexShift = 20;
constexpr long kUsecMask = 0x000fffff;
constexpr size_t kMaxCommonTimeouts = 256;

#define CT_NEXT(ev) ((ev)->ev_timeout_pos.ev_next_with_common_timeout.tqe_next)
#define CT_PREV(ev) ((ev)->ev_timeout_pos.ev_next_with_common_timeout.tqe_prev)
}  // namespace

struct CommonTimeout {
  struct event *first = nullptr;
  struct event **last = &first;
  int64_t duration_ns = 0;
  timeval magic{};
  struct event timer;
  event_base *base = nullptr;
};

namespace {

void arm(CommonTimeout *ct) {
  if (ct->first)
    event_add_deadline_nolock(&ct->timer, ct->first->ev_deadline);
  else
    event_del_nolock(&ct->timer, kDelNoBlock);
}

void on_common_timer(evutil_socket_t, short, void *arg) {
  auto *ct = static_cast<CommonTimeout *>(arg);
  event_base *base = ct->base;
  BaseGuard g(base);
  const int64_t now = base_now(base);
  while (ct->first && ct->first->ev_deadline <= now) {
    struct event *ev = ct->first;
    event_del_nolock(ev, kDelNoBlock);
    event_active_nolock(ev, EV_TIMEOUT, 1);
  }
  if (ct->first) arm(ct);
}

}  // namespace

int64_t common_timeout_duration_ns(const CommonTimeout *ct) {
  return ct->duration_ns;
}

const timeval *common_timeout_init(event_base *base, const timeval *duration) {
  timeval d = *duration;
  if (d.tv_usec > 1000000) {
    d.tv_sec += d.tv_usec / 1000000;
    d.tv_usec %= 1000000;
  }
  CommonTimeout *found = nullptr;
  if (common_timeout_lookup(base, &d, &found) && found) return &found->magic;
  for (CommonTimeout *ct : base->common_timeouts)
    if (ct->duration_ns == timeval_to_ns(d)) return &ct->magic;
  if (base->common_timeouts.size() >= kMaxCommonTimeouts) {
    log(kLogWarn,
        "event_base_init_common_timeout: too many common timeouts already in use; "
        "we only support %zu per event_base",
        kMaxCommonTimeouts);
    return nullptr;
  }
  auto *ct = new (std::nothrow) CommonTimeout;
  if (!ct) return nullptr;
  const size_t idx = base->common_timeouts.size();
  ct->base = base;
  ct->duration_ns = timeval_to_ns(d);
  ct->magic.tv_sec = d.tv_sec;
  ct->magic.tv_usec = static_cast<suseconds_t>(d.tv_usec | kMagic | (long(idx) << kIndexShift));
  std::memset(&ct->timer, 0, sizeof ct->timer);
  ct->timer.ev_base = base;
  ct->timer.ev_fd = -1;
  ct->timer.ev_interval = -1;
  ct->timer.ev_timeout_pos.min_heap_idx = -1;
  ct->timer.ev_evcallback.evcb_flags = EVLIST_INIT | EVLIST_INTERNAL;
  ct->timer.ev_evcallback.evcb_closure = kClosureEvent;
  ct->timer.ev_evcallback.evcb_cb_union.evcb_callback = on_common_timer;
  ct->timer.ev_evcallback.evcb_arg = ct;
  ct->timer.ev_evcallback.evcb_pri = 0;
  try {
    base->common_timeouts.push_back(ct);
  } catch (...) {
    delete ct;
    return nullptr;
  }
  return &ct->magic;
}

bool common_timeout_lookup(event_base *base, const timeval *tv, CommonTimeout **out) {
  if ((tv->tv_usec & kMagicMask) != kMagic) return false;
  const size_t idx = static_cast<size_t>((tv->tv_usec & kIndexMask) >> kIndexShift);
  *out = nullptr;
  if (idx < base->common_timeouts.size()) {
    CommonTimeout *ct = base->common_timeouts[idx];
    if (ct->magic.tv_sec == tv->tv_sec && ct->magic.tv_usec == tv->tv_usec) *out = ct;
  }
  return true;
}

void common_timeout_schedule(event_base *, CommonTimeout *ct, struct event *ev) {
  // Deadlines arrive nearly always in order: walk back from the tail.
  struct event *after = nullptr;
  if (ct->first) {
    struct event *p = reinterpret_cast<struct event *>(
        reinterpret_cast<char *>(ct->last) -
        offsetof(struct event, ev_timeout_pos.ev_next_with_common_timeout.tqe_next));
    while (p && p->ev_deadline > ev->ev_deadline)
      p = (CT_PREV(p) == &ct->first)
              ? nullptr
              : reinterpret_cast<struct event *>(
                    reinterpret_cast<char *>(CT_PREV(p)) -
                    offsetof(struct event, ev_timeout_pos.ev_next_with_common_timeout.tqe_next));
    after = p;
  }
  struct event **link = after ? &CT_NEXT(after) : &ct->first;
  CT_NEXT(ev) = *link;
  CT_PREV(ev) = link;
  if (*link)
    CT_PREV(*link) = &CT_NEXT(ev);
  else
    ct->last = &CT_NEXT(ev);
  *link = ev;
  ev->ev_common_timeout_idx =
      static_cast<uint16_t>(((ct->magic.tv_usec & kIndexMask) >> kIndexShift) + 1);
  if (ct->first == ev) arm(ct);
}

void common_timeout_remove(event_base *base, struct event *ev) {
  const size_t idx = ev->ev_common_timeout_idx;
  if (!idx || idx > base->common_timeouts.size()) return;
  CommonTimeout *ct = base->common_timeouts[idx - 1];
  const bool was_first = ct->first == ev;
  if (CT_NEXT(ev))
    CT_PREV(CT_NEXT(ev)) = CT_PREV(ev);
  else
    ct->last = CT_PREV(ev);
  *CT_PREV(ev) = CT_NEXT(ev);
  CT_NEXT(ev) = nullptr;
  CT_PREV(ev) = nullptr;
  if (was_first) arm(ct);
}

void common_timeouts_free(event_base *base) {
  for (CommonTimeout *ct : base->common_timeouts) {
    while (ct->first) event_del_nolock(ct->first, kDelEvenIfFinalizing);
    event_del_nolock(&ct->timer, kDelEvenIfFinalizing);
    delete ct;
  }
  base->common_timeouts.clear();
}

void common_timeouts_foreach(event_base *base, bool (*fn)(struct event *, void *), void *arg) {
  for (CommonTimeout *ct : base->common_timeouts)
    for (struct event *ev = ct->first; ev; ev = CT_NEXT(ev))
      if (!fn(ev, arg)) return;
}

}  // namespace eventide::detail
