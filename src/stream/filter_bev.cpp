// Filtering bufferevents: user functions transform bytes between this
// bufferevent's buffers and an underlying bufferevent's, respecting the
// watermarks on both sides unless flushing.
#include <cerrno>
#include <new>

#include "stream/bev.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

struct FilterBev : Bev {
  Bev *underlying = nullptr;
  bufferevent_filter_cb process_in = nullptr;
  bufferevent_filter_cb process_out = nullptr;
  void (*free_context)(void *) = nullptr;
  void *context = nullptr;
  bool got_eof = false;
};

FilterBev *as_filter(Bev *b) {
  return static_cast<FilterBev *>(b);
}

bufferevent_filter_result copy_filter(evbuffer *src, evbuffer *dst, ev_ssize_t limit,
                                      bufferevent_flush_mode, void *) {
  const size_t n = limit < 0 ? src->length() : static_cast<size_t>(limit);
  return evbuffer_remove_buffer(src, dst, n) >= 0 ? BEV_OK : BEV_ERROR;
}

bool readbuf_full(FilterBev *f, bufferevent_flush_mode state) {
  return state == BEV_NORMAL && f->pub.wm_read.high &&
         f->pub.input->length() >= f->pub.wm_read.high;
}

bool underlying_full(FilterBev *f, bufferevent_flush_mode state) {
  bufferevent &u = f->underlying->pub;
  return state == BEV_NORMAL && u.wm_write.high && u.output->length() >= u.wm_write.high;
}

bufferevent_filter_result process_input(FilterBev *f, bufferevent_flush_mode state,
                                        bool &processed) {
  bufferevent &p = f->pub;
  evbuffer *src = f->underlying->pub.input;
  if (state == BEV_NORMAL && (!(p.enabled & EV_READ) || readbuf_full(f, state))) return BEV_OK;
  bufferevent_filter_result res;
  do {
    ev_ssize_t limit = -1;
    if (state == BEV_NORMAL && p.wm_read.high)
      limit = static_cast<ev_ssize_t>(p.wm_read.high - p.input->length());
    res = f->process_in(src, p.input, limit, state, f->context);
    if (res == BEV_OK) processed = true;
  } while (res == BEV_OK && (p.enabled & EV_READ) && src->length() && !readbuf_full(f, state));
  if (processed) bev_reset_read_timeout(f);
  return res;
}

bufferevent_filter_result process_output(FilterBev *f, bufferevent_flush_mode state,
                                         bool &processed) {
  bufferevent &p = f->pub;
  if (state == BEV_NORMAL && !(p.enabled & EV_WRITE)) return BEV_OK;
  bufferevent_filter_result res = BEV_OK;
  bool again;
  do {
    again = false;
    if (!underlying_full(f, state)) {
      bufferevent &u = f->underlying->pub;
      ev_ssize_t limit = -1;
      if (state == BEV_NORMAL && u.wm_write.high)
        limit = static_cast<ev_ssize_t>(u.wm_write.high - u.output->length());
      res = f->process_out(p.output, u.output, limit, state, f->context);
      if (res == BEV_OK) processed = true;
    }
    // Our output may have drained into the underlying one: tell the user.
    if (p.writecb && p.output->length() <= p.wm_write.low) {
      bev_run_writecb(f, 0);
      again = res == BEV_OK && (p.enabled & EV_WRITE) && p.output->length() &&
              !underlying_full(f, state);
    }
  } while (again);
  if (processed) {
    if (p.output->length())
      bev_reset_write_timeout(f);
    else
      bev_del_write_timeout(f);
  }
  return res;
}

// eventide reports a failing input filter (libevent ignores it).
void report_filter_error(FilterBev *f, short dir) {
  errno = EPROTO;
  bev_disable(f, dir == EV_READ ? EV_READ : EV_WRITE);
  bev_run_eventcb(f, BEV_EVENT_ERROR | (dir == EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING), 0);
}

void read_input(FilterBev *f) {
  bool processed = false;
  auto res = process_input(f, f->got_eof ? BEV_FINISHED : BEV_NORMAL, processed);
  if (processed) bev_trigger_nolock(f, EV_READ, 0);
  if (res == BEV_ERROR) report_filter_error(f, EV_READ);
}

void underlying_readcb(bufferevent *, void *arg) {
  FilterBev *f = static_cast<FilterBev *>(arg);
  if (!bev_enter(f)) return;
  read_input(f);
  bev_decref_and_unlock(f);
}

void underlying_writecb(bufferevent *, void *arg) {
  FilterBev *f = static_cast<FilterBev *>(arg);
  if (!bev_enter(f)) return;
  bool processed = false;
  if (process_output(f, BEV_NORMAL, processed) == BEV_ERROR) report_filter_error(f, EV_WRITE);
  bev_decref_and_unlock(f);
}

void underlying_eventcb(bufferevent *, short what, void *arg) {
  FilterBev *f = static_cast<FilterBev *>(arg);
  if (!bev_enter(f)) return;
  const int err = errno;
  if ((what & BEV_EVENT_EOF) && !f->got_eof) {
    // Let the filter emit what it kept back for the end of the stream.
    f->got_eof = true;
    read_input(f);
  }
  errno = err;
  bev_run_eventcb(f, what, 0);
  bev_decref_and_unlock(f);
}

