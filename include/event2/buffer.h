/* eventide: the evbuffer C face (libevent 2.1's event2/buffer.h): a byte queue
   made of a chain of chunks, for staging data read from or written to sockets. */
#ifndef EVENT2_BUFFER_H_INCLUDED_
#define EVENT2_BUFFER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque. Every function below takes the buffer's lock (when locking is
   enabled) for its whole duration; NULL buffers get -1/NULL/0 and a warning. */
struct evbuffer;

/* A position inside a buffer, from its first byte (pos 0) up to just past its
   last byte (pos == length). pos is -1 for "not found" or "out of range".
   Build and move it only with evbuffer_ptr_set or the search functions; any
   change at the front of the buffer makes it stale. */
struct evbuffer_ptr {
  /* Offset from the start of the buffer; -1 when not found or out of range. */
  ev_ssize_t pos;
  /* Private: where pos lies inside the chain list; do not touch. */
  struct {
    void *chain;
    size_t pos_in_chain;
  } internal_;
};

/* Extents handed out by reserve_space and peek: the system's struct iovec. */
#define evbuffer_iovec iovec
/* Defined because evbuffer_iovec is the system's struct iovec. */
#define EVBUFFER_IOVEC_IS_NATIVE_

/* A new empty buffer, or NULL when memory is short. */
EVENT2_EXPORT_SYMBOL struct evbuffer *evbuffer_new(void);
/* Releases the buffer and its data (reference cleanups run, file segments are
   released). Inside one of the buffer's own callbacks the release waits until
   the callback returns. NULL is ignored. */
EVENT2_EXPORT_SYMBOL void evbuffer_free(struct evbuffer *buf);

/* Makes the buffer lockable: lock is a recursive lock from the evthread
   callbacks, or NULL to allocate one (fails with -1 when threading was not
   enabled). Callbacks run with the lock held. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_enable_locking(struct evbuffer *buf, void *lock);
/* Take or drop the buffer's lock (no-op without locking). */
EVENT2_EXPORT_SYMBOL void evbuffer_lock(struct evbuffer *buf);
/* Releases the lock taken by evbuffer_lock. */
EVENT2_EXPORT_SYMBOL void evbuffer_unlock(struct evbuffer *buf);

/* The buffer will be drained into a socket: file segments added afterwards
   are sent with sendfile instead of being mapped into memory. */
#define EVBUFFER_FLAG_DRAINS_TO_FD 1
/* Set or clear EVBUFFER_FLAG_* bits. 0, or -1 for unknown bits. */
EVENT2_EXPORT_SYMBOL int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags);
/* Clears EVBUFFER_FLAG_* bits. 0, or -1 for unknown bits. */
EVENT2_EXPORT_SYMBOL int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags);

/* Bytes stored. */
EVENT2_EXPORT_SYMBOL size_t evbuffer_get_length(const struct evbuffer *buf);
/* Bytes stored contiguously at the front (0 when empty). */
EVENT2_EXPORT_SYMBOL size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);
/* Makes sure datlen more bytes can be added without allocating. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_expand(struct evbuffer *buf, size_t datlen);

/* Hands out writable space at the end: at least size bytes in 1 or 2 extents
   (n_vec >= 1; one extent when n_vec is 1). Nothing is added until
   evbuffer_commit_space. Returns the number of extents used, 0 for size 0, or
   -1 (end frozen, n_vec < 1, negative size, no memory). */
EVENT2_EXPORT_SYMBOL int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
                                                struct evbuffer_iovec *vec, int n_vec);
/* Adds the first iov_len bytes of each extent from the last reserve_space (the
   lengths may be shortened, the bases must be unchanged). -1 when the vectors
   were not reserved, were already committed, or data was added in between. */
EVENT2_EXPORT_SYMBOL int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
                                               int n_vecs);

/* Copies datlen bytes to the end. 0 or -1 (end frozen, no memory). */
EVENT2_EXPORT_SYMBOL int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);
/* Copies up to datlen bytes from the front into data and drains them: the
   count copied, or -1 (front frozen). */
EVENT2_EXPORT_SYMBOL int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);
/* Like evbuffer_remove without draining. */
EVENT2_EXPORT_SYMBOL ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out,
                                                 size_t datlen);
/* Copies up to datlen bytes starting at pos (NULL: the front). */
EVENT2_EXPORT_SYMBOL ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
                                                      const struct evbuffer_ptr *pos,
                                                      void *data_out, size_t datlen);
/* Moves up to datlen bytes from the front of src to the end of dst, moving
   whole chunks where it can. The count moved, or -1 (src front or dst end
   frozen). */
EVENT2_EXPORT_SYMBOL int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
                                                size_t datlen);

/* How evbuffer_readln and evbuffer_search_eol recognise the end of a line. */
enum evbuffer_eol_style {
  /* Any run of CR and LF bytes. */
  EVBUFFER_EOL_ANY,
  /* LF, with an optional CR just before it. */
  EVBUFFER_EOL_CRLF,
  /* CR followed by LF. */
  EVBUFFER_EOL_CRLF_STRICT,
  /* LF. */
  EVBUFFER_EOL_LF,
  /* A NUL byte. */
  EVBUFFER_EOL_NUL
};

