// eventide::Listener: accepts connections on an address and hands each one
// to a lambda as a ready eventide::Stream.
#pragma once

#include <event2/listener.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include "eventide/loop.hpp"
#include "eventide/stream.hpp"

struct sockaddr;

namespace eventide {

// How a Listener sets up its socket and the streams it accepts.
struct ListenerOptions {
  int backlog = -1;             // listen() backlog; -1: libevent's default (128)
  bool reuse_address = true;    // SO_REUSEADDR
  bool reuse_port = false;      // SO_REUSEPORT (several listeners share the port)
  bool start_disabled = false;  // accept only after enable()
  StreamOptions stream;         // for the accepted streams
};

// Owns a listening socket. The accepted streams belong to the Listener: each
// stays open until it is closed (by you, or by its peer going away with no
// on_event handler installed) or until the Listener is destroyed, which closes
// those still open. Stream::take() moves one out of its care.
// Out of descriptors (EMFILE/ENFILE), it pauses and resumes by itself, and
// reports the shortage once through on_error. Not thread-safe: use it in its
// Loop's thread; destroy it before the Loop. It may be destroyed inside its
// own callbacks.
class EVENT2_EXPORT_SYMBOL Listener {
 public:
  // Receives each new connection (reading disabled, writing enabled).
  using AcceptFn = std::function<void(Stream &)>;
  // Receives accept errors that retrying cannot fix.
  using ErrorFn = std::function<void(std::error_code)>;

  Listener() noexcept = default;
  // Listens on "host:port", "[v6]:port", "unix:/path" (port 0: any free
  // port, see port()). Throws std::system_error (EINVAL: malformed address or
  // empty Loop; EADDRINUSE...).
  Listener(Loop &loop, std::string_view address, AcceptFn on_accept, ListenerOptions options = {});
  // Listens on an already-built address (copied). Throws std::system_error like the string form.
  Listener(Loop &loop, const sockaddr *sa, int socklen, AcceptFn on_accept,
           ListenerOptions options = {});
  ~Listener();
  // Takes over other's socket and streams; other becomes empty.
  Listener(Listener &&other) noexcept;
  // Closes this listener (and its streams), then takes over other's.
  Listener &operator=(Listener &&other) noexcept;
  Listener(const Listener &) = delete;
  Listener &operator=(const Listener &) = delete;

  // Resumes accepting. Errors: EINVAL on an empty Listener.
  std::error_code enable() noexcept;
  // Stops accepting; the socket stays bound. Errors: EINVAL on an empty Listener.
  std::error_code disable() noexcept;
  // accept() failed in a way retrying cannot fix (EMFILE: reported once per shortage).
  void on_error(ErrorFn fn);

  // The bound port (TCP), 0 otherwise.
  uint16_t port() const noexcept;
  // Accepted streams still open and owned by this Listener.
  size_t connections() const noexcept;
  // Closes every stream this Listener still owns.
  void close_connections() noexcept;
  // The listening socket (still owned by the Listener), or -1 when empty.
  evutil_socket_t fd() const noexcept;
  // The C listener, or nullptr when empty; the Listener keeps ownership.
  evconnlistener *native() const noexcept;
  // True unless default-made or moved from.
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  void init(Loop &loop, const sockaddr *sa, int socklen, AcceptFn on_accept,
            const ListenerOptions &options);
  detail::ListenerImpl *impl_ = nullptr;
};

}  // namespace eventide
