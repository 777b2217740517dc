// Memory owned elsewhere: user references, file segments (mapped, read, or
// left on disk for sendfile until someone needs the bytes), and chunks shared
// between buffers by evbuffer_add_buffer_reference.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "buffer/evbuffer.hpp"
#include "buffer/file_segment.hpp"
#include "thread/lock.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::Chunk;
using eventide::detail::ChunkKind;
using eventide::detail::kLogWarn;
using eventide::detail::log;

namespace eventide::detail {

namespace {

// Stands for the bytes of an empty segment: never read, never freed.
std::byte g_empty_segment[1];

std::byte *read_whole(evbuffer_file_segment *seg) {
  auto *buf = static_cast<std::byte *>(mm_malloc(static_cast<size_t>(seg->length)));
  if (!buf) {
    log(kLogWarn, "evbuffer file segment: out of memory for %lld bytes",
        static_cast<long long>(seg->length));
    return nullptr;
  }
  int64_t done = 0;
  while (done < seg->length) {
    ssize_t r = pread(seg->fd, buf + done, static_cast<size_t>(seg->length - done),
                      static_cast<off_t>(seg->file_offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r < 0)
        log_errno(kLogWarn, "evbuffer file segment: reading fd %d", seg->fd);
      else
        log(kLogWarn, "evbuffer file segment: fd %d ends before the segment does", seg->fd);
      mm_free(buf);
      return nullptr;
    }
    done += r;
  }
  return buf;
}

}  // namespace

std::byte *segment_materialize(evbuffer_file_segment *seg) {
  if (std::byte *mem = seg->mem.load(std::memory_order_acquire)) return mem;
  if (seg->lock) lock_acquire(seg->lock);
  std::byte *mem = seg->mem.load(std::memory_order_relaxed);
  if (!mem && seg->length == 0) mem = g_empty_segment;
  if (!mem && !(seg->flags & EVBUF_FS_DISABLE_MMAP)) {
    // A mapping past the end of the file would fault when touched: check.
    struct stat st;
    if (fstat(seg->fd, &st) == 0 && st.st_size >= seg->file_offset + seg->length) {
      long page = sysconf(_SC_PAGESIZE);
      int64_t aligned = seg->file_offset & ~static_cast<int64_t>(page - 1);
      size_t adjust = static_cast<size_t>(seg->file_offset - aligned);
      size_t map_len = static_cast<size_t>(seg->length) + adjust;
      void *p =
          mmap(nullptr, map_len, PROT_READ, MAP_PRIVATE, seg->fd, static_cast<off_t>(aligned));
      if (p != MAP_FAILED) {
        seg->map_base = p;
        seg->map_len = map_len;
        mem = static_cast<std::byte *>(p) + adjust;
      }
    }
  }
  if (!mem) mem = read_whole(seg);
  if (mem) seg->mem.store(mem, std::memory_order_release);
  if (seg->lock) lock_release(seg->lock);
  return mem;
}

void segment_incref(evbuffer_file_segment *seg) {
  seg->refcnt.fetch_add(1, std::memory_order_relaxed);
}

void segment_decref(evbuffer_file_segment *seg) {
  if (seg->refcnt.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (seg->cleanup) seg->cleanup(seg, static_cast<int>(seg->flags), seg->cleanup_arg);
  std::byte *mem = seg->mem.load(std::memory_order_relaxed);
  if (seg->map_base)
    munmap(seg->map_base, seg->map_len);
  else if (mem && mem != g_empty_segment)
    mm_free(mem);
  if (seg->flags & EVBUF_FS_CLOSE_ON_FREE) close(seg->fd);
  if (seg->lock) lock_free(seg->lock, 0);
  seg->~evbuffer_file_segment();
  mm_free(seg);
}

evbuffer_file_segment *segment_new(int fd, int64_t offset, int64_t length, unsigned flags) {
  if (fd < 0 || offset < 0 || length < -1) {
    EVENTIDE_BAD_ARG("evbuffer_file_segment_new: bad fd %d, offset %lld or length %lld", fd,
                     static_cast<long long>(offset), static_cast<long long>(length));
    return nullptr;
  }
  if (flags & ~0x0fu) {
    EVENTIDE_BAD_ARG("evbuffer_file_segment_new: unknown flags 0x%x", flags);
    return nullptr;
  }
  if (length == -1) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
      log_errno(kLogWarn, "evbuffer_file_segment_new: fstat(%d)", fd);
      return nullptr;
    }
    if (st.st_size < offset) {
      EVENTIDE_BAD_ARG("evbuffer_file_segment_new: offset %lld is past the end of fd %d",
                       static_cast<long long>(offset), fd);
      return nullptr;
    }
    // The rest of the file from offset (libevent 2.1 takes the whole file's
    // size here and so runs past the end).
    length = st.st_size - offset;
  }
  void *mem = mm_malloc(sizeof(evbuffer_file_segment));
  if (!mem) {
    log(kLogWarn, "evbuffer_file_segment_new: out of memory");
    return nullptr;
  }
  auto *seg = new (mem) evbuffer_file_segment{};
  seg->refcnt.store(1, std::memory_order_relaxed);
  seg->fd = fd;
  seg->flags = flags;
  seg->file_offset = offset;
  seg->length = length;
  seg->can_sendfile = !(flags & EVBUF_FS_DISABLE_SENDFILE);
  if (!(flags & EVBUF_FS_DISABLE_LOCKING)) seg->lock = lock_alloc(0);
  // Without sendfile the bytes will be needed in memory anyway: fail now
  // rather than at the first add.
  if (!seg->can_sendfile && !segment_materialize(seg)) {
    seg->flags &= ~static_cast<unsigned>(EVBUF_FS_CLOSE_ON_FREE);
    segment_decref(seg);
    return nullptr;
  }
  return seg;
}

}  // namespace eventide::detail

