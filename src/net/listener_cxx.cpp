// The C++ face of evconnlistener (eventide::Listener): the accept lambda gets
// each connection as a Stream the Listener owns until closed or taken.
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <eventide/listener.hpp>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "stream/stream_core.hpp"

namespace eventide {
namespace detail {

struct ListenerImpl {
  evconnlistener *lev = nullptr;
  event_base *base = nullptr;
  Listener::AcceptFn accept;
  Listener::ErrorFn error;
  StreamOptions stream_options;
  StreamCore *head = nullptr;  // owned streams still open
  size_t count = 0;
  int running = 0;    // our callbacks on the stack
  bool dead = false;  // the Listener was destroyed during one of them
};

namespace {

void forget(ListenerImpl *impl, StreamCore *c) noexcept {
  if (c->owner != impl) return;
  if (c->prev)
    c->prev->next = c->next;
  else
    impl->head = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = nullptr;
  c->owner = nullptr;
  c->forget = nullptr;
  --impl->count;
}

void close_all(ListenerImpl *impl) noexcept {
  while (StreamCore *c = impl->head) {
    forget(impl, c);
    c->close();
    StreamCore::release_if_unused(c);
  }
}

void destroy(ListenerImpl *impl) noexcept {
  close_all(impl);
  if (impl->lev) evconnlistener_free(impl->lev);
  delete impl;
}

struct ImplRun {
  explicit ImplRun(ListenerImpl *i) : impl(i) { ++impl->running; }
  ~ImplRun() {
    if (--impl->running == 0 && impl->dead) delete impl;
  }
  ListenerImpl *impl;
};

void accept_tramp(evconnlistener *, evutil_socket_t fd, sockaddr *, int, void *arg) {
  auto *impl = static_cast<ListenerImpl *>(arg);
  if (impl->dead) {
    evutil_closesocket(fd);
    return;
  }
  const StreamOptions &o = impl->stream_options;
  int opts = BEV_OPT_CLOSE_ON_FREE;
  if (o.defer_callbacks) opts |= BEV_OPT_DEFER_CALLBACKS;
  if (o.thread_safe) opts |= BEV_OPT_THREADSAFE;
  bufferevent *bev = bufferevent_socket_new(impl->base, fd, opts);
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  StreamCore *c;
  try {
    c = new StreamCore(bev);
  } catch (...) {
    bufferevent_free(bev);
    return;
  }
  c->owned = false;
  c->owner = impl;
  c->forget = forget;
  c->next = impl->head;
  if (impl->head) impl->head->prev = c;
  impl->head = c;
  ++impl->count;
  if (!impl->accept) return;
  ImplRun irun(impl);
  CoreRun crun(c);
  impl->accept(c->view);
}

void error_tramp(evconnlistener *, void *arg) {
  const int err = errno;
  auto *impl = static_cast<ListenerImpl *>(arg);
  if (impl->dead || !impl->error) return;
  ImplRun irun(impl);
  impl->error(std::error_code(err ? err : EIO, std::system_category()));
}

}  // namespace
}  // namespace detail

using detail::ListenerImpl;

Listener::Listener(Loop &loop, std::string_view address, AcceptFn on_accept,
                   ListenerOptions options) {
  sockaddr_storage ss;
  int len;
  if (!detail::parse_numeric_address(address, ss, len)) {
    // A host name: resolved here, before the loop serves anything.
    std::string host;
    int port;
    if (!detail::split_host_port(address, host, port))
      detail::throw_error(std::make_error_code(std::errc::invalid_argument),
                          "eventide::Listener: bad address \"" + std::string(address) + "\"");
    addrinfo hints{}, *ai = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    const int r = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &ai);
    if (r != 0 || !ai)
      detail::throw_error(std::error_code(r, dns_category()),
                          "eventide::Listener: cannot resolve \"" + host + "\"");
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    len = static_cast<int>(ai->ai_addrlen);
    freeaddrinfo(ai);
  }
  init(loop, reinterpret_cast<sockaddr *>(&ss), len, std::move(on_accept), options);
}

Listener::Listener(Loop &loop, const sockaddr *sa, int socklen, AcceptFn on_accept,
                   ListenerOptions options) {
  init(loop, sa, socklen, std::move(on_accept), options);
}

void Listener::init(Loop &loop, const sockaddr *sa, int socklen, AcceptFn on_accept,
                    const ListenerOptions &options) {
  if (!loop.native() || !sa)
    detail::throw_error(std::make_error_code(std::errc::invalid_argument),
                        "eventide::Listener: empty Loop or no address");
  auto *impl = new ListenerImpl;
  impl->base = loop.native();
  impl->accept = std::move(on_accept);
  impl->stream_options = options.stream;
  unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
  if (options.reuse_address) flags |= LEV_OPT_REUSEABLE;
  if (options.reuse_port) flags |= LEV_OPT_REUSEABLE_PORT;
  if (options.start_disabled) flags |= LEV_OPT_DISABLED;
  errno = 0;
  impl->lev = evconnlistener_new_bind(impl->base, detail::accept_tramp, impl, flags,
                                      options.backlog ? options.backlog : -1, sa, socklen);
  if (!impl->lev) {
    const int err = errno ? errno : EINVAL;
    delete impl;
    detail::throw_error(std::error_code(err, std::system_category()), "eventide::Listener");
  }
  evconnlistener_set_error_cb(impl->lev, detail::error_tramp);
  impl_ = impl;
}

Listener::~Listener() {
  if (!impl_) return;
  if (impl_->running) {
    // Inside one of our callbacks: release what we can now, the rest after it.
    detail::close_all(impl_);
    evconnlistener_free(impl_->lev);
    impl_->lev = nullptr;
    impl_->dead = true;
  } else {
    detail::destroy(impl_);
  }
  impl_ = nullptr;
}

Listener::Listener(Listener &&o) noexcept : impl_(std::exchange(o.impl_, nullptr)) {}

Listener &Listener::operator=(Listener &&o) noexcept {
  if (this != &o) {
    this->~Listener();
    impl_ = std::exchange(o.impl_, nullptr);
  }
  return *this;
}

std::error_code Listener::enable() noexcept {
  if (!impl_) return std::make_error_code(std::errc::invalid_argument);
  return detail::check_call([&] { return evconnlistener_enable(impl_->lev); });
}

std::error_code Listener::disable() noexcept {
  if (!impl_) return std::make_error_code(std::errc::invalid_argument);
  return detail::check_call([&] { return evconnlistener_disable(impl_->lev); });
}

void Listener::on_error(ErrorFn fn) {
  if (impl_) impl_->error = std::move(fn);
}

uint16_t Listener::port() const noexcept {
  if (!impl_) return 0;
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(evconnlistener_get_fd(impl_->lev), reinterpret_cast<sockaddr *>(&ss), &len) < 0)
    return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
  return 0;
}

size_t Listener::connections() const noexcept {
  return impl_ ? impl_->count : 0;
}

void Listener::close_connections() noexcept {
  if (impl_) detail::close_all(impl_);
}

evutil_socket_t Listener::fd() const noexcept {
  return impl_ ? evconnlistener_get_fd(impl_->lev) : -1;
}

evconnlistener *Listener::native() const noexcept {
  return impl_ ? impl_->lev : nullptr;
}

}  // namespace eventide
