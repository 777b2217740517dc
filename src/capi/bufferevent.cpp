// The C face of event2/bufferevent.h and event2/bufferevent_compat.h:
// argument checks (libevent's error values plus a log message), the
// bufferevent's lock and a reference around each call, then src/stream.
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "stream/bev.hpp"
#include "stream/rate_limit.hpp"
#include "stream/socket_bev.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using namespace eventide::detail;

namespace eventide::detail {
extern event_base *g_current_base;
}

namespace {

#define CHECK_BEV(b, fn, ret)              \
  do {                                     \
    if (!bev_check_arg(b, fn)) return ret; \
  } while (0)

bool check_socket(Bev *b, const char *fn) {
  if (b->ops() == &kSocketOps) return true;
  EVENTIDE_BAD_ARG("%s: only socket bufferevents support this (this one is a %s)", fn,
                   b->ops()->type);
  return false;
}

bool check_iotype(short events, const char *fn) {
  if (events & ~(EV_READ | EV_WRITE)) {
    EVENTIDE_BAD_ARG("%s: only EV_READ and EV_WRITE apply to a bufferevent (got 0x%x)", fn, events);
    return false;
  }
  return true;
}

event_base *choose_base(event_base *base, const char *fn) {
  if (!base) base = g_current_base;  // libevent's legacy "current base"
  if (!base) EVENTIDE_BAD_ARG("%s: NULL event_base", fn);
  return base;
}

}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_socket_new(struct event_base *base,
                                                                evutil_socket_t fd, int options) {
  base = choose_base(base, "bufferevent_socket_new");
  if (!base) return nullptr;
  SocketBev *s = socket_bev_new(base, fd, options);
  return s ? s->self() : nullptr;
}

EVENT2_EXPORT_SYMBOL int bufferevent_socket_connect(struct bufferevent *bev,
                                                    const struct sockaddr *sa, int socklen) {
  CHECK_BEV(bev, "bufferevent_socket_connect", -1);
  Bev *b = bev_of(bev);
  if (!check_socket(b, "bufferevent_socket_connect")) return -1;
  if (sa && socklen <= 0) {
    EVENTIDE_BAD_ARG("bufferevent_socket_connect: address length %d", socklen);
    return -1;
  }
  return socket_bev_connect(as_socket(b), sa, socklen);
}

EVENT2_EXPORT_SYMBOL int bufferevent_socket_connect_hostname(struct bufferevent *bev,
                                                             struct evdns_base *evdns_base,
                                                             int family, const char *hostname,
                                                             int port) {
  const char *fn = "bufferevent_socket_connect_hostname";
  CHECK_BEV(bev, fn, -1);
  Bev *b = bev_of(bev);
  if (!check_socket(b, fn)) return -1;
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) {
    EVENTIDE_BAD_ARG("%s: family %d is not AF_INET, AF_INET6 or AF_UNSPEC", fn, family);
    return -1;
  }
  if (port < 1 || port > 65535) {
    EVENTIDE_BAD_ARG("%s: port %d is out of range", fn, port);
    return -1;
  }
  if (!hostname || !*hostname) {
    EVENTIDE_BAD_ARG("%s: no hostname", fn);
    return -1;
  }
  if (evdns_base) log(kLogDebug, "%s: resolving with the system resolver on a helper thread", fn);
  return socket_bev_connect_hostname(as_socket(b), family, hostname, port);
}

EVENT2_EXPORT_SYMBOL int bufferevent_socket_get_dns_error(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_socket_get_dns_error", -1);
  Bev *b = bev_of(bev);
  if (!check_socket(b, "bufferevent_socket_get_dns_error")) return -1;
  BevGuard g(b);
  return as_socket(b)->dns_error;
}

EVENT2_EXPORT_SYMBOL int bufferevent_base_set(struct event_base *base, struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_base_set", -1);
  if (!base) {
    EVENTIDE_BAD_ARG("bufferevent_base_set: NULL event_base");
    return -1;
  }
  Bev *b = bev_of(bev);
  if (!check_socket(b, "bufferevent_base_set")) return -1;
  BevGuard g(b);
  if (event_base_set(base, &bev->ev_read) < 0 || event_base_set(base, &bev->ev_write) < 0)
    return -1;
  bev->ev_base = base;
  return 0;
}

EVENT2_EXPORT_SYMBOL struct event_base *bufferevent_get_base(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_base", nullptr);
  return bev->ev_base;
}

