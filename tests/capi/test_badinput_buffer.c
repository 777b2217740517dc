/* Bad input to every call of event2/buffer.h, one row per call and input:
   NULL where a buffer, vector or pointer belongs, closed or negative
   descriptors, flags and styles that do not exist, positions past the end.
   The rows are docs/bad-input.md's buffer table; see test_badinput_harness.h. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/event.h>

#include <stdarg.h>
#include <stdint.h>

#include "test_badinput_harness.h"

static struct evbuffer_iovec bi_vec[2];
static char bi_out[64];
static size_t bi_n;

static void bi_buf_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
  (void)b;
  (void)info;
  (void)arg;
}
static void bi_seg_cb(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  (void)seg;
  (void)flags;
  (void)arg;
}

/* A vector that evbuffer_reserve_space never handed out. */
static long bi_commit_foreign(void) {
  static char elsewhere[8];
  struct evbuffer_iovec v = {elsewhere, 4};
  return evbuffer_commit_space(bi_buf, &v, 1);
}
static long bi_copyout_past_end(void) {
  struct evbuffer_ptr p;
  evbuffer_ptr_set(bi_buf, &p, 0, EVBUFFER_PTR_SET);
  p.pos = 99;
  return evbuffer_copyout_from(bi_buf, &p, bi_out, 1);
}
static long bi_segment_bad_flags(void) {
  struct evbuffer_file_segment *s = evbuffer_file_segment_new(bi_file, 0, 4, 0x100);
  if (s) evbuffer_file_segment_free(s);
  return s != NULL;
}
static long bi_add_segment_null_buf(void) {
  struct evbuffer_file_segment *s = evbuffer_file_segment_new(bi_file, 0, 4, 0);
  long r = evbuffer_add_file_segment(NULL, s, 0, 4);
  evbuffer_file_segment_free(s);
  return r;
}
static long bi_add_segment_bad_range(void) {
  struct evbuffer_file_segment *s = evbuffer_file_segment_new(bi_file, 0, 10, 0);
  long r = evbuffer_add_file_segment(bi_buf, s, 8, 100);
  evbuffer_file_segment_free(s);
  return r;
}
static long bi_printf_null_fmt(void) {
  const char *volatile fmt = NULL;
  return evbuffer_add_printf(bi_buf, fmt);
}
static long bi_search_range_backwards(void) {
  struct evbuffer_ptr start, end;
  evbuffer_ptr_set(bi_buf, &start, 8, EVBUFFER_PTR_SET);
  evbuffer_ptr_set(bi_buf, &end, 2, EVBUFFER_PTR_SET);
  return evbuffer_search_range(bi_buf, "l", 1, &start, &end).pos;
}
static long bi_ptr_set_null_buf(void) {
  struct evbuffer_ptr p;
  return evbuffer_ptr_set(NULL, &p, 0, EVBUFFER_PTR_SET);
}
static long bi_ptr_set_past_end(void) {
  struct evbuffer_ptr p;
  return evbuffer_ptr_set(bi_buf, &p, 99, EVBUFFER_PTR_SET);
}
static long bi_ptr_set_bad_how(void) {
  struct evbuffer_ptr p;
  return evbuffer_ptr_set(bi_buf, &p, 0, (enum evbuffer_ptr_how)7);
}
static long bi_remove_entry_null_buf(void) {
  struct evbuffer_cb_entry *e = evbuffer_add_cb(bi_buf, bi_buf_cb, NULL);
  return evbuffer_remove_cb_entry(NULL, e);
}
static long bi_cb_set_flags_null_buf(void) {
  struct evbuffer_cb_entry *e = evbuffer_add_cb(bi_buf, bi_buf_cb, NULL);
  return evbuffer_cb_set_flags(NULL, e, EVBUFFER_CB_ENABLED);
}
static long bi_cb_set_bad_flags(void) {
  struct evbuffer_cb_entry *e = evbuffer_add_cb(bi_buf, bi_buf_cb, NULL);
  return evbuffer_cb_set_flags(bi_buf, e, 0x80);
}
static long bi_vprintf_null_buf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  long r = evbuffer_add_vprintf(NULL, fmt, ap);
  va_end(ap);
  return r;
}

/* X(id, the call as the table writes it, the call, eventide's result, logs?,
     libevent: BI_SAME / BI_CRASH / BI_OTHER with its result / BI_ANY) */
