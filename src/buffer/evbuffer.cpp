// The evbuffer's core: adding, draining, moving chunks between buffers,
// pullup and reserve/commit. Steady state allocates nothing: the spare chunk
// absorbs each drain/add cycle.
#include "buffer/evbuffer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "buffer/file_segment.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::Chunk;
using eventide::detail::chunk_new_plain;
using eventide::detail::chunk_release;
using eventide::detail::ChunkKind;
using eventide::detail::kLogWarn;
using eventide::detail::log;

namespace {

// New chunks grow with the buffer (twice the last one) so many small adds
// end up in few chunks, up to the size still kept for reuse.
size_t growth_target(const Chunk *last) {
  if (!last) return 0;
  return std::min(last->cap * 2, eventide::detail::kMaxCachedData);
}

}  // namespace

evbuffer *evbuffer::create() {
  void *mem = eventide::detail::mm_malloc(sizeof(evbuffer));
  if (!mem) return nullptr;
  evbuffer *b = new (mem) evbuffer;
  b->max_read_ = eventide::detail::kDefaultMaxRead;
  return b;
}

void evbuffer::decref() {
  if (--refcnt_ == 0 && busy_ == 0) destroy();
}

void evbuffer::destroy() {
  release_reservation();
  for (Chunk *c = first_; c;) {
    Chunk *next = c->next;
    chunk_release(c);
    c = next;
  }
  first_ = last_ = nullptr;
  len_ = 0;
  if (spare_) chunk_release(spare_);
  spare_ = nullptr;
  for (evbuffer_cb_entry *e = callbacks_; e;) {
    evbuffer_cb_entry *next = e->next;
    eventide::detail::mm_free(e);
    e = next;
  }
  callbacks_ = nullptr;
  if (deferral_) {
    deferral_->~BufferDeferral();
    eventide::detail::mm_free(deferral_);
    deferral_ = nullptr;
  }
  void *lock = own_lock_ ? lock_ : nullptr;
  this->~evbuffer();
  eventide::detail::mm_free(this);
  if (lock) eventide::detail::lock_free(lock, 1 /* EVTHREAD_LOCKTYPE_RECURSIVE */);
}

void evbuffer::link_back(Chunk *c) {
  c->next = nullptr;
  if (last_)
    last_->next = c;
  else
    first_ = c;
  last_ = c;
}

void evbuffer::link_front(Chunk *c) {
  c->next = first_;
  first_ = c;
  if (!last_) last_ = c;
}

Chunk *evbuffer::take_chunk(size_t need) {
  if (spare_ && spare_->sole() && spare_->cap >= need) {
    Chunk *c = spare_;
    spare_ = nullptr;
    return c;
  }
  return chunk_new_plain(std::max(need, growth_target(last_)));
}

bool evbuffer::frozen_check_end(const char *fn) {
  if (!freeze_end_) return false;
  log(kLogWarn, "%s: the end of the buffer is frozen", fn);
  return true;
}

bool evbuffer::frozen_check_front(const char *fn) {
  if (!freeze_front_) return false;
  log(kLogWarn, "%s: the front of the buffer is frozen", fn);
  return true;
}

int evbuffer::add(const void *data, size_t n) {
  if (frozen_check_end("evbuffer_add")) return -1;
  if (n == 0) return 0;
  // Adding voids a pending reservation (as in libevent): unpin its tail.
  if (n_reserved_) release_reservation();
  const auto *src = static_cast<const std::byte *>(data);
  size_t room = last_ ? last_->tail() : 0;
  Chunk *fresh = nullptr;
  // Allocate before copying anything so a failure leaves the buffer as it was.
  if (room < n) {
    fresh = take_chunk(n - room);
    if (!fresh) {
      log(kLogWarn, "evbuffer_add: out of memory for %zu bytes", n);
      errno = ENOMEM;
      return -1;
    }
  }
  size_t rest = n;
  if (room) {
    size_t k = std::min(room, n);
    std::memcpy(last_->end(), src, k);
    last_->off += k;
    src += k;
    rest -= k;
  }
  if (fresh) {
    std::memcpy(fresh->data, src, rest);
    fresh->off = rest;
    link_back(fresh);
  }
  len_ += n;
  note_added(n);
  notify();
  return 0;
}

