// Runs the threaded samples (the seed's BEV_OPT_THREADSAFE model and the
// multi-reactor pool server) as a user would: start the server, echo through
// it from several clients, check every byte, and see it exit by itself.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Server {
  FILE *out = nullptr;
  int port = 0;
};

Server start(const std::string &cmd) {
  Server s;
  s.out = popen(cmd.c_str(), "r");
  if (!s.out) return s;
  char line[256] = {0};
  if (fgets(line, sizeof line, s.out)) {
    const char *colon = strrchr(line, ':');
    if (colon) s.port = atoi(colon + 1);
  }
  return s;
}

// Sends `bytes` (a pattern) and reads them back; true when all came back equal.
bool echo_once(int port, size_t bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin) < 0) {
    close(fd);
    return false;
  }
  std::string sent(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) sent[i] = static_cast<char>('a' + (i * 7) % 26);
  std::string got;
  size_t off = 0;
  bool ok = true;
  while (got.size() < bytes && ok) {
    pollfd p{fd, static_cast<short>(POLLIN | (off < bytes ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 5000) <= 0) {
      ok = false;
      break;
    }
    if ((p.revents & POLLOUT) && off < bytes) {
      ssize_t n = send(fd, sent.data() + off, bytes - off, MSG_NOSIGNAL);
      if (n > 0) off += static_cast<size_t>(n);
    }
    if (p.revents & POLLIN) {
      char buf[65536];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        ok = false;
      else
        got.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return ok && got == sent;
}

void run_sample(const std::string &cmd, int clients, size_t bytes) {
  Server s = start(cmd);
  ASSERT_NE(s.out, nullptr);
  ASSERT_GT(s.port, 0) << "the server did not print its port";
  std::vector<std::thread> ts;
  std::vector<int> ok(static_cast<size_t>(clients), 0);
  for (int i = 0; i < clients; ++i)
    ts.emplace_back([&, i] { ok[static_cast<size_t>(i)] = echo_once(s.port, bytes); });
  for (auto &t : ts) t.join();
  for (int i = 0; i < clients; ++i) EXPECT_TRUE(ok[static_cast<size_t>(i)]) << "client " << i;
  const int status = pclose(s.out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(ThreadSamples, ThreadsafeBuffereventsWithWorkerThreads) {
  run_sample(std::string(THREADSAFE_ECHO_SERVER) + " 0 8", 8, 200000);
}

TEST(ThreadSamples, PoolEchoServerSpreadsConnectionsOverLoops) {
  run_sample(std::string(POOL_ECHO_SERVER) + " 0 2 8", 8, 200000);
}

}  // namespace
