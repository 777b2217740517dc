// eventide::Stream: a buffered socket (or one end of an in-memory pair) —
// input and output Buffers filled and drained by its Loop, lambdas for data and events.
#pragma once

#include <event2/bufferevent.h>
#include <event2/util.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <sys/socket.h>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "eventide/buffer.hpp"
#include "eventide/error.hpp"
#include "eventide/event.hpp"
#include "eventide/loop.hpp"

struct sockaddr;

namespace eventide {

namespace detail {
struct StreamCore;
struct ListenerImpl;
}  // namespace detail

// What the event callback reports (libevent's BEV_EVENT_* bits): a direction
// (reading/writing) with eof, error or timeout; or connected alone.
class StreamEvents {
 public:
  StreamEvents() noexcept = default;
  // Event bits plus the error behind them (empty unless error()).
  StreamEvents(short bits, std::error_code ec) noexcept : bits_(bits), ec_(ec) {}
  // The raw BEV_EVENT_* bits.
  short bits() const noexcept { return bits_; }
  // The condition happened while reading.
  bool reading() const noexcept { return bits_ & BEV_EVENT_READING; }
  // The condition happened while writing.
  bool writing() const noexcept { return bits_ & BEV_EVENT_WRITING; }
  // The peer closed its side.
  bool eof() const noexcept { return bits_ & BEV_EVENT_EOF; }
  // A socket or lookup error; see error_code().
  bool error() const noexcept { return bits_ & BEV_EVENT_ERROR; }
  // A read or write timeout expired.
  bool timeout() const noexcept { return bits_ & BEV_EVENT_TIMEOUT; }
  // A connect finished successfully.
  bool connected() const noexcept { return bits_ & BEV_EVENT_CONNECTED; }
  // Why, when error(): the socket error (ECONNRESET, ECONNREFUSED...) or a
  // lookup failure (dns_category()). Empty otherwise.
  std::error_code error_code() const noexcept { return ec_; }

 private:
  short bits_ = 0;
  std::error_code ec_;
};

// Host-name lookup failures (EVUTIL_EAI_* codes, messages from evutil_gai_strerror).
EVENT2_EXPORT_SYMBOL const std::error_category &dns_category() noexcept;

// How a Stream is set up (libevent's BEV_OPT_* options).
struct StreamOptions {
  bool close_fd = true;          // the socket is closed with the stream (BEV_OPT_CLOSE_ON_FREE)
  bool defer_callbacks = false;  // callbacks always run from the loop (BEV_OPT_DEFER_CALLBACKS)
  bool thread_safe = false;      // BEV_OPT_THREADSAFE (evthread_use_pthreads() first)
};

// A buffered stream. Ownership is explicit:
// - A Stream you construct (or get from connect() / Stream::pair()) is yours:
//   destroying the handle closes it. Handles move; they do not copy.
// - The Stream& a callback receives is a view of the stream, valid during the
//   callback. A Listener's accepted streams belong to the Listener: they stay
//   open until close() (or their Listener is destroyed); take() makes one yours.
// - close() is safe at any time, including inside the stream's own callbacks:
//   no callback runs after it, buffered output not yet sent is dropped, and the
//   handle stays valid (is_open() false, calls fail or do nothing).
// - Without an on_event handler, end-of-file and errors close the stream
//   (so a peer reset never leaves a dangling stream behind).
// Not thread-safe: use a Stream in its Loop's thread (reach it from others
// through Loop::post). A callback that throws terminates the program.
class EVENT2_EXPORT_SYMBOL Stream {
 public:
  // Read or write notification for a stream.
  using DataFn = std::function<void(Stream &)>;
  // EOF, error, timeout or connected notification for a stream.
  using EventFn = std::function<void(Stream &, StreamEvents)>;
  // The outcome of connect(): an empty error_code on success.
  using ConnectFn = std::function<void(Stream &, std::error_code)>;

  // An empty handle (is_open() false).
  Stream() noexcept = default;
  // A stream over a connected socket fd (taken over unless options.close_fd is
  // false). Reading starts disabled, writing enabled, as in libevent. Throws
  // std::system_error (EINVAL: empty Loop or bad options).
  Stream(Loop &loop, evutil_socket_t fd, StreamOptions options = {});
  // Takes ownership of a bufferevent made with the C face (freed on close).
  static Stream adopt(bufferevent *bev);
  // Two streams joined in memory: what one writes, the other reads.
  static std::pair<Stream, Stream> pair(Loop &loop, StreamOptions options = {});

  ~Stream();
  // Takes over other's stream (and ownership); other becomes empty.
  Stream(Stream &&other) noexcept;
  // Closes this stream if owned, then takes over other's.
  Stream &operator=(Stream &&other) noexcept;
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  // Data arrived (at least the read low watermark). Replace from inside a
  // callback freely; the new one applies from the next call.
  void on_read(DataFn fn);
  // Output fell to (at or below) the write low watermark (0: all sent).
  void on_write(DataFn fn);
  // EOF, errors, timeouts (see StreamEvents); the direction is already disabled.
  void on_event(EventFn fn);

