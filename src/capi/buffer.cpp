// The C face of event2/buffer.h and event2/buffer_compat.h: argument checks
// (libevent's error values plus a log message), locking, then the core.
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/event.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <string>

#include "buffer/evbuffer.hpp"
#include "buffer/file_segment.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include <eventide/buffer.hpp>

using eventide::detail::BufferLock;
using eventide::detail::BufferLock2;

#define CHECK_BUF(b, fn, ret)                     \
  do {                                            \
    if (!(b)) {                                   \
      EVENTIDE_BAD_ARG("%s: buffer is NULL", fn); \
      return ret;                                 \
    }                                             \
  } while (0)

#define CHECK_DATA(p, n, fn, ret)                                         \
  do {                                                                    \
    if (!(p) && (n) > 0) {                                                \
      EVENTIDE_BAD_ARG("%s: NULL data with length %zu", fn, (size_t)(n)); \
      return ret;                                                         \
    }                                                                     \
  } while (0)

namespace {

evbuffer_ptr not_found() {
  evbuffer_ptr p{};
  p.pos = -1;
  return p;
}

// A position argument: NULL means `dflt`; -1 or past the end is refused.
bool resolve_pos(const evbuffer *b, const evbuffer_ptr *p, size_t dflt, size_t *out,
                 const char *fn) {
  if (!p) {
    *out = dflt;
    return true;
  }
  if (p->pos < 0 || static_cast<size_t>(p->pos) > b->len_) {
    EVENTIDE_BAD_ARG("%s: position %zd is outside the buffer (%zu bytes)", fn, p->pos, b->len_);
    return false;
  }
  *out = static_cast<size_t>(p->pos);
  return true;
}

bool valid_style(evbuffer_eol_style s, const char *fn) {
  if (s >= EVBUFFER_EOL_ANY && s <= EVBUFFER_EOL_NUL) return true;
  EVENTIDE_BAD_ARG("%s: unknown end-of-line style %d", fn, static_cast<int>(s));
  return false;
}

}  // namespace

extern "C" {

EVENT2_EXPORT_SYMBOL struct evbuffer *evbuffer_new(void) {
  evbuffer *b = evbuffer::create();
  if (!b) eventide::detail::log(eventide::detail::kLogWarn, "evbuffer_new: out of memory");
  return b;
}

EVENT2_EXPORT_SYMBOL void evbuffer_free(struct evbuffer *buf) {
  if (!buf) return;
  BufferLock g(buf);
  buf->free_by_user();
}

EVENT2_EXPORT_SYMBOL int evbuffer_enable_locking(struct evbuffer *buf, void *lock) {
  CHECK_BUF(buf, "evbuffer_enable_locking", -1);
  if (buf->lock_) {
    EVENTIDE_BAD_ARG("evbuffer_enable_locking: the buffer already has a lock");
    return -1;
  }
  if (lock) {
    buf->lock_ = lock;
    buf->own_lock_ = false;
    return 0;
  }
  // Like libevent: without evthread_use_pthreads there is no lock to make.
  lock = eventide::detail::lock_alloc(1 /* EVTHREAD_LOCKTYPE_RECURSIVE */);
  if (!lock) return -1;
  buf->lock_ = lock;
  buf->own_lock_ = true;
  return 0;
}

EVENT2_EXPORT_SYMBOL void evbuffer_lock(struct evbuffer *buf) {
  CHECK_BUF(buf, "evbuffer_lock", );
  if (buf->lock_) eventide::detail::lock_acquire(buf->lock_);
}

EVENT2_EXPORT_SYMBOL void evbuffer_unlock(struct evbuffer *buf) {
  CHECK_BUF(buf, "evbuffer_unlock", );
  if (buf->lock_) eventide::detail::lock_release(buf->lock_);
}

EVENT2_EXPORT_SYMBOL int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags) {
  CHECK_BUF(buf, "evbuffer_set_flags", -1);
  if (flags & ~static_cast<ev_uint64_t>(EVBUFFER_FLAG_DRAINS_TO_FD)) {
    EVENTIDE_BAD_ARG("evbuffer_set_flags: unknown flags 0x%llx", (unsigned long long)flags);
    return -1;
  }
  BufferLock g(buf);
  buf->flags_ |= static_cast<uint32_t>(flags);  // checked: only known bits
  return 0;
}

