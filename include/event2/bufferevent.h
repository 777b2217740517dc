/* eventide: buffered I/O over sockets, pairs and filters (libevent 2.1's
   event2/bufferevent.h): input/output evbuffers filled and drained by the loop. */
#ifndef EVENT2_BUFFEREVENT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of the event callback's `what`: a direction (READING or WRITING) with
   EOF, ERROR or TIMEOUT; CONNECTED arrives alone. */
#define BEV_EVENT_READING 0x01
/* Event bit: the error or EOF happened while writing. */
#define BEV_EVENT_WRITING 0x02
/* Event bit: the peer closed the connection (end of file). */
#define BEV_EVENT_EOF 0x10
/* Event bit: an I/O error; see EVUTIL_SOCKET_ERROR(). */
#define BEV_EVENT_ERROR 0x20
/* Event bit: a read or write timeout expired. */
#define BEV_EVENT_TIMEOUT 0x40
/* Event bit: a connect finished successfully. */
#define BEV_EVENT_CONNECTED 0x80

struct bufferevent;
struct event_base;
struct evbuffer;
struct sockaddr;
struct evdns_base;

/* Read callback: input holds at least the read low watermark. Write
   callback: output fell to (at or below) the write low watermark. */
typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
/* Event callback: BEV_EVENT_* bits (ORed since the last call when deferred). */
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

/* Options for bufferevent constructors, ORed together. */
enum bufferevent_options {
  BEV_OPT_CLOSE_ON_FREE = (1 << 0),   /* bufferevent_free closes the fd / frees the underlying */
  BEV_OPT_THREADSAFE = (1 << 1),      /* a recursive lock (needs evthread_use_pthreads first) */
  BEV_OPT_DEFER_CALLBACKS = (1 << 2), /* callbacks run later from the loop */
  BEV_OPT_UNLOCK_CALLBACKS = (1 << 3) /* deferred callbacks run without the lock (needs DEFER) */
};

/* A bufferevent over a connected (or, with fd -1, not yet created) socket.
   Starts with EV_WRITE enabled and EV_READ disabled. NULL on failure (logged):
   NULL base, bad options, THREADSAFE before threading was enabled. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_socket_new(struct event_base *base,
                                                                evutil_socket_t fd, int options);
/* Starts a nonblocking connect (creating the socket when the fd is -1;
   sa NULL: the fd is already connecting). Success and failure arrive in the
   event callback (CONNECTED, or ERROR with EVUTIL_SOCKET_ERROR() set). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_socket_connect(struct bufferevent *bev,
                                                    const struct sockaddr *sa, int socklen);
/* Resolves hostname (AF_INET, AF_INET6 or AF_UNSPEC) and connects to the first
   address. eventide never blocks the loop: without an evdns_base the lookup
   runs on a helper thread and completes from the loop. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_socket_connect_hostname(struct bufferevent *bev,
                                                             struct evdns_base *evdns_base,
                                                             int family, const char *hostname,
                                                             int port);
/* The EVUTIL_EAI_* code of the last failed lookup, 0 if none. */
EVENT2_EXPORT_SYMBOL int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* Moves a socket bufferevent to another base (before it is enabled). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);
/* The base the bufferevent is attached to. */
EVENT2_EXPORT_SYMBOL struct event_base *bufferevent_get_base(struct bufferevent *bev);
/* Socket bufferevents only; fails while one of its events is active. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_priority_set(struct bufferevent *bufev, int pri);
/* The priority of the bufferevent's events (socket bufferevents). */
EVENT2_EXPORT_SYMBOL int bufferevent_get_priority(const struct bufferevent *bufev);

/* Drops the user's reference: callbacks stop at once, memory (and with
   CLOSE_ON_FREE the fd) goes on the loop's next iteration or at
   event_base_free. Safe inside the bufferevent's own callbacks. Output not
   yet written is discarded. */
EVENT2_EXPORT_SYMBOL void bufferevent_free(struct bufferevent *bufev);

/* Sets the callbacks (NULL disables one) and their shared argument. */
EVENT2_EXPORT_SYMBOL void bufferevent_setcb(struct bufferevent *bufev, bufferevent_data_cb readcb,
                                            bufferevent_data_cb writecb,
                                            bufferevent_event_cb eventcb, void *cbarg);