int evbuffer::prepend(const void *data, size_t n) {
  if (frozen_check_front("evbuffer_prepend")) return -1;
  if (n == 0) return 0;
  const auto *src = static_cast<const std::byte *>(data);
  size_t room = first_ ? first_->head_room() : 0;
  if (room >= n) {
    first_->misalign -= n;
    first_->off += n;
    std::memcpy(first_->begin(), src, n);
  } else {
    // The new chunk keeps its bytes at its end so later prepends fit in front;
    // an empty buffer keeps them at the start so adds fill the rest.
    size_t need = n - room;
    Chunk *c = take_chunk(need);
    if (!c) {
      log(kLogWarn, "evbuffer_prepend: out of memory for %zu bytes", n);
      errno = ENOMEM;
      return -1;
    }
    if (room) {
      first_->misalign -= room;
      first_->off += room;
      std::memcpy(first_->begin(), src + need, room);
    }
    c->misalign = first_ ? c->cap - need : 0;
    c->off = need;
    std::memcpy(c->begin(), src, need);
    link_front(c);
  }
  len_ += n;
  note_added(n);
  forget_front();
  notify();
  return 0;
}

int evbuffer::drain(size_t n) {
  if (frozen_check_front("evbuffer_drain")) return -1;
  if (n > len_) n = len_;
  if (n == 0) return 0;
  len_ -= n;
  size_t left = n;
  while (left) {
    Chunk *c = first_;
    if (c->off > left) {
      c->misalign += left;
      c->off -= left;
      break;
    }
    left -= c->off;
    first_ = c->next;
    if (!first_) last_ = nullptr;
    // To the thread's chunk cache, not a per-buffer spare: an idle buffer
    // holds no chunk, and the next add still gets a warm block back.
    chunk_release(c);
  }
  if (len_ == 0) n_lazy_ = 0;
  if (hint_chunk_ && hint_start_ >= n)
    hint_start_ -= n;
  else
    hint_chunk_ = nullptr;
  eol_scan_pos_ = eol_scan_pos_ > n ? eol_scan_pos_ - n : 0;
  note_deleted(n);
  notify();
  return 0;
}

size_t evbuffer::copy_out(size_t from, void *out, size_t n) {
  if (from >= len_) return 0;
  n = std::min(n, len_ - from);
  if (n_lazy_ && !materialize_all()) return static_cast<size_t>(-1);
  Pos p = locate(from);
  auto *dst = static_cast<std::byte *>(out);
  size_t left = n;
  for (Chunk *c = p.chunk; c && left; c = c->next) {
    size_t k = std::min(c->off - p.in, left);
    std::memcpy(dst, c->begin() + p.in, k);
    dst += k;
    left -= k;
    p.in = 0;
  }
  return n;
}

int evbuffer::move_all_to(evbuffer *dst) {
  if (dst == this) return 0;
  if (frozen_check_front("evbuffer_add_buffer") || dst->frozen_check_end("evbuffer_add_buffer"))
    return -1;
  if (len_ == 0) return 0;
  size_t n = len_;
  if (dst->last_)
    dst->last_->next = first_;
  else
    dst->first_ = first_;
  dst->last_ = last_;
  dst->len_ += n;
  dst->n_lazy_ += n_lazy_;
  first_ = last_ = nullptr;
  len_ = 0;
  n_lazy_ = 0;
  forget_front();
  note_deleted(n);
  dst->note_added(n);
  notify();
  dst->notify();
  return 0;
}

int evbuffer::move_all_to_front_of(evbuffer *dst) {
  if (dst == this) return 0;
  if (frozen_check_front("evbuffer_prepend_buffer") ||
      dst->frozen_check_front("evbuffer_prepend_buffer"))
    return -1;
  if (len_ == 0) return 0;
  size_t n = len_;
  last_->next = dst->first_;
  dst->first_ = first_;
  if (!dst->last_) dst->last_ = last_;
  dst->len_ += n;
  dst->n_lazy_ += n_lazy_;
  first_ = last_ = nullptr;
  len_ = 0;
  n_lazy_ = 0;
  forget_front();
  dst->forget_front();
  note_deleted(n);
  dst->note_added(n);
  notify();
  dst->notify();
  return 0;
}

