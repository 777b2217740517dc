// Runs the samples as a user would: hello_server, the C and C++ echo servers
// with their clients (and crossed over), and the demo. Ports are picked free
// at run time; every child is bounded in time and stopped by this test only.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

std::string samples_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string self(buf, static_cast<size_t>(n));
  std::string dir = self.substr(0, self.rfind('/'));  // <build>/tests
  return dir.substr(0, dir.rfind('/')) + "/samples";
}

int free_port() {
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

// A child process with its stdout on a pipe.
class Child {
 public:
  Child(const std::string &prog, const std::vector<std::string> &args) {
    int p[2];
    if (pipe(p) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(prog.c_str()));
    for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, prog.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    out_fd_ = p[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);  // only if the test failed before it exited
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }
  bool started() const { return pid_ > 0; }

  // Reads stdout until `needle` shows up (true) or the time is up.
  bool wait_for_output(const std::string &needle, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (out_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || read_some(static_cast<int>(left.count())) < 0) return false;
    }
    return true;
  }

  // Waits for the exit (reading all output); the exit status, or -1 on timeout.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (read_some(50) >= 0) {  // until the child closes its stdout
      if (std::chrono::steady_clock::now() > end) return -1;
    }
    for (;;) {
      int status;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > end) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const std::string &output() const { return out_; }

 private:
  // 1: read something; 0: nothing within ms; -1: end of output.
  int read_some(int ms) {
    pollfd pfd{out_fd_, POLLIN, 0};
    if (poll(&pfd, 1, ms) <= 0) return 0;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return -1;
    out_.append(buf, static_cast<size_t>(n));
    return 1;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
};

std::string sample(const char *name) {
  std::string path = samples_dir() + "/" + name;
  return access(path.c_str(), X_OK) == 0 ? path : std::string();
}

#define REQUIRE_SAMPLE(var, name)       \
  const std::string var = sample(name); \
  if (var.empty()) FAIL() << name << " is not built (it is a dependency of this test)"

std::string read_all_from(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(static_cast<uint16_t>(port));
  std::string got;
  if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin) == 0) {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

void echo_pair(const char *server_name, const char *client_name) {
  REQUIRE_SAMPLE(server, server_name);
  REQUIRE_SAMPLE(client, client_name);
  const std::string port = std::to_string(free_port());
  Child srv(server, {port, "1"});
  ASSERT_TRUE(srv.started());
  ASSERT_TRUE(srv.wait_for_output("listening", std::chrono::seconds(10))) << srv.output();
  Child cli(client, {port, "2000", "100"});
  ASSERT_TRUE(cli.started());
  EXPECT_EQ(cli.wait_exit(std::chrono::seconds(30)), 0) << cli.output();
  EXPECT_NE(cli.output().find("received 2000 back"), std::string::npos) << cli.output();
  EXPECT_NE(cli.output().find("matches"), std::string::npos) << cli.output();
  // The server stops after its one client left.
  EXPECT_EQ(srv.wait_exit(std::chrono::seconds(10)), 0) << srv.output();
  EXPECT_NE(srv.output().find("1 clients served"), std::string::npos) << srv.output();
}

}  // namespace

TEST(Samples, HelloServer) {
  REQUIRE_SAMPLE(server, "hello_server");
  const int port = free_port();
  Child srv(server, {std::to_string(port), "2"});
  ASSERT_TRUE(srv.started());
  ASSERT_TRUE(srv.wait_for_output("listening", std::chrono::seconds(10))) << srv.output();
  EXPECT_EQ(read_all_from(port), "Hello, World!\n");
  EXPECT_EQ(read_all_from(port), "Hello, World!\n");
  EXPECT_EQ(srv.wait_exit(std::chrono::seconds(10)), 0) << srv.output();
  EXPECT_NE(srv.output().find("served 2 clients"), std::string::npos) << srv.output();
}

TEST(Samples, EchoServerAndClientC) {
  echo_pair("echo_server", "echo_client");
}
TEST(Samples, EchoServerAndClientCpp) {
  echo_pair("echo_server_cpp", "echo_client_cpp");
}
TEST(Samples, EchoCrossedOver) {
  echo_pair("echo_server", "echo_client_cpp");
  echo_pair("echo_server_cpp", "echo_client");
}

TEST(Samples, DemoFinishesByItself) {
  REQUIRE_SAMPLE(demo, "demo");
  Child d(demo, {"32"});
  ASSERT_TRUE(d.started());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(d.wait_exit(std::chrono::seconds(30)), 0) << d.output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  EXPECT_NE(d.output().find("checksums match"), std::string::npos) << d.output();
  EXPECT_NE(d.output().find("all bytes came back unchanged"), std::string::npos) << d.output();
}
