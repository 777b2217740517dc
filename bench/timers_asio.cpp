// Timer costs on Boost.Asio, the equivalents of bench/timers.c where Asio has
// them (no common timeouts): expires_after + async_wait of n steady_timers with
// random deadlines (1-101 s), cancel() of all in shuffled order (Asio then runs
// each aborted handler: that run is counted in del_ns, since it is the price of
// a delete there), and f timers due within 1 ms fired by one io_context::run.
// Usage: timers_asio [-n add_del_count] [-f fire_count]
// Prints add_ns, del_ns, fire_ns (nanoseconds per timer).
// Boost 1.74 asio/awaitable.hpp uses std::exchange without <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace asio = boost::asio;

namespace {

long g_fired = 0;
uint64_t g_rng = 0x2545F4914F6CDD1DULL;

void add_del(int n, const std::vector<unsigned> &perm) {
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  std::vector<asio::steady_timer> ts;
  std::vector<std::chrono::microseconds> due;
  ts.reserve(n);
  due.reserve(n);
  for (int i = 0; i < n; ++i) {
    ts.emplace_back(io);
    const uint64_t r = bench_rand(&g_rng);
    due.emplace_back(std::chrono::seconds(1 + r % 100) +
                     std::chrono::microseconds((r >> 32) % 1000000));
  }
  double t0 = bench_cpu_ns();
  for (int i = 0; i < n; ++i) {
    ts[i].expires_after(due[i]);
    ts[i].async_wait([](const boost::system::error_code &ec) {
      if (!ec) ++g_fired;
    });
  }
  bench_result("add_ns", (bench_cpu_ns() - t0) / n);
  t0 = bench_cpu_ns();
  for (int i = 0; i < n; ++i) ts[perm[i]].cancel();
  io.run();
  bench_result("del_ns", (bench_cpu_ns() - t0) / n);
}

void fire(int n) {
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  std::vector<asio::steady_timer> ts;
  ts.reserve(n);
  for (int i = 0; i < n; ++i) {
    ts.emplace_back(io);
    ts[i].expires_after(std::chrono::microseconds(bench_rand(&g_rng) % 1000));
    ts[i].async_wait([](const boost::system::error_code &ec) {
      if (!ec) ++g_fired;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  g_fired = 0;
  const double t0 = bench_cpu_ns();
  io.run();
  bench_result("fire_ns", (bench_cpu_ns() - t0) / n);
  if (g_fired != n) {
    std::fprintf(stderr, "timers_asio: %ld of %d timers fired\n", g_fired, n);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char **argv) {
  int n = 1000000, f = 100000, opt;
  while ((opt = getopt(argc, argv, "n:f:")) != -1) {
    switch (opt) {
      case 'n':
        n = std::atoi(optarg);
        break;
      case 'f':
        f = std::atoi(optarg);
        break;
      default:
        std::fprintf(stderr, "usage: %s [-n add_del_count] [-f fire_count]\n", argv[0]);
        return 2;
    }
  }
  if (n < 1 || f < 1) return 2;
  std::vector<unsigned> perm(n);
  bench_permutation(perm.data(), static_cast<unsigned>(n), 42);
  std::printf("# boost.asio %d, add/del %d, fire %d\n", BOOST_ASIO_VERSION, n, f);
  add_del(n, perm);
  fire(f);
  return 0;
}