EVENT2_EXPORT_SYMBOL int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags) {
  CHECK_BUF(buf, "evbuffer_clear_flags", -1);
  if (flags & ~static_cast<ev_uint64_t>(EVBUFFER_FLAG_DRAINS_TO_FD)) {
    EVENTIDE_BAD_ARG("evbuffer_clear_flags: unknown flags 0x%llx", (unsigned long long)flags);
    return -1;
  }
  BufferLock g(buf);
  buf->flags_ &= ~static_cast<uint32_t>(flags);
  return 0;
}

EVENT2_EXPORT_SYMBOL size_t evbuffer_get_length(const struct evbuffer *buf) {
  CHECK_BUF(buf, "evbuffer_get_length", 0);
  BufferLock g(const_cast<evbuffer *>(buf));
  return buf->len_;
}

EVENT2_EXPORT_SYMBOL size_t evbuffer_get_contiguous_space(const struct evbuffer *buf) {
  CHECK_BUF(buf, "evbuffer_get_contiguous_space", 0);
  BufferLock g(const_cast<evbuffer *>(buf));
  return buf->contiguous_space();
}

EVENT2_EXPORT_SYMBOL int evbuffer_expand(struct evbuffer *buf, size_t datlen) {
  CHECK_BUF(buf, "evbuffer_expand", -1);
  BufferLock g(buf);
  return buf->expand(datlen);
}

EVENT2_EXPORT_SYMBOL int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
                                                struct evbuffer_iovec *vec, int n_vec) {
  CHECK_BUF(buf, "evbuffer_reserve_space", -1);
  if (size < 0 || n_vec < 1 || !vec) {
    EVENTIDE_BAD_ARG("evbuffer_reserve_space: bad size %zd, vector %p or count %d", size,
                     static_cast<void *>(vec), n_vec);
    return -1;
  }
  BufferLock g(buf);
  return buf->reserve(static_cast<size_t>(size), vec, n_vec);
}

EVENT2_EXPORT_SYMBOL int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
                                               int n_vecs) {
  CHECK_BUF(buf, "evbuffer_commit_space", -1);
  if (n_vecs < 0 || (n_vecs > 0 && !vec)) {
    EVENTIDE_BAD_ARG("evbuffer_commit_space: bad vector %p or count %d", static_cast<void *>(vec),
                     n_vecs);
    return -1;
  }
  BufferLock g(buf);
  return buf->commit(vec, n_vecs);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen) {
  CHECK_BUF(buf, "evbuffer_add", -1);
  CHECK_DATA(data, datlen, "evbuffer_add", -1);
  BufferLock g(buf);
  return buf->add(data, datlen);
}

EVENT2_EXPORT_SYMBOL int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen) {
  CHECK_BUF(buf, "evbuffer_remove", -1);
  CHECK_DATA(data, datlen, "evbuffer_remove", -1);
  BufferLock g(buf);
  if (buf->frozen_check_front("evbuffer_remove")) return -1;
  if (datlen > INT_MAX) datlen = INT_MAX;
  size_t n = buf->copy_out(0, data, datlen);
  if (n == static_cast<size_t>(-1)) return -1;
  buf->drain(n);
  return static_cast<int>(n);
}

EVENT2_EXPORT_SYMBOL ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out,
                                                 size_t datlen) {
  return evbuffer_copyout_from(buf, nullptr, data_out, datlen);
}

EVENT2_EXPORT_SYMBOL ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
                                                      const struct evbuffer_ptr *pos,
                                                      void *data_out, size_t datlen) {
  CHECK_BUF(buf, "evbuffer_copyout", -1);
  CHECK_DATA(data_out, datlen, "evbuffer_copyout", -1);
  BufferLock g(buf);
  // libevent refuses to copy from a buffer whose front is frozen.
  if (buf->frozen_check_front("evbuffer_copyout")) return -1;
  size_t from;
  if (!resolve_pos(buf, pos, 0, &from, "evbuffer_copyout_from")) return -1;
  if (datlen > static_cast<size_t>(SSIZE_MAX)) datlen = SSIZE_MAX;
  size_t n = buf->copy_out(from, data_out, datlen);
  return n == static_cast<size_t>(-1) ? -1 : static_cast<ev_ssize_t>(n);
}

