// struct evbuffer: the byte queue behind both faces and behind bufferevents.
// Methods assume the caller holds the lock (BufferLock) and checked arguments.
#pragma once

#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/event_struct.h>

#include <cstddef>
#include <cstdint>

#include "buffer/chunk.hpp"

// Flags of struct evbuffer_cb_entry beyond the public EVBUFFER_CB_ENABLED.
namespace eventide::detail {
inline constexpr uint32_t kCbNoDefer = 0x02;    // runs in the changing call even when deferred
inline constexpr uint32_t kCbObsolete = 0x04;   // evbuffer_cb (old, new length) signature
inline constexpr uint32_t kCbSuspended = 0x08;  // evbuffer_cb_suspend
inline constexpr uint32_t kCbRemoved = 0x10;    // unlinked once no callback is running
inline constexpr uint32_t kCbInternal = 0x20;   // owned by the library: evbuffer_setcb keeps it
inline constexpr uint32_t kCbUserFlags = EVBUFFER_CB_ENABLED;

// What evbuffer_defer_callbacks adds to a buffer: the base the callbacks run
// on, the changes not yet reported there, and the queued run.
struct BufferDeferral {
  event_base *base = nullptr;
  size_t n_add = 0, n_del = 0;
  bool queued = false;
  struct event_callback cb {};
};
}  // namespace eventide::detail

struct evbuffer_cb_entry {
  evbuffer_cb_entry *next;
  union {
    evbuffer_cb_func fn;
    evbuffer_cb obsolete;
  } cb;
  void *arg;
  uint32_t flags;
  // Lifetime totals when suspended, to report what changed meanwhile.
  size_t susp_size;
  uint64_t susp_added;
  uint64_t susp_deleted;
};

struct evbuffer {
  using Chunk = eventide::detail::Chunk;

  // --- lifecycle (evbuffer.cpp) ---
  static evbuffer *create();
  void incref() { ++refcnt_; }
  // Drops a reference; frees when it was the last one and no call on this
  // buffer is running (otherwise the outermost call frees on its way out).
  void decref();
  // evbuffer_free: drops the callbacks and a pending deferred run, then decref.
  void free_by_user();

  // --- data (evbuffer.cpp) ---
  int add(const void *data, size_t n);
  int prepend(const void *data, size_t n);
  int drain(size_t n);
  // Copies up to n bytes from position `from`; the count copied.
  size_t copy_out(size_t from, void *out, size_t n);
  int move_all_to(evbuffer *dst);           // evbuffer_add_buffer(dst, this)
  int move_all_to_front_of(evbuffer *dst);  // evbuffer_prepend_buffer(dst, this)
  int move_to(evbuffer *dst, size_t n);     // evbuffer_remove_buffer(this, dst, n)
  unsigned char *pullup(size_t n);
  int expand(size_t n);
  int reserve(size_t size, struct iovec *vec, int n_vec);
  int commit(const struct iovec *vec, int n_vec);
  int add_vprintf(const char *fmt, va_list ap);
  size_t length() const { return len_; }
  size_t contiguous_space() const { return first_ ? first_->off : 0; }

  // --- positions, search, lines, peek (buffer_search.cpp) ---
  struct Pos {
    Chunk *chunk;  // nullptr at the end of the buffer
    size_t in;     // offset inside chunk's stored bytes
  };
  Pos locate(size_t pos);
  int ptr_set(evbuffer_ptr *ptr, size_t position, evbuffer_ptr_how how);
  evbuffer_ptr search_range(const char *what, size_t len, size_t start, size_t end);
  // Start of the next end-of-line at or after `start`; -1 when none.
  ssize_t find_eol(size_t start, evbuffer_eol_style style, size_t *eol_len);
  // Length of the next complete line (its end-of-line not counted), or -1;
  // remembers how far it looked so the next try scans only new bytes.
  ssize_t next_line(evbuffer_eol_style style, size_t *eol_len);
  char *readln(size_t *n_out, evbuffer_eol_style style);
  int peek(ssize_t len, size_t start, struct iovec *vec, int n_vec);

  // --- callbacks, deferral, freezing (buffer_cb.cpp) ---
  evbuffer_cb_entry *add_cb(evbuffer_cb_func fn, void *arg, uint32_t extra_flags = 0);
  int remove_cb(evbuffer_cb_entry *ent);
  int remove_cb(evbuffer_cb_func fn, void *arg);
  int setcb(evbuffer_cb fn, void *arg);
  void suspend_cb(evbuffer_cb_entry *ent);
  void unsuspend_cb(evbuffer_cb_entry *ent);
  bool owns_cb(const evbuffer_cb_entry *ent) const;
  int defer_callbacks(event_base *base);
  // Reports pending length changes to the callbacks; call last in each
  // changing operation, with the lock held.
  void notify() {
    if (callbacks_ && (n_add_ | n_del_)) run_callbacks();
  }

  // --- socket I/O (buffer_io.cpp) ---
  int read(int fd, int howmuch);
  int write_atmost(int fd, ssize_t howmuch);

  // --- memory owned elsewhere (buffer_file.cpp) ---
  int add_reference(const void *data, size_t n, evbuffer_ref_cleanup_cb fn, void *arg);
  int add_buffer_reference(evbuffer *src);
  int add_file_segment(evbuffer_file_segment *seg, int64_t offset, int64_t length);

