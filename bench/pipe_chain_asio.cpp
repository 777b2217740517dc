// Pipe chain on Boost.Asio: one posix::stream_descriptor per pair, readiness
// through async_wait(wait_read) re-armed by each handler (Asio has no
// persistent waits), driven by io_context::poll(). Before each round every
// wait is cancelled and re-armed (untimed, like the other arms' re-adds). With -t each pair also
// owns a steady_timer whose expiry every handler moves (10 s + up to 1 s), which in Asio cancels
// the pending wait and queues its aborted handler. Usage and output as bench/pipe_chain.c.
// Boost 1.74 asio/awaitable.hpp uses std::exchange without <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench_common.h"

namespace asio = boost::asio;

namespace {

struct Chain {
  // One thread runs this context: Asio's documented hint to drop its locks,
  // as eventide and libevent run without locks unless threads are enabled.
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  // Between rounds no wait may be pending; without this guard poll() would
  // then find no work and stop the context for good.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> reads;
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::vector<int> write_fds;
  int n = 100;
  bool with_timeouts = false;
  long reads_done = 0, writes_left = 0, short_io = 0;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;

  void restart_timer(int idx) {
    auto &t = *timers[idx];
    t.expires_after(std::chrono::seconds(10) +
                    std::chrono::microseconds(bench_rand(&rng) % 1000000));
    t.async_wait([](const boost::system::error_code &ec) {
      if (!ec) {
        std::fprintf(stderr, "pipe_chain_asio: a 10 s timeout expired\n");
        std::exit(1);
      }
    });
  }

  void arm(int idx) {
    reads[idx]->async_wait(asio::posix::descriptor_base::wait_read,
                           [this, idx](const boost::system::error_code &ec) {
                             if (!ec) on_read(idx);
                           });
  }

  void on_read(int idx) {
    char ch;
    if (::read(reads[idx]->native_handle(), &ch, 1) != 1) ++short_io;
    ++reads_done;
    if (writes_left > 0) {
      const int next = idx + 1 == n ? 0 : idx + 1;
      --writes_left;
      if (::write(write_fds[next], "e", 1) != 1) ++short_io;
    }
    arm(idx);
    if (with_timeouts) restart_timer(idx);
  }

  // Times one round: CPU time (the reported figure) and wall time.
  void run_round(int active, long writes, double &cpu_us, double &wall_us) {
    const int space = n / active;
    // Untimed setup, as every arm does: withdraw and re-arm every wait, so
    // each round starts with every descriptor's state touched.
    for (int i = 0; i < n; ++i) reads[i]->cancel();
    io.poll();
    for (int i = 0; i < n; ++i) {
      arm(i);
      if (with_timeouts) restart_timer(i);
    }
    io.poll();
    for (int i = 0; i < active; ++i)
      if (::write(write_fds[i * space], "e", 1) != 1) ++short_io;
    reads_done = 0;
    writes_left = writes;
    const double t0 = bench_now_ns(), c0 = bench_cpu_ns();
    while (reads_done < active + writes) io.poll();
    cpu_us = (bench_cpu_ns() - c0) / 1e3;
    wall_us = (bench_now_ns() - t0) / 1e3;
  }
};

}  // namespace

int main(int argc, char **argv) {
  Chain c;
  int active, rounds;
  long writes;
  struct bench_chain_args args;
  const int bad = bench_chain_parse(argc, argv, "pipe_chain_asio", &args);
  if (bad) return bad;
  c.n = args.pipes;
  active = args.active;
  writes = args.writes;
  rounds = args.rounds;
  c.with_timeouts = args.with_timeouts != 0;
  for (int i = 0; i < c.n; ++i) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) bench_die("socketpair");
    c.write_fds.push_back(sv[0]);
    c.reads.push_back(std::make_unique<asio::posix::stream_descriptor>(c.io, sv[1]));
    c.timers.push_back(std::make_unique<asio::steady_timer>(c.io));
  }
  std::printf("# boost.asio %d, pipes %d, active %d, writes %ld, timeouts %s\n", BOOST_ASIO_VERSION,
              c.n, active, writes, c.with_timeouts ? "yes" : "no");
  double ignored;
  c.run_round(active, writes, ignored, ignored);
  std::vector<double> samples(rounds), wall(rounds);
  for (int i = 0; i < rounds; ++i) c.run_round(active, writes, samples[i], wall[i]);
  if (c.short_io) {
    std::fprintf(stderr, "pipe_chain_asio: %ld short reads or writes\n", c.short_io);
    return 1;
  }
  bench_result("round_us", bench_median(samples.data(), rounds));
  bench_result("round_min_us", samples[0]);  // sorted by bench_median
  bench_result("round_wall_us", bench_median(wall.data(), rounds));
  for (int fd : c.write_fds) ::close(fd);
  // Descriptors and timers close with the context; pending handlers are dropped.
  return 0;
}