EVENT2_EXPORT_SYMBOL int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
                                                size_t datlen) {
  CHECK_BUF(src, "evbuffer_remove_buffer", -1);
  CHECK_BUF(dst, "evbuffer_remove_buffer", -1);
  BufferLock2 g(src, dst);
  if (datlen > INT_MAX) datlen = INT_MAX;
  return src->move_to(dst, datlen);
}

EVENT2_EXPORT_SYMBOL char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
                                           enum evbuffer_eol_style eol_style) {
  if (n_read_out) *n_read_out = 0;
  CHECK_BUF(buffer, "evbuffer_readln", nullptr);
  if (!valid_style(eol_style, "evbuffer_readln")) return nullptr;
  BufferLock g(buffer);
  return buffer->readln(n_read_out, eol_style);
}

EVENT2_EXPORT_SYMBOL char *evbuffer_readline(struct evbuffer *buffer) {
  return evbuffer_readln(buffer, nullptr, EVBUFFER_EOL_ANY);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf) {
  CHECK_BUF(outbuf, "evbuffer_add_buffer", -1);
  CHECK_BUF(inbuf, "evbuffer_add_buffer", -1);
  BufferLock2 g(outbuf, inbuf);
  return inbuf->move_all_to(outbuf);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_buffer_reference(struct evbuffer *outbuf,
                                                       struct evbuffer *inbuf) {
  CHECK_BUF(outbuf, "evbuffer_add_buffer_reference", -1);
  CHECK_BUF(inbuf, "evbuffer_add_buffer_reference", -1);
  BufferLock2 g(outbuf, inbuf);
  return outbuf->add_buffer_reference(inbuf);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
                                                size_t datlen, evbuffer_ref_cleanup_cb cleanupfn,
                                                void *cleanupfn_arg) {
  CHECK_BUF(outbuf, "evbuffer_add_reference", -1);
  CHECK_DATA(data, datlen, "evbuffer_add_reference", -1);
  BufferLock g(outbuf);
  return outbuf->add_reference(data, datlen, cleanupfn, cleanupfn_arg);
}

EVENT2_EXPORT_SYMBOL struct evbuffer_file_segment *evbuffer_file_segment_new(int fd,
                                                                             ev_off_t offset,
                                                                             ev_off_t length,
                                                                             unsigned flags) {
  return eventide::detail::segment_new(fd, offset, length, flags);
}

EVENT2_EXPORT_SYMBOL void evbuffer_file_segment_free(struct evbuffer_file_segment *seg) {
  if (seg) eventide::detail::segment_decref(seg);
}

EVENT2_EXPORT_SYMBOL void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
                                                               evbuffer_file_segment_cleanup_cb cb,
                                                               void *arg) {
  if (!seg) {
    EVENTIDE_BAD_ARG("evbuffer_file_segment_add_cleanup_cb: segment is NULL");
    return;
  }
  seg->cleanup = cb;
  seg->cleanup_arg = arg;
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_file_segment(struct evbuffer *buf,
                                                   struct evbuffer_file_segment *seg,
                                                   ev_off_t offset, ev_off_t length) {
  CHECK_BUF(buf, "evbuffer_add_file_segment", -1);
  if (!seg) {
    EVENTIDE_BAD_ARG("evbuffer_add_file_segment: segment is NULL");
    return -1;
  }
  BufferLock g(buf);
  return buf->add_file_segment(seg, offset, length);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
                                           ev_off_t length) {
  CHECK_BUF(outbuf, "evbuffer_add_file", -1);
  evbuffer_file_segment *seg =
      eventide::detail::segment_new(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE);
  if (!seg) return -1;
  int r;
  {
    BufferLock g(outbuf);
    r = outbuf->add_file_segment(seg, 0, -1);
  }
  // On failure the caller keeps fd, as with libevent.
  if (r != 0) seg->flags &= ~static_cast<unsigned>(EVBUF_FS_CLOSE_ON_FREE);
  eventide::detail::segment_decref(seg);
  return r;
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap) {
  CHECK_BUF(buf, "evbuffer_add_vprintf", -1);
  if (!fmt) {
    EVENTIDE_BAD_ARG("evbuffer_add_printf: format is NULL");
    return -1;
  }
  BufferLock g(buf);
  return buf->add_vprintf(fmt, ap);
}

EVENT2_EXPORT_SYMBOL int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = evbuffer_add_vprintf(buf, fmt, ap);
  va_end(ap);
  return r;
}

