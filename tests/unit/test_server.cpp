// eventide::Server over a LoopThreadPool: echo in both modes, connections
// spread over the loops and each served by one thread, counts, and shutdown
// with connections open (graceful and not).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventide/server.hpp"

using namespace std::chrono_literals;

namespace {

int dial(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly n bytes (or until EOF/timeout); returns what arrived.
std::string read_n(int fd, size_t n, int timeout_ms = 5000) {
  std::string got;
  while (got.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    char buf[65536];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    got.append(buf, static_cast<size_t>(r));
  }
  return got;
}

bool peer_closed(int fd, int timeout_ms = 5000) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

void echo_on(eventide::Stream &s) {
  s.on_read([](eventide::Stream &st) { st.write(st.input()); });
  s.enable(eventide::Read);
}

class ServerModes : public testing::TestWithParam<eventide::ServerOptions::Mode> {};

TEST_P(ServerModes, EchoesAndSpreadsConnectionsOverLoops) {
  std::mutex mu;
  std::set<std::thread::id> threads;
  eventide::ServerOptions o;
  o.loops = 2;
  o.mode = GetParam();
  eventide::Server server(
      "127.0.0.1:0",
      [&](eventide::Stream &s) {
        {
          std::lock_guard<std::mutex> g(mu);
          threads.insert(std::this_thread::get_id());
        }
        echo_on(s);
      },
      o);
  ASSERT_GT(server.port(), 0);
  constexpr int kClients = 16;
  int fds[kClients];
  for (int i = 0; i < kClients; ++i) ASSERT_GE(fds[i] = dial(server.port()), 0);
  for (int i = 0; i < kClients; ++i) {
    std::string msg = "client " + std::to_string(i) + std::string(1000 * i, 'x');
    ASSERT_EQ(send(fds[i], msg.data(), msg.size(), MSG_NOSIGNAL), static_cast<ssize_t>(msg.size()));
    EXPECT_EQ(read_n(fds[i], msg.size()), msg);
  }
  EXPECT_EQ(server.accepted(), static_cast<uint64_t>(kClients));
  for (int i = 0; i < 200 && server.connections() != kClients; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server.connections(), static_cast<size_t>(kClients));
  if (GetParam() == eventide::ServerOptions::Mode::Handoff) {
    std::lock_guard<std::mutex> g(mu);
    EXPECT_EQ(threads.size(), 2u);  // least-loaded handoff uses both loops
  }
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  for (int fd : fds) close(fd);
  for (int i = 0; i < 400 && server.connections() != 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server.connections(), 0u);
}

TEST_P(ServerModes, ShutdownClosesOpenConnections) {
  eventide::ServerOptions o;
  o.mode = GetParam();
  auto server = std::make_unique<eventide::Server>("127.0.0.1:0", echo_on, o);
  int fd = dial(server->port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send(fd, "hi", 2, MSG_NOSIGNAL), 2);
  EXPECT_EQ(read_n(fd, 2), "hi");
  const auto t0 = std::chrono::steady_clock::now();
  server->shutdown(0ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(peer_closed(fd));
  close(fd);
  EXPECT_LT(dial(server->port()), 0);  // no longer listening
  server.reset();
}

TEST_P(ServerModes, GracefulShutdownWaitsForConnectionsToFinish) {
  eventide::ServerOptions o;
  o.mode = GetParam();
  // The server closes each connection after answering once.
  eventide::Server server(
      "127.0.0.1:0",
      [](eventide::Stream &s) {
        s.on_read([](eventide::Stream &st) {
          st.write(st.input());
          st.on_write([](eventide::Stream &w) { w.close(); });  // once flushed
        });
        s.enable(eventide::Read);
      },
      o);
  int fd = dial(server.port());
  ASSERT_GE(fd, 0);
  std::thread client([fd] {
    std::this_thread::sleep_for(50ms);  // still open when shutdown begins
    (void)send(fd, "bye", 3, MSG_NOSIGNAL);
  });
  for (int i = 0; i < 200 && server.connections() == 0; ++i) std::this_thread::sleep_for(2ms);
  server.shutdown(5s);
  client.join();
  EXPECT_EQ(read_n(fd, 3), "bye");  // answered before the server went away
  close(fd);
}

// Context switches of every thread of this process so far.
long context_switches() {
  long total = 0;
  for (int tid : [] {
         std::vector<int> tids;
         if (DIR *d = opendir("/proc/self/task")) {
           while (dirent *e = readdir(d))
             if (e->d_name[0] != '.') tids.push_back(std::atoi(e->d_name));
           closedir(d);
         }
         return tids;
       }()) {
    std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::atol(line.c_str() + 24);
  }
  return total;
}

// With nothing open, the loops sleep: no timer wakes them (a 5 ms sweeper on
// each loop once did, 400 wake-ups a second for 2 loops). After a connection
// comes and goes, the count goes back to 0 and they sleep again.
TEST_P(ServerModes, IdleLoopsDoNotWakeUp) {
  eventide::ServerOptions opts;
  opts.loops = 2;
  opts.mode = GetParam();
  eventide::Server server("127.0.0.1:0", echo_on, opts);
  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(50ms);  // settle
    long before = context_switches();
    std::this_thread::sleep_for(300ms);
    long woke = context_switches() - before;
    EXPECT_LT(woke, 20) << "round " << round;
    int fd = dial(server.port());
    ASSERT_GE(fd, 0);
    for (int i = 0; i < 200 && server.connections() != 1; ++i) std::this_thread::sleep_for(2ms);
    EXPECT_EQ(server.connections(), 1u);
    close(fd);
    for (int i = 0; i < 400 && server.connections() != 0; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(server.connections(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ServerModes,
                         testing::Values(eventide::ServerOptions::Mode::Handoff,
                                         eventide::ServerOptions::Mode::ReusePort),
                         [](const auto &info) {
                           return info.param == eventide::ServerOptions::Mode::Handoff
                                      ? std::string("Handoff")
                                      : std::string("ReusePort");
                         });

TEST(Server, BadAddressThrows) {
  EXPECT_THROW(eventide::Server("not an address", echo_on), std::system_error);
}

}  // namespace
