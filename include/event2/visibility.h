/* eventide: export macro of the libevent 2.1 C face. */
#ifndef EVENT2_VISIBILITY_H_INCLUDED_
#define EVENT2_VISIBILITY_H_INCLUDED_

#include <event2/event-config.h>

#if defined(__GNUC__)
/* Marks a function as part of the library's exported ABI. */
#define EVENT2_EXPORT_SYMBOL __attribute__((visibility("default")))
#else
/* Marks a function as part of the library's exported ABI (no-op without GCC attributes). */
#define EVENT2_EXPORT_SYMBOL
#endif
/* Alias of EVENT2_EXPORT_SYMBOL for libevent's core-library declarations. */
#define EVENT2_CORE_EXPORT_SYMBOL EVENT2_EXPORT_SYMBOL

#endif
