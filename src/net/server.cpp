// Server: accept, hand out, own and finally close connections over a pool.
// Every PerLoop is touched only by its own loop's thread (through post).
#include "eventide/server.hpp"

#include <event2/listener.h>
#include <event2/util.h>

#include <future>
#include <list>
#include <thread>

#include "eventide/timer.hpp"
#include "util/log.hpp"

namespace eventide {

using namespace std::chrono_literals;

namespace {
// How often a loop with open connections sweeps and publishes its count.
constexpr auto kSweepEvery = 5ms;
}  // namespace

struct Server::PerLoop {
  std::list<Stream> conns;             // Handoff mode
  std::unique_ptr<Listener> listener;  // ReusePort mode
  std::unique_ptr<Timer> sweeper;
};

namespace {

// "host:port"; port 0 (any free port) is allowed here, unlike
// evutil_parse_sockaddr_port.
bool parse(std::string_view address, sockaddr_storage *ss, int *len) {
  std::string a(address);
  const bool any_port = a.size() > 2 && a.compare(a.size() - 2, 2, ":0") == 0;
  if (any_port) a.back() = '1';
  *len = sizeof *ss;
  if (evutil_parse_sockaddr_port(a.c_str(), reinterpret_cast<sockaddr *>(ss), len) != 0)
    return false;
  if (any_port && ss->ss_family == AF_INET) reinterpret_cast<sockaddr_in *>(ss)->sin_port = 0;
  if (any_port && ss->ss_family == AF_INET6) reinterpret_cast<sockaddr_in6 *>(ss)->sin6_port = 0;
  return true;
}

uint16_t port_of(evutil_socket_t fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) < 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
  return 0;
}

// Runs fn on loop l's thread and waits for it (never call from that thread).
template <class F>
auto run_on(Loop &l, F fn) -> decltype(fn()) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  if (l.post([&task] { task(); }))
    throw std::system_error(std::make_error_code(std::errc::io_error));
  return result.get();
}

}  // namespace

Server::Server(std::string_view address, ConnectionFn on_connection, ServerOptions options)
    : options_(std::move(options)),
      on_connection_(std::move(on_connection)),
      pool_(options_.loops, options_.loop) {
  sockaddr_storage ss{};
  int sslen = 0;
  if (!parse(address, &ss, &sslen)) {
    detail::log(detail::kLogWarn, "eventide::Server: cannot parse address \"%.*s\"",
                static_cast<int>(address.size()), address.data());
    pool_.stop();
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "eventide::Server: bad address");
  }
  for (size_t i = 0; i < pool_.size(); ++i) per_loop_.push_back(std::make_unique<PerLoop>());
  try {
    // Each loop sweeps closed connections and publishes how many are open,
    // every few milliseconds while it has any (an idle server sleeps).
    on_each_loop([this](size_t i) {
      per_loop_[i]->sweeper =
          std::make_unique<Timer>(pool_.loop(i), [this, i](Timer &) { sweep(i); });
    });
    if (options_.mode == ServerOptions::Mode::ReusePort) {
      ListenerOptions lo;
      lo.backlog = options_.backlog;
      lo.reuse_port = true;
      lo.stream = options_.stream;
      for (size_t i = 0; i < pool_.size(); ++i) {
        // The first listener picks the port (maybe 0 → any); the rest join it.
        if (i == 1 && ss.ss_family == AF_INET)
          reinterpret_cast<sockaddr_in *>(&ss)->sin_port = htons(port_);
        if (i == 1 && ss.ss_family == AF_INET6)
          reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port = htons(port_);
        run_on(pool_.loop(i), [&, i] {
          per_loop_[i]->listener = std::make_unique<Listener>(
              pool_.loop(i), reinterpret_cast<const sockaddr *>(&ss), sslen,
              [this, i](Stream &s) {
                accepted_.fetch_add(1, std::memory_order_relaxed);
                wake_sweeper(i);
                on_connection_(s);
              },
              lo);
          if (i == 0) port_ = per_loop_[i]->listener->port();
        });
      }
    } else {
      acceptor_ = std::make_unique<LoopThreadPool>(1, options_.loop);
      run_on(acceptor_->loop(0), [&] {
        accept_listener_ = evconnlistener_new_bind(
            acceptor_->loop(0).native(),
            [](evconnlistener *, evutil_socket_t fd, sockaddr *, int, void *arg) {
              auto *self = static_cast<Server *>(arg);
              size_t i = self->pool_.index_of(self->pool_.least_loaded());
              self->pool_.add_load(i, 1);  // counted until its loop sweeps it
              self->accepted_.fetch_add(1, std::memory_order_relaxed);
              if (self->pool_.post(i, [self, i, fd] { self->adopt(i, fd); })) {
                evutil_closesocket(fd);
                self->pool_.add_load(i, -1);
              }
            },
            this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
            options_.backlog, reinterpret_cast<const sockaddr *>(&ss), sslen);
        if (!accept_listener_)
          throw std::system_error(
              std::error_code(errno ? errno : EADDRINUSE, std::generic_category()),
              "eventide::Server: cannot listen");
        port_ = port_of(evconnlistener_get_fd(accept_listener_));
      });
    }
  } catch (...) {
    shutdown();
    throw;
  }
}

