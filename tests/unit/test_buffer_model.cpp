// Model-based test: random operation sequences applied to two evbuffers and
// to two std::strings, compared after every step. Fixed seeds.
#include <event2/buffer.h>
#include <event2/event.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

// libevent's end-of-line rules, written plainly: start and length, or npos.
std::pair<size_t, size_t> model_eol(const std::string &s, size_t from, evbuffer_eol_style st) {
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
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
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') return {i, 2};
        break;
      case EVBUFFER_EOL_CRLF_STRICT:
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') return {i, 2};
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

std::string contents(evbuffer *b) {
  std::string s;
  int n = evbuffer_peek(b, -1, nullptr, nullptr, 0);
  std::vector<evbuffer_iovec> v(static_cast<size_t>(std::max(n, 1)));
  n = evbuffer_peek(b, -1, nullptr, v.data(), n);
  for (int i = 0; i < n; ++i) s.append(static_cast<const char *>(v[i].iov_base), v[i].iov_len);
  return s;
}

struct CbCheck {
  size_t expect_len = 0;  // length the buffer had at the last callback
  int bad = 0;
};

void check_cb(evbuffer *b, const evbuffer_cb_info *info, void *arg) {
  auto *c = static_cast<CbCheck *>(arg);
  if (info->orig_size != c->expect_len) ++c->bad;
  if (info->orig_size + info->n_added - info->n_deleted != evbuffer_get_length(b)) ++c->bad;
  c->expect_len = evbuffer_get_length(b);
}

int g_ref_live = 0;
// Out-of-range positions are part of the model and log warnings: keep quiet.
void quiet_log(int, const char *) {}
void ref_done(const void *, size_t, void *) {
  --g_ref_live;
}

class Model {
 public:
  explicit Model(unsigned seed) : rng_(seed) {
    event_set_log_callback(quiet_log);
    for (int i = 0; i < 2; ++i) {
      buf_[i] = evbuffer_new();
      evbuffer_add_cb(buf_[i], check_cb, &cb_[i]);
    }
    // Payloads lean on the characters the line and search code cares about.
    static const char alphabet[] = "ab\r\n\0xyz";
    pool_.resize(1 << 16);
    for (char &c : pool_) c = alphabet[rng_() % 8];
  }
  ~Model() {
    evbuffer_free(buf_[0]);
    evbuffer_free(buf_[1]);
    event_set_log_callback(nullptr);
  }

  void run(int steps) {
    for (step_ = 0; step_ < steps; ++step_) {
      one_step();
      if (testing::Test::HasFatalFailure()) return;
      for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(evbuffer_get_length(buf_[i]), str_[i].size()) << where();
        ASSERT_EQ(contents(buf_[i]), str_[i]) << where();
        ASSERT_EQ(cb_[i].bad, 0) << where();
      }
      if (testing::Test::HasFatalFailure()) return;
    }
  }

 private:
  std::string where() const { return "step " + std::to_string(step_) + " op " + last_op_; }
  size_t pick(size_t max_inclusive) { return max_inclusive ? rng_() % (max_inclusive + 1) : 0; }
  std::string payload(size_t max) {
    size_t n = pick(max);
    size_t at = pick(pool_.size() - n);
    return pool_.substr(at, n);
  }

  void one_step() {
    int w = static_cast<int>(rng_() % 2);
    evbuffer *b = buf_[w], *o = buf_[1 - w];
    std::string &s = str_[w], &t = str_[1 - w];
    // Keep the buffers small so comparing after every step stays cheap.
    if (s.size() > 20000) {
      last_op_ = "trim";
      size_t k = s.size() - 2000;
      ASSERT_EQ(evbuffer_drain(b, k), 0);
      s.erase(0, k);
      return;
    }
    unsigned op = rng_() % 22;
    switch (op) {
      case 0:
      case 1: {
        last_op_ = "add";
        std::string p = payload(op ? 40 : 3000);
        ASSERT_EQ(evbuffer_add(b, p.data(), p.size()), 0);
        s += p;
        break;
      }
      case 2: {
        last_op_ = "prepend";
        std::string p = payload(pick(1) ? 10 : 2000);
        ASSERT_EQ(evbuffer_prepend(b, p.data(), p.size()), 0);
        s.insert(0, p);
        break;
      }
      case 3: {
        last_op_ = "drain";
        size_t k = pick(s.size() + 10);
        ASSERT_EQ(evbuffer_drain(b, k), 0);
        s.erase(0, std::min(k, s.size()));
        break;
      }
      case 4: {
        last_op_ = "remove";
        size_t k = pick(s.size() + 10);
        std::string out(k, '\0');
        int r = evbuffer_remove(b, out.data(), k);
        ASSERT_EQ(r, static_cast<int>(std::min(k, s.size())));
        ASSERT_EQ(out.substr(0, static_cast<size_t>(r)), s.substr(0, static_cast<size_t>(r)));
        s.erase(0, static_cast<size_t>(r));
        break;
      }
      case 5: {
        last_op_ = "copyout_from";
        size_t at = pick(s.size());
        size_t k = pick(s.size() - at + 5);
        evbuffer_ptr p;
        ASSERT_EQ(evbuffer_ptr_set(b, &p, at, EVBUFFER_PTR_SET), 0);
        std::string out(k, '\0');
        ev_ssize_t r = evbuffer_copyout_from(b, &p, out.data(), k);
        ASSERT_EQ(r, static_cast<ev_ssize_t>(std::min(k, s.size() - at)));
        ASSERT_EQ(out.substr(0, static_cast<size_t>(r)), s.substr(at, static_cast<size_t>(r)));
        break;
      }
      case 6: {
        last_op_ = "add_buffer";
        ASSERT_EQ(evbuffer_add_buffer(b, o), 0);
        s += t;
        t.clear();
        break;
      }
      case 7: {
        last_op_ = "remove_buffer";
        size_t k = pick(s.size() + 10);
        int r = evbuffer_remove_buffer(b, o, k);
        ASSERT_EQ(r, static_cast<int>(std::min(k, s.size())));
        t += s.substr(0, static_cast<size_t>(r));
        s.erase(0, static_cast<size_t>(r));
        break;
      }
      case 8: {
        last_op_ = "prepend_buffer";
        ASSERT_EQ(evbuffer_prepend_buffer(b, o), 0);
        s.insert(0, t);
        t.clear();
        break;
      }
      case 9: {
        last_op_ = "pullup";
        size_t k = pick(s.size() + 3);
        unsigned char *p = evbuffer_pullup(b, static_cast<ev_ssize_t>(k));
        if (k == 0 || k > s.size()) {
          ASSERT_EQ(p, nullptr);
        } else {
          ASSERT_NE(p, nullptr);
          ASSERT_EQ(std::memcmp(p, s.data(), k), 0);
          ASSERT_GE(evbuffer_get_contiguous_space(b), k);
        }
        break;
      }
      case 10: {
        last_op_ = "readln";
        auto st = static_cast<evbuffer_eol_style>(rng_() % 5);
        auto [at, len] = model_eol(s, 0, st);
        size_t n = 123;
        char *line = evbuffer_readln(b, &n, st);
        if (at == std::string::npos) {
          ASSERT_EQ(line, nullptr);
          ASSERT_EQ(n, 0u);
        } else {
          ASSERT_NE(line, nullptr);
          ASSERT_EQ(n, at);
          ASSERT_EQ(std::string(line, n), s.substr(0, at));
          ASSERT_EQ(line[n], '\0');
          std::free(line);
          s.erase(0, at + len);
        }
        break;
      }
      case 11: {
        last_op_ = "search_eol";
        auto st = static_cast<evbuffer_eol_style>(rng_() % 5);
        size_t from = pick(s.size());
        evbuffer_ptr p;
        ASSERT_EQ(evbuffer_ptr_set(b, &p, from, EVBUFFER_PTR_SET), 0);
        size_t len = 99;
        evbuffer_ptr r = evbuffer_search_eol(b, &p, &len, st);
        auto [at, mlen] = model_eol(s, from, st);
        if (at == std::string::npos) {
          ASSERT_EQ(r.pos, -1);
        } else {
          ASSERT_EQ(r.pos, static_cast<ev_ssize_t>(at));
          ASSERT_EQ(len, mlen);
        }
        break;
      }
      case 12: {
        last_op_ = "search_range";
        std::string needle;
        if (!s.empty() && pick(3)) {
          size_t at = pick(s.size() - 1);
          needle = s.substr(at, 1 + pick(std::min<size_t>(12, s.size() - at - 1)));
        } else {
          needle = payload(4);
        }
        size_t from = pick(s.size());
        size_t to = from + pick(s.size() - from);
        evbuffer_ptr ps, pe;
        ASSERT_EQ(evbuffer_ptr_set(b, &ps, from, EVBUFFER_PTR_SET), 0);
        ASSERT_EQ(evbuffer_ptr_set(b, &pe, to, EVBUFFER_PTR_SET), 0);
        bool ranged = pick(1);
        evbuffer_ptr r = ranged ? evbuffer_search_range(b, needle.data(), needle.size(), &ps, &pe)
                                : evbuffer_search(b, needle.data(), needle.size(), &ps);
        size_t want = s.find(needle, from);
        if (needle.empty())
          want = from;
        else if (ranged && want != std::string::npos && want + needle.size() > to)
          want = std::string::npos;
        ASSERT_EQ(r.pos, want == std::string::npos ? -1 : static_cast<ev_ssize_t>(want));
        if (r.pos >= 0 && !needle.empty()) {
          // The result is a usable position.
          std::string out(needle.size(), '\0');
          ASSERT_EQ(evbuffer_copyout_from(b, &r, out.data(), out.size()),
                    static_cast<ev_ssize_t>(out.size()));
          ASSERT_EQ(out, needle);
        }
        break;
      }
      case 13: {
        last_op_ = "peek";
        size_t from = pick(s.size());
        evbuffer_ptr p;
        ASSERT_EQ(evbuffer_ptr_set(b, &p, from, EVBUFFER_PTR_SET), 0);
        evbuffer_iovec v[8];
        int n = evbuffer_peek(b, -1, &p, v, 8);
        ASSERT_GE(n, 0);
        std::string got;
        for (int i = 0; i < n; ++i) got.append(static_cast<char *>(v[i].iov_base), v[i].iov_len);
        ASSERT_EQ(got, s.substr(from, got.size()));
        int needed = evbuffer_peek(b, static_cast<ev_ssize_t>(s.size() - from), &p, nullptr, 0);
        ASSERT_GE(needed, n < 8 ? n : 1);
        break;
      }
      case 14: {
        last_op_ = "reserve_commit";
        size_t want = pick(pick(1) ? 100 : 5000);
        evbuffer_iovec v[2];
        int nv = pick(1) ? 2 : 1;
        int n = evbuffer_reserve_space(b, static_cast<ev_ssize_t>(want), v, nv);
        if (want == 0) {
          ASSERT_EQ(n, 0);
          break;
        }
        ASSERT_GE(n, 1);
        ASSERT_LE(n, nv);
        size_t room = 0;
        for (int i = 0; i < n; ++i) room += v[i].iov_len;
        ASSERT_GE(room, want);
        std::string p = payload(want);
        size_t off = 0;
        for (int i = 0; i < n; ++i) {
          size_t k = std::min(v[i].iov_len, p.size() - off);
          std::memcpy(v[i].iov_base, p.data() + off, k);
          v[i].iov_len = k;
          off += k;
        }
        ASSERT_EQ(evbuffer_commit_space(b, v, n), 0);
        s += p;
        break;
      }
      case 15: {
        last_op_ = "add_reference";
        // Points into pool_, which outlives the buffers.
        size_t n = pick(600), at = pick(pool_.size() - n);
        ++g_ref_live;
        ASSERT_EQ(evbuffer_add_reference(b, pool_.data() + at, n, ref_done, nullptr), 0);
        s.append(pool_, at, n);
        break;
      }
      case 16: {
        last_op_ = "add_buffer_reference";
        ASSERT_EQ(evbuffer_add_buffer_reference(b, o), 0);
        s += t;
        break;
      }
      case 17: {
        last_op_ = "add_printf";
        int v = static_cast<int>(rng_());
        std::string p = payload(30);
        std::string want = std::to_string(v) + "<" + std::string(p.c_str()) + ">";
        ASSERT_EQ(evbuffer_add_printf(b, "%d<%s>", v, p.c_str()), static_cast<int>(want.size()));
        s += want;
        break;
      }
      case 18: {
        last_op_ = "expand_add_iovec";
        std::string p1 = payload(300), p2 = payload(300);
        ASSERT_EQ(evbuffer_expand(b, p1.size() + p2.size()), 0);
        evbuffer_iovec v[2] = {{p1.data(), p1.size()}, {p2.data(), p2.size()}};
        ASSERT_EQ(evbuffer_add_iovec(b, v, 2), p1.size() + p2.size());
        s += p1 + p2;
        break;
      }
      case 19: {
        last_op_ = "ptr_add";
        size_t a = pick(s.size()), k = pick(s.size() + 2);
        evbuffer_ptr p;
        ASSERT_EQ(evbuffer_ptr_set(b, &p, a, EVBUFFER_PTR_SET), 0);
        int r = evbuffer_ptr_set(b, &p, k, EVBUFFER_PTR_ADD);
        if (a + k > s.size()) {
          ASSERT_EQ(r, -1);
          ASSERT_EQ(p.pos, -1);
        } else {
          ASSERT_EQ(r, 0);
          ASSERT_EQ(p.pos, static_cast<ev_ssize_t>(a + k));
          char c;
          ev_ssize_t got = evbuffer_copyout_from(b, &p, &c, 1);
          ASSERT_EQ(got, a + k < s.size() ? 1 : 0);
          if (got == 1) ASSERT_EQ(c, s[a + k]);
        }
        break;
      }
      default: {
        last_op_ = "small_adds";
        for (int i = 0; i < 20; ++i) {
          std::string p = payload(8);
          ASSERT_EQ(evbuffer_add(b, p.data(), p.size()), 0);
          s += p;
        }
        break;
      }
    }
  }

  std::mt19937 rng_;
  evbuffer *buf_[2];
  std::string str_[2];
  CbCheck cb_[2];
  std::string pool_;
  int step_ = 0;
  const char *last_op_ = "";
};

class BufferModel : public testing::TestWithParam<unsigned> {};

TEST_P(BufferModel, MatchesStringModel) {
  {
    Model m(GetParam());
    m.run(30000);
  }
  // Every referenced region was released exactly once.
  EXPECT_EQ(g_ref_live, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, BufferModel, testing::Values(1u, 7u, 42u, 2024u));

}  // namespace
