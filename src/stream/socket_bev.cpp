// Socket bufferevents: one read per readiness (capped by the high watermark,
// max single read and rate limits), writes over the output chain, connect
// completion on the first writability — libevent 2.1's event flags. Replies
// written from a callback go out from the loop right after it, before any
// EV_WRITE interest is registered: an echo costs one read and one send.
#include "stream/socket_bev.hpp"

#include <cerrno>
#include <climits>
#include <new>

#include "core/deferred.hpp"
#include "stream/sock_ops.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

evutil_socket_t fd_of(const Bev *b) {
  return event_get_fd(&b->pub.ev_read);
}

bool write_pending(Bev *b) {
  return event_pending(&b->pub.ev_write, EV_WRITE, nullptr) != 0;
}

// Runs the event callback for a failed direction: the direction is disabled
// first, and EVUTIL_SOCKET_ERROR() in the callback is the I/O error.
void fail_direction(Bev *b, short dir, short what) {
  const int err = errno;
  bev_disable(b, dir);
  errno = err;
  bev_run_eventcb(b, what, 0);
}

// One write of up to the allowed amount, then the interest and callback
// bookkeeping of libevent's write handler. `connected` suppresses the write
// callback when the connect just completed with nothing to send.
void write_step(SocketBev *s, bool connected) {
  Bev *b = s;
  bufferevent &p = b->pub;
  const ssize_t atmost = bev_get_write_max(b);
  if (b->write_suspended || atmost <= 0) return;
  ssize_t res = 0;
  if (p.output->length()) {
    {
      BufferLock g(p.output);
      Unfreeze u(p.output, true);
      res = p.output->write_atmost(fd_of(b), atmost);
    }
    if (res < 0) {
      if (err_rw_retriable(errno)) {
        if (p.output->length() && !write_pending(b)) bev_add_event(&p.ev_write, &p.timeout_write);
        return;
      }
      fail_direction(b, EV_WRITE, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
      return;
    }
    if (res == 0) {
      fail_direction(b, EV_WRITE, BEV_EVENT_WRITING | BEV_EVENT_EOF);
      return;
    }
    bev_decrement_write_buckets(b, res);
  }
  if (p.output->length() == 0) {
    if (write_pending(b)) event_del(&p.ev_write);
  } else if (!write_pending(b) && (p.enabled & EV_WRITE) && !b->write_suspended) {
    bev_add_event(&p.ev_write, &p.timeout_write);
  }
  if (res || !connected) bev_trigger_nolock(b, EV_WRITE, 0);
}

// The eager write: what callbacks added to the output goes out without
// waiting for EV_WRITE. Called with the lock held.
void flush_now(SocketBev *s) {
  Bev *b = s;
  bufferevent &p = b->pub;
  // After bufferevent_free nothing more is sent (libevent discards output).
  if (!b->user_freed && (p.enabled & EV_WRITE) && !b->write_suspended && !s->connecting &&
      fd_of(b) >= 0 && p.output->length() && !write_pending(b))
    write_step(s, false);
}

// The eager write scheduled by outbuf_cb.
void flush_run(struct event_callback *, void *arg) {
  auto *s = static_cast<SocketBev *>(arg);
  Bev *b = s;
  bev_lock(b);
  flush_now(s);
  bev_decref_and_unlock(b);
}

void read_handler(evutil_socket_t fd, short event, void *arg) {
  auto *s = static_cast<SocketBev *>(arg);
  Bev *b = s;
  if (!bev_enter(b)) return;
  bufferevent &p = b->pub;
  [&] {
    if (event == EV_TIMEOUT) {
      fail_direction(b, EV_READ, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
      return;
    }
    evbuffer *in = p.input;
    ssize_t howmuch = -1;
    if (p.wm_read.high) {
      howmuch = static_cast<ssize_t>(p.wm_read.high) - static_cast<ssize_t>(in->length());
      if (howmuch <= 0) {
        bev_suspend_read(b, kSuspendWm);
        return;
      }
    }
    const ssize_t readmax = bev_get_read_max(b);
    if (howmuch < 0 || howmuch > readmax) howmuch = readmax;
    if (b->read_suspended || howmuch <= 0) return;
    if (howmuch > INT_MAX) howmuch = INT_MAX;
    int res;
    {
      BufferLock g(in);
      Unfreeze u(in, false);
      res = in->read(fd, static_cast<int>(howmuch));
    }
    if (res < 0) {
      const int err = errno;
      if (err_rw_retriable(err)) return;
      if (err == ECONNREFUSED) {
        // Reading was enabled before the connect finished: let the write
        // handler report the refusal the way it reports a connect failure.
        s->connection_refused = true;
        return;
      }
      fail_direction(b, EV_READ, BEV_EVENT_READING | BEV_EVENT_ERROR);
      return;
    }
    if (res == 0) {
      fail_direction(b, EV_READ, BEV_EVENT_READING | BEV_EVENT_EOF);
      return;
    }
    bev_decrement_read_buckets(b, res);
    s->in_read_cb = true;
    bev_trigger_nolock(b, EV_READ, 0);
    s->in_read_cb = false;
    // A reply written by the read callback goes out now, while its bytes are
    // warm, rather than after every other ready connection's read: one
    // message in flight per loop instead of one per ready connection.
    const bool wanted = s->flush_after_read;
    s->flush_after_read = false;
    if (bev_unschedule(b, &s->flush_cb) || wanted) flush_now(s);
  }();
  bev_decref_and_unlock(b);
}

void write_handler(evutil_socket_t fd, short event, void *arg) {
  auto *s = static_cast<SocketBev *>(arg);
  Bev *b = s;
  if (!bev_enter(b)) return;
  bufferevent &p = b->pub;
  [&] {
    if (event == EV_TIMEOUT) {
      fail_direction(b, EV_WRITE, BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT);
      return;
    }
    bool connected = false;
    if (s->connecting) {
      int c = sock_finished_connecting(fd);
      if (s->connection_refused) {
        s->connection_refused = false;
        errno = ECONNREFUSED;
        c = -1;
      }
      if (c == 0) return;
      s->connecting = false;
      if (c < 0) {
        // libevent's report: ERROR alone, both events stopped, `enabled` kept.
        const int err = errno;
        event_del(&p.ev_write);
        event_del(&p.ev_read);
        errno = err;
        bev_run_eventcb(b, BEV_EVENT_ERROR, 0);
        return;
      }
      connected = true;
      bev_run_eventcb(b, BEV_EVENT_CONNECTED, 0);
      if (!(p.enabled & EV_WRITE) || b->write_suspended) {
        event_del(&p.ev_write);
        return;
      }
    }
    write_step(s, connected);
  }();
  bev_decref_and_unlock(b);
}

// Output grew: schedule the eager write (or arm EV_WRITE while connecting).
void outbuf_cb(struct evbuffer *, const struct evbuffer_cb_info *info, void *arg) {
  auto *s = static_cast<SocketBev *>(arg);
  Bev *b = s;
  bufferevent &p = b->pub;
  if (!info->n_added || !(p.enabled & EV_WRITE) || b->write_suspended || b->finalizing) return;
  if (fd_of(b) < 0 || write_pending(b)) return;
  if (s->connecting) {
    bev_add_event(&p.ev_write, &p.timeout_write);
    return;
  }
  if (s->in_read_cb) {
    s->flush_after_read = true;  // read_handler sends it when the callback returns
    return;
  }
  bev_schedule(b, &s->flush_cb);
}

int socket_enable(Bev *b, short events) {
  // No fd yet: the `enabled` bits are applied by setfd / connect.
  if (fd_of(b) < 0) return 0;
  if ((events & EV_READ) && bev_add_event(&b->pub.ev_read, &b->pub.timeout_read) < 0) return -1;
  if ((events & EV_WRITE) && bev_add_event(&b->pub.ev_write, &b->pub.timeout_write) < 0) return -1;
  return 0;
}

int socket_disable(Bev *b, short events) {
  if ((events & EV_READ) && event_del(&b->pub.ev_read) < 0) return -1;
  // A connect in progress still needs its writability to be noticed.
  if ((events & EV_WRITE) && !as_socket(b)->connecting && event_del(&b->pub.ev_write) < 0)
    return -1;
  return 0;
}

// Only the timeouts of events already waiting change (libevent's rule for sockets).
int socket_adj_timeouts(Bev *b) {
  bufferevent &p = b->pub;
  int r = 0;
  if (event_pending(&p.ev_read, EV_READ, nullptr)) {
    if (p.timeout_read.tv_sec || p.timeout_read.tv_usec) {
      if (event_add(&p.ev_read, &p.timeout_read) < 0) r = -1;
    } else {
      event_remove_timer(&p.ev_read);
    }
  }
  if (event_pending(&p.ev_write, EV_WRITE, nullptr)) {
    if (p.timeout_write.tv_sec || p.timeout_write.tv_usec) {
      if (event_add(&p.ev_write, &p.timeout_write) < 0) r = -1;
    } else {
      event_remove_timer(&p.ev_write);
    }
  }
  return r;
}

int socket_flush(Bev *, short, bufferevent_flush_mode) {
  return 0;
}

int socket_ctrl(Bev *b, CtrlOp op, void *data) {
  auto *s = as_socket(b);
  switch (op) {
    case CtrlOp::GetFd:
      *static_cast<evutil_socket_t *>(data) = fd_of(b);
      return 0;
    case CtrlOp::SetFd:
      return socket_bev_setfd(s, *static_cast<evutil_socket_t *>(data));
    case CtrlOp::CancelAll:
      socket_dns_cancel(s);
      bev_unschedule(b, &s->flush_cb);
      return 0;
    case CtrlOp::GetUnderlying:
      return -1;
  }
  return -1;
}

void socket_destroy(Bev *b) {
  auto *s = as_socket(b);
  const evutil_socket_t fd = fd_of(b);
  if ((b->options & BEV_OPT_CLOSE_ON_FREE) && fd >= 0) sock_close(fd);
  bev_release_common(b);
  s->~SocketBev();
  mm_free(s);
}

void assign_events(SocketBev *s, evutil_socket_t fd) {
  bufferevent &p = s->pub;
  event_assign(&p.ev_read, p.ev_base, fd, EV_READ | EV_PERSIST | EV_FINALIZE, read_handler, s);
  event_assign(&p.ev_write, p.ev_base, fd, EV_WRITE | EV_PERSIST | EV_FINALIZE, write_handler, s);
}

}  // namespace

const bufferevent_ops kSocketOps = {
    "socket",       socket_enable,       socket_disable, nullptr,
    socket_destroy, socket_adj_timeouts, socket_flush,   socket_ctrl,
};

SocketBev *socket_bev_new(event_base *base, evutil_socket_t fd, int options) {
  void *mem = mm_malloc(sizeof(SocketBev));
  if (!mem) {
    log(kLogWarn, "bufferevent_socket_new: out of memory");
    errno = ENOMEM;
    return nullptr;
  }
  auto *s = new (mem) SocketBev();
  if (bev_init_common(s, base, &kSocketOps, options) < 0) {
    bev_abandon(s);
    s->~SocketBev();
    mm_free(mem);
    return nullptr;
  }
  bufferevent &p = s->pub;
  assign_events(s, fd);
  deferred_init(&s->flush_cb, bev_deferred_priority(base), flush_run, s);
  {
    BufferLock g(p.output);
    s->outbuf_cb = p.output->add_cb(outbuf_cb, s, kCbNoDefer | kCbInternal);
  }
  if (!s->outbuf_cb) {
    bev_release_common(s);
    s->~SocketBev();
    mm_free(mem);
    return nullptr;
  }
  // Only the bufferevent adds to input and takes from output's front.
  p.input->freeze_end_ = true;
  p.output->freeze_front_ = true;
  bev_debug_note_new(s);
  return s;
}

int socket_bev_setfd(SocketBev *s, evutil_socket_t fd) {
  Bev *b = s;
  bufferevent &p = b->pub;
  BevGuard g(b);
  event_del(&p.ev_read);
  event_del(&p.ev_write);
  const int pri = event_get_priority(&p.ev_read);
  assign_events(s, fd);
  event_priority_set(&p.ev_read, pri);
  event_priority_set(&p.ev_write, pri);
  socket_dns_cancel(s);
  if (fd >= 0) return bev_enable(b, p.enabled);
  return 0;
}

int socket_bev_connect(SocketBev *s, const sockaddr *sa, int socklen) {
  Bev *b = s;
  bev_incref_and_lock(b);
  int result = -1;
  [&] {
    evutil_socket_t fd = fd_of(b);
    bool own_fd = false;
    int r = 0;
    if (fd < 0) {
      if (!sa) {
        log(kLogWarn, "bufferevent_socket_connect: no fd and no address to connect to");
        errno = EINVAL;
        return;
      }
      fd = sock_stream_new(sa->sa_family, false);
      if (fd < 0) {
        log_errno(kLogWarn, "bufferevent_socket_connect: cannot create a socket of family %d",
                  sa->sa_family);
        return;
      }
      own_fd = true;
    }
    if (sa) {
      r = sock_connect(fd, sa, static_cast<socklen_t>(socklen));
      if (r < 0) {
        log_errno(kLogDebug, "bufferevent_socket_connect: connect on fd %d failed", fd);
        if (own_fd) sock_close(fd);
        return;
      }
    }
    socket_bev_setfd(s, fd);
    if (r == 0) {
      if (socket_enable(b, EV_WRITE) == 0) {
        s->connecting = true;
        result = 0;
      }
    } else if (r == 1) {
      // Connected at once (unix-domain sockets): as in libevent, a deferred
      // write callback now and CONNECTED on the first writability.
      result = 0;
      s->connecting = true;
      bev_trigger_nolock(b, EV_WRITE, BEV_OPT_DEFER_CALLBACKS);
    } else {
      result = 0;
      errno = ECONNREFUSED;
      bev_run_eventcb(b, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
      bev_disable(b, EV_WRITE | EV_READ);
    }
  }();
  bev_decref_and_unlock(b);
  return result;
}

}  // namespace eventide::detail
