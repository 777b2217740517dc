// Echo client with the C++ face: connects with eventide::connect, then plays
// ping-pong like echo_client.c — each message goes out once the previous one
// came back whole. Usage: echo_client_cpp PORT [MESSAGES [SIZE]] (defaults:
// 1000 messages of 64 bytes). Exit status 0 when every byte came back unchanged.
#include <eventide/eventide.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

uint64_t fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [MESSAGES [SIZE]]\n", argv[0]);
    return 2;
  }
  const long messages = argc > 2 ? std::atol(argv[2]) : 1000;
  const long size = argc > 3 ? std::atol(argv[3]) : 64;
  if (messages < 1 || size < 1) return 2;
  long sent = 0, echoed = 0;
  uint64_t sent_sum = 1469598103934665603ull, recv_sum = sent_sum;
  bool failed = false;
  std::string msg(static_cast<size_t>(size), ' ');

  eventide::Loop loop;
  auto send_next = [&](eventide::Stream &s) {
    for (long i = 0; i < size; ++i) msg[i] = static_cast<char>('a' + (sent + i) % 26);
    sent_sum = fnv(sent_sum, msg);
    s.write(msg);
    ++sent;
  };
  eventide::Stream conn = eventide::connect(
      loop, std::string("127.0.0.1:") + argv[1], [&](eventide::Stream &s, std::error_code ec) {
        if (ec) {
          std::fprintf(stderr, "echo_client_cpp: cannot connect: %s\n", ec.message().c_str());
          failed = true;
          loop.stop();
          return;
        }
        send_next(s);
      });
  conn.on_read([&](eventide::Stream &s) {
    eventide::Buffer in = s.input();
    while (in.size() >= static_cast<size_t>(size)) {
      auto bytes = in.contiguous(static_cast<size_t>(size));
      recv_sum = fnv(recv_sum, {reinterpret_cast<const char *>(bytes.data()), bytes.size()});
      in.drain(static_cast<size_t>(size));
      if (++echoed == messages) {
        loop.stop();
        return;
      }
      send_next(s);
    }
  });
  conn.on_event([&](eventide::Stream &, eventide::StreamEvents ev) {
    std::fprintf(stderr, "echo_client_cpp: connection ended early (%s)\n",
                 ev.error() ? ev.error_code().message().c_str() : "closed by the server");
    failed = true;
    loop.stop();
  });
  conn.enable(eventide::Read);
  const auto t0 = std::chrono::steady_clock::now();
  loop.run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool ok = !failed && echoed == messages && sent_sum == recv_sum;
  std::printf(
      "echo_client_cpp: sent %ld x %ld bytes, received %ld back, checksum %016llx %s, %.0f round "
      "trips/s\n",
      sent, size, echoed, static_cast<unsigned long long>(recv_sum), ok ? "matches" : "DIFFERS",
      secs > 0 ? echoed / secs : 0.0);
  return ok ? 0 : 1;
}
