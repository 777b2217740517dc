/* eventide: deprecated evbuffer calls kept for libevent 1.x programs
   (libevent 2.1's event2/buffer_compat.h). New code uses event2/buffer.h. */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY). */
EVENT2_EXPORT_SYMBOL char *evbuffer_readline(struct evbuffer *buffer);

/* Old-style callback: the length before and after a change. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len, size_t new_len, void *arg);

/* Replaces every callback added with evbuffer_add_cb or evbuffer_setcb by cb
   (NULL: none). eventide keeps the callbacks its bufferevents install. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

/* Makes the buffer contiguous up to the first occurrence of what and returns
   a pointer to it inside the buffer, or NULL. */
EVENT2_EXPORT_SYMBOL unsigned char *evbuffer_find(struct evbuffer *buffer,
                                                  const unsigned char *what, size_t len);

/* Bytes stored in the buffer. */
#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
/* All the buffer's bytes made contiguous (owned by the buffer); NULL when empty. */
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
