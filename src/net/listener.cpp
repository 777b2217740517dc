// The accept loop. libevent keeps a listener armed when accept() fails with
// EMFILE/ENFILE, so level-triggered polling spins on the pending connection
// (~700,000 error callbacks a second). Here the listener steps back instead:
// it stops watching the fd, reports the shortage once, and retries from a
// back-off timer (5 ms doubling to 250 ms) until descriptors are free again;
// the waiting clients stay in the kernel's backlog and are served then.
#include "net/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "core/debug_registry.hpp"
#include "core/event_base.hpp"
#include "stream/sock_ops.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

// Connections taken per readiness: others get their turn, the rest stays queued.
constexpr int kMaxAcceptsPerWake = 64;

void lock(evconnlistener *lev) {
  if (lev->lock) lock_acquire(lev->lock);
}
void unlock(evconnlistener *lev) {
  if (lev->lock) lock_release(lev->lock);
}

void destroy_memory(evconnlistener *lev) {
  debug_note_teardown(&lev->ev);
  debug_note_teardown(&lev->backoff);
  void *lk = lev->lock;
  lev->~evconnlistener();
  mm_free(lev);
  if (lk) lock_free(lk, 1);
}

void finalized(struct event *, void *arg) {
  destroy_memory(static_cast<evconnlistener *>(arg));
}

// Drops a reference with the lock held; the last one closes and releases.
void decref_and_unlock(evconnlistener *lev) {
  if (--lev->refcnt > 0) {
    unlock(lev);
    return;
  }
  event_del(&lev->ev);
  event_del(&lev->backoff);
  const evutil_socket_t fd = event_get_fd(&lev->ev);
  if ((lev->flags & LEV_OPT_CLOSE_ON_FREE) && fd >= 0) sock_close(fd);
  unlock(lev);
  // With threads the loop may be about to run one of our callbacks: release
  // after it (the finalizer runs in the loop thread once it is done; such a
  // callback sees `freed` and leaves).
  if (lev->base->locking)
    event_finalize(0, &lev->ev, finalized);
  else
    destroy_memory(lev);
}

bool accept_retriable(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED;
}

bool out_of_descriptors(int e) {
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

void report_error(evconnlistener *lev, int err) {
  if (lev->errorcb) {
    ++lev->refcnt;
    evconnlistener_errorcb ecb = lev->errorcb;
    void *ud = lev->user_data;
    unlock(lev);
    errno = err;
    ecb(lev, ud);
    lock(lev);
    decref_and_unlock(lev);
  } else {
    errno = err;
    log_errno(kLogWarn, "Error from accept() call on fd %d", event_get_fd(&lev->ev));
    unlock(lev);
  }
}

// Out of descriptors: stop watching and come back later.
void pause_accepting(evconnlistener *lev) {
  lev->paused = true;
  event_del(&lev->ev);
  lev->backoff_ms =
      lev->backoff_ms ? std::min(lev->backoff_ms * 2, kAcceptBackoffMaxMs) : kAcceptBackoffFirstMs;
  timeval tv{lev->backoff_ms / 1000, (lev->backoff_ms % 1000) * 1000};
  event_add(&lev->backoff, &tv);
}

void backoff_cb(evutil_socket_t, short, void *arg) {
  auto *lev = static_cast<evconnlistener *>(arg);
  lock(lev);
  if (!lev->freed && lev->paused) {
    lev->paused = false;
    // Level-triggered: a connection still waiting makes us try at once.
    if (lev->enabled && lev->cb) event_add(&lev->ev, nullptr);
  }
  unlock(lev);
}

void accept_cb(evutil_socket_t fd, short, void *arg) {
  auto *lev = static_cast<evconnlistener *>(arg);
  lock(lev);
  if (lev->freed) {
    unlock(lev);
    return;
  }
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    const evutil_socket_t nfd =
        sock_accept(fd, reinterpret_cast<sockaddr *>(&ss), &len, lev->accept_flags);
    if (nfd < 0) {
      const int err = errno;
      if (accept_retriable(err)) {
        unlock(lev);
        return;
      }
      if (out_of_descriptors(err)) {
        pause_accepting(lev);
        if (lev->reported) {
          unlock(lev);
          return;
        }
        lev->reported = true;
      }
      report_error(lev, err);
      return;
    }
    // Descriptors are available again: a later shortage is news.
    lev->backoff_ms = 0;
    lev->reported = false;
    if (!lev->cb) {
      sock_close(nfd);
      unlock(lev);
      return;
    }
    ++lev->refcnt;
    evconnlistener_cb cb = lev->cb;
    void *ud = lev->user_data;
    unlock(lev);
    cb(lev, nfd, reinterpret_cast<sockaddr *>(&ss), static_cast<int>(len), ud);
    lock(lev);
    if (lev->refcnt == 1) {  // freed by the callback
      decref_and_unlock(lev);
      return;
    }
    --lev->refcnt;
    if (!lev->enabled || lev->paused || !lev->cb) {
      unlock(lev);
      return;
    }
  }
  unlock(lev);
}

}  // namespace