EVENT2_EXPORT_SYMBOL int bufferevent_priority_set(struct bufferevent *bev, int pri) {
  CHECK_BEV(bev, "bufferevent_priority_set", -1);
  Bev *b = bev_of(bev);
  if (!check_socket(b, "bufferevent_priority_set")) return -1;
  BevGuard g(b);
  if (event_priority_set(&bev->ev_read, pri) < 0 || event_priority_set(&bev->ev_write, pri) < 0)
    return -1;
  // Deferred work follows the bufferevent's priority.
  bev_set_deferred_priority(b, &b->deferred, static_cast<uint8_t>(pri));
  bev_set_deferred_priority(b, &as_socket(b)->flush_cb, static_cast<uint8_t>(pri));
  return 0;
}

EVENT2_EXPORT_SYMBOL int bufferevent_get_priority(const struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_priority", -1);
  if (event_initialized(&bev->ev_read)) return event_get_priority(&bev->ev_read);
  return event_base_get_npriorities(bev->ev_base) / 2;
}

EVENT2_EXPORT_SYMBOL void bufferevent_free(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_free", );
  Bev *b = bev_of(bev);
  bev_lock(b);
  if (b->user_freed) {
    log(kLogErr, "bufferevent_free: bufferevent %p was already freed", static_cast<void *>(bev));
    errno = EINVAL;
    bev_unlock(b);
    return;
  }
  bev_debug_note_free(b);
  b->user_freed = true;
  bev->readcb = nullptr;
  bev->writecb = nullptr;
  bev->errorcb = nullptr;
  bev->cbarg = nullptr;
  // Nothing of the user's may run any more: drop queued deferred work now,
  // so no reference waits for a loop iteration that may never come.
  b->readcb_pending = b->writecb_pending = false;
  b->eventcb_pending = 0;
  bev_unschedule(b, &b->deferred);
  b->ops()->ctrl(b, CtrlOp::CancelAll, nullptr);
  bev_decref_and_unlock(b);
}

EVENT2_EXPORT_SYMBOL void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
                                            bufferevent_data_cb writecb,
                                            bufferevent_event_cb eventcb, void *cbarg) {
  CHECK_BEV(bev, "bufferevent_setcb", );
  BevGuard g(bev_of(bev));
  bev->readcb = readcb;
  bev->writecb = writecb;
  bev->errorcb = eventcb;
  bev->cbarg = cbarg;
}

EVENT2_EXPORT_SYMBOL void bufferevent_getcb(struct bufferevent *bev,
                                            bufferevent_data_cb *readcb_ptr,
                                            bufferevent_data_cb *writecb_ptr,
                                            bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr) {
  CHECK_BEV(bev, "bufferevent_getcb", );
  BevGuard g(bev_of(bev));
  if (readcb_ptr) *readcb_ptr = bev->readcb;
  if (writecb_ptr) *writecb_ptr = bev->writecb;
  if (eventcb_ptr) *eventcb_ptr = bev->errorcb;
  if (cbarg_ptr) *cbarg_ptr = bev->cbarg;
}

EVENT2_EXPORT_SYMBOL int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd) {
  CHECK_BEV(bev, "bufferevent_setfd", -1);
  Bev *b = bev_of(bev);
  BevGuard g(b);
  int r = b->ops()->ctrl ? b->ops()->ctrl(b, CtrlOp::SetFd, &fd) : -1;
  if (r < 0 && b->ops() != &kSocketOps)
    log(kLogWarn, "bufferevent_setfd: a %s bufferevent has no fd", b->ops()->type);
  return r < 0 ? -1 : 0;
}

EVENT2_EXPORT_SYMBOL evutil_socket_t bufferevent_getfd(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_getfd", -1);
  Bev *b = bev_of(bev);
  BevGuard g(b);
  evutil_socket_t fd = -1;
  if (!b->ops()->ctrl || b->ops()->ctrl(b, CtrlOp::GetFd, &fd) < 0) return -1;
  return fd;
}

EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_underlying", nullptr);
  Bev *b = bev_of(bev);
  BevGuard g(b);
  bufferevent *u = nullptr;
  if (!b->ops()->ctrl || b->ops()->ctrl(b, CtrlOp::GetUnderlying, &u) < 0) return nullptr;
  return u;
}

EVENT2_EXPORT_SYMBOL int bufferevent_write(struct bufferevent *bev, const void *data, size_t size) {
  CHECK_BEV(bev, "bufferevent_write", -1);
  if (!data && size) {
    EVENTIDE_BAD_ARG("bufferevent_write: NULL data with length %zu", size);
    return -1;
  }
  return evbuffer_add(bev->output, data, size) == -1 ? -1 : 0;
}

EVENT2_EXPORT_SYMBOL int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf) {
  CHECK_BEV(bev, "bufferevent_write_buffer", -1);
  if (!buf) {
    EVENTIDE_BAD_ARG("bufferevent_write_buffer: NULL evbuffer");
    return -1;
  }
  return evbuffer_add_buffer(bev->output, buf) == -1 ? -1 : 0;
}