Server::~Server() {
  shutdown();
}

void Server::adopt(size_t i, evutil_socket_t fd) {
  PerLoop &pl = *per_loop_[i];
  try {
    pl.conns.emplace_back(pool_.loop(i), fd, options_.stream);
  } catch (...) {
    evutil_closesocket(fd);
    pool_.add_load(i, -1);
    return;
  }
  wake_sweeper(i);
  on_connection_(pl.conns.back());
}

void Server::sweep(size_t i) {
  PerLoop &pl = *per_loop_[i];
  long before = static_cast<long>(pl.conns.size());
  pl.conns.remove_if([](const Stream &s) { return !s.is_open(); });
  long removed = before - static_cast<long>(pl.conns.size());
  if (removed) pool_.add_load(i, -removed);
  if (pl.listener) pool_.add_load(i, static_cast<long>(pl.listener->connections()) - pool_.load(i));
  // Nothing open: stop until the next connection (wake_sweeper).
  if (pl.conns.empty() && (!pl.listener || pl.listener->connections() == 0)) pl.sweeper->stop();
}

void Server::wake_sweeper(size_t i) {
  PerLoop &pl = *per_loop_[i];
  if (pl.sweeper && !pl.sweeper->active()) pl.sweeper->start_repeating(kSweepEvery);
}

size_t Server::connections() const noexcept {
  long n = 0;
  for (size_t i = 0; i < per_loop_.size(); ++i) n += pool_.load(i);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void Server::on_each_loop(const std::function<void(size_t)> &fn) {
  for (size_t i = 0; i < pool_.size(); ++i) run_on(pool_.loop(i), [&fn, i] { fn(i); });
}

void Server::shutdown(std::chrono::milliseconds grace) {
  if (shut_) return;
  shut_ = true;
  // 1. Stop accepting.
  if (acceptor_) {
    if (accept_listener_)
      run_on(acceptor_->loop(0), [this] { evconnlistener_free(accept_listener_); });
    accept_listener_ = nullptr;
    acceptor_->stop();
  }
  if (!pool_.stopped()) {
    on_each_loop([this](size_t i) {
      if (per_loop_[i]->listener) per_loop_[i]->listener->disable();
    });
    // 2. Let connections finish for up to `grace`.
    const auto end = std::chrono::steady_clock::now() + grace;
    while (connections() > 0 && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(2ms);
    // 3. Close the rest, on their own loops.
    on_each_loop([this](size_t i) {
      PerLoop &pl = *per_loop_[i];
      pl.conns.clear();
      pl.listener.reset();
      pl.sweeper.reset();
    });
  }
  pool_.stop();
}

}  // namespace eventide
