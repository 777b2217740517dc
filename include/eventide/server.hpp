// eventide::Server: a TCP server over a LoopThreadPool. Each accepted
// connection lives on exactly one loop; a lambda sets it up on that loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eventide/listener.hpp"
#include "eventide/loop.hpp"
#include "eventide/stream.hpp"
#include "eventide/thread_pool.hpp"

namespace eventide {

// How a Server listens and sets up its loops and connections.
struct ServerOptions {
  size_t loops = 2;  // serving loops (threads)
  // Handoff: one listener on its own thread hands sockets to the least loaded
  // loop. ReusePort: one SO_REUSEPORT listener per loop; the kernel spreads.
  enum class Mode { Handoff, ReusePort };
  // How connections reach the loops (default: Handoff).
  Mode mode = Mode::Handoff;
  // listen() backlog; -1: the default (128).
  int backlog = -1;
  StreamOptions stream;  // for the accepted streams
  LoopOptions loop;      // for every loop
};

// Listens at construction and serves until shutdown() or destruction.
// The Server owns the connections: a Stream& handed to on_connection stays
// valid until it is closed (by the lambda's callbacks, by its peer going away
// with no on_event handler, or by shutdown). Thread-safe: any thread may call
// port(), connections() and shutdown() (but not a loop thread of this Server).
class EVENT2_EXPORT_SYMBOL Server {
 public:
  // Runs on the connection's own loop thread, once per connection.
  using ConnectionFn = std::function<void(Stream &)>;

  // Binds "host:port" (port 0: any free port; see port()). Throws
  // std::system_error (EINVAL: bad address; EADDRINUSE...).
  Server(std::string_view address, ConnectionFn on_connection, ServerOptions options = {});
  // shutdown() with no grace period.
  ~Server();
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  // The bound TCP port (useful after binding port 0).
  uint16_t port() const noexcept { return port_; }
  // Open connections (refreshed by each loop every few milliseconds).
  size_t connections() const noexcept;
  // Connections accepted so far.
  uint64_t accepted() const noexcept { return accepted_.load(std::memory_order_relaxed); }
  // The serving loops; post work to them from any thread.
  LoopThreadPool &pool() noexcept { return pool_; }

  // Stops accepting; waits up to `grace` for connections to close by
  // themselves; closes the rest; stops and joins every thread. Idempotent.
  void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

 private:
  struct PerLoop;
  void adopt(size_t i, evutil_socket_t fd);
  void sweep(size_t i);
  void wake_sweeper(size_t i);
  void on_each_loop(const std::function<void(size_t)> &fn);

  ServerOptions options_;
  ConnectionFn on_connection_;
  LoopThreadPool pool_;
  std::unique_ptr<LoopThreadPool> acceptor_;   // Handoff mode: the accepting thread
  evconnlistener *accept_listener_ = nullptr;  // used on the acceptor thread only
  std::vector<std::unique_ptr<PerLoop>> per_loop_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> accepted_{0};
  bool shut_ = false;
};

}  // namespace eventide