EVENT2_EXPORT_SYMBOL int evbuffer_drain(struct evbuffer *buf, size_t len) {
  CHECK_BUF(buf, "evbuffer_drain", -1);
  BufferLock g(buf);
  return buf->drain(len);
}

EVENT2_EXPORT_SYMBOL int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd) {
  return evbuffer_write_atmost(buffer, fd, -1);
}

EVENT2_EXPORT_SYMBOL int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
                                               ev_ssize_t howmuch) {
  CHECK_BUF(buffer, "evbuffer_write", -1);
  if (fd < 0) {
    EVENTIDE_BAD_ARG("evbuffer_write: bad fd %d", fd);
    errno = EBADF;
    return -1;
  }
  BufferLock g(buffer);
  if (howmuch < 0 || howmuch > INT_MAX) howmuch = INT_MAX;
  return buffer->write_atmost(fd, howmuch);
}

EVENT2_EXPORT_SYMBOL int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch) {
  CHECK_BUF(buffer, "evbuffer_read", -1);
  if (fd < 0) {
    EVENTIDE_BAD_ARG("evbuffer_read: bad fd %d", fd);
    errno = EBADF;
    return -1;
  }
  BufferLock g(buffer);
  return buffer->read(fd, howmuch);
}

EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
                                                         size_t len,
                                                         const struct evbuffer_ptr *start) {
  return evbuffer_search_range(buffer, what, len, start, nullptr);
}

EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
                                                               const char *what, size_t len,
                                                               const struct evbuffer_ptr *start,
                                                               const struct evbuffer_ptr *end) {
  CHECK_BUF(buffer, "evbuffer_search", not_found());
  CHECK_DATA(what, len, "evbuffer_search", not_found());
  BufferLock g(buffer);
  size_t from, to;
  if (!resolve_pos(buffer, start, 0, &from, "evbuffer_search") ||
      !resolve_pos(buffer, end, buffer->len_, &to, "evbuffer_search_range"))
    return not_found();
  return buffer->search_range(what, len, from, to);
}

EVENT2_EXPORT_SYMBOL int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
                                          size_t position, enum evbuffer_ptr_how how) {
  CHECK_BUF(buffer, "evbuffer_ptr_set", -1);
  if (!ptr) {
    EVENTIDE_BAD_ARG("evbuffer_ptr_set: ptr is NULL");
    return -1;
  }
  BufferLock g(buffer);
  return buffer->ptr_set(ptr, position, how);
}

EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
                                                             struct evbuffer_ptr *start,
                                                             size_t *eol_len_out,
                                                             enum evbuffer_eol_style eol_style) {
  if (eol_len_out) *eol_len_out = 0;
  CHECK_BUF(buffer, "evbuffer_search_eol", not_found());
  if (!valid_style(eol_style, "evbuffer_search_eol")) return not_found();
  BufferLock g(buffer);
  size_t from;
  if (!resolve_pos(buffer, start, 0, &from, "evbuffer_search_eol")) return not_found();
  ssize_t at = buffer->find_eol(from, eol_style, eol_len_out);
  if (at < 0) return not_found();
  evbuffer_ptr r{};
  buffer->ptr_set(&r, static_cast<size_t>(at), EVBUFFER_PTR_SET);
  return r;
}

EVENT2_EXPORT_SYMBOL int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
                                       struct evbuffer_ptr *start_at,
                                       struct evbuffer_iovec *vec_out, int n_vec) {
  CHECK_BUF(buffer, "evbuffer_peek", -1);
  if (n_vec < 0 || (n_vec > 0 && !vec_out)) {
    EVENTIDE_BAD_ARG("evbuffer_peek: bad vector %p or count %d", static_cast<void *>(vec_out),
                     n_vec);
    return -1;
  }
  BufferLock g(buffer);
  size_t from;
  if (!resolve_pos(buffer, start_at, 0, &from, "evbuffer_peek")) return -1;
  return buffer->peek(len, from, vec_out, n_vec);
}

EVENT2_EXPORT_SYMBOL struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
                                                               evbuffer_cb_func cb, void *cbarg) {
  CHECK_BUF(buffer, "evbuffer_add_cb", nullptr);
  if (!cb) {
    EVENTIDE_BAD_ARG("evbuffer_add_cb: callback is NULL");
    return nullptr;
  }
  BufferLock g(buffer);
  return buffer->add_cb(cb, cbarg);
}

