// struct evbuffer_file_segment: a refcounted slice of a file shared by the File
// chunks of any number of buffers; mapped or read into memory only when needed.
#pragma once

#include <event2/buffer.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

struct evbuffer_file_segment {
  std::atomic<uint32_t> refcnt;  // the creator's reference plus one per chunk
  int fd;
  unsigned flags;  // EVBUF_FS_*
  int64_t file_offset;
  int64_t length;
  void *lock;  // guards materialisation; null with EVBUF_FS_DISABLE_LOCKING
  // The bytes in memory: inside a mapping or a malloc'd copy; null until
  // materialised. Written once under `lock`, read without it afterwards.
  std::atomic<std::byte *> mem;
  void *map_base;  // the page-aligned mapping, for munmap
  size_t map_len;
  bool can_sendfile;
  evbuffer_file_segment_cleanup_cb cleanup;
  void *cleanup_arg;
};

namespace eventide::detail {

// evbuffer_file_segment_new after argument checks: NULL (logged) on failure.
evbuffer_file_segment *segment_new(int fd, int64_t offset, int64_t length, unsigned flags);
// Maps or reads the whole segment; its bytes, or nullptr on failure.
std::byte *segment_materialize(evbuffer_file_segment *seg);
void segment_incref(evbuffer_file_segment *seg);
// The last reference runs the cleanup callback, unmaps and closes.
void segment_decref(evbuffer_file_segment *seg);

}  // namespace eventide::detail
