// event_set_mem_functions and the allocators that honour it.
#include "util/mem.hpp"

#include <event2/event.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace eventide::detail {
namespace {
void *(*g_malloc)(size_t) = nullptr;
void *(*g_realloc)(void *, size_t) = nullptr;
void (*g_free)(void *) = nullptr;
}  // namespace

void *mm_malloc(size_t n) {
  if (n == 0) return nullptr;
  return g_malloc ? g_malloc(n) : std::malloc(n);
}

void *mm_calloc(size_t count, size_t size) {
  if (count == 0 || size == 0) return nullptr;
  if (!g_malloc) return std::calloc(count, size);
  if (size > SIZE_MAX / count) {
    errno = ENOMEM;
    return nullptr;
  }
  void *p = g_malloc(count * size);
  if (p) std::memset(p, 0, count * size);
  return p;
}

void *mm_realloc(void *p, size_t n) {
  return g_realloc ? g_realloc(p, n) : std::realloc(p, n);
}

void mm_free(void *p) {
  if (g_free)
    g_free(p);
  else
    std::free(p);
}

char *mm_strdup(const char *s) {
  if (!s) return nullptr;
  size_t n = std::strlen(s) + 1;
  char *p = static_cast<char *>(mm_malloc(n));
  if (p) std::memcpy(p, s, n);
  return p;
}
}  // namespace eventide::detail

extern "C" EVENT2_EXPORT_SYMBOL void event_set_mem_functions(void *(*malloc_fn)(size_t),
                                                             void *(*realloc_fn)(void *, size_t),
                                                             void (*free_fn)(void *)) {
  eventide::detail::g_malloc = malloc_fn;
  eventide::detail::g_realloc = realloc_fn;
  eventide::detail::g_free = free_fn;
}