int evbuffer::move_to(evbuffer *dst, size_t n) {
  if (dst == this) return 0;
  if (frozen_check_front("evbuffer_remove_buffer") ||
      dst->frozen_check_end("evbuffer_remove_buffer"))
    return -1;
  if (n >= len_) {
    n = len_;
    return move_all_to(dst) == 0 ? static_cast<int>(n) : -1;
  }
  if (n == 0) return 0;
  // Whole chunks move; the chunk cut in two is copied, or sliced when it is a
  // file so sendfile still applies.
  size_t left = n;
  Chunk *c = first_;
  Chunk *moved_last = nullptr;
  size_t moved = 0;
  while (c->off <= left) {
    left -= c->off;
    moved += c->off;
    moved_last = c;
    c = c->next;
  }
  Chunk *slice = nullptr;
  if (left) {
    if (c->kind == ChunkKind::File) {
      slice = eventide::detail::chunk_new_file(
          c->u.file.seg, c->u.file.seg_off + static_cast<int64_t>(c->misalign), left);
      if (slice) {
        slice->data = c->data ? c->begin() : nullptr;
        slice->sendfile = c->sendfile;
        if (!slice->data) ++dst->n_lazy_;
      }
    } else {
      slice = dst->take_chunk(left);
      if (slice) {
        std::memcpy(slice->data, c->begin(), left);
        slice->off = left;
      }
    }
    if (!slice) {
      log(kLogWarn, "evbuffer_remove_buffer: out of memory");
      errno = ENOMEM;
      return -1;
    }
  }
  if (moved_last) {
    Chunk *head = first_;
    first_ = moved_last->next;
    moved_last->next = nullptr;
    if (dst->last_)
      dst->last_->next = head;
    else
      dst->first_ = head;
    dst->last_ = moved_last;
    dst->n_lazy_ += n_lazy_;
  }
  if (slice) {
    dst->link_back(slice);
    first_->misalign += left;
    first_->off -= left;
  }
  len_ -= n;
  dst->len_ += n;
  forget_front();
  note_deleted(n);
  dst->note_added(n);
  dst->notify();
  notify();
  return static_cast<int>(n);
}

unsigned char *evbuffer::pullup(size_t n) {
  if (n == 0 || n > len_) return nullptr;
  // The caller may write through the pointer: cached line scans are void.
  eol_scan_pos_ = 0;
  if (first_->off >= n) {
    if (!eventide::detail::chunk_materialize(first_)) return nullptr;
    return reinterpret_cast<unsigned char *>(first_->begin());
  }
  if (n_lazy_ && !materialize_all()) return nullptr;
  Chunk *dst;
  Chunk *src;
  if (first_->kind == ChunkKind::Plain && first_->sole() && first_->cap >= n) {
    dst = first_;
    src = first_->next;
    if (dst->cap - dst->misalign < n) {
      std::memmove(dst->data, dst->begin(), dst->off);
      dst->misalign = 0;
    }
  } else {
    dst = take_chunk(n);
    if (!dst) {
      log(kLogWarn, "evbuffer_pullup: out of memory for %zu bytes", n);
      errno = ENOMEM;
      return nullptr;
    }
    src = first_;
  }
  size_t have = dst == first_ ? dst->off : 0;
  while (have < n) {
    size_t k = std::min(src->off, n - have);
    std::memcpy(dst->end(), src->begin(), k);
    dst->off += k;
    have += k;
    if (k < src->off) {
      src->misalign += k;
      src->off -= k;
      break;
    }
    Chunk *next = src->next;
    if (src == last_) last_ = nullptr;
    chunk_release(src);
    src = next;
  }
  // dst now holds the first n bytes; src is the first chunk still needed.
  dst->next = src;
  first_ = dst;
  if (!last_) last_ = dst;
  forget_front();
  return reinterpret_cast<unsigned char *>(dst->begin());
}

int evbuffer::expand(size_t n) {
  if (last_ && last_->tail() >= n) return 0;
  if (spare_ && spare_->sole() && spare_->cap >= n) return 0;
  if (spare_ && !spare_->sole()) return 0;  // pinned by reserve_space: leave it be
  Chunk *c = chunk_new_plain(std::max(n, growth_target(last_)));
  if (!c) {
    log(kLogWarn, "evbuffer_expand: cannot allocate %zu bytes", n);
    errno = ENOMEM;
    return -1;
  }
  if (spare_) chunk_release(spare_);
  spare_ = c;
  return 0;
}

void evbuffer::release_reservation() {
  for (int i = 0; i < n_reserved_; ++i) {
    chunk_release(reserved_[i]);
    reserved_[i] = nullptr;
    reserved_base_[i] = nullptr;
  }
  n_reserved_ = 0;
}