  // Appends to the output; sent by the loop (a reply written from a callback
  // leaves in one send right after it). False when closed or out of memory.
  bool write(std::string_view bytes);
  // Appends a copy of the bytes; false when closed or out of memory.
  bool write(std::span<const std::byte> bytes);
  // Appends a copy of n bytes at data; false when closed or out of memory.
  bool write(const void *data, size_t n);
  // Moves every byte of `from` (left empty) without copying.
  bool write(Buffer &from);
  // Same as write(Buffer &): from is left empty.
  bool write(Buffer &&from) { return write(from); }

  // Views of the buffers (valid while the stream is open): drain input(),
  // append to output(). Empty views when closed.
  Buffer input() const noexcept;
  // A view of the output buffer; append to it to send.
  Buffer output() const noexcept;
  // Removes and returns everything in the input.
  std::string read_all();

  // Read and/or Write. Errors: EINVAL (closed), backend errors.
  std::error_code enable(Events which) noexcept;
  // Stops reading and/or writing. Errors: EINVAL (closed), backend errors.
  std::error_code disable(Events which) noexcept;
  // The directions currently enabled; empty when closed.
  Events enabled() const noexcept;

  // Read: on_read waits for `low` bytes; reading pauses while `high` (0: no
  // limit) are buffered. Write: on_write fires at or below `low`. The backpressure
  // pattern: when a peer's output passes its high mark, disable(Read) on the
  // stream feeding it, and enable(Read) again from the peer's on_write.
  void set_read_watermarks(size_t low, size_t high = 0) noexcept;
  // on_write fires when the output falls to low or below; high is ignored by sockets.
  void set_write_watermarks(size_t low, size_t high = 0) noexcept;

  // Time allowed without progress while a direction is enabled and waiting
  // (zero: none). A timeout disables its direction and reports timeout().
  template <class R1, class P1, class R2, class P2>
  std::error_code set_timeouts(std::chrono::duration<R1, P1> read,
                               std::chrono::duration<R2, P2> write) noexcept {
    const timeval r = detail::to_timeval(read), w = detail::to_timeval(write);
    return set_timeouts_tv(&r, &w);
  }
  template <class R, class P>
  // Sets only the read timeout (zero: none); the write timeout is kept.
  std::error_code set_read_timeout(std::chrono::duration<R, P> d) noexcept {
    const timeval r = detail::to_timeval(d);
    return set_timeouts_tv(&r, nullptr);
  }
  template <class R, class P>
  // Sets only the write timeout (zero: none); the read timeout is kept.
  std::error_code set_write_timeout(std::chrono::duration<R, P> d) noexcept {
    const timeval w = detail::to_timeval(d);
    return set_timeouts_tv(nullptr, &w);
  }

  // Starts connecting a stream made without a connected fd (-1) to `sa`;
  // the outcome comes to `done` (or, without it, to on_event as connected()
  // or error()). Errors here: EINVAL (closed / bad address), socket errors.
  std::error_code connect(const sockaddr *sa, int socklen, ConnectFn done = {});
  // The same for "host:port", "[v6]:port" or "unix:/path"; names are resolved
  // off the loop.
  std::error_code connect(std::string_view address, ConnectFn done = {});

  // Frees the stream now (see the ownership rules above). Idempotent.
  void close() noexcept;
  // False for an empty, moved-from or closed stream.
  bool is_open() const noexcept;
  // Same as is_open().
  explicit operator bool() const noexcept { return is_open(); }

  // For a Listener's stream: makes it yours (returned handle owns it; the
  // Listener forgets it). For any other stream: an empty handle.
  Stream take() noexcept;

  // The socket (still owned by the stream), or -1 when closed or not connected.
  evutil_socket_t fd() const noexcept;
  // The bufferevent for C calls; nullptr when closed. Ownership stays here.
  bufferevent *native() const noexcept;

 private:
  friend struct detail::StreamCore;
  friend struct detail::ListenerImpl;
  Stream(detail::StreamCore *core, bool owning) noexcept : core_(core), owning_(owning) {}
  std::error_code set_timeouts_tv(const timeval *read, const timeval *write) noexcept;
  void release() noexcept;

  detail::StreamCore *core_ = nullptr;
  bool owning_ = false;
};

// A stream connecting to `address` ("host:port", "[v6]:port", "unix:/path");
// `done` gets the outcome. Throws std::system_error when the address cannot
// be used at all (EINVAL: malformed) or no socket can be made.
EVENT2_EXPORT_SYMBOL Stream connect(Loop &loop, std::string_view address,
                                    Stream::ConnectFn done = {}, StreamOptions options = {});

namespace detail {
// Fills `out` for "ip:port", "[v6]:port" or "unix:/path"; false for anything
// else (a host name needs a lookup).
EVENT2_EXPORT_SYMBOL bool parse_numeric_address(std::string_view address, sockaddr_storage &out,
                                                int &len) noexcept;
// Splits "host:port" (host may be "[v6]"); false when malformed.
EVENT2_EXPORT_SYMBOL bool split_host_port(std::string_view address, std::string &host,
                                          int &port) noexcept;
}  // namespace detail

}  // namespace eventide
