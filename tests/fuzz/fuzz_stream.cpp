// libFuzzer target for a byte stream over a socketpair driven by the loop:
// the input picks the payload (lines of random text), the socket buffer
// sizes, every read and write size (evbuffer_read / evbuffer_write_atmost from
// EV_READ / EV_WRITE callbacks), how the reader takes lines out (readln in each
// style, remove, pullup) and where either side closes. Checked: no byte lost,
// reordered or invented; sizes honoured; EOF seen exactly after what was
// sent; a reader that closes early gives the writer EPIPE/ECONNRESET, never
// SIGPIPE. (Switches to bufferevents once they exist.)
#include <event2/buffer.h>
#include <event2/event.h>

#include <algorithm>
#include <cerrno>
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

enum class Close : uint8_t { WriterCloses, WriterShutsDown, ReaderClosesEarly };

struct Stream {
  Input in;
  event_base *base = nullptr;
  std::string payload;
  size_t close_at = 0;  // the writer stops after this many bytes
  Close how = Close::WriterCloses;
  int wfd = -1, rfd = -1;
  evbuffer *out = nullptr, *inbuf = nullptr;
  event *wev = nullptr, *rev = nullptr;
  size_t sent = 0;          // bytes the kernel took from the writer
  std::string got;          // bytes the reader took out of its buffer, in order
  size_t reader_quits = 0;  // ReaderClosesEarly: after this many bytes read
  size_t read_total = 0;
  bool eof = false, writer_error = false, done = false;
  int steps = 0;
};

void finish_writer(Stream &s) {
  event_del(s.wev);
  if (s.how == Close::WriterShutsDown) {
    shutdown(s.wfd, SHUT_WR);
  } else {
    close(s.wfd);
    s.wfd = -1;
  }
}

void on_write(evutil_socket_t fd, short, void *arg) {
  Stream &s = *static_cast<Stream *>(arg);
  const size_t left = s.close_at - s.sent;
  // Once the input is spent, the rest goes in as few writes as possible.
  const size_t k = s.in.empty() ? left : std::min(left, 1 + s.in.num(9000));
  const int n = evbuffer_write_atmost(s.out, fd, static_cast<ev_ssize_t>(k));
  if (n < 0) {
    // Only a reader that left may cause this, and never by SIGPIPE.
    check(s.how == Close::ReaderClosesEarly && s.rfd < 0);
    check(errno == EPIPE || errno == ECONNRESET || errno == EAGAIN);
    if (errno != EAGAIN) {
      s.writer_error = true;
      s.done = true;
      event_del(s.wev);
      event_base_loopbreak(s.base);
    }
    return;
  }
  check(static_cast<size_t>(n) <= k);
  s.sent += static_cast<size_t>(n);
  check(evbuffer_get_length(s.out) == s.payload.size() - s.sent);
  if (s.sent == s.close_at) finish_writer(s);
}

// Whether `len` bytes at p form one line ending in `style`.
bool eol_ok(const char *p, size_t len, evbuffer_eol_style style) {
  switch (style) {
    case EVBUFFER_EOL_ANY:
      if (len == 0) return false;
      for (size_t i = 0; i < len; ++i)
        if (p[i] != '\r' && p[i] != '\n') return false;
      return true;
    case EVBUFFER_EOL_CRLF:
      return (len == 1 && p[0] == '\n') || (len == 2 && p[0] == '\r' && p[1] == '\n');
    case EVBUFFER_EOL_CRLF_STRICT:
      return len == 2 && p[0] == '\r' && p[1] == '\n';
    case EVBUFFER_EOL_LF:
      return len == 1 && p[0] == '\n';
    case EVBUFFER_EOL_NUL:
      return len == 1 && p[0] == '\0';
  }
  return false;
}

// Takes bytes out of the reader's buffer the way the input says.
void consume(Stream &s) {
  switch (s.in.byte() % 4) {
    case 0: {  // lines, in a chosen style, until none is complete
      const auto st = static_cast<evbuffer_eol_style>(s.in.byte() % 5);
      for (;;) {
        const size_t before = evbuffer_get_length(s.inbuf);
        size_t n = 0;
        char *line = evbuffer_readln(s.inbuf, &n, st);
        if (!line) break;
        const size_t eol = before - evbuffer_get_length(s.inbuf) - n;
        // The line and its terminator are the next bytes of the stream, and
        // the terminator is one the style accepts.
        const size_t at = s.got.size();
        check(at + n + eol <= s.payload.size());
        check(std::memcmp(line, s.payload.data() + at, n) == 0 && line[n] == '\0');
        check(eol_ok(s.payload.data() + at + n, eol, st));
        s.got.append(s.payload, at, n + eol);
        std::free(line);
      }
      break;
    }
    case 1: {  // a bounded remove
      char tmp[4096];
      const size_t k = s.in.num(sizeof tmp);
      const int n = evbuffer_remove(s.inbuf, tmp, k);
      check(n >= 0 && static_cast<size_t>(n) <= k);
      s.got.append(tmp, static_cast<size_t>(n));
      break;
    }
    case 2: {  // pullup a prefix and drain it
      const size_t len = evbuffer_get_length(s.inbuf);
      const size_t k = s.in.num(len);
      if (!k) break;
      unsigned char *p = evbuffer_pullup(s.inbuf, static_cast<ev_ssize_t>(k));
      check(p != nullptr);
      s.got.append(reinterpret_cast<char *>(p), k);
      check(evbuffer_drain(s.inbuf, k) == 0);
      break;
    }
    default:  // leave it for later
      break;
  }
  check(s.got.size() <= s.payload.size());
  check(std::memcmp(s.got.data(), s.payload.data(), s.got.size()) == 0);
}