void outbuf_cb(struct evbuffer *, const struct evbuffer_cb_info *info, void *arg) {
  FilterBev *f = static_cast<FilterBev *>(arg);
  if (!info->n_added || f->finalizing) return;
  bev_incref_and_lock(f);
  bool processed = false;
  if (process_output(f, BEV_NORMAL, processed) == BEV_ERROR) report_filter_error(f, EV_WRITE);
  bev_decref_and_unlock(f);
}

int filter_enable(Bev *b, short events) {
  FilterBev *f = as_filter(b);
  if (events & EV_WRITE) bev_reset_write_timeout(b);
  if (events & EV_READ) {
    bev_reset_read_timeout(b);
    BevGuard g(f->underlying);
    bev_unsuspend_read(f->underlying, kSuspendFiltRead);
  }
  return 0;
}

int filter_disable(Bev *b, short events) {
  FilterBev *f = as_filter(b);
  if (events & EV_WRITE) bev_del_write_timeout(b);
  if (events & EV_READ) {
    bev_del_read_timeout(b);
    BevGuard g(f->underlying);
    bev_suspend_read(f->underlying, kSuspendFiltRead);
  }
  return 0;
}

void filter_unlink(Bev *b) {
  FilterBev *f = as_filter(b);
  Bev *u = f->underlying;
  if (!u) return;
  f->underlying = nullptr;
  bev_lock(u);
  if (u->pub.errorcb == underlying_eventcb) {
    u->pub.readcb = nullptr;
    u->pub.writecb = nullptr;
    u->pub.errorcb = nullptr;
    u->pub.cbarg = nullptr;
  }
  if (f->options & BEV_OPT_CLOSE_ON_FREE) {
    // The underlying bufferevent goes with us: the user's reference, which
    // bufferevent_filter_new took over, and our own.
    bev_debug_note_free(u);
    u->user_freed = true;
    u->ops()->ctrl(u, CtrlOp::CancelAll, nullptr);
    if (u->refcnt > 1)
      --u->refcnt;
    else
      log(kLogWarn,
          "bufferevent_filter_new: BEV_OPT_CLOSE_ON_FREE, but the underlying "
          "bufferevent was already freed");
  } else {
    bev_suspend_read(u, kSuspendFiltRead);
  }
  bev_decref_and_unlock(u);
}

void filter_destroy(Bev *b) {
  FilterBev *f = as_filter(b);
  if (f->free_context) f->free_context(f->context);
  bev_release_common(b);
  f->~FilterBev();
  mm_free(f);
}

int filter_flush(Bev *b, short iotype, bufferevent_flush_mode mode) {
  FilterBev *f = as_filter(b);
  bev_incref_and_lock(b);
  bool processed = false;
  if (f->underlying) {
    if (iotype & EV_READ) process_input(f, mode, processed);
    if (iotype & EV_WRITE) process_output(f, mode, processed);
    Bev *u = f->underlying;
    BevGuard g(u);
    if (u->ops()->flush) u->ops()->flush(u, iotype, mode);
  }
  bev_decref_and_unlock(b);
  return processed ? 1 : 0;
}

int filter_ctrl(Bev *b, CtrlOp op, void *data) {
  FilterBev *f = as_filter(b);
  switch (op) {
    case CtrlOp::GetUnderlying:
      *static_cast<bufferevent **>(data) = f->underlying ? f->underlying->self() : nullptr;
      return 0;
    case CtrlOp::GetFd:
    case CtrlOp::SetFd:
      if (f->underlying && f->underlying->ops()->ctrl) {
        BevGuard g(f->underlying);
        return f->underlying->ops()->ctrl(f->underlying, op, data);
      }
      return -1;
    case CtrlOp::CancelAll:
      return -1;
  }
  return -1;
}

}  // namespace

const bufferevent_ops kFilterOps = {
    "filter",      filter_enable,  filter_disable,
    filter_unlink, filter_destroy, bev_generic_adj_timeouts,
    filter_flush,  filter_ctrl,
};

bufferevent *filter_new(Bev *u, bufferevent_filter_cb in, bufferevent_filter_cb out, int options,
                        void (*free_context)(void *), void *ctx) {
  void *mem = mm_malloc(sizeof(FilterBev));
  if (!mem) {
    errno = ENOMEM;
    return nullptr;
  }
  auto *f = new (mem) FilterBev();
  if (bev_init_common(f, u->pub.ev_base, &kFilterOps, options) < 0) {
    bev_abandon(f);
    f->~FilterBev();
    mm_free(mem);
    return nullptr;
  }
  f->underlying = u;
  f->process_in = in ? in : copy_filter;
  f->process_out = out ? out : copy_filter;
  f->free_context = free_context;
  f->context = ctx;
  bev_init_generic_timeouts(f);
  {
    BufferLock g(f->pub.output);
    f->pub.output->add_cb(outbuf_cb, f, kCbNoDefer | kCbInternal);
  }
  bev_incref_and_lock(u);
  u->pub.readcb = underlying_readcb;
  u->pub.writecb = underlying_writecb;
  u->pub.errorcb = underlying_eventcb;
  u->pub.cbarg = f;
  bev_enable(u, EV_READ | EV_WRITE);
  bev_suspend_read(u, kSuspendFiltRead);
  bev_unlock(u);
  bev_debug_note_new(f);
  return f->self();
}

}  // namespace eventide::detail