/* Removes one line and its end-of-line from the front. Returns the line
   without the end-of-line, NUL-terminated, allocated with the
   event_set_mem_functions allocator (free it with free()); *n_read_out gets
   its length. NULL (and *n_read_out = 0) when no complete line is there, the
   front is frozen or the style is unknown. */
EVENT2_EXPORT_SYMBOL char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
                                           enum evbuffer_eol_style eol_style);

/* Moves all of inbuf to the end of outbuf without copying. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);
/* Adds inbuf's current content to outbuf without copying and without
   draining inbuf: the chunks are shared and stay alive until both buffers
   are done with them. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_buffer_reference(struct evbuffer *outbuf,
                                                       struct evbuffer *inbuf);

/* Called once when memory added by reference is no longer used. */
typedef void (*evbuffer_ref_cleanup_cb)(const void *data, size_t datalen, void *extra);
/* Adds datlen bytes at data without copying them; the memory must stay valid
   and unchanged until cleanupfn (may be NULL) is called, which happens
   exactly once: when the last of these bytes is drained or the buffer is
   freed. 0 or -1 (and cleanupfn is then not called). */
EVENT2_EXPORT_SYMBOL int evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
                                                size_t datlen, evbuffer_ref_cleanup_cb cleanupfn,
                                                void *cleanupfn_arg);

/* Adds length bytes of file fd from offset (length -1: to the end of the
   file). The buffer owns fd from then on and closes it when done; on failure
   (-1) fd stays the caller's. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
                                           ev_off_t length);

/* A piece of a file that can be added to any number of buffers. */
struct evbuffer_file_segment;

/* Close the fd when the segment is released. */
#define EVBUF_FS_CLOSE_ON_FREE 0x01
/* Read the file into memory instead of mapping it. */
#define EVBUF_FS_DISABLE_MMAP 0x02
/* Never use sendfile for this segment. */
#define EVBUF_FS_DISABLE_SENDFILE 0x04
/* The segment is only used from one thread. */
#define EVBUF_FS_DISABLE_LOCKING 0x08

/* Called once when the segment is released, with the segment's flags. */
typedef void (*evbuffer_file_segment_cleanup_cb)(struct evbuffer_file_segment const *seg, int flags,
                                                 void *arg);

/* A segment of length bytes of fd from offset (length -1: to the end of the
   file), with EVBUF_FS_* flags; NULL on failure. */
EVENT2_EXPORT_SYMBOL struct evbuffer_file_segment *evbuffer_file_segment_new(int fd,
                                                                             ev_off_t offset,
                                                                             ev_off_t length,
                                                                             unsigned flags);
/* Drops the caller's reference; the segment lives on while buffers hold it. */
EVENT2_EXPORT_SYMBOL void evbuffer_file_segment_free(struct evbuffer_file_segment *seg);
/* Sets the function called when the segment is finally released. */
EVENT2_EXPORT_SYMBOL void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
                                                               evbuffer_file_segment_cleanup_cb cb,
                                                               void *arg);
/* Adds length bytes of the segment from offset (inside the segment; length
   -1: to its end). 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_file_segment(struct evbuffer *buf,
                                                   struct evbuffer_file_segment *seg,
                                                   ev_off_t offset, ev_off_t length);

/* printf to the end: the number of bytes added, or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* evbuffer_add_printf with a va_list: bytes added, or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/* Discards len bytes from the front (all of them when len is larger).
   0, or -1 when the front is frozen. */
EVENT2_EXPORT_SYMBOL int evbuffer_drain(struct evbuffer *buf, size_t len);

/* Writes as much as the socket (or pipe) takes and drains it: the count
   written or -1 (errno set; never raises SIGPIPE on a socket). */
EVENT2_EXPORT_SYMBOL int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd);
/* Like evbuffer_write with at most howmuch bytes (negative: no limit). */
EVENT2_EXPORT_SYMBOL int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
                                               ev_ssize_t howmuch);
/* One read of up to howmuch bytes (negative or above the maximum read: the
   maximum read, see evbuffer_set_max_read) appended to the buffer: the count
   read, 0 at end of file, or -1 (errno set). */
EVENT2_EXPORT_SYMBOL int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch);

/* Where what (len bytes) first occurs at or after start (NULL: the front);
   pos -1 when absent. */
EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
                                                         size_t len,
                                                         const struct evbuffer_ptr *start);
/* Like evbuffer_search for a match that ends at or before end (NULL: the end
   of the buffer). */
EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
                                                               const char *what, size_t len,
                                                               const struct evbuffer_ptr *start,
                                                               const struct evbuffer_ptr *end);

/* How evbuffer_ptr_set moves a position. */
enum evbuffer_ptr_how {
  /* Set the position (the pointer may be uninitialised). */
  EVBUFFER_PTR_SET,
  /* Move the position forward. */
  EVBUFFER_PTR_ADD
};