void on_read(evutil_socket_t fd, short, void *arg) {
  Stream &s = *static_cast<Stream *>(arg);
  const size_t pick = s.in.num(9000);
  const int howmuch = pick == 0 ? -1 : static_cast<int>(pick);
  const int n = evbuffer_read(s.inbuf, fd, howmuch);
  if (n < 0) {
    check(errno == EAGAIN);
    return;
  }
  if (howmuch > 0) check(n <= howmuch);
  s.read_total += static_cast<size_t>(n);
  check(s.read_total <= s.sent);  // nothing invented
  consume(s);
  if (n == 0) {  // EOF: exactly what was sent, no more, no less
    check(s.read_total == s.sent && s.sent == s.close_at);
    s.eof = true;
    s.done = true;
    event_del(s.rev);
    event_base_loopbreak(s.base);
    return;
  }
  if (s.how == Close::ReaderClosesEarly && s.read_total >= s.reader_quits) {
    event_del(s.rev);
    close(s.rfd);  // unread data: the kernel resets the writer
    s.rfd = -1;
    if (s.wfd < 0 || s.sent == s.close_at) {
      s.done = true;
      event_base_loopbreak(s.base);
    }
  }
}

void on_sigpipe(int) {
  __builtin_trap();  // a write raised SIGPIPE: the library let it through
}

void quiet(int, const char *) {}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool once = [] {
    event_set_log_callback(quiet);
    std::signal(SIGPIPE, on_sigpipe);
    return true;
  }();
  (void)once;
  Stream s{Input(data, size)};
  // The payload: random text where line ends are common.
  const size_t len = s.in.num(16383);
  uint32_t seed = s.in.byte() | (s.in.byte() << 8);
  static const char alphabet[] = "abcdefgh\r\n\n\0";
  s.payload.resize(len);
  for (size_t i = 0; i < len; ++i) {
    seed = seed * 1103515245u + 12345u;
    s.payload[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
  }
  s.how = static_cast<Close>(s.in.byte() % 3);
  s.close_at = s.in.num(len);
  if (s.how != Close::ReaderClosesEarly && (s.in.byte() & 1)) s.close_at = len;
  s.reader_quits = s.in.num(s.close_at);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  s.wfd = sv[0];
  s.rfd = sv[1];
  const int sndbuf = 1024 + static_cast<int>(s.in.num(64)) * 1024;
  const int rcvbuf = 1024 + static_cast<int>(s.in.num(64)) * 1024;
  setsockopt(s.wfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  setsockopt(s.rfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  s.base = event_base_new();
  s.out = evbuffer_new();
  s.inbuf = evbuffer_new();
  check(s.base && s.out && s.inbuf);
  check(evbuffer_add(s.out, s.payload.data(), s.payload.size()) == 0);
  s.wev = event_new(s.base, s.wfd, EV_WRITE | EV_PERSIST, on_write, &s);
  s.rev = event_new(s.base, s.rfd, EV_READ | EV_PERSIST, on_read, &s);
  if (s.close_at == 0)
    finish_writer(s);
  else
    event_add(s.wev, nullptr);
  event_add(s.rev, nullptr);
  // Every step moves at least one byte or ends the run, so this bounds it.
  for (int i = 0; i < 200000 && !s.done; ++i) event_base_loop(s.base, EVLOOP_ONCE);
  check(s.done);
  if (!s.eof) {
    check(s.how == Close::ReaderClosesEarly);
  } else {
    // Everything read came out in order; the rest is still buffered.
    check(s.eof);
    const size_t rest = evbuffer_get_length(s.inbuf);
    check(s.got.size() + rest == s.sent);
    std::string tail(rest, '\0');
    check(evbuffer_remove(s.inbuf, tail.data(), rest) == static_cast<int>(rest));
    check(std::memcmp(tail.data(), s.payload.data() + s.got.size(), rest) == 0);
  }
  event_free(s.wev);
  event_free(s.rev);
  evbuffer_free(s.out);
  evbuffer_free(s.inbuf);
  event_base_free(s.base);
  if (s.wfd >= 0) close(s.wfd);
  if (s.rfd >= 0) close(s.rfd);
  return 0;
}