#define FN(id, call, expr, want, warns, le, le_want) \
  static long id(void) {                             \
    return (long)(expr);                             \
  }
#define ROW(id, call, expr, want, warns, le, le_want) {call, id, want, warns, le, le_want},

#define BUFFER_CALLS_ROWS(X)                                                                       \
  X(buffer_calls_0, "evbuffer_free(NULL)", (evbuffer_free(NULL), 0), 0, 0, BI_CRASH, 0)            \
  X(buffer_calls_1, "evbuffer_enable_locking(NULL, NULL)", evbuffer_enable_locking(NULL, NULL),    \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_2, "evbuffer_lock(NULL)", (evbuffer_lock(NULL), 0), 0, 1, BI_CRASH, 0)            \
  X(buffer_calls_3, "evbuffer_unlock(NULL)", (evbuffer_unlock(NULL), 0), 0, 1, BI_CRASH, 0)        \
  X(buffer_calls_4, "evbuffer_set_flags(NULL, 0)", evbuffer_set_flags(NULL, 0), -1, 1, BI_CRASH,   \
    0)                                                                                             \
  X(buffer_calls_5, "evbuffer_set_flags(buf, 0x80)", evbuffer_set_flags(bi_buf, 0x80), -1, 1,      \
    BI_OTHER, 0)                                                                                   \
  X(buffer_calls_6, "evbuffer_clear_flags(NULL, 0)", evbuffer_clear_flags(NULL, 0), -1, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_7, "evbuffer_get_length(NULL)", (long)evbuffer_get_length(NULL), 0, 1, BI_CRASH,  \
    0)                                                                                             \
  X(buffer_calls_8, "evbuffer_get_contiguous_space(NULL)",                                         \
    (long)evbuffer_get_contiguous_space(NULL), 0, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_9, "evbuffer_expand(NULL, 10)", evbuffer_expand(NULL, 10), -1, 1, BI_CRASH, 0)    \
  X(buffer_calls_10, "evbuffer_expand(buf, SIZE_MAX)", evbuffer_expand(bi_buf, (size_t)-1), -1, 1, \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_11, "evbuffer_reserve_space(NULL, 10, vec, 1)",                                   \
    evbuffer_reserve_space(NULL, 10, bi_vec, 1), -1, 1, BI_CRASH, 0)                               \
  X(buffer_calls_12, "evbuffer_reserve_space(buf, 10, NULL, 1)",                                   \
    evbuffer_reserve_space(bi_buf, 10, NULL, 1), -1, 1, BI_CRASH, 0)                               \
  X(buffer_calls_13, "evbuffer_reserve_space(buf, 10, vec, 0)",                                    \
    evbuffer_reserve_space(bi_buf, 10, bi_vec, 0), -1, 1, BI_SAME, 0)                              \
  X(buffer_calls_14, "evbuffer_reserve_space(buf, -1, vec, 1)",                                    \
    evbuffer_reserve_space(bi_buf, -1, bi_vec, 1), -1, 1, BI_SAME, 0)                              \
  X(buffer_calls_15, "evbuffer_commit_space(NULL, vec, 1)",                                        \
    evbuffer_commit_space(NULL, bi_vec, 1), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_16, "evbuffer_commit_space(buf, NULL, 1)",                                        \
    evbuffer_commit_space(bi_buf, NULL, 1), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_17, "evbuffer_commit_space(buf, unreserved vec, 1)", bi_commit_foreign(), -1, 1,  \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_18, "evbuffer_add(NULL, \"x\", 1)", evbuffer_add(NULL, "x", 1), -1, 1, BI_CRASH,  \
    0)                                                                                             \
  X(buffer_calls_19, "evbuffer_add(buf, NULL, 5)", evbuffer_add(bi_buf, NULL, 5), -1, 1, BI_CRASH, \
    0)                                                                                             \
  X(buffer_calls_20, "evbuffer_add(buf, NULL, 0)", evbuffer_add(bi_buf, NULL, 0), 0, 0, BI_SAME,   \
    0)                                                                                             \
  X(buffer_calls_21, "evbuffer_remove(NULL, out, 1)", evbuffer_remove(NULL, bi_out, 1), -1, 1,     \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_22, "evbuffer_remove(buf, NULL, 5)", evbuffer_remove(bi_buf, NULL, 5), -1, 1,     \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_23, "evbuffer_copyout(NULL, out, 1)", evbuffer_copyout(NULL, bi_out, 1), -1, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_24, "evbuffer_copyout(buf, NULL, 5)", evbuffer_copyout(bi_buf, NULL, 5), -1, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_25, "evbuffer_copyout_from(buf, NULL, out, 1)",                                   \
    evbuffer_copyout_from(bi_buf, NULL, bi_out, 1), 1, 0, BI_SAME, 0)                              \
  X(buffer_calls_26, "evbuffer_copyout_from(buf, pos past end, out, 1)", bi_copyout_past_end(),    \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_27, "evbuffer_remove_buffer(NULL, buf, 1)",                                       \
    evbuffer_remove_buffer(NULL, bi_buf, 1), -1, 1, BI_CRASH, 0)                                   \
  X(buffer_calls_28, "evbuffer_remove_buffer(buf, NULL, 1)",                                       \
    evbuffer_remove_buffer(bi_buf, NULL, 1), -1, 1, BI_CRASH, 0)                                   \
  X(buffer_calls_29, "evbuffer_remove_buffer(buf, buf, 1)",                                        \
    evbuffer_remove_buffer(bi_buf, bi_buf, 1), 0, 0, BI_SAME, 0)                                   \
  X(buffer_calls_30, "evbuffer_readln(NULL, &n, EVBUFFER_EOL_LF)",                                 \
    evbuffer_readln(NULL, &bi_n, EVBUFFER_EOL_LF) != NULL, 0, 1, BI_CRASH, 0)                      \
  X(buffer_calls_31, "evbuffer_readln(buf, NULL, 42)",                                             \
    evbuffer_readln(bi_buf, NULL, (enum evbuffer_eol_style)42) != NULL, 0, 1, BI_SAME, 0)          \
  X(buffer_calls_32, "evbuffer_add_buffer(NULL, buf)", evbuffer_add_buffer(NULL, bi_buf), -1, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_33, "evbuffer_add_buffer(buf, NULL)", evbuffer_add_buffer(bi_buf, NULL), -1, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_34, "evbuffer_add_buffer(buf, buf)", evbuffer_add_buffer(bi_buf, bi_buf), 0, 0,   \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_35, "evbuffer_add_buffer_reference(NULL, buf)",                                   \
    evbuffer_add_buffer_reference(NULL, bi_buf), -1, 1, BI_CRASH, 0)                               \
  X(buffer_calls_36, "evbuffer_add_buffer_reference(buf, NULL)",                                   \
    evbuffer_add_buffer_reference(bi_buf, NULL), -1, 1, BI_CRASH, 0)                               \
  X(buffer_calls_37, "evbuffer_add_buffer_reference(buf, buf)",                                    \
    evbuffer_add_buffer_reference(bi_buf, bi_buf), 0, 0, BI_OTHER, -1)                             \
  X(buffer_calls_38, "evbuffer_add_reference(NULL, \"x\", 1, NULL, NULL)",                         \
    evbuffer_add_reference(NULL, "x", 1, NULL, NULL), -1, 1, BI_CRASH, 0)                          \
  X(buffer_calls_39, "evbuffer_add_reference(buf, NULL, 5, NULL, NULL)",                           \
    evbuffer_add_reference(bi_buf, NULL, 5, NULL, NULL), -1, 1, BI_OTHER, 0)                       \
  X(buffer_calls_40, "evbuffer_add_file(NULL, file, 0, 4)",                                        \
    evbuffer_add_file(NULL, bi_file, 0, 4), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_41, "evbuffer_add_file(buf, closed fd, 0, 4)",                                    \
    evbuffer_add_file(bi_buf, bi_closed, 0, 4), -1, 1, BI_SAME, 0)                                 \
  X(buffer_calls_42, "evbuffer_add_file(buf, -1, 0, 4)", evbuffer_add_file(bi_buf, -1, 0, 4), -1,  \
    1, BI_SAME, 0)                                                                                 \
  X(buffer_calls_43, "evbuffer_add_file(buf, file, -5, 4)",                                        \
    evbuffer_add_file(bi_buf, bi_file, -5, 4), -1, 1, BI_SAME, 0)                                  \
  X(buffer_calls_44, "evbuffer_add_file(buf, file, 0, -5)",                                        \
    evbuffer_add_file(bi_buf, bi_file, 0, -5), -1, 1, BI_SAME, 0)                                  \
  X(buffer_calls_45, "evbuffer_file_segment_new(closed fd, 0, 4, 0)",                              \
    evbuffer_file_segment_new(bi_closed, 0, 4, 0) != NULL, 1, 0, BI_SAME, 0)                       \
  X(buffer_calls_46, "evbuffer_file_segment_new(-1, 0, 4, 0)",                                     \
    evbuffer_file_segment_new(-1, 0, 4, 0) != NULL, 0, 1, BI_OTHER, 1)                             \
  X(buffer_calls_47, "evbuffer_file_segment_new(file, 0, 4, 0x100)", bi_segment_bad_flags(), 0, 1, \
    BI_OTHER, 1)                                                                                   \
  X(buffer_calls_48, "evbuffer_file_segment_free(NULL)", (evbuffer_file_segment_free(NULL), 0), 0, \
    0, BI_CRASH, 0)                                                                                \
  X(buffer_calls_49, "evbuffer_file_segment_add_cleanup_cb(NULL, cb, NULL)",                       \
    (evbuffer_file_segment_add_cleanup_cb(NULL, bi_seg_cb, NULL), 0), 0, 1, BI_CRASH, 0)           \
  X(buffer_calls_50, "evbuffer_add_file_segment(NULL, seg, 0, 4)", bi_add_segment_null_buf(), -1,  \
    1, BI_CRASH, 0)                                                                                \
  X(buffer_calls_51, "evbuffer_add_file_segment(buf, NULL, 0, 4)",                                 \
    evbuffer_add_file_segment(bi_buf, NULL, 0, 4), -1, 1, BI_CRASH, 0)                             \
  X(buffer_calls_52, "evbuffer_add_file_segment(buf, seg, 8, 100)", bi_add_segment_bad_range(),    \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_53, "evbuffer_add_printf(NULL, \"%d\", 1)", evbuffer_add_printf(NULL, "%d", 1),   \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_54, "evbuffer_add_printf(buf, NULL)", bi_printf_null_fmt(), -1, 1, BI_ANY, 0)     \
  X(buffer_calls_55, "evbuffer_drain(NULL, 1)", evbuffer_drain(NULL, 1), -1, 1, BI_CRASH, 0)       \
  X(buffer_calls_56, "evbuffer_write(NULL, fd)", evbuffer_write(NULL, bi_sock[0]), -1, 1,          \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_57, "evbuffer_write(buf, closed fd)", evbuffer_write(bi_buf, bi_closed), -1, 0,   \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_58, "evbuffer_write(buf, -1)", evbuffer_write(bi_buf, -1), -1, 1, BI_SAME, 0)     \
  X(buffer_calls_59, "evbuffer_write_atmost(NULL, fd, 1)",                                         \
    evbuffer_write_atmost(NULL, bi_sock[0], 1), -1, 1, BI_CRASH, 0)                                \
  X(buffer_calls_60, "evbuffer_write_atmost(buf, closed fd, 1)",                                   \
    evbuffer_write_atmost(bi_buf, bi_closed, 1), -1, 0, BI_SAME, 0)                                \
  X(buffer_calls_61, "evbuffer_read(NULL, fd, 10)", evbuffer_read(NULL, bi_sock[0], 10), -1, 1,    \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_62, "evbuffer_read(buf, closed fd, 10)", evbuffer_read(bi_buf, bi_closed, 10),    \
    -1, 0, BI_SAME, 0)                                                                             \
  X(buffer_calls_63, "evbuffer_read(buf, -1, 10)", evbuffer_read(bi_buf, -1, 10), -1, 1, BI_SAME,  \
    0)                                                                                             \
  X(buffer_calls_64, "evbuffer_search(NULL, \"a\", 1, NULL)",                                      \
    evbuffer_search(NULL, "a", 1, NULL).pos, -1, 1, BI_CRASH, 0)                                   \
  X(buffer_calls_65, "evbuffer_search(buf, NULL, 1, NULL)",                                        \
    evbuffer_search(bi_buf, NULL, 1, NULL).pos, -1, 1, BI_CRASH, 0)                                \
  X(buffer_calls_66, "evbuffer_search_range(buf, \"l\", 1, NULL, end before start)",               \
    bi_search_range_backwards(), -1, 0, BI_SAME, 0)                                                \
  X(buffer_calls_67, "evbuffer_ptr_set(NULL, &p, 0, SET)", bi_ptr_set_null_buf(), -1, 1, BI_CRASH, \
    0)                                                                                             \
  X(buffer_calls_68, "evbuffer_ptr_set(buf, NULL, 0, SET)",                                        \
    evbuffer_ptr_set(bi_buf, NULL, 0, EVBUFFER_PTR_SET), -1, 1, BI_CRASH, 0)                       \
  X(buffer_calls_69, "evbuffer_ptr_set(buf, &p, 99, SET)", bi_ptr_set_past_end(), -1, 1, BI_SAME,  \
    0)                                                                                             \
  X(buffer_calls_70, "evbuffer_ptr_set(buf, &p, 0, 7)", bi_ptr_set_bad_how(), -1, 1, BI_OTHER, 0)  \
  X(buffer_calls_71, "evbuffer_search_eol(NULL, NULL, NULL, LF)",                                  \
    evbuffer_search_eol(NULL, NULL, NULL, EVBUFFER_EOL_LF).pos, -1, 1, BI_CRASH, 0)                \
  X(buffer_calls_72, "evbuffer_search_eol(buf, NULL, NULL, 42)",                                   \
    evbuffer_search_eol(bi_buf, NULL, NULL, (enum evbuffer_eol_style)42).pos, -1, 1, BI_SAME, 0)   \
  X(buffer_calls_73, "evbuffer_peek(NULL, -1, NULL, vec, 1)",                                      \
    evbuffer_peek(NULL, -1, NULL, bi_vec, 1), -1, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_74, "evbuffer_peek(buf, -1, NULL, NULL, 1)",                                      \
    evbuffer_peek(bi_buf, -1, NULL, NULL, 1), -1, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_75, "evbuffer_peek(buf, -1, NULL, vec, -1)",                                      \
    evbuffer_peek(bi_buf, -1, NULL, bi_vec, -1), -1, 1, BI_OTHER, 0)                               \
  X(buffer_calls_76, "evbuffer_add_cb(NULL, cb, NULL)",                                            \
    evbuffer_add_cb(NULL, bi_buf_cb, NULL) != NULL, 0, 1, BI_CRASH, 0)                             \
  X(buffer_calls_77, "evbuffer_add_cb(buf, NULL, NULL)",                                           \
    evbuffer_add_cb(bi_buf, NULL, NULL) != NULL, 0, 1, BI_OTHER, 1)                                \
  X(buffer_calls_78, "evbuffer_remove_cb_entry(NULL, ent)", bi_remove_entry_null_buf(), -1, 1,     \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_79, "evbuffer_remove_cb_entry(buf, NULL)",                                        \
    evbuffer_remove_cb_entry(bi_buf, NULL), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_80, "evbuffer_remove_cb(NULL, cb, NULL)",                                         \
    evbuffer_remove_cb(NULL, bi_buf_cb, NULL), -1, 1, BI_CRASH, 0)                                 \
  X(buffer_calls_81, "evbuffer_remove_cb(buf, cb never added, NULL)",                              \
    evbuffer_remove_cb(bi_buf, bi_buf_cb, NULL), -1, 0, BI_SAME, 0)                                \
  X(buffer_calls_82, "evbuffer_cb_set_flags(NULL, ent, 1)", bi_cb_set_flags_null_buf(), -1, 1,     \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_83, "evbuffer_cb_set_flags(buf, NULL, 1)",                                        \
    evbuffer_cb_set_flags(bi_buf, NULL, 1), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_84, "evbuffer_cb_set_flags(buf, ent, 0x80)", bi_cb_set_bad_flags(), 0, 0,         \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_85, "evbuffer_cb_clear_flags(buf, NULL, 1)",                                      \
    evbuffer_cb_clear_flags(bi_buf, NULL, 1), -1, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_86, "evbuffer_pullup(NULL, -1)", evbuffer_pullup(NULL, -1) != NULL, 0, 1,         \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_87, "evbuffer_pullup(buf, 99)", evbuffer_pullup(bi_buf, 99) != NULL, 0, 0,        \
    BI_SAME, 0)                                                                                    \
  X(buffer_calls_88, "evbuffer_prepend(NULL, \"x\", 1)", evbuffer_prepend(NULL, "x", 1), -1, 1,    \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_89, "evbuffer_prepend(buf, NULL, 5)", evbuffer_prepend(bi_buf, NULL, 5), -1, 1,   \
    BI_CRASH, 0)                                                                                   \
  X(buffer_calls_90, "evbuffer_prepend_buffer(NULL, buf)", evbuffer_prepend_buffer(NULL, bi_buf),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_91, "evbuffer_prepend_buffer(buf, NULL)", evbuffer_prepend_buffer(bi_buf, NULL),  \
    -1, 1, BI_CRASH, 0)                                                                            \
  X(buffer_calls_92, "evbuffer_prepend_buffer(buf, buf)", evbuffer_prepend_buffer(bi_buf, bi_buf), \
    0, 0, BI_SAME, 0)                                                                              \
  X(buffer_calls_93, "evbuffer_freeze(NULL, 0)", evbuffer_freeze(NULL, 0), -1, 1, BI_CRASH, 0)     \
  X(buffer_calls_94, "evbuffer_unfreeze(NULL, 0)", evbuffer_unfreeze(NULL, 0), -1, 1, BI_CRASH, 0) \
  X(buffer_calls_95, "evbuffer_add to a frozen end",                                               \
    (evbuffer_freeze(bi_buf, 0), evbuffer_add(bi_buf, "x", 1)), -1, 1, BI_SAME, 0)                 \
  X(buffer_calls_96, "evbuffer_drain of a frozen front",                                           \
    (evbuffer_freeze(bi_buf, 1), evbuffer_drain(bi_buf, 1)), -1, 1, BI_SAME, 0)                    \
  X(buffer_calls_97, "evbuffer_defer_callbacks(NULL, base)",                                       \
    evbuffer_defer_callbacks(NULL, bi_base), -1, 1, BI_CRASH, 0)                                   \
  X(buffer_calls_98, "evbuffer_defer_callbacks(buf, NULL)",                                        \
    evbuffer_defer_callbacks(bi_buf, NULL), -1, 1, BI_CRASH, 0)                                    \
  X(buffer_calls_99, "evbuffer_add_iovec(NULL, vec, 1)",                                           \
    (long)evbuffer_add_iovec(NULL, bi_vec, 1), 0, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_100, "evbuffer_add_iovec(buf, NULL, 1)",                                          \
    (long)evbuffer_add_iovec(bi_buf, NULL, 1), 0, 1, BI_CRASH, 0)                                  \
  X(buffer_calls_104, "evbuffer_add_vprintf(NULL, \"%d\", ap)", bi_vprintf_null_buf("%d", 1), -1,  \
    1, BI_CRASH, 0)
