// Chunk allocation and release. Plain chunks hold a power of two of bytes
// after their header; large ones round to pages. Released plain chunks of up to 64 KiB
// go to a small per-thread cache, so a connection that reads, moves and writes
// a 16 KiB message reuses warm memory instead of malloc returning pages to the
// kernel (brk) and faulting them back in on every message.
#include "buffer/chunk.hpp"

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
// used block is the warmest). Bounded in bytes; freed at thread exit.
struct ChunkCache {
  Chunk *head[kClasses] = {};
  size_t bytes = 0;
  // Chunks released by later thread-exit or static destructors go to malloc.
  bool closed = false;
  ~ChunkCache() {
    closed = true;
    for (Chunk *&h : head)
      while (h) {
        Chunk *next = h->next;
        mm_free(h);
        h = next;
      }
    bytes = 0;
  }
};

thread_local ChunkCache t_cache;

// Size class of a plain chunk of capacity `cap`, or -1 when it is not cached.
int size_class(size_t cap) {
  if (cap > kMaxCachedData || cap < kMinChunkData || !std::has_single_bit(cap)) return -1;
  return std::countr_zero(cap) - std::countr_zero(kMinChunkData);
}

void free_plain(Chunk *c) {
  size_t total = c->cap + kChunkHeader;
  int k = size_class(c->cap);
  ChunkCache &cache = t_cache;
  if (k >= 0 && !cache.closed && cache.bytes + total <= kChunkCacheBytes) {
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
