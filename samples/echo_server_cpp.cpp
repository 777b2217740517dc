// Echo server with the C++ face: the same server as echo_server.c, written the
// way DESIGN.md promises (the server itself is the Listener statement below).
// Usage: echo_server_cpp PORT [CONNECTIONS]  (exits after CONNECTIONS clients
// have gone; 0 or absent: runs until Ctrl-C). Listens on 127.0.0.1.
#include <eventide/eventide.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [CONNECTIONS]\n", argv[0]);
    return 2;
  }
  const long limit = argc > 2 ? std::atol(argv[2]) : 0;
  long gone = 0;
  eventide::Loop loop;
  eventide::Listener server(loop, std::string("127.0.0.1:") + argv[1], [&](eventide::Stream &conn) {
    conn.on_read([](eventide::Stream &s) { s.write(s.input()); });  // moves the bytes
    conn.on_event([&](eventide::Stream &s, eventide::StreamEvents ev) {
      if (!(ev.eof() || ev.error())) return;
      s.close();  // safe inside a callback
      if (limit && ++gone == limit) loop.stop();
    });
    conn.enable(eventide::Read);
  });
  eventide::Signal stop_int(loop, SIGINT, [&](eventide::Signal &) { loop.stop(); });
  eventide::Signal stop_term(loop, SIGTERM, [&](eventide::Signal &) { loop.stop(); });
  stop_int.start();
  stop_term.start();
  std::printf("echo_server_cpp: listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  loop.run();
  std::printf("echo_server_cpp: %ld clients served\n", gone);
  return 0;
}