BUFFER_CALLS_ROWS(FN)

/* Calls libevent 2.1 does not have. */
#define BUFFER_CALLS_EVENTIDE_ONLY_ROWS(X)                                                       \
  X(buffer_calls_101, "evbuffer_set_max_read(NULL, 10)", evbuffer_set_max_read(NULL, 10), -1, 1, \
    BI_SAME, 0)                                                                                  \
  X(buffer_calls_102, "evbuffer_set_max_read(buf, 0)", evbuffer_set_max_read(bi_buf, 0), -1, 1,  \
    BI_SAME, 0)                                                                                  \
  X(buffer_calls_103, "evbuffer_get_max_read(NULL)", (long)evbuffer_get_max_read(NULL), 0, 1,    \
    BI_SAME, 0)                                                                                  \
  X(buffer_calls_105, "evbuffer_cb_suspend(NULL, ent)", (evbuffer_cb_suspend(NULL, NULL), 0), 0, \
    1, BI_SAME, 0)                                                                               \
  X(buffer_calls_106, "evbuffer_cb_unsuspend(buf, NULL)",                                        \
    (evbuffer_cb_unsuspend(bi_buf, NULL), 0), 0, 1, BI_SAME, 0)
#ifndef CT_LIBEVENT
BUFFER_CALLS_EVENTIDE_ONLY_ROWS(FN)
#endif

static const struct bi_row buffer_calls_rows[] = {BUFFER_CALLS_ROWS(ROW)
#ifndef CT_LIBEVENT
                                                      BUFFER_CALLS_EVENTIDE_ONLY_ROWS(ROW)
#endif
};

static void buffer_calls(void) {
  bi_pre_setup = NULL;
  BI_ROWS(buffer_calls_rows);
}

static const struct ct_case cases[] = {
    {"buffer_calls", buffer_calls, 0},
};
CT_REGISTER(badinput_buffer, cases)
