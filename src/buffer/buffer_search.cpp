// Positions, searching, end-of-line detection, readln and peek. Every walk
// resumes from the buffer's position hint, so stepping through a buffer (or
// re-trying readln while a long line trickles in) stays linear.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "buffer/evbuffer.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::Chunk;
using eventide::detail::kLogWarn;
using eventide::detail::log;

namespace {

const std::byte *find_byte(const std::byte *p, size_t n, char ch) {
  return static_cast<const std::byte *>(std::memchr(p, static_cast<unsigned char>(ch), n));
}

// First CR or LF in [p, p + n): two bounded memchr beat a byte loop.
const std::byte *find_cr_or_lf(const std::byte *p, size_t n) {
  const std::byte *lf = find_byte(p, n, '\n');
  size_t bound = lf ? static_cast<size_t>(lf - p) : n;
  const std::byte *cr = find_byte(p, bound, '\r');
  return cr ? cr : lf;
}

bool is_eol_char(std::byte b) {
  return b == std::byte{'\r'} || b == std::byte{'\n'};
}

}  // namespace

evbuffer::Pos evbuffer::locate(size_t pos) {
  Chunk *c = first_;
  size_t start = 0;
  if (hint_chunk_ && pos >= hint_start_) {
    c = hint_chunk_;
    start = hint_start_;
  }
  while (c && pos - start >= c->off) {
    start += c->off;
    c = c->next;
  }
  if (!c) return {nullptr, 0};
  hint_chunk_ = c;
  hint_start_ = start;
  return {c, pos - start};
}

int evbuffer::ptr_set(evbuffer_ptr *ptr, size_t position, evbuffer_ptr_how how) {
  size_t target;
  if (how == EVBUFFER_PTR_SET) {
    target = position;
  } else if (how == EVBUFFER_PTR_ADD) {
    if (ptr->pos < 0 || position > len_ || static_cast<size_t>(ptr->pos) > len_ - position) {
      log(kLogWarn, "evbuffer_ptr_set: position %zd + %zu is past the end (%zu bytes)", ptr->pos,
          position, len_);
      ptr->pos = -1;
      ptr->internal_.chain = nullptr;
      ptr->internal_.pos_in_chain = 0;
      return -1;
    }
    target = static_cast<size_t>(ptr->pos) + position;
  } else {
    log(kLogWarn, "evbuffer_ptr_set: unknown mode %d", static_cast<int>(how));
    ptr->pos = -1;
    return -1;
  }
  if (target > len_) {
    log(kLogWarn, "evbuffer_ptr_set: position %zu is past the end (%zu bytes)", target, len_);
    ptr->pos = -1;
    ptr->internal_.chain = nullptr;
    ptr->internal_.pos_in_chain = 0;
    return -1;
  }
  Pos p = locate(target);
  ptr->pos = static_cast<ssize_t>(target);
  ptr->internal_.chain = p.chunk;
  ptr->internal_.pos_in_chain = p.in;
  return 0;
}

evbuffer_ptr evbuffer::search_range(const char *what, size_t len, size_t start, size_t end) {
  evbuffer_ptr r{};
  r.pos = -1;
  if (end > len_) end = len_;
  if (start > len_) return r;
  if (len == 0) {
    Pos p = locate(start);
    r.pos = static_cast<ssize_t>(start);
    r.internal_.chain = p.chunk;
    r.internal_.pos_in_chain = p.in;
    return r;
  }
  if (start > end || end - start < len) return r;
  if (n_lazy_ && !materialize_all()) return r;
  const size_t last_start = end - len;
  const auto *needle = reinterpret_cast<const std::byte *>(what);
  Pos p = locate(start);
  Chunk *c = p.chunk;
  size_t in = p.in;
  size_t abs = start;
  while (c && abs <= last_start) {
    size_t span = std::min(c->off - in, last_start - abs + 1);
    const std::byte *hit = find_byte(c->begin() + in, span, what[0]);
    if (!hit) {
      abs += c->off - in;
      c = c->next;
      in = 0;
      continue;
    }
    size_t skip = static_cast<size_t>(hit - (c->begin() + in));
    abs += skip;
    in += skip;
    // Compare the rest, which may run over several chunks.
    Chunk *mc = c;
    size_t min = in, done = 0;
    while (done < len) {
      size_t k = std::min(mc->off - min, len - done);
      if (std::memcmp(mc->begin() + min, needle + done, k) != 0) break;
      done += k;
      mc = mc->next;
      min = 0;
    }
    if (done == len) {
      hint_chunk_ = c;
      hint_start_ = abs - in;
      r.pos = static_cast<ssize_t>(abs);
      r.internal_.chain = c;
      r.internal_.pos_in_chain = in;
      return r;
    }
    ++abs;
    if (++in == c->off) {
      c = c->next;
      in = 0;
    }
  }
  return r;
}

