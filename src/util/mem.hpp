// Allocation through event_set_mem_functions' hooks (malloc by default), so
// memory handed to or taken from users matches what they installed.
#pragma once

#include <cstddef>

namespace eventide::detail {
void *mm_malloc(size_t n);
void *mm_calloc(size_t count, size_t size);
void *mm_realloc(void *p, size_t n);
void mm_free(void *p);
char *mm_strdup(const char *s);
}  // namespace eventide::detail
