// Echo server on Boost.Asio, the shape of Asio's own echo example:
// async_read_some into a per-connection 64 KiB buffer, async_write of what
// arrived, repeat; sessions live in shared_ptrs held by their handlers.
// -t N runs N io_contexts, one thread each, each with its own acceptor on an
// SO_REUSEPORT socket (Asio's "io_context per thread" model).
// -m accept closes every connection as soon as it is accepted.
// Usage: echo_asio [-t loops] [-m echo|accept]
// Prints "port N" once every listener is bound, then serves until killed.
// Boost 1.74 asio/awaitable.hpp uses std::exchange without <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>

#include <csignal>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

bool g_accept_only = false;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : socket_(std::move(s)) {}

  void read() {
    socket_.async_read_some(asio::buffer(buf_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (!ec) self->write(n);
                            });
  }

 private:
  void write(size_t n) {
    asio::async_write(socket_, asio::buffer(buf_, n),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (!ec) self->read();
                      });
  }

  tcp::socket socket_;
  std::array<char, 64 * 1024> buf_;
};

struct Loop {
  // Each context is run by exactly one thread: Asio's hint to drop its locks.
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  tcp::acceptor acceptor{io};

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (!ec) {
        if (g_accept_only) {
          s.close(ec);
        } else {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<Session>(std::move(s))->read();
        }
      }
      accept();
    });
  }
};

}  // namespace

int main(int argc, char **argv) {
  int nloops = 1, opt, port = 0;
  while ((opt = getopt(argc, argv, "t:m:")) != -1) {
    switch (opt) {
      case 't':
        nloops = std::atoi(optarg);
        break;
      case 'm':
        g_accept_only = !std::strcmp(optarg, "accept");
        break;
      default:
        std::fprintf(stderr, "usage: %s [-t loops] [-m echo|accept]\n", argv[0]);
        return 2;
    }
  }
  if (nloops < 1) return 2;
  std::signal(SIGPIPE, SIG_IGN);  // a client may reset while we write
  bench_raise_nofile(65536);
  std::vector<std::unique_ptr<Loop>> loops;
  for (int i = 0; i < nloops; ++i) {
    loops.push_back(std::make_unique<Loop>());
    const int fd = bench_listen_loopback(port);
    port = bench_bound_port(fd);
    loops.back()->acceptor.assign(tcp::v4(), fd);
    loops.back()->accept();
  }
  bench_announce_port(port);
  std::vector<std::thread> threads;
  for (int i = 1; i < nloops; ++i) threads.emplace_back([&loops, i] { loops[i]->io.run(); });
  loops[0]->io.run();
  for (auto &t : threads) t.join();
  return 0;
}
