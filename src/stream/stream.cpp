// The C++ face of bufferevents (eventide::Stream): handles, trampolines from
// the C callbacks to lambdas, and the lifetime rules documented in stream.hpp.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>

#include "stream/bev.hpp"
#include "stream/socket_bev.hpp"
#include "stream/stream_core.hpp"

namespace eventide {
namespace detail {
namespace {

void read_tramp(bufferevent *, void *arg) {
  auto *c = static_cast<StreamCore *>(arg);
  if (c->closed || !c->read_cb) return;
  CoreRun run(c);
  Stream::DataFn fn = std::move(c->read_cb);
  c->read_cb = nullptr;
  c->read_replaced = false;
  fn(c->view);
  if (!c->read_replaced && !c->closed) c->read_cb = std::move(fn);
}

void write_tramp(bufferevent *, void *arg) {
  auto *c = static_cast<StreamCore *>(arg);
  if (c->closed || !c->write_cb) return;
  CoreRun run(c);
  Stream::DataFn fn = std::move(c->write_cb);
  c->write_cb = nullptr;
  c->write_replaced = false;
  fn(c->view);
  if (!c->write_replaced && !c->closed) c->write_cb = std::move(fn);
}

std::error_code error_of(bufferevent *bev, int err) {
  Bev *b = bev_of(bev);
  if (b->ops() == &kSocketOps && as_socket(b)->dns_error)
    return {as_socket(b)->dns_error, dns_category()};
  return {err ? err : EIO, std::system_category()};
}

void event_tramp(bufferevent *bev, short what, void *arg) {
  const int err = errno;
  auto *c = static_cast<StreamCore *>(arg);
  if (c->closed) return;
  CoreRun run(c);
  std::error_code ec;
  if (what & BEV_EVENT_ERROR) ec = error_of(bev, err);
  // A connect's outcome: CONNECTED, or ERROR with no direction bit.
  const bool connect_outcome =
      (what & BEV_EVENT_CONNECTED) ||
      ((what & BEV_EVENT_ERROR) && !(what & (BEV_EVENT_READING | BEV_EVENT_WRITING)));
  if (c->connect_cb && connect_outcome) {
    Stream::ConnectFn fn = std::move(c->connect_cb);
    c->connect_cb = nullptr;
    fn(c->view, (what & BEV_EVENT_CONNECTED) ? std::error_code() : ec);
    return;
  }
  if (!c->event_cb) {
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) c->close();
    return;
  }
  Stream::EventFn fn = std::move(c->event_cb);
  c->event_cb = nullptr;
  c->event_replaced = false;
  fn(c->view, StreamEvents(what, ec));
  if (!c->event_replaced && !c->closed) c->event_cb = std::move(fn);
}

int bev_options(const StreamOptions &o) {
  int opts = 0;
  if (o.close_fd) opts |= BEV_OPT_CLOSE_ON_FREE;
  if (o.defer_callbacks) opts |= BEV_OPT_DEFER_CALLBACKS;
  if (o.thread_safe) opts |= BEV_OPT_THREADSAFE;
  return opts;
}

class DnsCategory : public std::error_category {
 public:
  const char *name() const noexcept override { return "eventide.dns"; }
  std::string message(int ev) const override { return evutil_gai_strerror(ev); }
};

}  // namespace

StreamCore::StreamCore(bufferevent *b) : bev(b) {
  bufferevent_setcb(b, read_tramp, write_tramp, event_tramp, this);
}

void StreamCore::close() noexcept {
  if (closed) return;
  closed = true;
  bufferevent_free(bev);
  bev = nullptr;
  // The callback running now (if any) was moved onto its own stack frame.
  read_cb = nullptr;
  write_cb = nullptr;
  event_cb = nullptr;
  connect_cb = nullptr;
  if (forget) forget(owner, this);
}

void StreamCore::release_if_unused(StreamCore *c) noexcept {
  if (c->closed && !c->owned && c->running == 0) delete c;
}

bool split_host_port(std::string_view address, std::string &host, int &port) noexcept {
  size_t colon;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
      return false;
    host.assign(address.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    host.assign(address.substr(0, colon));
  }
  const std::string_view digits = address.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return false;
  port = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return false;
    port = port * 10 + (ch - '0');
  }
  return port <= 65535;  // 0: any free port (listeners)
}