EVENT2_EXPORT_SYMBOL size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size) {
  CHECK_BEV(bev, "bufferevent_read", 0);
  if (!data && size) {
    EVENTIDE_BAD_ARG("bufferevent_read: NULL destination with length %zu", size);
    return 0;
  }
  int r = evbuffer_remove(bev->input, data, size);
  return r < 0 ? 0 : static_cast<size_t>(r);
}

EVENT2_EXPORT_SYMBOL int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf) {
  CHECK_BEV(bev, "bufferevent_read_buffer", -1);
  if (!buf) {
    EVENTIDE_BAD_ARG("bufferevent_read_buffer: NULL evbuffer");
    return -1;
  }
  return evbuffer_add_buffer(buf, bev->input);
}

EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_input(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_input", nullptr);
  return bev->input;
}

EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_output(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_output", nullptr);
  return bev->output;
}

EVENT2_EXPORT_SYMBOL int bufferevent_enable(struct bufferevent *bev, short event) {
  CHECK_BEV(bev, "bufferevent_enable", -1);
  if (!check_iotype(event, "bufferevent_enable")) return -1;
  Bev *b = bev_of(bev);
  bev_incref_and_lock(b);
  int r = bev_enable(b, event);
  bev_decref_and_unlock(b);
  return r;
}

EVENT2_EXPORT_SYMBOL int bufferevent_disable(struct bufferevent *bev, short event) {
  CHECK_BEV(bev, "bufferevent_disable", -1);
  if (!check_iotype(event, "bufferevent_disable")) return -1;
  Bev *b = bev_of(bev);
  bev_incref_and_lock(b);
  if (event && !(bev->enabled & event))
    log(kLogDebug, "bufferevent_disable: 0x%x is not enabled on %p (no change)", event,
        static_cast<void *>(bev));
  int r = bev_disable(b, event);
  bev_decref_and_unlock(b);
  return r;
}

EVENT2_EXPORT_SYMBOL short bufferevent_get_enabled(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_enabled", 0);
  BevGuard g(bev_of(bev));
  return bev->enabled;
}

EVENT2_EXPORT_SYMBOL int bufferevent_set_timeouts(struct bufferevent *bev,
                                                  const struct timeval *timeout_read,
                                                  const struct timeval *timeout_write) {
  CHECK_BEV(bev, "bufferevent_set_timeouts", -1);
  for (const timeval *tv : {timeout_read, timeout_write}) {
    if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)) {
      EVENTIDE_BAD_ARG("bufferevent_set_timeouts: invalid timeout {%ld, %ld}",
                       static_cast<long>(tv->tv_sec), static_cast<long>(tv->tv_usec));
      return -1;
    }
  }
  Bev *b = bev_of(bev);
  BevGuard g(b);
  bev->timeout_read = timeout_read ? *timeout_read : timeval{0, 0};
  bev->timeout_write = timeout_write ? *timeout_write : timeval{0, 0};
  return b->ops()->adj_timeouts ? b->ops()->adj_timeouts(b) : 0;
}

EVENT2_EXPORT_SYMBOL void bufferevent_settimeout(struct bufferevent *bev, int timeout_read,
                                                 int timeout_write) {
  CHECK_BEV(bev, "bufferevent_settimeout", );
  timeval r{timeout_read, 0}, w{timeout_write, 0};
  bufferevent_set_timeouts(bev, &r, &w);
}

EVENT2_EXPORT_SYMBOL void bufferevent_setwatermark(struct bufferevent *bev, short events,
                                                   size_t lowmark, size_t highmark) {
  CHECK_BEV(bev, "bufferevent_setwatermark", );
  Bev *b = bev_of(bev);
  BevGuard g(b);
  if (events & EV_WRITE) {
    bev->wm_write.low = lowmark;
    bev->wm_write.high = highmark;
  }
  if (events & EV_READ) bev_set_read_watermarks(b, lowmark, highmark);
}

EVENT2_EXPORT_SYMBOL int bufferevent_getwatermark(struct bufferevent *bev, short events,
                                                  size_t *lowmark, size_t *highmark) {
  CHECK_BEV(bev, "bufferevent_getwatermark", -1);
  if (events != EV_READ && events != EV_WRITE) {
    EVENTIDE_BAD_ARG("bufferevent_getwatermark: ask for exactly EV_READ or EV_WRITE (got 0x%x)",
                     events);
    return -1;
  }
  BevGuard g(bev_of(bev));
  const event_watermark &wm = events == EV_READ ? bev->wm_read : bev->wm_write;
  if (lowmark) *lowmark = wm.low;
  if (highmark) *highmark = wm.high;
  return 0;
}

EVENT2_EXPORT_SYMBOL void bufferevent_lock(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_lock", );
  bev_lock(bev_of(bev));
}

EVENT2_EXPORT_SYMBOL void bufferevent_unlock(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_unlock", );
  bev_unlock(bev_of(bev));
}

