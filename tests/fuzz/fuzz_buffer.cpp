// libFuzzer target for evbuffer: the input is a sequence of operations (add,
// prepend, drain, move between two buffers, pullup, readln in every style,
// search, peek, reserve/commit) checked against a std::string model.
#include <event2/buffer.h>
#include <event2/event.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_input.hpp"

namespace {

using fuzz::check;
using fuzz::Input;

std::pair<size_t, size_t> model_eol(const std::string &s, size_t from, evbuffer_eol_style st) {
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    bool crlf = c == '\r' && i + 1 < s.size() && s[i + 1] == '\n';
    switch (st) {
      case EVBUFFER_EOL_ANY:
        if (c == '\r' || c == '\n') {
          size_t j = i;
          while (j < s.size() && (s[j] == '\r' || s[j] == '\n')) ++j;
          return {i, j - i};
        }
        break;
      case EVBUFFER_EOL_CRLF:
        if (c == '\n') return {i, 1};
        if (crlf) return {i, 2};
        break;
      case EVBUFFER_EOL_CRLF_STRICT:
        if (crlf) return {i, 2};
        break;
      case EVBUFFER_EOL_LF:
        if (c == '\n') return {i, 1};
        break;
      case EVBUFFER_EOL_NUL:
        if (c == '\0') return {i, 1};
        break;
    }
  }
  return {std::string::npos, 0};
}

void check_same(evbuffer *b, const std::string &s) {
  check(evbuffer_get_length(b) == s.size());
  evbuffer_iovec v[64];
  evbuffer_ptr p;
  size_t at = 0;
  while (at < s.size()) {
    check(evbuffer_ptr_set(b, &p, at, EVBUFFER_PTR_SET) == 0);
    int n = evbuffer_peek(b, -1, &p, v, 64);
    check(n > 0);
    for (int i = 0; i < n; ++i) {
      check(at + v[i].iov_len <= s.size());
      check(std::memcmp(v[i].iov_base, s.data() + at, v[i].iov_len) == 0);
      at += v[i].iov_len;
    }
  }
}

