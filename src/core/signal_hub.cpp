// Signals for any number of bases. One process-wide sigaction handler per
// signal counts the delivery in every base slot watching it and wakes that
// base through its eventfd; the base's internal notify event then activates
// its signal events with the count (so two raise() before the loop runs give
// two callbacks). libevent lets only one base receive signals at a time.
#include <event2/event.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/event_base.hpp"
#include "util/log.hpp"

namespace eventide::detail {
namespace {

constexpr int kSlots = 128;
constexpr int kMaxSig = 65;  // Linux: signals 1..64

struct Slot {
  std::atomic<bool> used{false};
  std::atomic<int> fd{-1};
  std::atomic<bool> watching[kMaxSig];
  std::atomic<uint32_t> counts[kMaxSig];
};

Slot g_slots[kSlots];
std::mutex g_mu;  // guards installs/restores below, never taken in the handler
int g_watchers[kMaxSig];
struct sigaction g_old[kMaxSig];

void handler(int sig) {
  const int saved = errno;
  if (sig > 0 && sig < kMaxSig) {
    for (Slot &s : g_slots) {
      if (!s.watching[sig].load(std::memory_order_acquire)) continue;
      s.counts[sig].fetch_add(1, std::memory_order_acq_rel);
      const int fd = s.fd.load(std::memory_order_acquire);
      if (fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(fd, &one, sizeof one);
        (void)r;
      }
    }
  }
  errno = saved;
}

int slot_acquire(int fd) {
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_slots[i].used.compare_exchange_strong(expected, true)) {
      for (int s = 0; s < kMaxSig; ++s) {
        g_slots[i].watching[s].store(false);
        g_slots[i].counts[s].store(0);
      }
      g_slots[i].fd.store(fd);
      return i;
    }
  }
  return -1;
}

int watch(int slot, int sig) {
  std::lock_guard<std::mutex> g(g_mu);
  if (g_watchers[sig] == 0) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    if (sigaction(sig, &sa, &g_old[sig]) < 0) return -1;
  }
  ++g_watchers[sig];
  g_slots[slot].counts[sig].store(0);
  g_slots[slot].watching[sig].store(true, std::memory_order_release);
  return 0;
}

void unwatch(int slot, int sig) {
  std::lock_guard<std::mutex> g(g_mu);
  g_slots[slot].watching[sig].store(false, std::memory_order_release);
  if (--g_watchers[sig] == 0) sigaction(sig, &g_old[sig], nullptr);
}

// The notify event: drain the eventfd, then deliver counted signals.
void on_notify(evutil_socket_t fd, short, void *arg) {
  auto *base = static_cast<event_base *>(arg);
  uint64_t n;
  while (read(fd, &n, sizeof n) > 0) {
  }
  BaseGuard g(base);
  base->notify_pending = false;
  if (base->sig_slot < 0 || base->sig_added == 0) return;
  Slot &s = g_slots[base->sig_slot];
  for (int sig = 1; sig < kMaxSig; ++sig) {
    if (!base->sigs[sig].head) continue;
    const uint32_t count = s.counts[sig].exchange(0, std::memory_order_acq_rel);
    if (!count) continue;
    for (struct event *ev = base->sigs[sig].head; ev; ev = ev->ev_next.le_next)
      event_active_nolock(ev, EV_SIGNAL, static_cast<short>(count > 32767 ? 32767 : count));
  }
}

}  // namespace

int base_ensure_notify(event_base *base) {
  if (base->notify_fd >= 0) return 0;
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    log_errno(kLogWarn, "could not create the wake-up eventfd");
    return -1;
  }
  struct event *ev = &base->notify_ev;
  std::memset(ev, 0, sizeof *ev);
  ev->ev_base = base;
  ev->ev_fd = fd;
  ev->ev_events = EV_READ | EV_PERSIST;
  ev->ev_interval = -1;
  ev->ev_timeout_pos.min_heap_idx = -1;
  ev->ev_evcallback.evcb_flags = EVLIST_INIT | EVLIST_INTERNAL;
  ev->ev_evcallback.evcb_closure = kClosurePersist;
  ev->ev_evcallback.evcb_cb_union.evcb_callback = on_notify;
  ev->ev_evcallback.evcb_arg = base;
  ev->ev_evcallback.evcb_pri = 0;
  base->notify_fd = fd;
  if (event_add_nolock(ev, nullptr, false) < 0) {
    close(fd);
    base->notify_fd = -1;
    return -1;
  }
  if (base->sig_slot >= 0) g_slots[base->sig_slot].fd.store(fd, std::memory_order_release);
  return 0;
}

int base_signal_add(event_base *base, struct event *ev) {
  const int sig = ev->ev_fd;
  if (sig <= 0 || sig >= kMaxSig || sig == SIGKILL || sig == SIGSTOP) {
    log(kLogWarn, "event_add: cannot watch signal %d", sig);
    errno = EINVAL;
    return -1;
  }
  if (base_ensure_notify(base) < 0) return -1;
  if (base->sig_slot < 0) {
    base->sig_slot = slot_acquire(base->notify_fd);
    if (base->sig_slot < 0) {
      log(kLogWarn, "event_add: too many event_bases (%d) are watching signals", kSlots);
      errno = ENOMEM;
      return -1;
    }
  }
  FdSlot &slot = base->sigs[sig];
  if (!slot.head && watch(base->sig_slot, sig) < 0) {
    log_errno(kLogWarn, "event_add: sigaction for signal %d failed", sig);
    return -1;
  }
  ev->ev_next.le_next = slot.head;
  if (slot.head) slot.head->ev_next.le_prev = &ev->ev_next.le_next;
  slot.head = ev;
  ev->ev_next.le_prev = &slot.head;
  slot.count++;
  base->sig_added++;
  return 0;
}

void base_signal_del(event_base *base, struct event *ev) {
  const int sig = ev->ev_fd;
  FdSlot &slot = base->sigs[sig];
  if (ev->ev_next.le_next) ev->ev_next.le_next->ev_next.le_prev = ev->ev_next.le_prev;
  *ev->ev_next.le_prev = ev->ev_next.le_next;
  ev->ev_next.le_next = nullptr;
  ev->ev_next.le_prev = nullptr;
  slot.count--;
  base->sig_added--;
  if (!slot.head) unwatch(base->sig_slot, sig);
}

void base_signals_release(event_base *base) {
  if (base->sig_slot < 0) return;
  Slot &s = g_slots[base->sig_slot];
  s.fd.store(-1, std::memory_order_release);
  for (int sig = 1; sig < kMaxSig; ++sig)
    if (s.watching[sig].load()) unwatch(base->sig_slot, sig);
  s.used.store(false);
  base->sig_slot = -1;
}

}  // namespace eventide::detail
