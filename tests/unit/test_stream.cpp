// eventide::Stream and eventide::Listener: the echo server of DESIGN.md,
// pairs, connect (numeric, by name, refused), closing inside callbacks, peer
// resets, timeouts as std::chrono, watermarks and ownership (take, moves).
#include <eventide/eventide.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;

namespace {

std::string addr(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin);
  socklen_t len = sizeof sin;
  getsockname(fd, reinterpret_cast<sockaddr *>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

}  // namespace

TEST(Stream, EchoServerAsInDesign) {
  eventide::Loop loop;
  // The server, as DESIGN.md sketches it (port 0: any free port).
  eventide::Listener server(loop, "127.0.0.1:0", [](eventide::Stream &conn) {
    conn.on_read([](eventide::Stream &s) { s.write(s.input()); });
    conn.on_event([](eventide::Stream &s, eventide::StreamEvents ev) {
      if (ev.eof() || ev.error()) s.close();
    });
    conn.enable(eventide::Read);
  });
  ASSERT_NE(server.port(), 0);

  std::string got;
  bool connected = false;
  eventide::Stream client =
      eventide::connect(loop, addr(server.port()), [&](eventide::Stream &s, std::error_code ec) {
        ASSERT_FALSE(ec) << ec.message();
        connected = true;
        s.write("hello, eventide");
      });
  client.on_read([&](eventide::Stream &s) {
    got += s.read_all();
    if (got.size() == 15) loop.stop();
  });
  client.enable(eventide::Read);
  loop.stop_after(10s);
  loop.run();
  EXPECT_TRUE(connected);
  EXPECT_EQ(got, "hello, eventide");
  EXPECT_EQ(server.connections(), 1u);
  // The client leaves; the server side closes itself from on_event.
  client.close();
  loop.stop_after(200ms);
  loop.run();
  EXPECT_EQ(server.connections(), 0u);
}

TEST(Stream, PairBothWays) {
  eventide::Loop loop;
  auto [a, b] = eventide::Stream::pair(loop);
  std::string at_a, at_b;
  a.on_read([&](eventide::Stream &s) { at_a += s.read_all(); });
  b.on_read([&](eventide::Stream &s) {
    at_b += s.read_all();
    s.write("pong");
  });
  a.enable(eventide::Read);
  b.enable(eventide::Read);
  EXPECT_TRUE(a.write("ping"));
  loop.stop_after(100ms);
  loop.run();
  EXPECT_EQ(at_b, "ping");
  EXPECT_EQ(at_a, "pong");
  EXPECT_EQ(a.fd(), -1);
  EXPECT_NE(a.native(), nullptr);
}

TEST(Stream, CloseInsideItsOwnCallbacks) {
  eventide::Loop loop;
  auto [a, b] = eventide::Stream::pair(loop);
  int reads = 0, events = 0;
  b.on_read([&](eventide::Stream &s) {
    ++reads;
    s.close();
    EXPECT_FALSE(s.is_open());
    EXPECT_FALSE(s.write("x"));  // refused, no crash
  });
  b.on_event([&](eventide::Stream &, eventide::StreamEvents) { ++events; });
  b.enable(eventide::Read);
  a.write("one");
  loop.stop_after(50ms);
  loop.run();
  a.write("two");
  loop.stop_after(50ms);
  loop.run();
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(events, 0);
  EXPECT_FALSE(b.is_open());
  EXPECT_EQ(b.native(), nullptr);
  b.close();  // idempotent
}

TEST(Stream, CallbackReplacesItselfAndMovesHandle) {
  eventide::Loop loop;
  auto [a, b] = eventide::Stream::pair(loop);
  std::string log;
  b.on_read([&](eventide::Stream &s) {
    log += "first:" + s.read_all() + ";";
    s.on_read([&](eventide::Stream &t) { log += "second:" + t.read_all() + ";"; });
  });
  b.enable(eventide::Read);
  a.write("1");
  loop.stop_after(30ms);
  loop.run();
  eventide::Stream moved = std::move(b);  // the stream keeps working after a move
  EXPECT_FALSE(b.is_open());
  a.write("2");
  loop.stop_after(30ms);
  loop.run();
  EXPECT_EQ(log, "first:1;second:2;");
  EXPECT_TRUE(moved.is_open());
}

TEST(Stream, PeerResetLeavesNoDanglingStream) {
  eventide::Loop loop;
  int accepted = 0;
  eventide::Listener server(loop, "127.0.0.1:0", [&](eventide::Stream &conn) {
    ++accepted;
    conn.enable(eventide::Read);  // no on_event: EOF/errors close it
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(server.port());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin), 0);
  loop.stop_after(50ms);
  loop.run();
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(server.connections(), 1u);
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);  // RST
  loop.stop_after(100ms);
  loop.run();
  EXPECT_EQ(server.connections(), 0u);
}