bool parse_numeric_address(std::string_view address, sockaddr_storage &out, int &len) noexcept {
  std::memset(&out, 0, sizeof out);
  constexpr std::string_view kUnix = "unix:";
  if (address.substr(0, kUnix.size()) == kUnix) {
    const std::string_view path = address.substr(kUnix.size());
    auto *sun = reinterpret_cast<sockaddr_un *>(&out);
    if (path.empty() || path.size() >= sizeof sun->sun_path) return false;
    sun->sun_family = AF_UNIX;
    std::memcpy(sun->sun_path, path.data(), path.size());
    len = static_cast<int>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return true;
  }
  std::string host;
  int port;
  if (!split_host_port(address, host, port)) return false;
  auto *sin = reinterpret_cast<sockaddr_in *>(&out);
  if (evutil_inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
    return true;
  }
  auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&out);
  if (evutil_inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace detail

const std::error_category &dns_category() noexcept {
  static const detail::DnsCategory cat;
  return cat;
}

using detail::StreamCore;

Stream::Stream(Loop &loop, evutil_socket_t fd, StreamOptions options) {
  if (!loop.native())
    detail::throw_error(std::make_error_code(std::errc::invalid_argument), "eventide: empty Loop");
  errno = 0;
  bufferevent *bev = bufferevent_socket_new(loop.native(), fd, detail::bev_options(options));
  if (!bev) detail::throw_last_error("eventide::Stream");
  core_ = new StreamCore(bev);
  owning_ = true;
}

Stream Stream::adopt(bufferevent *bev) {
  if (!bev)
    detail::throw_error(std::make_error_code(std::errc::invalid_argument),
                        "eventide::Stream::adopt: null bufferevent");
  return Stream(new StreamCore(bev), true);
}

std::pair<Stream, Stream> Stream::pair(Loop &loop, StreamOptions options) {
  bufferevent *p[2];
  errno = 0;
  if (!loop.native() || bufferevent_pair_new(loop.native(), detail::bev_options(options), p) < 0)
    detail::throw_last_error("eventide::Stream::pair");
  return {Stream(new StreamCore(p[0]), true), Stream(new StreamCore(p[1]), true)};
}

Stream::~Stream() {
  release();
}

void Stream::release() noexcept {
  if (core_ && owning_) {
    core_->close();
    core_->owned = false;
    StreamCore::release_if_unused(core_);
  }
  core_ = nullptr;
  owning_ = false;
}

Stream::Stream(Stream &&o) noexcept
    : core_(std::exchange(o.core_, nullptr)), owning_(std::exchange(o.owning_, false)) {}

Stream &Stream::operator=(Stream &&o) noexcept {
  if (this != &o) {
    release();
    core_ = std::exchange(o.core_, nullptr);
    owning_ = std::exchange(o.owning_, false);
  }
  return *this;
}

void Stream::on_read(DataFn fn) {
  if (!is_open()) return;
  core_->read_cb = std::move(fn);
  core_->read_replaced = true;
}

void Stream::on_write(DataFn fn) {
  if (!is_open()) return;
  core_->write_cb = std::move(fn);
  core_->write_replaced = true;
}

void Stream::on_event(EventFn fn) {
  if (!is_open()) return;
  core_->event_cb = std::move(fn);
  core_->event_replaced = true;
}

bool Stream::write(const void *data, size_t n) {
  return is_open() && bufferevent_write(core_->bev, data, n) == 0;
}
bool Stream::write(std::string_view bytes) {
  return write(bytes.data(), bytes.size());
}
bool Stream::write(std::span<const std::byte> bytes) {
  return write(bytes.data(), bytes.size());
}
bool Stream::write(Buffer &from) {
  return is_open() && from.native() && bufferevent_write_buffer(core_->bev, from.native()) == 0;
}

Buffer Stream::input() const noexcept {
  return Buffer::view(is_open() ? bufferevent_get_input(core_->bev) : nullptr);
}
Buffer Stream::output() const noexcept {
  return Buffer::view(is_open() ? bufferevent_get_output(core_->bev) : nullptr);
}

std::string Stream::read_all() {
  if (!is_open()) return {};
  Buffer in = input();
  std::string s = in.to_string();
  in.drain(s.size());
  return s;
}

std::error_code Stream::enable(Events which) noexcept {
  if (!is_open()) return std::make_error_code(std::errc::invalid_argument);
  return detail::check_call([&] { return bufferevent_enable(core_->bev, which.bits()); });
}

std::error_code Stream::disable(Events which) noexcept {
  if (!is_open()) return std::make_error_code(std::errc::invalid_argument);
  return detail::check_call([&] { return bufferevent_disable(core_->bev, which.bits()); });
}

Events Stream::enabled() const noexcept {
  return is_open() ? Events(bufferevent_get_enabled(core_->bev)) : Events();
}

void Stream::set_read_watermarks(size_t low, size_t high) noexcept {
  if (is_open()) bufferevent_setwatermark(core_->bev, EV_READ, low, high);
}

void Stream::set_write_watermarks(size_t low, size_t high) noexcept {
  if (is_open()) bufferevent_setwatermark(core_->bev, EV_WRITE, low, high);
}

std::error_code Stream::set_timeouts_tv(const timeval *read, const timeval *write) noexcept {
  if (!is_open()) return std::make_error_code(std::errc::invalid_argument);
  if (read) core_->timeout_read = *read;
  if (write) core_->timeout_write = *write;
  return detail::check_call([&] {
    return bufferevent_set_timeouts(core_->bev, &core_->timeout_read, &core_->timeout_write);
  });
}

std::error_code Stream::connect(const sockaddr *sa, int socklen, ConnectFn done) {
  if (!is_open() || !sa) return std::make_error_code(std::errc::invalid_argument);
  core_->connect_cb = std::move(done);
  auto ec = detail::check_call([&] { return bufferevent_socket_connect(core_->bev, sa, socklen); });
  if (ec && core_) core_->connect_cb = nullptr;
  return ec;
}

std::error_code Stream::connect(std::string_view address, ConnectFn done) {
  if (!is_open()) return std::make_error_code(std::errc::invalid_argument);
  sockaddr_storage ss;
  int len;
  if (detail::parse_numeric_address(address, ss, len))
    return connect(reinterpret_cast<sockaddr *>(&ss), len, std::move(done));
  std::string host;
  int port;
  if (!detail::split_host_port(address, host, port))
    return std::make_error_code(std::errc::invalid_argument);
  core_->connect_cb = std::move(done);
  auto ec = detail::check_call([&] {
    return bufferevent_socket_connect_hostname(core_->bev, nullptr, AF_UNSPEC, host.c_str(), port);
  });
  if (ec) core_->connect_cb = nullptr;
  return ec;
}

void Stream::close() noexcept {
  if (core_) core_->close();
}

bool Stream::is_open() const noexcept {
  return core_ && !core_->closed;
}

Stream Stream::take() noexcept {
  if (!core_ || core_->closed || core_->owned) return Stream();
  if (core_->forget) core_->forget(core_->owner, core_);
  core_->owned = true;
  return Stream(core_, true);
}

evutil_socket_t Stream::fd() const noexcept {
  return is_open() ? bufferevent_getfd(core_->bev) : -1;
}

bufferevent *Stream::native() const noexcept {
  return is_open() ? core_->bev : nullptr;
}

Stream connect(Loop &loop, std::string_view address, Stream::ConnectFn done,
               StreamOptions options) {
  Stream s(loop, -1, options);
  if (auto ec = s.connect(address, std::move(done)))
    detail::throw_error(ec, "eventide::connect(" + std::string(address) + ")");
  return s;
}

}  // namespace eventide