int evbuffer::reserve(size_t size, struct iovec *vec, int n_vec) {
  if (frozen_check_end("evbuffer_reserve_space")) return -1;
  release_reservation();
  if (size == 0) return 0;
  Chunk *tail_chunk = last_ && last_->tail() ? last_ : nullptr;
  size_t tail = tail_chunk ? tail_chunk->tail() : 0;
  Chunk *use[2] = {nullptr, nullptr};
  int n = 0;
  if (tail >= size) {
    use[n++] = tail_chunk;
  } else {
    size_t need = (n_vec >= 2 && tail) ? size - tail : size;
    if (!spare_ || spare_->cap < need) {
      Chunk *c = chunk_new_plain(std::max(need, growth_target(last_)));
      if (!c) {
        log(kLogWarn, "evbuffer_reserve_space: cannot allocate %zu bytes", size);
        errno = ENOMEM;
        return -1;
      }
      if (spare_) chunk_release(spare_);
      spare_ = c;
    }
    if (n_vec >= 2 && tail) use[n++] = tail_chunk;
    use[n++] = spare_;
  }
  for (int i = 0; i < n; ++i) {
    Chunk *c = use[i];
    vec[i].iov_base = c->end();
    vec[i].iov_len = c->cap - c->misalign - c->off;
    reserved_[i] = c;
    reserved_base_[i] = c->end();
    c->refcnt.fetch_add(1, std::memory_order_relaxed);
  }
  n_reserved_ = static_cast<uint8_t>(n);  // at most 2
  return n;
}

int evbuffer::commit(const struct iovec *vec, int n_vec) {
  if (frozen_check_end("evbuffer_commit_space")) return -1;
  if (n_vec == 0) return 0;
  bool ok = n_vec > 0 && n_vec <= n_reserved_;
  for (int i = 0; ok && i < n_vec; ++i) {
    Chunk *c = reserved_[i];
    bool placed = (c == last_ && i == 0) || (c == spare_ && c->off == 0);
    ok = placed && vec[i].iov_base == reserved_base_[i] && c->end() == reserved_base_[i] &&
         vec[i].iov_len <= c->cap - c->misalign - c->off;
  }
  if (!ok) {
    log(kLogWarn,
        "evbuffer_commit_space: the vectors do not match the last evbuffer_reserve_space "
        "(or the buffer changed since)");
    errno = EINVAL;
    return -1;
  }
  size_t added = 0;
  for (int i = 0; i < n_vec; ++i) {
    Chunk *c = reserved_[i];
    size_t k = vec[i].iov_len;
    if (k == 0) continue;
    if (c == spare_) {
      spare_ = nullptr;
      link_back(c);
    }
    c->off += k;
    added += k;
  }
  release_reservation();
  len_ += added;
  note_added(added);
  notify();
  return 0;
}

int evbuffer::add_vprintf(const char *fmt, va_list ap) {
  if (frozen_check_end("evbuffer_add_vprintf")) return -1;
  if (n_reserved_) release_reservation();
  size_t room = last_ ? last_->tail() : 0;
  va_list aq;
  va_copy(aq, ap);
  int n = std::vsnprintf(room ? reinterpret_cast<char *>(last_->end()) : nullptr, room, fmt, aq);
  va_end(aq);
  if (n < 0) {
    log(kLogWarn, "evbuffer_add_vprintf: bad format");
    return -1;
  }
  size_t len = static_cast<size_t>(n);
  if (len == 0) return 0;
  if (len < room) {
    last_->off += len;
  } else {
    // vsnprintf needs room for its NUL, which is not stored.
    Chunk *c = take_chunk(len + 1);
    if (!c) {
      log(kLogWarn, "evbuffer_add_vprintf: out of memory for %zu bytes", len);
      errno = ENOMEM;
      return -1;
    }
    va_copy(aq, ap);
    std::vsnprintf(reinterpret_cast<char *>(c->data), len + 1, fmt, aq);
    va_end(aq);
    c->off = len;
    link_back(c);
  }
  len_ += len;
  note_added(len);
  notify();
  return n;
}

namespace eventide::detail {

void BufferLock::lock_slow(evbuffer *b) {
  lock_acquire(b->lock_);
}

void BufferLock::unlock_slow(evbuffer *b) {
  lock_release(b->lock_);
}

}  // namespace eventide::detail
