// libFuzzer target for two socket bufferevents over a socketpair: the input
// picks the payload, socket buffer sizes, watermarks, the most one read or
// write may move, how much the writer hands over per write callback, how the
// reader takes bytes out (bufferevent_read, readln in any style, pullup),
// when the reader pauses and resumes, and where either side closes. Checked:
// bytes arrive intact and in order, the read high watermark is never passed
// when the read callback runs, EOF comes exactly after what was sent, and a
// reader that leaves early gives the writer an error event, never SIGPIPE.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_input.hpp"

namespace {

using fuzz::check;
using fuzz::Input;

struct Run {
  Input in;
  event_base *base = nullptr;
  bufferevent *w = nullptr, *r = nullptr;
  event *resume = nullptr;
  std::string payload, got;
  size_t handed = 0;    // bytes given to the writer's output
  size_t close_at = 0;  // the writer closes once this much is flushed
  size_t quit_at = 0;   // the reader closes after this much (if early_quit)
  size_t high = 0;      // the read high watermark (0: none)
  bool early_quit = false, eof = false, writer_error = false, done = false;
};

void finish(Run &s) {
  s.done = true;
  event_base_loopbreak(s.base);
}

void feed(bufferevent *bev, void *arg) {
  Run &s = *static_cast<Run *>(arg);
  evbuffer *out = bufferevent_get_output(bev);
  if (s.handed < s.close_at) {
    const size_t k =
        s.in.empty() ? s.close_at - s.handed : std::min(s.close_at - s.handed, 1 + s.in.num(20000));
    check(bufferevent_write(bev, s.payload.data() + s.handed, k) == 0);
    s.handed += k;
    return;
  }
  if (evbuffer_get_length(out) == 0 && s.w) {  // all flushed: close here
    bufferevent_free(s.w);
    s.w = nullptr;
    if (s.early_quit && !s.r) finish(s);
  }
}

void writer_event(bufferevent *, short what, void *arg) {
  Run &s = *static_cast<Run *>(arg);
  check(what & BEV_EVENT_WRITING || what & BEV_EVENT_READING);
  check(s.early_quit && !s.r);  // only a reader that left explains an error
  s.writer_error = true;
  bufferevent_free(s.w);
  s.w = nullptr;
  finish(s);
}

void take(Run &s, evbuffer *inbuf) {
  switch (s.in.byte() % 3) {
    case 0: {  // bufferevent_read of a chosen size
      char tmp[8192];
      const size_t k = 1 + s.in.num(sizeof tmp - 1);
      const size_t n = bufferevent_read(s.r, tmp, k);
      check(n <= k);
      s.got.append(tmp, n);
      break;
    }
    case 1: {  // every complete line, in a chosen style
      const auto st = static_cast<evbuffer_eol_style>(s.in.byte() % 5);
      for (;;) {
        const size_t before = evbuffer_get_length(inbuf);
        size_t n = 0;
        char *line = evbuffer_readln(inbuf, &n, st);
        if (!line) break;
        const size_t used = before - evbuffer_get_length(inbuf);
        const size_t at = s.got.size();
        check(used >= n && at + used <= s.payload.size());
        check(std::memcmp(line, s.payload.data() + at, n) == 0);
        s.got.append(s.payload, at, used);
        std::free(line);
      }
      break;
    }
    default: {  // pullup a prefix and drain it
      const size_t len = evbuffer_get_length(inbuf);
      const size_t k = s.in.num(len);
      if (!k) break;
      unsigned char *p = evbuffer_pullup(inbuf, static_cast<ev_ssize_t>(k));
      check(p != nullptr);
      s.got.append(reinterpret_cast<char *>(p), k);
      evbuffer_drain(inbuf, k);
      break;
    }
  }
  check(s.got.size() <= s.payload.size());
  check(std::memcmp(s.got.data(), s.payload.data(), s.got.size()) == 0);
}

void on_resume(evutil_socket_t, short, void *arg) {
  Run &s = *static_cast<Run *>(arg);
  if (s.r) bufferevent_enable(s.r, EV_READ);
}

void reader_read(bufferevent *bev, void *arg) {
  Run &s = *static_cast<Run *>(arg);
  evbuffer *inbuf = bufferevent_get_input(bev);
  // A socket bufferevent never reads past its high watermark.
  if (s.high) check(evbuffer_get_length(inbuf) <= s.high);
  take(s, inbuf);
  // With a high watermark, what stays behind could stall the stream: take
  // it all now and then, and sometimes pause reading for a moment.
  if (s.in.empty() || (s.in.byte() & 3) == 0 || (s.high && evbuffer_get_length(inbuf) >= s.high)) {
    const size_t len = evbuffer_get_length(inbuf);
    std::string rest(len, '\0');
    check(evbuffer_remove(inbuf, rest.data(), len) == static_cast<int>(len));
    s.got += rest;
    check(std::memcmp(s.got.data(), s.payload.data(), s.got.size()) == 0);
  }
  if (!s.in.empty() && (s.in.byte() & 7) == 0) {
    bufferevent_disable(bev, EV_READ);
    timeval tv = {0, 0};
    event_add(s.resume, &tv);
  }
  if (s.early_quit && s.got.size() + evbuffer_get_length(inbuf) >= s.quit_at) {
    bufferevent_free(s.r);  // unread data and an early close: the writer gets an error
    s.r = nullptr;
    if (!s.w) finish(s);
  }
}

void reader_event(bufferevent *bev, short what, void *arg) {
  Run &s = *static_cast<Run *>(arg);
  check((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING));
  evbuffer *inbuf = bufferevent_get_input(bev);
  const size_t len = evbuffer_get_length(inbuf);
  std::string rest(len, '\0');
  evbuffer_remove(inbuf, rest.data(), len);
  s.got += rest;
  check(s.got.size() == s.close_at);  // exactly what was sent
  check(std::memcmp(s.got.data(), s.payload.data(), s.got.size()) == 0);
  s.eof = true;
  bufferevent_free(s.r);
  s.r = nullptr;
  finish(s);
}

void on_sigpipe(int) {
  __builtin_trap();  // the library let a write raise SIGPIPE
}

void quiet(int, const char *) {}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const bool once = [] {
    event_set_log_callback(quiet);
    std::signal(SIGPIPE, on_sigpipe);
    return true;
  }();
  (void)once;
  Run s{Input(data, size)};
  const size_t len = s.in.num(16383);
  uint32_t seed = s.in.byte() | (s.in.byte() << 8);
  static const char alphabet[] = "abcdefgh\r\n\n\0";
  s.payload.resize(len);
  for (size_t i = 0; i < len; ++i) {
    seed = seed * 1103515245u + 12345u;
    s.payload[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
  }
  s.close_at = (s.in.byte() & 1) ? len : s.in.num(len);
  s.early_quit = (s.in.byte() % 4) == 0;
  s.quit_at = s.in.num(s.close_at);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  const int sndbuf = 1024 + static_cast<int>(s.in.num(64)) * 1024;
  const int rcvbuf = 1024 + static_cast<int>(s.in.num(64)) * 1024;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  s.base = event_base_new();
  check(s.base != nullptr);
  s.w = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  s.r = bufferevent_socket_new(s.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  check(s.w && s.r);
  s.resume = evtimer_new(s.base, on_resume, &s);
  const size_t wlow = s.in.num(32768);
  bufferevent_setwatermark(s.w, EV_WRITE, wlow, 0);
  const size_t rlow = s.in.num(64), rhigh = s.in.num(65535);
  s.high = rhigh ? std::max(rhigh, rlow + 1) : 0;
  bufferevent_setwatermark(s.r, EV_READ, rlow, s.high);
  if (s.in.byte() & 1) bufferevent_set_max_single_read(s.r, 1 + s.in.num(16384));
  if (s.in.byte() & 1) bufferevent_set_max_single_write(s.w, 1 + s.in.num(16384));
  bufferevent_setcb(s.w, nullptr, feed, writer_event, &s);
  bufferevent_setcb(s.r, reader_read, nullptr, reader_event, &s);
  // A low watermark the stream never reaches would leave the tail unread
  // until EOF: the EOF event collects it.
  bufferevent_enable(s.w, EV_WRITE);
  bufferevent_enable(s.r, EV_READ);
  feed(s.w, &s);
  for (int i = 0; i < 200000 && !s.done; ++i) event_base_loop(s.base, EVLOOP_ONCE);
  check(s.done);
  if (!s.early_quit) check(s.eof);
  if (s.w) bufferevent_free(s.w);
  if (s.r) bufferevent_free(s.r);
  event_free(s.resume);
  event_base_free(s.base);
  return 0;
}
