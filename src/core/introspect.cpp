// Looking inside a base: event_base_foreach_event, event_base_dump_events (in
// libevent's text format) and the active_by_fd / active_by_signal triggers.
#include <event2/event.h>

#include <cinttypes>
#include <cstdio>

#include "core/event_base.hpp"
#include "util/clock.hpp"

namespace eventide::detail {

namespace {

struct ForeachCtx {
  event_base *base;
  event_base_foreach_event_cb fn;
  void *arg;
  int rc;
};

bool visit(struct event *ev, void *p) {
  auto *c = static_cast<ForeachCtx *>(p);
  c->rc = c->fn(c->base, ev, c->arg);
  return c->rc == 0;
}

bool visit_timeout_only(struct event *ev, void *p) {
  if (ev->ev_evcallback.evcb_flags & EVLIST_INSERTED) return true;
  return visit(ev, p);
}

void dump_inserted(FILE *out, const struct event *e) {
  const short f = e->ev_evcallback.evcb_flags;
  if (!(f & (EVLIST_INSERTED | EVLIST_TIMEOUT))) return;
  const bool sig = e->ev_events & EV_SIGNAL;
  std::fprintf(out, "  %p [%s %d]%s%s%s%s%s%s%s", static_cast<const void *>(e), sig ? "sig" : "fd ",
               e->ev_fd, (e->ev_events & EV_READ) ? " Read" : "",
               (e->ev_events & EV_WRITE) ? " Write" : "", (e->ev_events & EV_CLOSED) ? " EOF" : "",
               sig ? " Signal" : "", (e->ev_events & EV_PERSIST) ? " Persist" : "",
               (e->ev_events & EV_ET) ? " ET" : "", (f & EVLIST_INTERNAL) ? " Internal" : "");
  if (f & EVLIST_TIMEOUT) {
    timeval tv = ns_to_timeval(mono_to_wall_ns(e->ev_deadline));
    std::fprintf(out, " Timeout=%ld.%06d", static_cast<long>(tv.tv_sec),
                 static_cast<int>(tv.tv_usec));
  }
  std::fputc('\n', out);
}

void dump_active(FILE *out, const struct event *e) {
  const short f = e->ev_evcallback.evcb_flags;
  if (!(f & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER))) return;
  const short r = e->ev_res;
  std::fprintf(
      out, "  %p [%s %d, priority=%d]%s%s%s%s%s active%s%s\n", static_cast<const void *>(e),
      (e->ev_events & EV_SIGNAL) ? "sig" : "fd ", e->ev_fd, e->ev_evcallback.evcb_pri,
      (r & EV_READ) ? " Read" : "", (r & EV_WRITE) ? " Write" : "", (r & EV_CLOSED) ? " EOF" : "",
      (r & EV_SIGNAL) ? " Signal" : "", (r & EV_TIMEOUT) ? " Timeout" : "",
      (f & EVLIST_INTERNAL) ? " [Internal]" : "", (f & EVLIST_ACTIVE_LATER) ? " [NextTime]" : "");
}

}  // namespace

// Order as libevent: fd events, signal events, then timeout-only events, then
// events that are only active.
int base_foreach(event_base *base, event_base_foreach_event_cb fn, void *arg) {
  ForeachCtx c{base, fn, arg, 0};
  for (FdSlot &slot : base->fds)
    for (struct event *ev = slot.head; ev; ev = ev->ev_next.le_next)
      if (!visit(ev, &c)) return c.rc;
  for (FdSlot &slot : base->sigs)
    for (struct event *ev = slot.head; ev; ev = ev->ev_next.le_next)
      if (!visit(ev, &c)) return c.rc;
  for (size_t i = 0; i < base->heap.size(); ++i)
    if (!visit_timeout_only(base->heap.at(i), &c)) return c.rc;
  common_timeouts_foreach(base, visit_timeout_only, &c);
  if (c.rc) return c.rc;
  auto active_only = [&](CallbackQueue &q) {
    for (struct event_callback *cb = q.first; cb; cb = cb->evcb_active_next.tqe_next) {
      if ((cb->evcb_flags & (EVLIST_INIT | EVLIST_INSERTED | EVLIST_TIMEOUT)) != EVLIST_INIT)
        continue;
      if (!visit(as_event(cb), &c)) return false;
    }
    return true;
  };
  for (CallbackQueue &q : base->active)
    if (!active_only(q)) return c.rc;
  active_only(base->active_later);
  return c.rc;
}

void base_dump(event_base *base, FILE *out) {
  std::fprintf(out, "Inserted events:\n");
  base_foreach(
      base,
      [](const event_base *, const struct event *e, void *o) {
        dump_inserted(static_cast<FILE *>(o), e);
        return 0;
      },
      out);
  std::fprintf(out, "Active events:\n");
  base_foreach(
      base,
      [](const event_base *, const struct event *e, void *o) {
        dump_active(static_cast<FILE *>(o), e);
        return 0;
      },
      out);
}

// With EV_TIMEOUT, libevent 2.1 fires the timeouts of the events on fd (timer
// heap and common-timeout queues) instead of their I/O.
void base_active_by_fd(event_base *base, int fd, short events) {
  if (events & EV_TIMEOUT) {
    for (size_t i = 0; i < base->heap.size(); ++i)
      if (base->heap.at(i)->ev_fd == fd) event_active_nolock(base->heap.at(i), EV_TIMEOUT, 1);
    common_timeouts_foreach(
        base,
        [](struct event *ev, void *p) {
          if (ev->ev_fd == *static_cast<int *>(p)) event_active_nolock(ev, EV_TIMEOUT, 1);
          return true;
        },
        &fd);
    return;
  }
  if (fd < 0 || static_cast<size_t>(fd) >= base->fds.size()) return;
  fd_ready(base, fd, events);
}

void base_active_by_signal(event_base *base, int sig) {
  if (sig <= 0 || static_cast<size_t>(sig) >= base->sigs.size()) return;
  for (struct event *ev = base->sigs[sig].head; ev; ev = ev->ev_next.le_next)
    event_active_nolock(ev, EV_SIGNAL, 1);
}

}  // namespace eventide::detail
