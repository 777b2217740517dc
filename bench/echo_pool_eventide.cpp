// Echo server on eventide's own C++ face: an eventide::Server over its
// LoopThreadPool, in ReusePort mode (one SO_REUSEPORT listener per loop, the
// same shape as the libevent, raw epoll, libuv and Asio arms).
// Each on_read moves the whole input buffer to the output (Stream::write of
// a Buffer: no copy), as echo_libevent.c does with bufferevent_write_buffer.
// -t N runs N loops, one per thread.
// -m accept closes every connection as soon as it is accepted.
// Usage: echo_pool_eventide [-t loops] [-m echo|accept]
// Prints "port N" once every listener is bound, then serves until killed.
#include <eventide/server.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "bench_common.h"

namespace {

bool g_accept_only = false;

void on_connection(eventide::Stream &s) {
  if (g_accept_only) {
    s.close();
    return;
  }
  int one = 1;
  setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s.on_read([](eventide::Stream &st) {
    eventide::Buffer in = st.input();
    st.write(in);
  });
  // The Server owns the stream: closing it is all the cleanup there is.
  s.on_event([](eventide::Stream &st, eventide::StreamEvents ev) {
    if (ev.eof() || ev.error()) st.close();
  });
  s.enable(eventide::Read | eventide::Write);
}

}  // namespace

int main(int argc, char **argv) {
  int nloops = 1, opt;
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
  // Before the pool starts its threads, so every thread inherits it: a client
  // may reset while we write.
  std::signal(SIGPIPE, SIG_IGN);
  bench_raise_nofile(65536);
  eventide::ServerOptions options;
  options.loops = static_cast<size_t>(nloops);
  options.mode = eventide::ServerOptions::Mode::ReusePort;
  options.backlog = 4096;
  try {
    // Never destroyed: the harness ends the process with a signal.
    auto *server = new eventide::Server("127.0.0.1:0", on_connection, options);
    bench_announce_port(server->port());
  } catch (const std::system_error &e) {
    std::fprintf(stderr, "bench: eventide::Server: %s\n", e.what());
    return 2;
  }
  for (;;) pause();
}
