// eventide::Buffer: the C++ face of an evbuffer, a byte queue made of chunks
// that moves data between sockets without copying where it can.
#pragma once

#include <event2/buffer.h>

#include <cstdarg>
#include <cstddef>
#include <iterator>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace eventide {

namespace detail {
// read_line's worker in the library: fills out with the next line (the
// event_set_mem_functions allocator never touches it). False when none.
EVENT2_EXPORT_SYMBOL bool buffer_read_line(evbuffer *b, evbuffer_eol_style style, std::string &out);
}  // namespace detail

// How read_line recognises the end of a line (libevent's evbuffer_eol_style).
enum class EolStyle {
  Any = EVBUFFER_EOL_ANY,                 // any run of CR and LF
  CrLf = EVBUFFER_EOL_CRLF,               // LF with an optional CR before it
  CrLfStrict = EVBUFFER_EOL_CRLF_STRICT,  // CR LF
  Lf = EVBUFFER_EOL_LF,
  Nul = EVBUFFER_EOL_NUL,
};

// The stored bytes as contiguous segments, front to back, without copying.
// Valid until the buffer changes.
class BufferSegments {
 public:
  // Input iterator over the segments; equal to end() once past the last one.
  class iterator {
   public:
    // Single pass only: segments are found as the iterator advances.
    using iterator_category = std::input_iterator_tag;
    // A view of one segment's bytes.
    using value_type = std::span<const std::byte>;
    // Difference type required by the iterator concept.
    using difference_type = std::ptrdiff_t;
    // No pointer type: the value is returned by value.
    using pointer = void;
    // The span itself, returned by value.
    using reference = value_type;

    iterator() = default;
    // The current segment; valid until the buffer changes.
    value_type operator*() const { return cur_; }
    // Moves to the next segment (becomes end() after the last).
    iterator &operator++() {
      if (evbuffer_ptr_set(buf_, &pos_, cur_.size(), EVBUFFER_PTR_ADD) < 0) {
        buf_ = nullptr;
      } else {
        load();
      }
      return *this;
    }
    // Post-increment; returns nothing (input iterator).
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator &a, const iterator &b) { return a.buf_ == b.buf_; }

   private:
    friend class BufferSegments;
    explicit iterator(evbuffer *b) : buf_(b) {
      if (evbuffer_ptr_set(buf_, &pos_, 0, EVBUFFER_PTR_SET) < 0)
        buf_ = nullptr;
      else
        load();
    }
    void load() {
      evbuffer_iovec v;
      if (evbuffer_peek(buf_, -1, &pos_, &v, 1) != 1 || v.iov_len == 0) {
        buf_ = nullptr;
        return;
      }
      cur_ = {static_cast<const std::byte *>(v.iov_base), v.iov_len};
    }
    evbuffer *buf_ = nullptr;
    evbuffer_ptr pos_{};
    value_type cur_;
  };

  // Segments of b, which must outlive this object and stay unchanged while iterating.
  explicit BufferSegments(evbuffer *b) : buf_(b) {}
  // Iterator at the first segment (equal to end() when empty).
  iterator begin() const { return iterator(buf_); }
  // The past-the-end iterator.
  iterator end() const { return iterator(); }

 private:
  evbuffer *buf_;
};

// Move-only owner of an evbuffer, or a non-owning view of one owned elsewhere.
// Not thread safe unless the underlying evbuffer had locking enabled.
class Buffer {
 public:
  // Throws std::bad_alloc when no buffer can be made.
  Buffer() : buf_(evbuffer_new()), owned_(true) {
    if (!buf_) throw std::bad_alloc();
  }
  // A non-owning view of a buffer owned elsewhere (a bufferevent's input or
  // output): never freed by this object, which must not outlive it.
  explicit Buffer(evbuffer *borrowed) noexcept : buf_(borrowed), owned_(false) {}
  // Same as the borrowing constructor: never frees b.
  static Buffer view(evbuffer *b) noexcept { return Buffer(b); }
  // Takes ownership of b (freed by the destructor).
  static Buffer adopt(evbuffer *b) noexcept { return Buffer(b, true); }

  ~Buffer() { reset(); }
  // Takes over o's buffer (and whether it is owned); o becomes empty.
  Buffer(Buffer &&o) noexcept : buf_(std::exchange(o.buf_, nullptr)), owned_(o.owned_) {}
  // Frees the current buffer if owned, then takes over o's.
  Buffer &operator=(Buffer &&o) noexcept {
    if (this != &o) {
      reset();
      buf_ = std::exchange(o.buf_, nullptr);
      owned_ = o.owned_;
    }
    return *this;
  }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  // The underlying evbuffer; still owned by this object (or by its real owner for a view).
  evbuffer *native() const noexcept { return buf_; }
  // Gives up ownership; the caller frees the result with evbuffer_free.
  evbuffer *release() noexcept { return std::exchange(buf_, nullptr); }
  // True if the destructor frees the evbuffer.
  bool owns() const noexcept { return owned_; }