evconnlistener *listener_new(event_base *base, evconnlistener_cb cb, void *arg, unsigned flags,
                             int backlog, evutil_socket_t fd) {
  if (backlog != 0 && sock_listen(fd, backlog > 0 ? backlog : 128) < 0) {
    log_errno(kLogWarn, "evconnlistener_new: listen on fd %d failed", fd);
    return nullptr;
  }
  // libevent requires a nonblocking fd; make sure, so accepting cannot hang.
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
    log_errno(kLogWarn, "evconnlistener_new: fd %d cannot be made nonblocking", fd);
    return nullptr;
  }
  void *mem = mm_malloc(sizeof(evconnlistener));
  if (!mem) {
    log(kLogWarn, "evconnlistener_new: out of memory");
    errno = ENOMEM;
    return nullptr;
  }
  auto *lev = new (mem) evconnlistener();
  lev->base = base;
  lev->cb = cb;
  lev->user_data = arg;
  lev->flags = flags;
  if (!(flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING)) lev->accept_flags |= SOCK_NONBLOCK;
  if (flags & LEV_OPT_CLOSE_ON_EXEC) lev->accept_flags |= SOCK_CLOEXEC;
  if ((flags & LEV_OPT_THREADSAFE) && threading_enabled()) lev->lock = lock_alloc(1);
  event_assign(&lev->ev, base, fd, EV_READ | EV_PERSIST | EV_FINALIZE, accept_cb, lev);
  event_assign(&lev->backoff, base, -1, EV_FINALIZE, backoff_cb, lev);
  if (!(flags & LEV_OPT_DISABLED)) listener_enable(lev);
  return lev;
}

evconnlistener *listener_new_bind(event_base *base, evconnlistener_cb cb, void *arg, unsigned flags,
                                  int backlog, const sockaddr *sa, int socklen) {
  const evutil_socket_t fd = sock_stream_new(sa->sa_family, flags & LEV_OPT_CLOSE_ON_EXEC);
  if (fd < 0) {
    log_errno(kLogWarn, "evconnlistener_new_bind: cannot create a socket of family %d",
              sa->sa_family);
    return nullptr;
  }
  auto fail = [&](const char *what) -> evconnlistener * {
    log_errno(kLogWarn, "evconnlistener_new_bind: %s", what);
    sock_close(fd);
    return nullptr;
  };
  const bool inet = sa->sa_family == AF_INET || sa->sa_family == AF_INET6;
  if (inet && sock_set_keepalive(fd) < 0) return fail("SO_KEEPALIVE failed");
  if ((flags & LEV_OPT_REUSEABLE) && evutil_make_listen_socket_reuseable(fd) < 0)
    return fail("SO_REUSEADDR failed");
  if ((flags & LEV_OPT_REUSEABLE_PORT) && evutil_make_listen_socket_reuseable_port(fd) < 0)
    return fail("SO_REUSEPORT failed");
  if ((flags & LEV_OPT_DEFERRED_ACCEPT) && inet && evutil_make_tcp_listen_socket_deferred(fd) < 0)
    return fail("TCP_DEFER_ACCEPT failed");
  if ((flags & LEV_OPT_BIND_IPV6ONLY) && evutil_make_listen_socket_ipv6only(fd) < 0)
    return fail("IPV6_V6ONLY failed");
  if (sock_bind(fd, sa, static_cast<socklen_t>(socklen)) < 0) return fail("bind failed");
  evconnlistener *lev = listener_new(base, cb, arg, flags, backlog, fd);
  if (!lev) {
    sock_close(fd);
    return nullptr;
  }
  return lev;
}

void listener_free(evconnlistener *lev) {
  lock(lev);
  if (lev->freed) {
    log(kLogErr, "evconnlistener_free: listener %p was already freed", static_cast<void *>(lev));
    unlock(lev);
    return;
  }
  lev->freed = true;
  lev->cb = nullptr;
  lev->errorcb = nullptr;
  lev->enabled = false;
  event_del(&lev->ev);
  event_del(&lev->backoff);
  decref_and_unlock(lev);
}

int listener_enable(evconnlistener *lev) {
  lock(lev);
  lev->enabled = true;
  int r = 0;
  if (lev->paused) {
    // An explicit enable retries now rather than at the next back-off tick.
    lev->paused = false;
    event_del(&lev->backoff);
  }
  if (lev->cb) r = event_add(&lev->ev, nullptr);
  unlock(lev);
  return r;
}

int listener_disable(evconnlistener *lev) {
  lock(lev);
  lev->enabled = false;
  const int r = event_del(&lev->ev);
  unlock(lev);
  return r;
}

void listener_set_cb(evconnlistener *lev, evconnlistener_cb cb, void *arg) {
  lock(lev);
  const bool was_idle = !lev->cb;
  lev->cb = cb;
  lev->user_data = arg;
  if (lev->enabled && !lev->paused) {
    // No callback means "treated as disabled": connections wait in the backlog.
    if (cb && was_idle)
      event_add(&lev->ev, nullptr);
    else if (!cb)
      event_del(&lev->ev);
  }
  unlock(lev);
}

void listener_set_error_cb(evconnlistener *lev, evconnlistener_errorcb cb) {
  lock(lev);
  lev->errorcb = cb;
  unlock(lev);
}

}  // namespace eventide::detail
