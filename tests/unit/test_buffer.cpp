// eventide::Buffer (the C++ face) and evbuffer internals: chunk reuse, no
// quadratic paths, the read spill.
#include <eventide/buffer.hpp>
#include <event2/event.h>
#include <event2/thread.h>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "buffer/evbuffer.hpp"

namespace {

using eventide::Buffer;
using eventide::EolStyle;

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte *>(s.data()), s.size()};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(BufferCxx, AppendAndReadBack) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.append(std::string_view("hello")));
  EXPECT_TRUE(b.append(bytes_of(" world")));
  EXPECT_EQ(b.appendf(" %d%s", 42, "!"), 4);
  EXPECT_TRUE(b.prepend(">"));
  EXPECT_EQ(b.size(), 16u);
  EXPECT_EQ(b.to_string(), ">hello world 42!");
  std::byte out[6];
  EXPECT_EQ(b.copy_out(out), 6u);
  EXPECT_EQ(std::memcmp(out, ">hello", 6), 0);
  EXPECT_EQ(b.remove(out), 6u);
  EXPECT_TRUE(b.drain(1));
  EXPECT_EQ(b.to_string(), "world 42!");
  auto all = b.contiguous();
  ASSERT_EQ(all.size(), 9u);
  EXPECT_EQ(std::memcmp(all.data(), "world 42!", 9), 0);
  EXPECT_TRUE(b.contiguous(10).empty());
}

TEST(BufferCxx, MoveOnlyOwnership) {
  Buffer a;
  a.append(std::string_view("x"));
  evbuffer *raw = a.native();
  Buffer b = std::move(a);
  EXPECT_EQ(a.native(), nullptr);
  EXPECT_EQ(b.native(), raw);
  Buffer c;
  c = std::move(b);
  EXPECT_EQ(c.native(), raw);
  EXPECT_EQ(c.size(), 1u);
  evbuffer *taken = c.release();
  EXPECT_EQ(taken, raw);
  Buffer d = Buffer::adopt(taken);
  EXPECT_TRUE(d.owns());
}

TEST(BufferCxx, ViewDoesNotFree) {
  evbuffer *raw = evbuffer_new();
  {
    Buffer v(raw);
    EXPECT_FALSE(v.owns());
    v.append(std::string_view("abc"));
    Buffer moved = std::move(v);
    EXPECT_FALSE(moved.owns());
  }
  {
    Buffer v = Buffer::view(raw);
    EXPECT_EQ(v.to_string(), "abc");
  }
  EXPECT_EQ(evbuffer_get_length(raw), 3u);
  evbuffer_free(raw);
}

TEST(BufferCxx, ReadLine) {
  Buffer b;
  b.append(std::string_view("GET / HTTP/1.1\r\nHost: x\r\n\r\npartial"));
  EXPECT_EQ(b.read_line(), "GET / HTTP/1.1");
  EXPECT_EQ(b.read_line(EolStyle::CrLfStrict), "Host: x");
  EXPECT_EQ(b.read_line(), "");
  EXPECT_EQ(b.read_line(), std::nullopt);
  b.append(std::string_view("\nnext\0x", 7));
  EXPECT_EQ(b.read_line(EolStyle::Lf), "partial");
  EXPECT_EQ(b.read_line(EolStyle::Nul), "next");
  EXPECT_EQ(b.to_string(), "x");
  b.append(std::string_view("\r\n\r\ny"));
  EXPECT_EQ(b.read_line(EolStyle::Any), "x");
  EXPECT_EQ(b.to_string(), "y");
}

TEST(BufferCxx, FindAndSegments) {
  Buffer a, b;
  a.append(std::string_view("hello "));
  b.append(std::string_view("world"));
  a.append(b);  // moves: a has two chunks now
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(a.find("lo w"), 3u);
  EXPECT_EQ(a.find("o", 5), 7u);
  EXPECT_EQ(a.find("xyz"), std::nullopt);
  EXPECT_EQ(a.find("o", 100), std::nullopt);
  std::vector<std::string> parts;
  for (std::span<const std::byte> s : a.segments())
    parts.emplace_back(reinterpret_cast<const char *>(s.data()), s.size());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "hello ");
  EXPECT_EQ(parts[1], "world");
  Buffer empty;
  EXPECT_EQ(empty.segments().begin(), empty.segments().end());
}

TEST(BufferCxx, ReserveCommit) {
  Buffer b;
  b.append(std::string_view("head:"));
  auto space = b.reserve(100);
  ASSERT_GE(space.size(), 100u);
  std::memcpy(space.data(), "body", 4);
  EXPECT_TRUE(b.commit(space, 4));
  EXPECT_FALSE(b.commit(space, 4));  // once
  EXPECT_EQ(b.to_string(), "head:body");
  auto big = b.reserve(100000);
  ASSERT_GE(big.size(), 100000u);
  std::memset(big.data(), 'z', 100000);
  EXPECT_TRUE(b.commit(big, 100000));
  EXPECT_EQ(b.size(), 100009u);
}

