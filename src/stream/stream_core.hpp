// StreamCore: what an eventide::Stream handle points at — the bufferevent,
// the C++ callbacks and the bookkeeping that lets callbacks close or drop it.
#pragma once

#include <eventide/stream.hpp>

namespace eventide::detail {

struct StreamCore {
  bufferevent *bev = nullptr;
  Stream::DataFn read_cb;
  Stream::DataFn write_cb;
  Stream::EventFn event_cb;
  Stream::ConnectFn connect_cb;
  // Set when a callback is replaced while its old one runs on the stack.
  bool read_replaced = false, write_replaced = false, event_replaced = false;
  Stream view{this, false};  // the Stream& handed to callbacks
  bool owned = true;         // an owning handle exists
  bool closed = false;
  int running = 0;  // callbacks of this stream on the stack
  timeval timeout_read{0, 0};
  timeval timeout_write{0, 0};
  // A Listener's stream: its owner, how to leave its list, and the links.
  ListenerImpl *owner = nullptr;
  void (*forget)(ListenerImpl *, StreamCore *) = nullptr;
  StreamCore *prev = nullptr;
  StreamCore *next = nullptr;

  // Wraps bev (taking it over) and installs the trampolines.
  explicit StreamCore(bufferevent *b);
  // Frees the bufferevent; the core lives on until nothing refers to it.
  void close() noexcept;
  // Deletes the core once closed, unowned and not running.
  static void release_if_unused(StreamCore *c) noexcept;
};

// Keeps a core alive across a user callback.
class CoreRun {
 public:
  explicit CoreRun(StreamCore *c) noexcept : c_(c) { ++c_->running; }
  ~CoreRun() {
    --c_->running;
    StreamCore::release_if_unused(c_);
  }
  CoreRun(const CoreRun &) = delete;
  CoreRun &operator=(const CoreRun &) = delete;

 private:
  StreamCore *c_;
};

}  // namespace eventide::detail