  // --- state shared by the parts ---
  // Ordered by size so the object packs tight: 10,000 idle connections carry
  // 20,000 of them.
  Chunk *first_ = nullptr;
  Chunk *last_ = nullptr;
  size_t len_ = 0;
  // An empty chunk set aside by evbuffer_expand or reserve_space for the
  // next add (drained chunks go to the thread cache instead).
  Chunk *spare_ = nullptr;
  void *lock_ = nullptr;
  evbuffer_cb_entry *callbacks_ = nullptr;
  // The bufferevent owning this buffer, if any.
  void *parent_ = nullptr;
  // Where the last locate() ended, so walking forward stays linear.
  Chunk *hint_chunk_ = nullptr;
  size_t hint_start_ = 0;
  // readln resumes its scan here: no end-of-line of this style starts before.
  size_t eol_scan_pos_ = 0;
  // Length changes not yet reported to synchronous callbacks, and lifetime
  // totals for suspended callbacks.
  size_t n_add_ = 0, n_del_ = 0;
  uint64_t total_added_ = 0, total_deleted_ = 0;
  // Extents handed out by the last reserve(), pinned until commit.
  Chunk *reserved_[2] = {nullptr, nullptr};
  std::byte *reserved_base_[2] = {nullptr, nullptr};
  // Set by evbuffer_defer_callbacks (rare): allocated then.
  eventide::detail::BufferDeferral *deferral_ = nullptr;
  uint32_t max_read_ = 0;
  uint32_t flags_ = 0;
  // Chunks whose bytes are not in memory yet (sendfile File chunks).
  uint32_t n_lazy_ = 0;
  int refcnt_ = 1;
  int busy_ = 0;  // calls on this buffer now running (nested through callbacks)
  // The last fd found not to be a socket: read() and writev() it, not recv()
  // and send().
  int nonsock_fd_ = -1;
  uint16_t cb_running_ = 0;
  int8_t eol_scan_style_ = -1;
  uint8_t n_reserved_ = 0;
  bool own_lock_ = false;
  bool cb_removed_pending_ = false;
  bool freeze_front_ = false;
  bool freeze_end_ = false;

  // --- helpers ---
  void link_back(Chunk *c);
  void link_front(Chunk *c);
  // A writable chunk at the end with at least `need` free bytes (last_ or a
  // new one, not yet linked when new: see take_chunk).
  Chunk *take_chunk(size_t need);
  void release_reservation();
  // Counted only while someone listens: with no callback there is nothing
  // to report later (libevent also forgets changes made before the first).
  void note_added(size_t n) {
    if (!callbacks_) return;
    n_add_ += n;
    total_added_ += n;
    if (deferral_) deferral_->n_add += n;
  }
  void note_deleted(size_t n) {
    if (!callbacks_) return;
    n_del_ += n;
    total_deleted_ += n;
    if (deferral_) deferral_->n_del += n;
  }
  // Front bytes changed place or content: positions cached for locate() and
  // readln are no longer trusted.
  void forget_front() {
    hint_chunk_ = nullptr;
    hint_start_ = 0;
    eol_scan_pos_ = 0;
  }
  // Makes lazy chunks' bytes addressable. False when a file cannot be read.
  bool materialize_all();
  void run_callbacks();
  void run_deferred();
  void sweep_removed_cbs();
  // Takes back a queued deferred run and its reference, when that is safe.
  void drop_deferred_run();
  void destroy();
  bool frozen_check_end(const char *fn);
  bool frozen_check_front(const char *fn);
};

namespace eventide::detail {

// Holds a buffer's lock and marks a call as running on it, so a callback that
// frees the buffer cannot pull it out from under the call. Inline: with no
// lock (the common case) it is two increments and a test.
class BufferLock {
 public:
  explicit BufferLock(evbuffer *b) : b_(b) { enter(b); }
  ~BufferLock() { leave(b_); }
  BufferLock(const BufferLock &) = delete;
  BufferLock &operator=(const BufferLock &) = delete;

  static void enter(evbuffer *b) {
    if (b->lock_) lock_slow(b);
    ++b->busy_;
  }
  static void leave(evbuffer *b, bool may_destroy = true) {
    bool dead = --b->busy_ == 0 && b->refcnt_ == 0;
    if (b->lock_) unlock_slow(b);
    if (dead && may_destroy) b->destroy();
  }

 private:
  static void lock_slow(evbuffer *b);
  static void unlock_slow(evbuffer *b);
  evbuffer *b_;
};

// Locks two buffers in address order (one lock when they share it).
class BufferLock2 {
 public:
  BufferLock2(evbuffer *a, evbuffer *b) : first_(a < b ? a : b), second_(a < b ? b : a) {
    BufferLock::enter(first_);
    BufferLock::enter(second_);
  }
  ~BufferLock2() {
    BufferLock::leave(second_, second_ != first_);
    BufferLock::leave(first_);
  }
  BufferLock2(const BufferLock2 &) = delete;
  BufferLock2 &operator=(const BufferLock2 &) = delete;

 private:
  evbuffer *first_;
  evbuffer *second_;
};

// eventide's default for evbuffer_get_max_read (libevent's is 4096).
inline constexpr size_t kDefaultMaxRead = 64 * 1024;

}  // namespace eventide::detail