ssize_t evbuffer::find_eol(size_t start, evbuffer_eol_style style, size_t *eol_len) {
  size_t dummy;
  size_t &out_len = eol_len ? *eol_len : dummy;
  out_len = 0;
  if (start > len_) return -1;
  if (n_lazy_ && !materialize_all()) return -1;
  if (style == EVBUFFER_EOL_CRLF_STRICT) {
    evbuffer_ptr p = search_range("\r\n", 2, start, len_);
    if (p.pos >= 0) out_len = 2;
    return p.pos;
  }
  Pos p = locate(start);
  Chunk *c = p.chunk;
  size_t in = p.in;
  size_t abs = start;
  while (c) {
    const std::byte *base = c->begin() + in;
    size_t span = c->off - in;
    const std::byte *hit;
    switch (style) {
      case EVBUFFER_EOL_LF:
        hit = find_byte(base, span, '\n');
        break;
      case EVBUFFER_EOL_NUL:
        hit = find_byte(base, span, '\0');
        break;
      default:
        hit = find_cr_or_lf(base, span);
        break;
    }
    if (!hit) {
      hint_chunk_ = c;
      hint_start_ = abs - in;
      abs += span;
      c = c->next;
      in = 0;
      continue;
    }
    size_t skip = static_cast<size_t>(hit - base);
    abs += skip;
    in += skip;
    hint_chunk_ = c;
    hint_start_ = abs - in;
    if (style == EVBUFFER_EOL_LF || style == EVBUFFER_EOL_NUL ||
        (style == EVBUFFER_EOL_CRLF && *hit == std::byte{'\n'})) {
      out_len = 1;
      return static_cast<ssize_t>(abs);
    }
    // ANY: the whole run of CR/LF is the end-of-line. CRLF: a CR counts only
    // with an LF right after it; a lone CR is part of the line.
    Chunk *nc = c;
    size_t nin = in + 1;
    if (nin == nc->off) {
      nc = nc->next;
      nin = 0;
    }
    if (style == EVBUFFER_EOL_ANY) {
      size_t run = 1;
      while (nc && is_eol_char(nc->begin()[nin])) {
        ++run;
        if (++nin == nc->off) {
          nc = nc->next;
          nin = 0;
        }
      }
      out_len = run;
      return static_cast<ssize_t>(abs);
    }
    if (!nc) return -1;  // CR at the very end: undecided yet
    if (nc->begin()[nin] == std::byte{'\n'}) {
      out_len = 2;
      return static_cast<ssize_t>(abs);
    }
    c = nc;
    in = nin;
    ++abs;
  }
  return -1;
}

ssize_t evbuffer::next_line(evbuffer_eol_style style, size_t *eol_len) {
  // Resume where the last unsuccessful scan of this style stopped.
  size_t from = eol_scan_style_ == static_cast<int>(style) ? std::min(eol_scan_pos_, len_) : 0;
  ssize_t at = find_eol(from, style, eol_len);
  if (at < 0) {
    size_t safe = len_;
    if ((style == EVBUFFER_EOL_CRLF || style == EVBUFFER_EOL_CRLF_STRICT) && safe > 0 &&
        last_->end()[-1] == std::byte{'\r'})
      --safe;
    eol_scan_pos_ = safe;
    eol_scan_style_ = static_cast<int8_t>(style);
  }
  return at;
}

char *evbuffer::readln(size_t *n_out, evbuffer_eol_style style) {
  if (n_out) *n_out = 0;
  if (frozen_check_front("evbuffer_readln")) return nullptr;
  size_t eol_len = 0;
  ssize_t at = next_line(style, &eol_len);
  if (at < 0) return nullptr;
  size_t n = static_cast<size_t>(at);
  char *line = static_cast<char *>(eventide::detail::mm_malloc(n + 1));
  if (!line) {
    log(kLogWarn, "evbuffer_readln: out of memory for a %zu-byte line", n);
    errno = ENOMEM;
    return nullptr;
  }
  copy_out(0, line, n);
  line[n] = '\0';
  drain(n + eol_len);
  eol_scan_pos_ = 0;
  if (n_out) *n_out = n;
  return line;
}

int evbuffer::peek(ssize_t len, size_t start, struct iovec *vec, int n_vec) {
  if (start > len_) return 0;
  if (n_lazy_ && !materialize_all()) return -1;
  // The caller may write through the extents: cached line scans are void.
  eol_scan_pos_ = 0;
  Pos p = locate(start);
  if (n_vec == 0 && len < 0) len = static_cast<ssize_t>(len_ - start);
  int idx = 0;
  size_t so_far = 0;
  size_t in = p.in;
  for (Chunk *c = p.chunk; c; c = c->next) {
    if (len >= 0 && so_far >= static_cast<size_t>(len)) break;
    if (idx < n_vec) {
      vec[idx].iov_base = c->begin() + in;
      vec[idx].iov_len = c->off - in;
    } else if (len < 0) {
      break;
    }
    ++idx;
    so_far += c->off - in;
    in = 0;
  }
  return idx;
}