bool evbuffer::materialize_all() {
  for (Chunk *c = first_; c; c = c->next) {
    if (!eventide::detail::chunk_materialize(c)) {
      log(kLogWarn, "evbuffer: cannot read the file behind a file segment");
      return false;
    }
  }
  n_lazy_ = 0;
  return true;
}

int evbuffer::add_reference(const void *data, size_t n, evbuffer_ref_cleanup_cb fn, void *arg) {
  if (frozen_check_end("evbuffer_add_reference")) return -1;
  if (n == 0) {
    // Nothing will ever be drained: the memory is free to go now.
    if (fn) fn(data, 0, arg);
    return 0;
  }
  Chunk *c = eventide::detail::chunk_new_reference(data, n, fn, arg);
  if (!c) {
    log(kLogWarn, "evbuffer_add_reference: out of memory");
    errno = ENOMEM;
    return -1;
  }
  link_back(c);
  len_ += n;
  note_added(n);
  notify();
  return 0;
}

int evbuffer::add_buffer_reference(evbuffer *src) {
  if (frozen_check_end("evbuffer_add_buffer_reference")) return -1;
  if (src->len_ == 0) return 0;
  // Build the copies aside first so a failure changes nothing.
  Chunk *head = nullptr, *tail = nullptr;
  size_t lazy = 0;
  Chunk *const stop = src->last_;  // src may be this buffer: copy what is there now
  for (Chunk *c = src->first_;; c = c->next) {
    Chunk *s = eventide::detail::chunk_new_shared(c);
    if (!s) {
      for (Chunk *d = head; d;) {
        Chunk *next = d->next;
        eventide::detail::chunk_release(d);
        d = next;
      }
      log(kLogWarn, "evbuffer_add_buffer_reference: out of memory");
      errno = ENOMEM;
      return -1;
    }
    if (!s->data) ++lazy;
    if (tail)
      tail->next = s;
    else
      head = s;
    tail = s;
    if (c == stop) break;
  }
  size_t n = src->len_;
  if (last_)
    last_->next = head;
  else
    first_ = head;
  last_ = tail;
  len_ += n;
  n_lazy_ += static_cast<uint32_t>(lazy);
  note_added(n);
  notify();
  return 0;
}

int evbuffer::add_file_segment(evbuffer_file_segment *seg, int64_t offset, int64_t length) {
  if (frozen_check_end("evbuffer_add_file_segment")) return -1;
  if (offset < 0 || offset > seg->length || length < -1 ||
      (length >= 0 && length > seg->length - offset)) {
    EVENTIDE_BAD_ARG(
        "evbuffer_add_file_segment: offset %lld and length %lld do not fit a %lld-byte segment",
        static_cast<long long>(offset), static_cast<long long>(length),
        static_cast<long long>(seg->length));
    return -1;
  }
  if (length == -1) length = seg->length - offset;
  if (length == 0) return 0;
  Chunk *c = eventide::detail::chunk_new_file(seg, offset, static_cast<size_t>(length));
  if (!c) {
    log(kLogWarn, "evbuffer_add_file_segment: out of memory");
    errno = ENOMEM;
    return -1;
  }
  if ((flags_ & EVBUFFER_FLAG_DRAINS_TO_FD) && seg->can_sendfile) {
    c->sendfile = true;
    // Already in memory for another buffer: share it; else wait for a need.
    if (std::byte *mem = seg->mem.load(std::memory_order_acquire))
      c->data = mem + offset;
    else
      ++n_lazy_;
  } else if (!eventide::detail::chunk_materialize(c)) {
    eventide::detail::chunk_release(c);
    return -1;
  }
  link_back(c);
  len_ += static_cast<size_t>(length);
  note_added(static_cast<size_t>(length));
  notify();
  return 0;
}