EVENT2_EXPORT_SYMBOL int evbuffer_remove_cb_entry(struct evbuffer *buffer,
                                                  struct evbuffer_cb_entry *ent) {
  CHECK_BUF(buffer, "evbuffer_remove_cb_entry", -1);
  BufferLock g(buffer);
  if (!ent || buffer->remove_cb(ent) < 0) {
    EVENTIDE_BAD_ARG("evbuffer_remove_cb_entry: %p is not a callback of this buffer",
                     static_cast<void *>(ent));
    return -1;
  }
  return 0;
}

EVENT2_EXPORT_SYMBOL int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
                                            void *cbarg) {
  CHECK_BUF(buffer, "evbuffer_remove_cb", -1);
  BufferLock g(buffer);
  return buffer->remove_cb(cb, cbarg);
}

EVENT2_EXPORT_SYMBOL int evbuffer_cb_set_flags(struct evbuffer *buffer,
                                               struct evbuffer_cb_entry *cb, ev_uint32_t flags) {
  CHECK_BUF(buffer, "evbuffer_cb_set_flags", -1);
  BufferLock g(buffer);
  if (!cb || !buffer->owns_cb(cb)) {
    EVENTIDE_BAD_ARG("evbuffer_cb_set_flags: %p is not a callback of this buffer",
                     static_cast<void *>(cb));
    return -1;
  }
  cb->flags |= flags & eventide::detail::kCbUserFlags;
  return 0;
}

EVENT2_EXPORT_SYMBOL int evbuffer_cb_clear_flags(struct evbuffer *buffer,
                                                 struct evbuffer_cb_entry *cb, ev_uint32_t flags) {
  CHECK_BUF(buffer, "evbuffer_cb_clear_flags", -1);
  BufferLock g(buffer);
  if (!cb || !buffer->owns_cb(cb)) {
    EVENTIDE_BAD_ARG("evbuffer_cb_clear_flags: %p is not a callback of this buffer",
                     static_cast<void *>(cb));
    return -1;
  }
  cb->flags &= ~(flags & eventide::detail::kCbUserFlags);
  return 0;
}

EVENT2_EXPORT_SYMBOL void evbuffer_cb_suspend(struct evbuffer *buffer,
                                              struct evbuffer_cb_entry *cb) {
  CHECK_BUF(buffer, "evbuffer_cb_suspend", );
  BufferLock g(buffer);
  if (!cb || !buffer->owns_cb(cb)) {
    EVENTIDE_BAD_ARG("evbuffer_cb_suspend: %p is not a callback of this buffer",
                     static_cast<void *>(cb));
    return;
  }
  buffer->suspend_cb(cb);
}

EVENT2_EXPORT_SYMBOL void evbuffer_cb_unsuspend(struct evbuffer *buffer,
                                                struct evbuffer_cb_entry *cb) {
  CHECK_BUF(buffer, "evbuffer_cb_unsuspend", );
  BufferLock g(buffer);
  if (!cb || !buffer->owns_cb(cb)) {
    EVENTIDE_BAD_ARG("evbuffer_cb_unsuspend: %p is not a callback of this buffer",
                     static_cast<void *>(cb));
    return;
  }
  buffer->unsuspend_cb(cb);
}

EVENT2_EXPORT_SYMBOL int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg) {
  CHECK_BUF(buffer, "evbuffer_setcb", -1);
  BufferLock g(buffer);
  return buffer->setcb(cb, cbarg);
}

EVENT2_EXPORT_SYMBOL unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size) {
  CHECK_BUF(buf, "evbuffer_pullup", nullptr);
  BufferLock g(buf);
  size_t n = size < 0 ? buf->len_ : static_cast<size_t>(size);
  if (n > buf->len_) {
    // Debug level: "is a whole header there yet?" probes do this all the time.
    eventide::detail::log(eventide::detail::kLogDebug,
                          "evbuffer_pullup: %zu bytes asked, %zu stored", n, buf->len_);
    return nullptr;
  }
  return buf->pullup(n);
}

EVENT2_EXPORT_SYMBOL int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size) {
  CHECK_BUF(buf, "evbuffer_prepend", -1);
  CHECK_DATA(data, size, "evbuffer_prepend", -1);
  BufferLock g(buf);
  return buf->prepend(data, size);
}

EVENT2_EXPORT_SYMBOL int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src) {
  CHECK_BUF(dst, "evbuffer_prepend_buffer", -1);
  CHECK_BUF(src, "evbuffer_prepend_buffer", -1);
  BufferLock2 g(dst, src);
  return src->move_all_to_front_of(dst);
}