/* Sets or advances a position. 0, or -1 (and pos = -1) when the result would
   lie past the end of the buffer. */
EVENT2_EXPORT_SYMBOL int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
                                          size_t position, enum evbuffer_ptr_how how);

/* Where the next end-of-line at or after start (NULL: the front) begins;
 *eol_len_out (may be NULL) gets its length. pos -1 when there is none. */
EVENT2_EXPORT_SYMBOL struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
                                                             struct evbuffer_ptr *start,
                                                             size_t *eol_len_out,
                                                             enum evbuffer_eol_style eol_style);

/* Points vec_out at the stored bytes without copying, from start_at (NULL:
   the front). With len >= 0 it returns how many extents cover len bytes
   (possibly more than n_vec, of which only n_vec are filled); with len < 0 it
   fills up to n_vec extents and returns how many it filled (with n_vec 0: the
   number needed for everything). The memory stays valid until the buffer
   changes. */
EVENT2_EXPORT_SYMBOL int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
                                       struct evbuffer_ptr *start_at,
                                       struct evbuffer_iovec *vec_out, int n_vec);

/* What changed since the callback was last called. */
struct evbuffer_cb_info {
  /* Length when the callbacks last ran. */
  size_t orig_size;
  /* Bytes added since the callbacks last ran. */
  size_t n_added;
  /* Bytes removed since the callbacks last ran. */
  size_t n_deleted;
};

/* Called after the buffer's length changed (by the loop when callbacks are
   deferred). It may change this buffer, add callbacks and remove itself. */
typedef void (*evbuffer_cb_func)(struct evbuffer *buffer, const struct evbuffer_cb_info *info,
                                 void *arg);

struct evbuffer_cb_entry;
/* Adds an enabled callback; the handle removes or tunes it. NULL on failure. */
EVENT2_EXPORT_SYMBOL struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
                                                               evbuffer_cb_func cb, void *cbarg);
/* Removes a callback by handle. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_remove_cb_entry(struct evbuffer *buffer,
                                                  struct evbuffer_cb_entry *ent);
/* Removes the first callback with this function and argument. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
                                            void *cbarg);

/* A disabled callback is skipped. */
#define EVBUFFER_CB_ENABLED 1
/* Set or clear EVBUFFER_CB_* flags of a callback. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_cb_set_flags(struct evbuffer *buffer,
                                               struct evbuffer_cb_entry *cb, ev_uint32_t flags);
/* Clears EVBUFFER_CB_* flags of a callback. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_cb_clear_flags(struct evbuffer *buffer,
                                                 struct evbuffer_cb_entry *cb, ev_uint32_t flags);

/* eventide extension (libevent 2.1 declares these under #if 0 and does not
   ship them): a suspended callback is not called; unsuspending calls it once
   at once if the buffer changed meanwhile, with the changes since the
   suspension. */
EVENT2_EXPORT_SYMBOL void evbuffer_cb_suspend(struct evbuffer *buffer,
                                              struct evbuffer_cb_entry *cb);
/* Lifts a suspension; runs the callback once if the buffer changed meanwhile. */
EVENT2_EXPORT_SYMBOL void evbuffer_cb_unsuspend(struct evbuffer *buffer,
                                                struct evbuffer_cb_entry *cb);

/* Makes the first size bytes (negative: all) contiguous and returns them;
   NULL when size is 0 or larger than the buffer. The memory is the buffer's
   and stays valid until the buffer changes. */
EVENT2_EXPORT_SYMBOL unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

/* Copies size bytes to the front. 0 or -1 (front frozen). */
EVENT2_EXPORT_SYMBOL int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);
/* Moves all of src to the front of dst. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/* Freezes the front (at_front nonzero: no draining or prepending) or the end
   (no adding): the refused calls return -1. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_freeze(struct evbuffer *buf, int at_front);
/* Undoes evbuffer_freeze for the same end. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

struct event_base;
/* From now on the callbacks run from base's loop (in its thread) instead of
   inside the call that changed the buffer. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evbuffer_defer_callbacks(struct evbuffer *buffer, struct event_base *base);

/* Copies several extents to the end: the number of bytes added (0 on
   failure). */
EVENT2_EXPORT_SYMBOL size_t evbuffer_add_iovec(struct evbuffer *buffer, struct evbuffer_iovec *vec,
                                               int n_vec);

/* libevent 2.2 calls, offered by eventide: the most evbuffer_read takes in
   one call when asked for "as much as possible" (eventide's default is 64 KiB,
   libevent's 4096). set: 0, or -1 for 0 or more than INT_MAX. */
EVENT2_EXPORT_SYMBOL int evbuffer_set_max_read(struct evbuffer *buf, size_t max);
/* Most bytes one read may pull into the buffer. */
EVENT2_EXPORT_SYMBOL size_t evbuffer_get_max_read(struct evbuffer *buf);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_H_INCLUDED_ */