  // Bytes stored.
  size_t size() const noexcept { return evbuffer_get_length(buf_); }
  // True when no bytes are stored.
  bool empty() const noexcept { return size() == 0; }

  // Appends copy the bytes; false when the end is frozen or memory is short.
  bool append(std::span<const std::byte> bytes) {
    return evbuffer_add(buf_, bytes.data(), bytes.size()) == 0;
  }
  // Appends a copy of s; false when the end is frozen or memory is short.
  bool append(std::string_view s) { return evbuffer_add(buf_, s.data(), s.size()) == 0; }
  // Moves all of other's bytes to the end of this buffer without copying.
  bool append(Buffer &other) { return evbuffer_add_buffer(buf_, other.buf_) == 0; }
  // printf-style append: the number of bytes added, or -1.
  int appendf(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    int r = evbuffer_add_vprintf(buf_, fmt, ap);
    va_end(ap);
    return r;
  }
  // Inserts a copy of s at the front; false when the front is frozen or memory is short.
  bool prepend(std::string_view s) { return evbuffer_prepend(buf_, s.data(), s.size()) == 0; }

  // Removes one line (without its end-of-line); nullopt when no full line is
  // stored yet.
  std::optional<std::string> read_line(EolStyle style = EolStyle::CrLf) {
    std::optional<std::string> out(std::in_place);
    if (!detail::buffer_read_line(buf_, static_cast<evbuffer_eol_style>(style), *out)) out.reset();
    return out;
  }

  // Offset of the first occurrence of needle at or after from; nullopt if none.
  std::optional<size_t> find(std::string_view needle, size_t from = 0) const {
    evbuffer_ptr start;
    if (evbuffer_ptr_set(buf_, &start, from, EVBUFFER_PTR_SET) < 0) return std::nullopt;
    evbuffer_ptr p = evbuffer_search(buf_, needle.data(), needle.size(), &start);
    if (p.pos < 0) return std::nullopt;
    return static_cast<size_t>(p.pos);
  }

  // Iterate with `for (std::span<const std::byte> s : buf.segments())`.
  BufferSegments segments() const { return BufferSegments(buf_); }

  // Writable space at the end, at least n bytes in one piece (possibly
  // more); nothing is added until commit. Empty span on failure.
  std::span<std::byte> reserve(size_t n) {
    evbuffer_iovec v;
    if (evbuffer_reserve_space(buf_, static_cast<ev_ssize_t>(n), &v, 1) != 1) return {};
    return {static_cast<std::byte *>(v.iov_base), v.iov_len};
  }
  // Adds the first `used` bytes of the span from the last reserve.
  bool commit(std::span<std::byte> reserved, size_t used) {
    if (used > reserved.size()) return false;
    evbuffer_iovec v{reserved.data(), used};
    return evbuffer_commit_space(buf_, &v, 1) == 0;
  }

  // Drops n bytes from the front (all when n is larger).
  bool drain(size_t n) { return evbuffer_drain(buf_, n) == 0; }
  // Copies up to out.size() bytes from the front: the count copied.
  size_t copy_out(std::span<std::byte> out) const {
    ev_ssize_t r = evbuffer_copyout(buf_, out.data(), out.size());
    return r < 0 ? 0 : static_cast<size_t>(r);
  }
  // Copies and drains: the count removed.
  size_t remove(std::span<std::byte> out) {
    int r = evbuffer_remove(buf_, out.data(), out.size());
    return r < 0 ? 0 : static_cast<size_t>(r);
  }
  // The first n bytes (all by default) made contiguous; empty if fewer stored.
  std::span<const std::byte> contiguous(size_t n = static_cast<size_t>(-1)) {
    ev_ssize_t want = n == static_cast<size_t>(-1) ? -1 : static_cast<ev_ssize_t>(n);
    unsigned char *p = evbuffer_pullup(buf_, want);
    if (!p) return {};
    return {reinterpret_cast<const std::byte *>(p), want < 0 ? size() : n};
  }
  // A copy of everything, for tests and small messages.
  std::string to_string() const {
    std::string s;
    for (std::span<const std::byte> seg : segments())
      s.append(reinterpret_cast<const char *>(seg.data()), seg.size());
    return s;
  }

  // One read from fd (see evbuffer_read) / one write to it: bytes moved, 0 at
  // end of file, -1 with errno.
  int read_from(int fd, int max = -1) { return evbuffer_read(buf_, fd, max); }
  // One write of up to max bytes (-1: all) to fd: bytes written, or -1 with errno.
  int write_to(int fd, ptrdiff_t max = -1) { return evbuffer_write_atmost(buf_, fd, max); }

 private:
  Buffer(evbuffer *b, bool owned) noexcept : buf_(b), owned_(owned) {}
  void reset() noexcept {
    if (buf_ && owned_) evbuffer_free(buf_);
    buf_ = nullptr;
  }

  evbuffer *buf_;
  bool owned_;
};

}  // namespace eventide
