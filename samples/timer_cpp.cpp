// Timers and a signal with the C++ face: a repeating timer ticks 3 times, a
// one-shot timer fires between ticks, and the third tick raises SIGINT, whose
// handler stops the loop. Press Ctrl-C to stop early. The C version: timer_c.c.
#include <eventide/eventide.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>

using namespace std::chrono_literals;

int main() {
  eventide::Loop loop;  // throws std::system_error if no backend works
  int ticks = 0;

  eventide::Timer tick(loop, [&](eventide::Timer &self) {
    std::printf("tick %d\n", ++ticks);
    if (ticks == 3) {
      self.stop();
      std::printf("raising SIGINT\n");
      std::raise(SIGINT);  // delivered to the Signal callback by the loop
    }
  });
  eventide::Timer once(loop, [](eventide::Timer &) { std::printf("one-shot timer fired\n"); });
  eventide::Signal sigint(loop, SIGINT, [&](eventide::Signal &s) {
    std::printf("got signal %d, stopping the loop\n", s.signo());
    loop.stop();
  });

  tick.start_repeating(100ms);
  once.start(150ms);  // between tick 1 and tick 2
  sigint.start();

  loop.run();
  std::printf("loop finished after %d ticks\n", ticks);
}