EVENT2_EXPORT_SYMBOL int evbuffer_freeze(struct evbuffer *buf, int at_front) {
  CHECK_BUF(buf, "evbuffer_freeze", -1);
  BufferLock g(buf);
  (at_front ? buf->freeze_front_ : buf->freeze_end_) = true;
  return 0;
}

EVENT2_EXPORT_SYMBOL int evbuffer_unfreeze(struct evbuffer *buf, int at_front) {
  CHECK_BUF(buf, "evbuffer_unfreeze", -1);
  BufferLock g(buf);
  (at_front ? buf->freeze_front_ : buf->freeze_end_) = false;
  return 0;
}

EVENT2_EXPORT_SYMBOL int evbuffer_defer_callbacks(struct evbuffer *buffer,
                                                  struct event_base *base) {
  CHECK_BUF(buffer, "evbuffer_defer_callbacks", -1);
  if (!base) {
    EVENTIDE_BAD_ARG("evbuffer_defer_callbacks: base is NULL");
    return -1;
  }
  BufferLock g(buffer);
  return buffer->defer_callbacks(base);
}

EVENT2_EXPORT_SYMBOL size_t evbuffer_add_iovec(struct evbuffer *buffer, struct evbuffer_iovec *vec,
                                               int n_vec) {
  CHECK_BUF(buffer, "evbuffer_add_iovec", 0);
  if (n_vec < 0 || (n_vec > 0 && !vec)) {
    EVENTIDE_BAD_ARG("evbuffer_add_iovec: bad vector %p or count %d", static_cast<void *>(vec),
                     n_vec);
    return 0;
  }
  BufferLock g(buffer);
  size_t total = 0;
  for (int i = 0; i < n_vec; ++i) total += vec[i].iov_len;
  if (buffer->frozen_check_end("evbuffer_add_iovec") || buffer->expand(total) < 0) return 0;
  size_t added = 0;
  for (int i = 0; i < n_vec; ++i) {
    if (buffer->add(vec[i].iov_base, vec[i].iov_len) < 0) break;
    added += vec[i].iov_len;
  }
  return added;
}

EVENT2_EXPORT_SYMBOL unsigned char *evbuffer_find(struct evbuffer *buffer,
                                                  const unsigned char *what, size_t len) {
  CHECK_BUF(buffer, "evbuffer_find", nullptr);
  CHECK_DATA(what, len, "evbuffer_find", nullptr);
  BufferLock g(buffer);
  evbuffer_ptr p = buffer->search_range(reinterpret_cast<const char *>(what), len, 0, buffer->len_);
  if (p.pos < 0) return nullptr;
  unsigned char *base = buffer->pullup(static_cast<size_t>(p.pos) + len);
  return base ? base + p.pos : nullptr;
}

EVENT2_EXPORT_SYMBOL int evbuffer_set_max_read(struct evbuffer *buf, size_t max) {
  CHECK_BUF(buf, "evbuffer_set_max_read", -1);
  if (max == 0 || max > INT_MAX) {
    EVENTIDE_BAD_ARG("evbuffer_set_max_read: %zu is not in 1..INT_MAX", max);
    return -1;
  }
  BufferLock g(buf);
  buf->max_read_ = static_cast<uint32_t>(max);  // checked: at most INT_MAX
  return 0;
}

EVENT2_EXPORT_SYMBOL size_t evbuffer_get_max_read(struct evbuffer *buf) {
  CHECK_BUF(buf, "evbuffer_get_max_read", 0);
  BufferLock g(buf);
  return buf->max_read_;
}

}  // extern "C"

namespace eventide::detail {

EVENT2_EXPORT_SYMBOL bool buffer_read_line(evbuffer *b, evbuffer_eol_style style,
                                           std::string &out) {
  CHECK_BUF(b, "Buffer::read_line", false);
  if (!valid_style(style, "Buffer::read_line")) return false;
  BufferLock g(b);
  if (b->frozen_check_front("Buffer::read_line")) return false;
  size_t eol_len = 0;
  ssize_t at = b->next_line(style, &eol_len);
  if (at < 0) return false;
  out.resize(static_cast<size_t>(at));
  b->copy_out(0, out.data(), out.size());
  b->drain(out.size() + eol_len);
  return true;
}

}  // namespace eventide::detail