void quiet(int, const char *) {}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  event_set_log_callback(quiet);
  Input in(data, size);
  evbuffer *buf[2] = {evbuffer_new(), evbuffer_new()};
  std::string str[2];
  while (!in.empty()) {
    uint8_t op = in.byte();
    int w = op & 1;
    evbuffer *b = buf[w], *o = buf[1 - w];
    std::string &s = str[w], &t = str[1 - w];
    switch ((op >> 1) % 14) {
      case 0: {
        std::string p = in.bytes(4096);
        check(evbuffer_add(b, p.data(), p.size()) == 0);
        s += p;
        break;
      }
      case 1: {
        std::string p = in.bytes(512);
        check(evbuffer_prepend(b, p.data(), p.size()) == 0);
        s.insert(0, p);
        break;
      }
      case 2: {
        size_t k = in.num(s.size() + 4);
        check(evbuffer_drain(b, k) == 0);
        s.erase(0, std::min(k, s.size()));
        break;
      }
      case 3:
        check(evbuffer_add_buffer(b, o) == 0);
        s += t;
        t.clear();
        break;
      case 4: {
        size_t k = in.num(s.size() + 4);
        int r = evbuffer_remove_buffer(b, o, k);
        check(r == static_cast<int>(std::min(k, s.size())));
        t += s.substr(0, static_cast<size_t>(r));
        s.erase(0, static_cast<size_t>(r));
        break;
      }
      case 5:
        check(evbuffer_prepend_buffer(b, o) == 0);
        s.insert(0, t);
        t.clear();
        break;
      case 6: {
        size_t k = in.num(s.size() + 2);
        unsigned char *p = evbuffer_pullup(b, static_cast<ev_ssize_t>(k));
        if (k == 0 || k > s.size())
          check(p == nullptr);
        else
          check(p && std::memcmp(p, s.data(), k) == 0);
        break;
      }
      case 7: {
        auto st = static_cast<evbuffer_eol_style>(in.byte() % 5);
        auto [at, len] = model_eol(s, 0, st);
        size_t n = 0;
        char *line = evbuffer_readln(b, &n, st);
        if (at == std::string::npos) {
          check(line == nullptr);
        } else {
          check(line && n == at && std::memcmp(line, s.data(), n) == 0 && line[n] == '\0');
          std::free(line);
          s.erase(0, at + len);
        }
        break;
      }
      case 8: {
        auto st = static_cast<evbuffer_eol_style>(in.byte() % 5);
        size_t from = in.num(s.size());
        evbuffer_ptr p;
        check(evbuffer_ptr_set(b, &p, from, EVBUFFER_PTR_SET) == 0);
        size_t len = 0;
        evbuffer_ptr r = evbuffer_search_eol(b, &p, &len, st);
        auto [at, mlen] = model_eol(s, from, st);
        check(at == std::string::npos ? r.pos == -1
                                      : (r.pos == static_cast<ev_ssize_t>(at) && len == mlen));
        break;
      }
      case 9: {
        std::string needle = in.bytes(16);
        size_t from = in.num(s.size());
        size_t to = from + in.num(s.size() - from);
        evbuffer_ptr ps, pe;
        check(evbuffer_ptr_set(b, &ps, from, EVBUFFER_PTR_SET) == 0);
        check(evbuffer_ptr_set(b, &pe, to, EVBUFFER_PTR_SET) == 0);
        evbuffer_ptr r = evbuffer_search_range(b, needle.data(), needle.size(), &ps, &pe);
        size_t want = needle.empty() ? from : s.find(needle, from);
        if (!needle.empty() && want != std::string::npos && want + needle.size() > to)
          want = std::string::npos;
        check(r.pos == (want == std::string::npos ? -1 : static_cast<ev_ssize_t>(want)));
        break;
      }
      case 10: {
        size_t want = in.num(3000);
        evbuffer_iovec v[2];
        int n = evbuffer_reserve_space(b, static_cast<ev_ssize_t>(want), v, 1 + (op >> 7));
        if (want == 0) {
          check(n == 0);
          break;
        }
        check(n >= 1);
        std::string p = in.bytes(want);
        size_t off = 0;
        for (int i = 0; i < n; ++i) {
          size_t k = std::min(v[i].iov_len, p.size() - off);
          std::memcpy(v[i].iov_base, p.data() + off, k);
          v[i].iov_len = k;
          off += k;
        }
        check(off == p.size());
        check(evbuffer_commit_space(b, v, n) == 0);
        s += p;
        break;
      }
      case 11:
        check(evbuffer_add_buffer_reference(b, o) == 0);
        s += t;
        break;
      case 12: {
        size_t at = in.num(s.size()), k = in.num(64);
        evbuffer_ptr p;
        check(evbuffer_ptr_set(b, &p, at, EVBUFFER_PTR_SET) == 0);
        char out[64];
        ev_ssize_t r = evbuffer_copyout_from(b, &p, out, k);
        check(r == static_cast<ev_ssize_t>(std::min(k, s.size() - at)));
        check(std::memcmp(out, s.data() + at, static_cast<size_t>(r)) == 0);
        break;
      }
      default: {
        size_t k = in.num(s.size() + 4);
        std::string out(k, '\0');
        int r = evbuffer_remove(b, out.data(), k);
        check(r == static_cast<int>(std::min(k, s.size())));
        check(std::memcmp(out.data(), s.data(), static_cast<size_t>(r)) == 0);
        s.erase(0, static_cast<size_t>(r));
        break;
      }
    }
    check_same(buf[0], str[0]);
    check_same(buf[1], str[1]);
    // Bound memory: the fuzzer gets no credit for giant buffers.
    for (int i = 0; i < 2; ++i)
      if (str[i].size() > (8u << 10)) {
        evbuffer_drain(buf[i], str[i].size());
        str[i].clear();
      }
  }
  evbuffer_free(buf[0]);
  evbuffer_free(buf[1]);
  return 0;
}