TEST(Stream, ErrorsReachOnEvent) {
  eventide::Loop loop;
  eventide::Stream kept;
  eventide::Listener server(loop, "127.0.0.1:0", [&](eventide::Stream &conn) {
    kept = conn.take();  // ours now: outlives the Listener
    kept.enable(eventide::Read);
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(server.port());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin), 0);
  loop.stop_after(50ms);
  loop.run();
  ASSERT_TRUE(kept.is_open());
  EXPECT_EQ(server.connections(), 0u);
  server = eventide::Listener();  // destroying the Listener leaves a taken stream open
  EXPECT_TRUE(kept.is_open());
  eventide::StreamEvents seen;
  kept.on_event([&](eventide::Stream &s, eventide::StreamEvents ev) {
    seen = ev;
    EXPECT_FALSE(s.enabled().has(eventide::Read));
  });
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
  loop.stop_after(100ms);
  loop.run();
  EXPECT_TRUE(seen.reading());
  EXPECT_TRUE(seen.error() || seen.eof());
  if (seen.error()) EXPECT_EQ(seen.error_code(), std::errc::connection_reset);
}

TEST(Stream, ConnectRefusedAndByName) {
  eventide::Loop loop;
  std::error_code refused;
  bool called = false;
  eventide::Stream s =
      eventide::connect(loop, addr(closed_port()), [&](eventide::Stream &, std::error_code ec) {
        called = true;
        refused = ec;
      });
  loop.stop_after(2s);
  while (!called && loop.run_once() != eventide::RunResult::Error) {
  }
  EXPECT_TRUE(called);
  EXPECT_EQ(refused, std::errc::connection_refused);

  eventide::Listener server(loop, "localhost:0", [](eventide::Stream &) {});
  bool ok = false;
  eventide::Stream byname = eventide::connect(loop, "localhost:" + std::to_string(server.port()),
                                              [&](eventide::Stream &, std::error_code ec) {
                                                ok = !ec;
                                                loop.stop();
                                              });
  loop.stop_after(5s);
  loop.run();
  EXPECT_TRUE(ok);
  EXPECT_THROW(eventide::connect(loop, "no-port-here"), std::system_error);
  EXPECT_THROW(eventide::Listener(loop, "127.0.0.1:99999", nullptr), std::system_error);
}

TEST(Stream, TimeoutsAsChrono) {
  eventide::Loop loop;
  auto [a, b] = eventide::Stream::pair(loop);
  eventide::StreamEvents seen;
  auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  b.on_event([&](eventide::Stream &, eventide::StreamEvents ev) {
    seen = ev;
    took = std::chrono::steady_clock::now() - t0;
    loop.stop();
  });
  b.enable(eventide::Read);
  EXPECT_FALSE(b.set_read_timeout(50ms));
  loop.stop_after(2s);
  loop.run();
  EXPECT_TRUE(seen.timeout());
  EXPECT_TRUE(seen.reading());
  EXPECT_GE(took, 50ms);
  EXPECT_FALSE(b.enabled().has(eventide::Read));
}

TEST(Stream, BackpressureWithWatermarks) {
  eventide::Loop loop;
  auto [src, relay_in] = eventide::Stream::pair(loop);
  auto [relay_out, slow] = eventide::Stream::pair(loop);
  size_t max_out = 0;
  relay_in.on_read([&](eventide::Stream &s) {
    relay_out.write(s.input());
    max_out = std::max(max_out, relay_out.output().size());
    if (relay_out.output().size() >= 64 * 1024) s.disable(eventide::Read);
  });
  relay_in.set_read_watermarks(0, 32 * 1024);  // take at most this much per turn
  relay_out.set_write_watermarks(16 * 1024);
  relay_out.on_write([&](eventide::Stream &) { relay_in.enable(eventide::Read); });
  relay_in.enable(eventide::Read);
  // `slow` never reads: without the pattern relay_out's output would grow
  // with everything src sends.
  std::string chunk(32 * 1024, 'x');
  for (int i = 0; i < 64; ++i) src.write(chunk);
  loop.stop_after(100ms);
  loop.run();
  EXPECT_LE(max_out, 64u * 1024 + 32 * 1024);
  EXPECT_FALSE(relay_in.enabled().has(eventide::Read));
}

TEST(Stream, ListenerDestroyedInsideAccept) {
  eventide::Loop loop;
  auto server = std::make_unique<eventide::Listener>(loop, "127.0.0.1:0", nullptr);
  int accepted = 0;
  *server = eventide::Listener(loop, "127.0.0.1:0", [&](eventide::Stream &conn) {
    ++accepted;
    conn.write("bye");
    server.reset();  // the Listener and its streams go, from inside its callback
  });
  eventide::Stream c1 = eventide::connect(loop, addr(server->port()));
  eventide::Stream c2 = eventide::connect(loop, addr(server->port()));
  loop.stop_after(100ms);
  loop.run();
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(server, nullptr);
}