/* Any out-pointer may be NULL. */
EVENT2_EXPORT_SYMBOL void bufferevent_getcb(struct bufferevent *bufev,
                                            bufferevent_data_cb *readcb_ptr,
                                            bufferevent_data_cb *writecb_ptr,
                                            bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

/* Replaces the fd of a socket bufferevent (the old one is not closed); for a
   filter, the underlying bufferevent's. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
/* The fd, or -1 (pairs, or no fd yet). */
EVENT2_EXPORT_SYMBOL evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);
/* A filter's underlying bufferevent; NULL for other kinds. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);

/* Appends to output; written when the socket allows. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_write(struct bufferevent *bufev, const void *data,
                                           size_t size);
/* Moves all of buf to output (buf is drained). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);
/* Removes up to size bytes from input: the count removed. */
EVENT2_EXPORT_SYMBOL size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);
/* Moves all of input to buf. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);

/* The buffers themselves: drain input, add to output; never set their callbacks
   with evbuffer_setcb (add your own with evbuffer_add_cb instead). */
EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
/* The output evbuffer, owned by the bufferevent; add data to it. */
EVENT2_EXPORT_SYMBOL struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

/* EV_READ and/or EV_WRITE. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_enable(struct bufferevent *bufev, short event);
/* Stops reading and/or writing (EV_READ, EV_WRITE). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_disable(struct bufferevent *bufev, short event);
/* The EV_READ / EV_WRITE bits currently enabled. */
EVENT2_EXPORT_SYMBOL short bufferevent_get_enabled(struct bufferevent *bufev);

/* Time allowed between progress in a direction while it is enabled and
   waiting; NULL or zero: none. A timeout disables its direction and reports
   TIMEOUT|READING or TIMEOUT|WRITING. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_set_timeouts(struct bufferevent *bufev,
                                                  const struct timeval *timeout_read,
                                                  const struct timeval *timeout_write);

/* Read: the callback waits for `lowmark` bytes; reading pauses while input
   holds `highmark` (0: no limit; never exceeded by socket bufferevents).
   Write: the callback fires at or below `lowmark`; filters keep the
   underlying output under `highmark`.
   Backpressure (nothing caps an output buffer by itself): when relaying from
   A to a slower B, give A a read high watermark, disable EV_READ on A once
   B's output passes a limit, set B's write low watermark, and enable EV_READ
   on A again from B's write callback. */
EVENT2_EXPORT_SYMBOL void bufferevent_setwatermark(struct bufferevent *bufev, short events,
                                                   size_t lowmark, size_t highmark);
/* events must be exactly EV_READ or EV_WRITE: 0, else -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_getwatermark(struct bufferevent *bufev, short events,
                                                  size_t *lowmark, size_t *highmark);

/* The bufferevent's (recursive) lock; no-ops without BEV_OPT_THREADSAFE. */
EVENT2_EXPORT_SYMBOL void bufferevent_lock(struct bufferevent *bufev);
/* Releases the lock taken by bufferevent_lock. */
EVENT2_EXPORT_SYMBOL void bufferevent_unlock(struct bufferevent *bufev);
/* References: the memory lives while one is held. decref returns 1 when it
   released the last one, else 0. */
EVENT2_EXPORT_SYMBOL void bufferevent_incref(struct bufferevent *bufev);
/* Drops a reference taken by bufferevent_incref; 1 if that freed it, else 0. */
EVENT2_EXPORT_SYMBOL int bufferevent_decref(struct bufferevent *bufev);

/* What bufferevent_flush and filters are asked to do: move data, flush, or finish the stream. */
enum bufferevent_flush_mode { BEV_NORMAL = 0, BEV_FLUSH = 1, BEV_FINISHED = 2 };

/* Pushes data through filters and pairs (no-op for sockets): -1 on failure,
   0 if nothing moved, 1 if something did. */
EVENT2_EXPORT_SYMBOL int bufferevent_flush(struct bufferevent *bufev, short iotype,
                                           enum bufferevent_flush_mode mode);