EVENT2_EXPORT_SYMBOL void bufferevent_incref(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_incref", );
  Bev *b = bev_of(bev);
  bev_incref_and_lock(b);
  bev_unlock(b);
}

EVENT2_EXPORT_SYMBOL int bufferevent_decref(struct bufferevent *bev) {
  if (!bev) {
    EVENTIDE_BAD_ARG("bufferevent_decref: NULL bufferevent");
    return -1;
  }
  Bev *b = bev_of(bev);
  bev_lock(b);
  if (b->finalizing) {
    log(kLogErr, "bufferevent_decref: %p has no reference left", static_cast<void *>(bev));
    bev_unlock(b);
    errno = EINVAL;
    return -1;
  }
  return bev_decref_and_unlock(b) ? 1 : 0;
}

EVENT2_EXPORT_SYMBOL int bufferevent_flush(struct bufferevent *bev, short iotype,
                                           enum bufferevent_flush_mode mode) {
  CHECK_BEV(bev, "bufferevent_flush", -1);
  if (mode != BEV_NORMAL && mode != BEV_FLUSH && mode != BEV_FINISHED) {
    EVENTIDE_BAD_ARG("bufferevent_flush: unknown mode %d", static_cast<int>(mode));
    return -1;
  }
  Bev *b = bev_of(bev);
  BevGuard g(b);
  return b->ops()->flush ? b->ops()->flush(b, iotype, mode) : -1;
}

EVENT2_EXPORT_SYMBOL void bufferevent_trigger(struct bufferevent *bev, short iotype, int options) {
  CHECK_BEV(bev, "bufferevent_trigger", );
  Bev *b = bev_of(bev);
  bev_incref_and_lock(b);
  bev_trigger_nolock(b, iotype, options & (BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS));
  bev_decref_and_unlock(b);
}

EVENT2_EXPORT_SYMBOL void bufferevent_trigger_event(struct bufferevent *bev, short what,
                                                    int options) {
  CHECK_BEV(bev, "bufferevent_trigger_event", );
  Bev *b = bev_of(bev);
  bev_incref_and_lock(b);
  bev_run_eventcb(b, what, options & BEV_TRIG_DEFER_CALLBACKS);
  bev_decref_and_unlock(b);
}

EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_filter_new(
    struct bufferevent *underlying, bufferevent_filter_cb input_filter,
    bufferevent_filter_cb output_filter, int options, void (*free_context)(void *), void *ctx) {
  CHECK_BEV(underlying, "bufferevent_filter_new", nullptr);
  return filter_new(bev_of(underlying), input_filter, output_filter, options, free_context, ctx);
}

EVENT2_EXPORT_SYMBOL int bufferevent_pair_new(struct event_base *base, int options,
                                              struct bufferevent *pair[2]) {
  if (!base || !pair) {
    EVENTIDE_BAD_ARG("bufferevent_pair_new: NULL %s", base ? "result array" : "event_base");
    return -1;
  }
  return pair_new(base, options, pair);
}

EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_pair_get_partner", nullptr);
  Bev *b = bev_of(bev);
  if (b->ops() != &kPairOps) {
    EVENTIDE_BAD_ARG("bufferevent_pair_get_partner: a %s bufferevent is not a pair",
                     b->ops()->type);
    return nullptr;
  }
  return pair_get_partner(b);
}

EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb,
                                                         evbuffercb writecb, everrorcb errorcb,
                                                         void *cbarg) {
  struct bufferevent *bev = bufferevent_socket_new(nullptr, fd, 0);
  if (bev) bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
  return bev;
}

EVENT2_EXPORT_SYMBOL int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size) {
  CHECK_BEV(bev, "bufferevent_set_max_single_read", -1);
  Bev *b = bev_of(bev);
  BevGuard g(b);
  b->max_single_read = (size == 0 || size > static_cast<size_t>(EV_SSIZE_MAX))
                           ? kDefaultMaxSingleIo
                           : static_cast<ssize_t>(size);
  return 0;
}

EVENT2_EXPORT_SYMBOL int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size) {
  CHECK_BEV(bev, "bufferevent_set_max_single_write", -1);
  Bev *b = bev_of(bev);
  BevGuard g(b);
  b->max_single_write = (size == 0 || size > static_cast<size_t>(EV_SSIZE_MAX))
                            ? kDefaultMaxSingleIo
                            : static_cast<ssize_t>(size);
  return 0;
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_max_single_read", -1);
  BevGuard g(bev_of(bev));
  return bev_of(bev)->max_single_read;
}

EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev) {
  CHECK_BEV(bev, "bufferevent_get_max_single_write", -1);
  BevGuard g(bev_of(bev));
  return bev_of(bev)->max_single_write;
}

}  // extern "C"