TEST(BufferCxx, SocketRoundTrip) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  Buffer out, in;
  std::string msg(200000, 'm');
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>('a' + i % 26);
  out.append(std::string_view(msg));
  size_t got = 0;
  while (got < msg.size()) {
    if (!out.empty()) ASSERT_GT(out.write_to(sv[0]), 0);
    int n = in.read_from(sv[1]);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  EXPECT_EQ(in.to_string(), msg);
  close(sv[0]);
  close(sv[1]);
}

// --- internals ---

// A drained chunk goes to the thread's chunk cache, and the next add takes
// the same block back: no malloc/free pair per message.
TEST(BufferInternals, ChunksAreReused) {
  evbuffer *b = evbuffer_new();
  char data[500];
  std::memset(data, 'd', sizeof data);
  evbuffer_add(b, data, sizeof data);
  eventide::detail::Chunk *kept = b->first_;
  evbuffer_drain(b, sizeof data);
  for (int i = 0; i < 100; ++i) {
    // Had the chunk gone back to malloc, this same-sized request would get it.
    static void *volatile decoy;  // volatile: the compiler may not elide the malloc
    decoy = std::malloc(kept->cap + eventide::detail::kChunkHeader);
    evbuffer_add(b, data, sizeof data);
    EXPECT_EQ(b->first_, kept);
    evbuffer_drain(b, sizeof data);
    std::free(decoy);
  }
  evbuffer_free(b);
}

TEST(BufferInternals, ChunkSizesArePowersOfTwoAndGrow) {
  evbuffer *b = evbuffer_new();
  std::string s(100, 'x');
  for (int i = 0; i < 2000; ++i) evbuffer_add(b, s.data(), s.size());
  size_t chunks = 0;
  for (auto *c = b->first_; c; c = c->next) {
    ++chunks;
    EXPECT_EQ(c->cap & (c->cap - 1), 0u) << c->cap;
  }
  // 200 KB in 100-byte adds: geometric growth keeps the chain short.
  EXPECT_LT(chunks, 12u);
  evbuffer_free(b);
}

