// Registers the C-face test cases (plain C files using ct.h) as GoogleTest tests.
// Knows nothing of eventide or libevent, so the same driver serves both builds.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include "ct.h"

namespace {

struct Suite {
  const char *name;
  const ct_case *cases;
  int n;
};

std::vector<Suite> &suites() {
  static std::vector<Suite> s;
  return s;
}

const char *g_backend = nullptr;

void choose_backend(const char *backend) {
  g_backend = backend;
  unsetenv("EVENT_NOEPOLL");
  unsetenv("EVENT_NOPOLL");
  unsetenv("EVENT_NOSELECT");
  unsetenv("EVENT_SHOW_METHOD");
  if (!backend) return;
  const std::string b = backend;
  if (b != "epoll") setenv("EVENT_NOEPOLL", "1", 1);
  if (b != "poll") setenv("EVENT_NOPOLL", "1", 1);
  if (b != "select") setenv("EVENT_NOSELECT", "1", 1);
}

class CaseTest : public testing::Test {
 public:
  CaseTest(void (*fn)(), const char *backend) : fn_(fn), backend_(backend) {}
  void TestBody() override {
    choose_backend(backend_);
    // Every case is bounded in time: a hang is a failure, not a stuck CI run.
    std::signal(SIGALRM, SIG_DFL);
    alarm(60);
    fn_();
    alarm(0);
  }

 private:
  void (*fn_)();
  const char *backend_;
};

}  // namespace

extern "C" void ct_register(const char *suite, const ct_case *cases, int n) {
  suites().push_back({suite, cases, n});
}

extern "C" void ct_fail(const char *file, int line, const char *what) {
  ADD_FAILURE_AT(file, line) << what;
}

extern "C" void ct_failf(const char *file, int line, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ADD_FAILURE_AT(file, line) << buf;
}

extern "C" const char *ct_backend(void) {
  return g_backend;
}

int main(int argc, char **argv) {
  static const char *const kBackends[] = {"epoll", "poll", "select"};
  for (const Suite &s : suites()) {
    for (int i = 0; i < s.n; ++i) {
      const ct_case &c = s.cases[i];
      if (c.flags & CT_ALL_BACKENDS) {
        for (const char *b : kBackends) {
          const std::string suite = std::string(s.name) + "_" + b;
          testing::RegisterTest(
              suite.c_str(), c.name, nullptr, nullptr, __FILE__, __LINE__,
              [fn = c.fn, b]() -> testing::Test * { return new CaseTest(fn, b); });
        }
      } else {
        testing::RegisterTest(
            s.name, c.name, nullptr, nullptr, __FILE__, __LINE__,
            [fn = c.fn]() -> testing::Test * { return new CaseTest(fn, nullptr); });
      }
    }
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
