// One link of an evbuffer's chain: a header followed inline by its bytes (plain
// chunks), or a header pointing at memory owned elsewhere (reference, file, shared).
#pragma once

#include <event2/buffer.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace eventide::detail {

enum class ChunkKind : uint8_t {
  Plain,      // owns the bytes that follow the header; the only writable kind
  Reference,  // user memory from evbuffer_add_reference
  File,       // a slice of an evbuffer_file_segment
  Shared,     // a slice of another chunk (evbuffer_add_buffer_reference)
};

struct Chunk {
  Chunk *next;
  // Start of the storage; for a File chunk sent with sendfile it stays null
  // until someone needs the bytes in memory.
  std::byte *data;
  size_t cap;       // storage bytes
  size_t misalign;  // drained bytes before the first stored one
  size_t off;       // stored bytes
  // Owners: the buffer holding it, Shared chunks pointing at it, and pending
  // reserve_space extents. Above one, nothing may write into it.
  std::atomic<uint32_t> refcnt;
  ChunkKind kind;
  bool sendfile;  // File chunk that evbuffer_write sends with sendfile
  union {
    struct {
      evbuffer_ref_cleanup_cb fn;
      void *arg;
    } ref;
    struct {
      evbuffer_file_segment *seg;
      int64_t seg_off;  // offset of data[0] inside the segment
    } file;
    struct {
      Chunk *target;
    } shared;
  } u;

  std::byte *begin() const { return data + misalign; }
  std::byte *end() const { return data + misalign + off; }
  // Free space after the stored bytes that may be written.
  size_t tail() const { return (kind == ChunkKind::Plain && sole()) ? cap - misalign - off : 0; }
  // Free space before the stored bytes that may be written.
  size_t head_room() const { return (kind == ChunkKind::Plain && sole()) ? misalign : 0; }
  // Only the holding buffer owns it. Acquire pairs with the release in another
  // owner's chunk_release: that owner's last reads happen before our writes.
  bool sole() const { return refcnt.load(std::memory_order_acquire) == 1; }
  bool materialized() const { return data != nullptr; }
};

// Plain chunks hold a power of two of bytes (up to 1 MiB), so a 64 KiB read
// or a 16 KiB message fits one chunk. The smallest holds kMinChunkData; the
// thread cache keeps free ones of up to kMaxCachedData.
inline constexpr size_t kMinChunkData = 1024;
inline constexpr size_t kMaxCachedData = 64 * 1024;
// Bytes of free chunks each thread keeps for reuse.
inline constexpr size_t kChunkCacheBytes = 1024 * 1024;
// Bytes before a plain chunk's data (the header, rounded for alignment).
inline constexpr size_t kChunkHeader = (sizeof(Chunk) + 15) & ~size_t{15};

// A plain chunk with room for at least `need` bytes; nullptr when memory is
// short or need is absurd.
Chunk *chunk_new_plain(size_t need);
// Header-only chunks for memory owned elsewhere.
Chunk *chunk_new_reference(const void *data, size_t len, evbuffer_ref_cleanup_cb fn, void *arg);
Chunk *chunk_new_shared(Chunk *src);
// A slice of a file segment (takes a segment reference); data stays null.
Chunk *chunk_new_file(evbuffer_file_segment *seg, int64_t seg_off, size_t len);
// Drops one owner; the last one runs cleanups and frees.
void chunk_release(Chunk *c);
// Makes a File chunk's bytes addressable (mmap or read). False on failure.
bool chunk_materialize(Chunk *c);

}  // namespace eventide::detail