// A drained buffer keeps no chunk (an idle connection holds no buffer
// memory); a large read's chunk comes back from the cache for the next read.
TEST(BufferInternals, DrainedBufferKeepsNoChunk) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evbuffer *b = evbuffer_new();
  std::string data(50000, 'q');
  ASSERT_EQ(write(sv[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(evbuffer_read(b, sv[0], -1), 50000);
  eventide::detail::Chunk *big = b->first_;
  EXPECT_EQ(big, b->last_);
  evbuffer_drain(b, 50000);
  EXPECT_EQ(b->first_, nullptr);
  EXPECT_EQ(b->spare_, nullptr);
  ASSERT_EQ(write(sv[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(evbuffer_read(b, sv[0], -1), 50000);
  EXPECT_EQ(b->first_, big);
  evbuffer_free(b);
  close(sv[0]);
  close(sv[1]);
}

// Out of memory for the small chunk a short read is copied into: the bytes
// stay in the big chunk they were read into, nothing is lost. Runs on a new
// thread so its chunk cache is empty and the allocations are predictable.
thread_local int t_allocs_left = -1;  // -1: never fail
void *failing_malloc(size_t n) {
  if (t_allocs_left == 0) return nullptr;
  if (t_allocs_left > 0) --t_allocs_left;
  return std::malloc(n);
}
void *plain_realloc(void *p, size_t n) {
  return std::realloc(p, n);
}

TEST(BufferInternals, ShortReadKeptWhenNoMemoryForItsChunk) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(write(sv[1], "hello, out of memory", 20), 20);
  event_set_mem_functions(failing_malloc, plain_realloc, std::free);
  int got = -2;
  std::string text;
  std::thread([&] {
    evbuffer *b = evbuffer_new();
    t_allocs_left = 1;  // the read's 64 KiB chunk, then nothing
    got = evbuffer_read(b, sv[0], -1);
    t_allocs_left = -1;
    char out[32] = {};
    evbuffer_remove(b, out, sizeof out);
    text = out;
    evbuffer_free(b);
  }).join();
  event_set_mem_functions(nullptr, nullptr, nullptr);
  EXPECT_EQ(got, 20);
  EXPECT_EQ(text, "hello, out of memory");
  close(sv[0]);
  close(sv[1]);
}

TEST(BufferInternals, LargeMaxReadUsesOneChunk) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int big = 1 << 20;
  setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  evbuffer *b = evbuffer_new();
  ASSERT_EQ(evbuffer_set_max_read(b, 300000), 0);
  std::string data(150000, 'L');
  ASSERT_EQ(write(sv[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(evbuffer_read(b, sv[0], -1), 150000);
  EXPECT_EQ(b->first_, b->last_);
  evbuffer_free(b);
  close(sv[0]);
  close(sv[1]);
}

// Chunks shared by add_buffer_reference are released from two threads.
TEST(BufferThreads, SharedChunksAcrossThreads) {
  ASSERT_EQ(evthread_use_pthreads(), 0);
  evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
  ASSERT_EQ(evbuffer_enable_locking(src, nullptr), 0);
  ASSERT_EQ(evbuffer_enable_locking(dst, nullptr), 0);
  std::atomic<bool> stop{false};
  std::atomic<int> cleanups{0};
  static const char payload[] = "0123456789abcdef";
  std::thread producer([&] {
    for (int i = 0; i < 20000; ++i) {
      evbuffer_add(src, payload, 16);
      evbuffer_add_reference(
          src, payload, 16,
          [](const void *, size_t, void *a) { ++*static_cast<std::atomic<int> *>(a); }, &cleanups);
      if (i % 3 == 0) evbuffer_add_buffer_reference(dst, src);
      evbuffer_drain(src, 32);
    }
    stop = true;
  });
  std::thread consumer([&] {
    char out[64];
    while (!stop || evbuffer_get_length(dst) > 0) {
      int n = evbuffer_remove(dst, out, sizeof out);
      ASSERT_GE(n, 0);
      for (int i = 0; i < n; ++i) ASSERT_EQ(out[i], payload[i % 16]);
    }
  });
  producer.join();
  consumer.join();
  evbuffer_free(src);
  evbuffer_free(dst);
  EXPECT_EQ(cleanups.load(), 20000);
}

// Quadratic paths would take minutes here; linear ones take about a second.
TEST(BufferLinear, DrainBigBufferByteByByte) {
  evbuffer *b = evbuffer_new();
  const size_t n = 32u << 20;
  std::vector<char> block(1 << 16, 'b');
  for (size_t i = 0; i < n; i += block.size()) evbuffer_add(b, block.data(), block.size());
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) evbuffer_drain(b, 1);
  EXPECT_EQ(evbuffer_get_length(b), 0u);
  double s = seconds_since(t0);
  RecordProperty("seconds", std::to_string(s));
  EXPECT_LT(s, 30.0);
  evbuffer_free(b);
}

TEST(BufferLinear, SearchStepByStep) {
  evbuffer *b = evbuffer_new();
  const size_t n = 16u << 20;
  std::string block(4096, 'a');
  for (size_t i = 0; i < n; i += block.size()) evbuffer_add(b, block.data(), block.size());
  auto t0 = std::chrono::steady_clock::now();
  evbuffer_ptr p;
  evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET);
  size_t found = 0;
  for (;;) {
    p = evbuffer_search(b, "a", 1, &p);
    if (p.pos < 0) break;
    ++found;
    if (evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD) < 0) break;
  }
  EXPECT_EQ(found, n);
  // Positions set from the front each time, one byte further on.
  for (size_t i = 0; i < n; i += 7) ASSERT_EQ(evbuffer_ptr_set(b, &p, i, EVBUFFER_PTR_SET), 0);
  EXPECT_LT(seconds_since(t0), 30.0);
  evbuffer_free(b);
}

TEST(BufferLinear, ReadlnOverManySmallChunksDoesNotRescan) {
  evbuffer *b = evbuffer_new();
  static const char x = 'x', nl = '\n';
  const size_t n = 300000;
  auto t0 = std::chrono::steady_clock::now();
  // One byte per chunk, readln tried after each: a re-scan from the front
  // would visit n^2/2 bytes and chunks.
  for (size_t i = 0; i < n; ++i) {
    evbuffer_add_reference(b, &x, 1, nullptr, nullptr);
    ASSERT_EQ(evbuffer_readln(b, nullptr, EVBUFFER_EOL_CRLF), nullptr);
  }
  evbuffer_add_reference(b, &nl, 1, nullptr, nullptr);
  size_t len = 0;
  char *line = evbuffer_readln(b, &len, EVBUFFER_EOL_CRLF);
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(len, n);
  std::free(line);
  EXPECT_LT(seconds_since(t0), 30.0);
  evbuffer_free(b);
}

TEST(BufferLinear, CxxSegmentsWalkIsLinear) {
  evbuffer *b = evbuffer_new();
  static const char x = 'x';
  const size_t n = 200000;
  for (size_t i = 0; i < n; ++i) evbuffer_add_reference(b, &x, 1, nullptr, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  size_t seen = 0;
  for (auto s : Buffer::view(b).segments()) seen += s.size();
  EXPECT_EQ(seen, n);
  EXPECT_LT(seconds_since(t0), 30.0);
  evbuffer_free(b);
}

}  // namespace
