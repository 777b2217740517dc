// Chunk allocation and release. Plain chunks hold a power of two of bytes
// after their header; large ones round to pages. Released plain chunks of up to 64 KiB
// go to a small per-thread cache, so a connection that reads, moves and writes
// a 16 KiB message reuses warm memory instead of malloc returning pages to the
// kernel (brk) and faulting them back in on every message.
#include "buffer/chunk.hpp"

#include <pthread.h>

#include <bit>
#include <new>

#include "buffer/file_segment.hpp"
#include "util/mem.hpp"

namespace eventide::detail {

namespace {

// Past this, doubling wastes too much: round to 4 KiB pages instead.
constexpr size_t kPow2Limit = size_t{1} << 20;

Chunk *init_header(void *mem, std::byte *data, size_t cap, ChunkKind kind) {
  Chunk *c = new (mem) Chunk;
  c->next = nullptr;
  c->data = data;
  c->cap = cap;
  c->misalign = 0;
  c->off = 0;
  c->refcnt.store(1, std::memory_order_relaxed);
  c->kind = kind;
  c->sendfile = false;
  c->u.shared.target = nullptr;
  return c;
}

// Size classes of the cache, by capacity: 1 KiB, 2 KiB, ... kMaxCachedData.
constexpr int kClasses = std::countr_zero(kMaxCachedData) - std::countr_zero(kMinChunkData) + 1;

// Free plain chunks kept by one thread, LIFO per size class (the most recently
// used block is the warmest). Bounded in bytes; emptied at thread exit by a
// pthread key destructor. Trivially destructible and initial-exec TLS, so an
// access is one %fs-relative load: no __tls_get_addr call and no guard
// variable on every chunk allocation and release (the block is small enough
// for the static TLS reserve even when the library is dlopen'ed).
struct ChunkCache {
  Chunk *head[kClasses];
  size_t bytes;
  bool registered;  // the exit destructor knows this thread's cache
  bool closed;      // emptied: later releases (other exit destructors) go to malloc
};

constinit thread_local ChunkCache t_cache __attribute__((tls_model("initial-exec"))) = {};

pthread_key_t g_cache_key;
bool g_cache_key_ok = false;
pthread_once_t g_cache_once = PTHREAD_ONCE_INIT;

void cache_thread_exit(void *arg) {
  auto *cache = static_cast<ChunkCache *>(arg);
  cache->closed = true;
  for (Chunk *&h : cache->head)
    while (h) {
      Chunk *next = h->next;
      mm_free(h);
      h = next;
    }
  cache->bytes = 0;
}

// False when the thread is exiting or the key cannot be made: do not cache.
bool cache_usable(ChunkCache &cache) {
  if (cache.registered) return !cache.closed;
  pthread_once(&g_cache_once,
               [] { g_cache_key_ok = pthread_key_create(&g_cache_key, cache_thread_exit) == 0; });
  if (!g_cache_key_ok || pthread_setspecific(g_cache_key, &cache) != 0) return false;
  cache.registered = true;
  return true;
}

// Size class of a plain chunk of capacity `cap`, or -1 when it is not cached.
int size_class(size_t cap) {
  // (cap & (cap - 1)): std::has_single_bit is a libgcc popcount call without -mpopcnt.
  if (cap > kMaxCachedData || cap < kMinChunkData || (cap & (cap - 1)) != 0) return -1;
  return std::countr_zero(cap) - std::countr_zero(kMinChunkData);
}

void free_plain(Chunk *c) {
  size_t total = c->cap + kChunkHeader;
  int k = size_class(c->cap);
  ChunkCache &cache = t_cache;
  if (k >= 0 && cache.bytes + total <= kChunkCacheBytes && cache_usable(cache)) {
    c->next = cache.head[k];
    cache.head[k] = c;
    cache.bytes += total;
    return;
  }
  c->~Chunk();
  mm_free(c);
}

}  // namespace

Chunk *chunk_new_plain(size_t need) {
  if (need > (SIZE_MAX >> 2)) return nullptr;
  size_t cap;
  if (need <= kMinChunkData) {
    cap = kMinChunkData;
  } else if (need <= kPow2Limit) {
    cap = std::bit_ceil(need);
  } else {
    cap = ((need + kChunkHeader + 4095) & ~size_t{4095}) - kChunkHeader;
  }
  const size_t total = cap + kChunkHeader;
  if (int k = size_class(cap); k >= 0) {
    ChunkCache &cache = t_cache;
    if (Chunk *c = cache.head[k]) {
      cache.head[k] = c->next;
      cache.bytes -= total;
      return init_header(c, reinterpret_cast<std::byte *>(c) + kChunkHeader, cap, ChunkKind::Plain);
    }
  }
  void *mem = mm_malloc(total);
  if (!mem) return nullptr;
  return init_header(mem, static_cast<std::byte *>(mem) + kChunkHeader, cap, ChunkKind::Plain);
}

Chunk *chunk_new_reference(const void *data, size_t len, evbuffer_ref_cleanup_cb fn, void *arg) {
  void *mem = mm_malloc(sizeof(Chunk));
  if (!mem) return nullptr;
  // The user's memory is const to us: nothing writes into a Reference chunk.
  Chunk *c = init_header(mem, static_cast<std::byte *>(const_cast<void *>(data)), len,
                         ChunkKind::Reference);
  c->off = len;
  c->u.ref.fn = fn;
  c->u.ref.arg = arg;
  return c;
}

Chunk *chunk_new_shared(Chunk *src) {
  if (src->kind == ChunkKind::File) {
    // Another slice of the same segment: no need to pin the source chunk.
    Chunk *c = chunk_new_file(src->u.file.seg,
                              src->u.file.seg_off + static_cast<int64_t>(src->misalign), src->off);
    if (!c) return nullptr;
    c->data = src->data ? src->begin() : nullptr;
    c->sendfile = src->sendfile;
    return c;
  }
  void *mem = mm_malloc(sizeof(Chunk));
  if (!mem) return nullptr;
  Chunk *target = src->kind == ChunkKind::Shared ? src->u.shared.target : src;
  Chunk *c = init_header(mem, src->begin(), src->off, ChunkKind::Shared);
  c->off = src->off;
  c->u.shared.target = target;
  target->refcnt.fetch_add(1, std::memory_order_relaxed);
  return c;
}

Chunk *chunk_new_file(evbuffer_file_segment *seg, int64_t seg_off, size_t len) {
  void *mem = mm_malloc(sizeof(Chunk));
  if (!mem) return nullptr;
  Chunk *c = init_header(mem, nullptr, len, ChunkKind::File);
  c->off = len;
  c->u.file.seg = seg;
  c->u.file.seg_off = seg_off;
  segment_incref(seg);
  return c;
}

void chunk_release(Chunk *c) {
  // A sole owner needs no atomic read-modify-write: nobody else can see it.
  if (c->refcnt.load(std::memory_order_acquire) != 1 &&
      c->refcnt.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  switch (c->kind) {
    case ChunkKind::Plain:
      free_plain(c);
      return;
    case ChunkKind::Reference:
      if (c->u.ref.fn) c->u.ref.fn(c->data, c->cap, c->u.ref.arg);
      break;
    case ChunkKind::File:
      segment_decref(c->u.file.seg);
      break;
    case ChunkKind::Shared:
      chunk_release(c->u.shared.target);
      break;
  }
  c->~Chunk();
  mm_free(c);
}

bool chunk_materialize(Chunk *c) {
  if (c->data) return true;
  std::byte *mem = segment_materialize(c->u.file.seg);
  if (!mem) return false;
  c->data = mem + c->u.file.seg_off;
  return true;
}

}  // namespace eventide::detail