/* Options for bufferevent_trigger and bufferevent_trigger_event. */
enum bufferevent_trigger_options {
  BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
  BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/* Runs the read and/or write callback now (or deferred) as if data moved. */
EVENT2_EXPORT_SYMBOL void bufferevent_trigger(struct bufferevent *bufev, short iotype, int options);
/* Runs the event callback with `what`. */
EVENT2_EXPORT_SYMBOL void bufferevent_trigger_event(struct bufferevent *bufev, short what,
                                                    int options);

/* ---- Filters ---------------------------------------------------------- */

/* What a filter callback reports. */
enum bufferevent_filter_result {
  BEV_OK = 0,        /* produced output */
  BEV_NEED_MORE = 1, /* needs more input before it can produce anything */
  BEV_ERROR = 2      /* the stream is broken */
};

/* Moves (transformed) bytes from src to dst, ideally no more than dst_limit
   (-1: no limit); mode asks for a flush or the end of the stream. */
typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(struct evbuffer *src,
                                                                struct evbuffer *dst,
                                                                ev_ssize_t dst_limit,
                                                                enum bufferevent_flush_mode mode,
                                                                void *ctx);

/* A bufferevent that transforms data on its way to and from `underlying`
   (NULL filters copy). The filter takes over underlying's callbacks; with
   CLOSE_ON_FREE, freeing the filter frees underlying too. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_filter_new(
    struct bufferevent *underlying, bufferevent_filter_cb input_filter,
    bufferevent_filter_cb output_filter, int options, void (*free_context)(void *), void *ctx);

/* ---- Pairs ------------------------------------------------------------ */

/* Two bufferevents joined in memory: what one writes the other reads.
   Callbacks are always deferred. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_pair_new(struct event_base *base, int options,
                                              struct bufferevent *pair[2]);
/* The other end, or NULL once it was freed. */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

/* ---- Rate limits ------------------------------------------------------ */

struct ev_token_bucket_cfg;
struct bufferevent_rate_limit_group;

/* Largest rate a token bucket accepts. */
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX

/* Token buckets: up to `rate` bytes per tick on average and `burst` in one
   tick (burst >= rate >= 1); tick_len NULL means one second. NULL on bad values. */
EVENT2_EXPORT_SYMBOL struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(
    size_t read_rate, size_t read_burst, size_t write_rate, size_t write_burst,
    const struct timeval *tick_len);
/* Only once no bufferevent or group uses it (they keep the pointer). */
EVENT2_EXPORT_SYMBOL void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);

/* cfg NULL removes the bufferevent's own limit. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_set_rate_limit(struct bufferevent *bev,
                                                    struct ev_token_bucket_cfg *cfg);

/* A limit shared by all its members (the group copies cfg). */
EVENT2_EXPORT_SYMBOL struct bufferevent_rate_limit_group *bufferevent_rate_limit_group_new(
    struct event_base *base, const struct ev_token_bucket_cfg *cfg);
/* Replaces the group's limits (copied from cfg). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *,
                                                              const struct ev_token_bucket_cfg *);
/* Smallest share a member may take per tick (default 64 bytes). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_set_min_share(
    struct bufferevent_rate_limit_group *, size_t);
/* The group must have no members left. */
EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *);
/* g NULL removes bev from its group. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_add_to_rate_limit_group(
    struct bufferevent *bev, struct bufferevent_rate_limit_group *g);
/* Removes bev from its rate-limit group. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev);

/* Most bytes one read / one write moves; 0 restores the default (eventide:
   64 KiB; libevent: 16 KiB). 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
/* Most bytes one write moves; 0 restores the default. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
/* Most bytes one read moves. */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
/* Most bytes one write moves. */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);

/* The bufferevent's own bucket (EV_SSIZE_MAX without a limit; may be negative). */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev);
/* The bufferevent's own write bucket (EV_SSIZE_MAX without a limit). */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev);
/* What the next read / write may move, all limits considered. */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
/* What the next write may move, all limits considered. */
EVENT2_EXPORT_SYMBOL ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);
/* The bufferevent's own token-bucket config, or NULL; still owned by the caller. */
EVENT2_EXPORT_SYMBOL const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(
    const struct bufferevent *bev);

EVENT2_EXPORT_SYMBOL ev_ssize_t
/* The group's current read bucket. */
bufferevent_rate_limit_group_get_read_limit(struct bufferevent_rate_limit_group *);
EVENT2_EXPORT_SYMBOL ev_ssize_t
/* The group's current write bucket. */
bufferevent_rate_limit_group_get_write_limit(struct bufferevent_rate_limit_group *);

/* Take bytes from (negative: give bytes to) the bufferevent's own bucket,
   pausing or resuming it as the bucket crosses zero. 0 or -1 (no own limit). */
EVENT2_EXPORT_SYMBOL int bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr);
/* Take bytes from (negative: give to) the bufferevent's own write bucket. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_decrement_write_limit(struct bufferevent *bev,
                                                           ev_ssize_t decr);
/* The same for a group's bucket. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_decrement_read(
    struct bufferevent_rate_limit_group *, ev_ssize_t);
/* The same for a group's write bucket. 0 or -1. */
EVENT2_EXPORT_SYMBOL int bufferevent_rate_limit_group_decrement_write(
    struct bufferevent_rate_limit_group *, ev_ssize_t);

/* Bytes the group's members read and wrote since creation or the last reset. */
EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_get_totals(
    struct bufferevent_rate_limit_group *grp, ev_uint64_t *total_read_out,
    ev_uint64_t *total_written_out);
/* Zero the group's read and write totals. */
EVENT2_EXPORT_SYMBOL void bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_H_INCLUDED_ */
