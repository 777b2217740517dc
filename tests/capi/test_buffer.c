/* evbuffer as a libevent program sees it. Built against eventide and against
   Debian's libevent 2.1.12: every unguarded check is libevent's behaviour. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "ct.h"

/* ---- helpers ---- */

static int same_bytes(struct evbuffer *b, const char *want, size_t n) {
  char *tmp;
  int ok;
  if (evbuffer_get_length(b) != n) return 0;
  tmp = malloc(n + 1);
  ok = evbuffer_copyout(b, tmp, n) == (ev_ssize_t)n && memcmp(tmp, want, n) == 0;
  free(tmp);
  return ok;
}
#define CT_CONTENTS(b, s) CT_CHECK(same_bytes((b), (s), strlen(s)))

static int g_log_count;
static char g_last_log[512];
static void capture_log(int severity, const char *msg) {
  (void)severity;
  ++g_log_count;
  snprintf(g_last_log, sizeof g_last_log, "%s", msg);
}

static int make_file(const char *contents, size_t n) {
  char path[] = "/tmp/eventide_buffer_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  unlink(path);
  if (write(fd, contents, n) != (ssize_t)n) {
    close(fd);
    return -1;
  }
  return fd;
}

static int fd_is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

/* ---- adding and removing ---- */

static void test_add_remove(void) {
  struct evbuffer *b = evbuffer_new();
  char out[64];
  CT_REQUIRE(b != NULL);
  CT_EQ(evbuffer_get_length(b), 0);
  CT_EQ(evbuffer_get_contiguous_space(b), 0);
  CT_EQ(evbuffer_add(b, "hello", 5), 0);
  CT_EQ(evbuffer_add(b, "", 0), 0);
  CT_EQ(evbuffer_add(b, " world", 6), 0);
  CT_CONTENTS(b, "hello world");
  CT_EQ(evbuffer_prepend(b, ">> ", 3), 0);
  CT_CONTENTS(b, ">> hello world");
  CT_EQ(evbuffer_add_printf(b, " %d-%s", 42, "x"), 5);
  CT_CONTENTS(b, ">> hello world 42-x");
  CT_EQ(evbuffer_copyout(b, out, 2), 2);
  CT_CHECK(memcmp(out, ">>", 2) == 0);
  CT_EQ(evbuffer_remove(b, out, 3), 3);
  CT_CHECK(memcmp(out, ">> ", 3) == 0);
  CT_EQ(evbuffer_drain(b, 6), 0);
  CT_CONTENTS(b, "world 42-x");
  /* More than is there: what is there. */
  CT_EQ(evbuffer_remove(b, out, sizeof out), 10);
  CT_EQ(evbuffer_remove(b, out, sizeof out), 0);
  CT_EQ(evbuffer_copyout(b, out, sizeof out), 0);
  CT_EQ(evbuffer_add(b, "abc", 3), 0);
  CT_EQ(evbuffer_drain(b, 100), 0);
  CT_EQ(evbuffer_get_length(b), 0);
  evbuffer_free(b);
}

static void test_large_and_prepend(void) {
  struct evbuffer *b = evbuffer_new();
  size_t i, total = 0;
  char chunk[3000], *all;
  for (i = 0; i < 200; ++i) {
    memset(chunk, 'a' + (int)(i % 26), sizeof chunk);
    CT_EQ(evbuffer_add(b, chunk, 1 + i * 13 % sizeof chunk), 0);
    total += 1 + i * 13 % sizeof chunk;
  }
  CT_EQ(evbuffer_get_length(b), total);
  for (i = 0; i < 50; ++i) CT_EQ(evbuffer_prepend(b, "0123456789", 10), 0);
  total += 500;
  CT_EQ(evbuffer_get_length(b), total);
  all = (char *)evbuffer_pullup(b, -1);
  CT_REQUIRE(all != NULL);
  CT_EQ(evbuffer_get_contiguous_space(b), total);
  CT_CHECK(memcmp(all, "01234567890123456789", 20) == 0);
  CT_CHECK(all[500] == 'a');
  CT_CHECK(all[total - 1] == 'a' + 199 % 26);
  evbuffer_free(b);
}

static void test_add_iovec_expand(void) {
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_iovec v[3];
  v[0].iov_base = "ab";
  v[0].iov_len = 2;
  v[1].iov_base = "";
  v[1].iov_len = 0;
  v[2].iov_base = "cde";
  v[2].iov_len = 3;
  CT_EQ(evbuffer_add_iovec(b, v, 3), 5);
  CT_EQ(evbuffer_add_iovec(b, v, 0), 0);
  CT_CONTENTS(b, "abcde");
  CT_EQ(evbuffer_expand(b, 100000), 0);
  CT_CONTENTS(b, "abcde");
  evbuffer_free(b);
}

static void test_pullup(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  unsigned char *p;
  CT_CHECK(evbuffer_pullup(a, -1) == NULL); /* empty */
  evbuffer_add(a, "hello", 5);
  evbuffer_add(b, " there", 6);
  evbuffer_add_buffer(a, b); /* two chunks now */
  CT_CHECK(evbuffer_pullup(a, 0) == NULL);
  CT_CHECK(evbuffer_pullup(a, 12) == NULL); /* past the length */
  p = evbuffer_pullup(a, 7);
  CT_REQUIRE(p != NULL);
  CT_CHECK(memcmp(p, "hello t", 7) == 0);
  CT_CHECK(evbuffer_get_contiguous_space(a) >= 7);
  p = EVBUFFER_DATA(a);
  CT_REQUIRE(p != NULL);
  CT_CHECK(memcmp(p, "hello there", 11) == 0);
  CT_EQ(EVBUFFER_LENGTH(a), 11);
  evbuffer_free(a);
  evbuffer_free(b);
}

/* ---- moving between buffers ---- */

static void test_add_buffer(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c = evbuffer_new();
  evbuffer_add(a, "abc", 3);
  evbuffer_add(b, "defgh", 5);
  CT_EQ(evbuffer_add_buffer(a, b), 0);
  CT_CONTENTS(a, "abcdefgh");
  CT_EQ(evbuffer_get_length(b), 0);
  CT_EQ(evbuffer_add_buffer(a, a), 0); /* itself: nothing happens */
  CT_CONTENTS(a, "abcdefgh");
  CT_EQ(evbuffer_remove_buffer(a, c, 2), 2);
  CT_CONTENTS(c, "ab");
  CT_EQ(evbuffer_remove_buffer(a, c, 4), 4);
  CT_CONTENTS(c, "abcdef");
  CT_EQ(evbuffer_remove_buffer(a, c, 100), 2);
  CT_CONTENTS(c, "abcdefgh");
  CT_EQ(evbuffer_remove_buffer(a, c, 100), 0);
  CT_EQ(evbuffer_remove_buffer(c, c, 2), 0);
  evbuffer_add(b, "12", 2);
  CT_EQ(evbuffer_prepend_buffer(c, b), 0);
  CT_CONTENTS(c, "12abcdefgh");
  CT_EQ(evbuffer_get_length(b), 0);
  evbuffer_free(a);
  evbuffer_free(b);
  evbuffer_free(c);
}

/* ---- lines ---- */

static void expect_lines(enum evbuffer_eol_style style, const char *input, size_t n,
                         const char *const *want, size_t left) {
  struct evbuffer *b = evbuffer_new();
  size_t i = 0, len = 99;
  char *line;
  evbuffer_add(b, input, n);
  while ((line = evbuffer_readln(b, &len, style)) != NULL) {
    CT_REQUIRE(want[i] != NULL);
    CT_STREQ(line, want[i]);
    CT_EQ(len, strlen(want[i]));
    free(line);
    ++i;
  }
  CT_CHECK(want[i] == NULL);
  CT_EQ(len, 0);
  CT_EQ(evbuffer_get_length(b), left);
  evbuffer_free(b);
}

static void test_readln_styles(void) {
  static const char in[] = "a\r\r\nb\rc\n\r\nd\r";
  static const char *const any[] = {"a", "b", "c", "d", NULL};
  static const char *const crlf[] = {"a\r", "b\rc", "", NULL};
  static const char *const strict[] = {"a\r", "b\rc\n", NULL};
  static const char *const lf[] = {"a\r\r", "b\rc", "\r", NULL};
  static const char *const nul[] = {"ab", "cd", NULL};
  expect_lines(EVBUFFER_EOL_ANY, in, 12, any, 0);
  expect_lines(EVBUFFER_EOL_CRLF, in, 12, crlf, 2);
  expect_lines(EVBUFFER_EOL_CRLF_STRICT, in, 12, strict, 2);
  expect_lines(EVBUFFER_EOL_LF, in, 12, lf, 2);
  expect_lines(EVBUFFER_EOL_NUL, "ab\0cd\0e", 7, nul, 1);
}

static void test_readln_split_crlf(void) {
  struct evbuffer *b = evbuffer_new();
  size_t n = 7;
  char *line;
  /* A CR at the end may still become CRLF. */
  evbuffer_add(b, "GET /\r", 6);
  CT_CHECK(evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF) == NULL);
  CT_EQ(n, 0);
  CT_CHECK(evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF_STRICT) == NULL);
  evbuffer_add(b, "\nHost", 5);
  line = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
  CT_STREQ(line, "GET /");
  CT_EQ(n, 5);
  free(line);
  CT_CONTENTS(b, "Host");
  evbuffer_free(b);
}

static void test_readline_compat(void) {
  struct evbuffer *b = evbuffer_new();
  char *line;
  evbuffer_add(b, "one\r\n\ntwo", 9);
  line = evbuffer_readline(b);
  CT_STREQ(line, "one");
  free(line);
  CT_CHECK(evbuffer_readline(b) == NULL);
  CT_CONTENTS(b, "two");
  evbuffer_free(b);
}

static void test_find_compat(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  unsigned char *p;
  evbuffer_add(a, "abc", 3);
  evbuffer_add(b, "defg", 4);
  evbuffer_add_buffer(a, b);
  p = evbuffer_find(a, (const unsigned char *)"cde", 3);
  CT_REQUIRE(p != NULL);
  CT_CHECK(memcmp(p, "cdefg", 5) == 0 || memcmp(p, "cde", 3) == 0);
  CT_CHECK(evbuffer_find(a, (const unsigned char *)"xy", 2) == NULL);
  evbuffer_free(a);
  evbuffer_free(b);
}

/* ---- positions and search ---- */

static void test_ptr_set(void) {
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_ptr p;
  evbuffer_add(b, "0123456789", 10);
  CT_EQ(evbuffer_ptr_set(b, &p, 10, EVBUFFER_PTR_SET), 0);
  CT_EQ(p.pos, 10);
  CT_EQ(evbuffer_ptr_set(b, &p, 11, EVBUFFER_PTR_SET), -1);
  CT_EQ(p.pos, -1);
  CT_EQ(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_SET), 0);
  CT_EQ(evbuffer_ptr_set(b, &p, 6, EVBUFFER_PTR_ADD), -1);
  CT_EQ(p.pos, -1);
  CT_EQ(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), -1); /* from -1 */
  CT_EQ(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_SET), 0);
  CT_EQ(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_ADD), 0);
  CT_EQ(p.pos, 10);
  evbuffer_free(b);
}

static void test_search(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  struct evbuffer_ptr s, e, r;
  evbuffer_add(a, "01234", 5);
  evbuffer_add(b, "56789", 5);
  evbuffer_add_buffer(a, b); /* the needle below straddles two chunks */
  r = evbuffer_search(a, "456", 3, NULL);
  CT_EQ(r.pos, 4);
  r = evbuffer_search(a, "89A", 3, NULL);
  CT_EQ(r.pos, -1);
  r = evbuffer_search(a, "", 0, NULL);
  CT_EQ(r.pos, 0);
  evbuffer_ptr_set(a, &s, 3, EVBUFFER_PTR_SET);
  r = evbuffer_search(a, "345", 3, &s);
  CT_EQ(r.pos, 3);
  r = evbuffer_search(a, "0", 1, &s);
  CT_EQ(r.pos, -1);
  /* The whole match must end at or before end. */
  evbuffer_ptr_set(a, &s, 0, EVBUFFER_PTR_SET);
  evbuffer_ptr_set(a, &e, 6, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_search_range(a, "456", 3, &s, &e).pos, -1);
  evbuffer_ptr_set(a, &e, 7, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_search_range(a, "456", 3, &s, &e).pos, 4);
  CT_EQ(evbuffer_search_range(a, "12", 2, NULL, NULL).pos, 1);
  /* Step through every match. */
  evbuffer_drain(a, 10);
  evbuffer_add(a, "xaxaxa", 6);
  r = evbuffer_search(a, "a", 1, NULL);
  CT_EQ(r.pos, 1);
  CT_EQ(evbuffer_ptr_set(a, &r, 1, EVBUFFER_PTR_ADD), 0);
  r = evbuffer_search(a, "a", 1, &r);
  CT_EQ(r.pos, 3);
  CT_EQ(evbuffer_ptr_set(a, &r, 1, EVBUFFER_PTR_ADD), 0);
  r = evbuffer_search(a, "a", 1, &r);
  CT_EQ(r.pos, 5);
  CT_EQ(evbuffer_ptr_set(a, &r, 1, EVBUFFER_PTR_ADD), 0);
  CT_EQ(evbuffer_search(a, "a", 1, &r).pos, -1);
  evbuffer_free(a);
  evbuffer_free(b);
}

static void test_search_eol_and_copyout_from(void) {
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_ptr p;
  size_t n = 77;
  char out[8];
  evbuffer_add(b, "ab\r\ncd\n", 7);
  p = evbuffer_search_eol(b, NULL, &n, EVBUFFER_EOL_CRLF);
  CT_EQ(p.pos, 2);
  CT_EQ(n, 2);
  p = evbuffer_search_eol(b, NULL, &n, EVBUFFER_EOL_LF);
  CT_EQ(p.pos, 3);
  CT_EQ(n, 1);
  evbuffer_ptr_set(b, &p, 4, EVBUFFER_PTR_SET);
  p = evbuffer_search_eol(b, &p, &n, EVBUFFER_EOL_ANY);
  CT_EQ(p.pos, 6);
  CT_EQ(n, 1);
  p = evbuffer_search_eol(b, NULL, &n, EVBUFFER_EOL_NUL);
  CT_EQ(p.pos, -1);
  CT_EQ(n, 0);
  evbuffer_ptr_set(b, &p, 4, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_copyout_from(b, &p, out, 2), 2);
  CT_CHECK(memcmp(out, "cd", 2) == 0);
  CT_EQ(evbuffer_get_length(b), 7);
  evbuffer_ptr_set(b, &p, 7, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_copyout_from(b, &p, out, 2), 0);
  evbuffer_free(b);
}

/* ---- zero copy ---- */

static void test_peek(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  struct evbuffer_iovec v[4];
  struct evbuffer_ptr p;
  evbuffer_add(a, "0123456789abc", 13);
  evbuffer_add(b, "XYZ", 3);
  evbuffer_add_buffer(a, b); /* 13 + 3 in two chunks */
  CT_EQ(evbuffer_peek(a, -1, NULL, NULL, 0), 2);
  CT_EQ(evbuffer_peek(a, 3, NULL, NULL, 0), 1);
  CT_EQ(evbuffer_peek(a, 0, NULL, v, 4), 0);
  CT_EQ(evbuffer_peek(a, 1000, NULL, v, 1), 2); /* needs 2, filled 1 */
  CT_EQ(v[0].iov_len, 13);
  CT_EQ(evbuffer_peek(a, -1, NULL, v, 1), 1); /* fills what it was given */
  evbuffer_ptr_set(a, &p, 4, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_peek(a, -1, &p, v, 4), 2);
  CT_EQ(v[0].iov_len, 9);
  CT_CHECK(memcmp(v[0].iov_base, "456789abc", 9) == 0);
  CT_EQ(v[1].iov_len, 3);
  CT_CHECK(memcmp(v[1].iov_base, "XYZ", 3) == 0);
  CT_EQ(evbuffer_peek(a, 7, &p, v, 4), 1);
  evbuffer_ptr_set(a, &p, 16, EVBUFFER_PTR_SET);
  CT_EQ(evbuffer_peek(a, -1, &p, v, 4), 0);
  evbuffer_free(a);
  evbuffer_free(b);
}

static void test_reserve_commit(void) {
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_iovec v[2], bad;
  int n;
  evbuffer_add(b, "head", 4);
  n = evbuffer_reserve_space(b, 100, v, 2);
  CT_REQUIRE(n >= 1);
  CT_CHECK(v[0].iov_len + (n > 1 ? v[1].iov_len : 0) >= 100);
  /* The same space again until committed. */
  CT_EQ(evbuffer_reserve_space(b, 100, v, 2), n);
  bad = v[0];
  bad.iov_len += 1000000;
  CT_EQ(evbuffer_commit_space(b, &bad, 1), -1);
  bad = v[0];
  bad.iov_base = (char *)bad.iov_base + 1;
  CT_EQ(evbuffer_commit_space(b, &bad, 1), -1);
  CT_EQ(evbuffer_commit_space(b, v, 0), 0);
  memcpy(v[0].iov_base, "XYZ", 3);
  v[0].iov_len = 3;
  CT_EQ(evbuffer_commit_space(b, v, 1), 0);
  CT_CONTENTS(b, "headXYZ");
  CT_EQ(evbuffer_commit_space(b, v, 1), -1); /* already committed */
  CT_EQ(evbuffer_get_length(b), 7);
  CT_EQ(evbuffer_reserve_space(b, 0, v, 2), 0);
  CT_EQ(evbuffer_reserve_space(b, -1, v, 2), -1);
  CT_EQ(evbuffer_reserve_space(b, 10, v, 0), -1);
  /* One extent when asked for one, big enough for everything. */
  n = evbuffer_reserve_space(b, 50000, v, 1);
  CT_EQ(n, 1);
  CT_CHECK(v[0].iov_len >= 50000);
  memset(v[0].iov_base, 'q', 50000);
  v[0].iov_len = 50000;
  CT_EQ(evbuffer_commit_space(b, v, 1), 0);
  CT_EQ(evbuffer_get_length(b), 50007);
  /* Adding after reserving makes the reservation stale. */
  n = evbuffer_reserve_space(b, 10, v, 1);
  CT_EQ(n, 1);
  evbuffer_add(b, "zz", 2);
  v[0].iov_len = 1;
  CT_EQ(evbuffer_commit_space(b, v, 1), -1);
  CT_EQ(evbuffer_get_length(b), 50009);
  evbuffer_free(b);
}

static void test_reserve_two_extents(void) {
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_iovec v[2];
  int n, i;
  size_t total = 0, room;
  char *all;
  /* Leave a small tail free in the last chunk. */
  evbuffer_add(b, "x", 1);
  n = evbuffer_reserve_space(b, 1, v, 1);
  CT_REQUIRE(n == 1);
  room = v[0].iov_len;
  CT_REQUIRE(room > 10);
  for (i = 0; i < (int)room - 10; ++i) evbuffer_add(b, "y", 1);
  n = evbuffer_reserve_space(b, 4000, v, 2);
  CT_REQUIRE(n >= 1);
  for (i = 0; i < n; ++i) {
    memset(v[i].iov_base, 'a' + i, v[i].iov_len);
    total += v[i].iov_len;
  }
  CT_CHECK(total >= 4000);
  CT_EQ(evbuffer_commit_space(b, v, n), 0);
  CT_EQ(evbuffer_get_length(b), room - 9 + total);
  all = (char *)evbuffer_pullup(b, -1);
  CT_REQUIRE(all != NULL);
  CT_CHECK(all[0] == 'x');
  CT_CHECK(all[room - 9] == 'a');
  evbuffer_free(b);
}

static int g_cleanups;
static const void *g_cleanup_data;
static size_t g_cleanup_len;
static void count_cleanup(const void *data, size_t len, void *arg) {
  ++g_cleanups;
  g_cleanup_data = data;
  g_cleanup_len = len;
  CT_CHECK(arg == (void *)&g_cleanups);
}

static void test_add_reference(void) {
  static const char data[] = "REFERENCED";
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  char out[4];
  g_cleanups = 0;
  CT_EQ(evbuffer_add_reference(a, data, 10, count_cleanup, &g_cleanups), 0);
  evbuffer_add(a, "!", 1);
  CT_CONTENTS(a, "REFERENCED!");
  CT_EQ(evbuffer_drain(a, 9), 0);
  CT_EQ(g_cleanups, 0);
  CT_EQ(evbuffer_remove(a, out, 1), 1); /* the last referenced byte */
  CT_EQ(g_cleanups, 1);
  CT_CHECK(g_cleanup_data == data);
  CT_EQ(g_cleanup_len, 10);
  /* Moved with add_buffer, released by the destination's free. */
  CT_EQ(evbuffer_add_reference(a, data, 4, count_cleanup, &g_cleanups), 0);
  CT_EQ(evbuffer_add_buffer(b, a), 0);
  evbuffer_free(a);
  CT_EQ(g_cleanups, 1);
  CT_CONTENTS(b, "!REFE");
  evbuffer_free(b);
  CT_EQ(g_cleanups, 2);
  /* Split by remove_buffer: still exactly once. */
  a = evbuffer_new();
  b = evbuffer_new();
  CT_EQ(evbuffer_add_reference(a, data, 6, count_cleanup, &g_cleanups), 0);
  CT_EQ(evbuffer_remove_buffer(a, b, 2), 2);
  CT_EQ(evbuffer_remove_buffer(a, b, 2), 2);
  CT_EQ(g_cleanups, 2);
  CT_EQ(evbuffer_remove_buffer(a, b, 2), 2);
  evbuffer_free(a);
  CT_CONTENTS(b, "REFERE");
  evbuffer_free(b);
  CT_EQ(g_cleanups, 3);
}

static void test_add_buffer_reference(void) {
  static const char data[] = "SHARED";
  struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
  char out[32] = {0};
  g_cleanups = 0;
  evbuffer_add_reference(src, data, 6, count_cleanup, &g_cleanups);
  evbuffer_add(src, "-tail", 5);
  CT_EQ(evbuffer_add_buffer_reference(dst, src), 0);
  CT_EQ(evbuffer_get_length(dst), 11);
  CT_EQ(evbuffer_get_length(src), 11); /* not drained */
  CT_EQ(evbuffer_drain(src, 11), 0);
  CT_EQ(g_cleanups, 0); /* dst still uses it */
  CT_EQ(evbuffer_copyout(dst, out, sizeof out), 11);
  CT_STREQ(out, "SHARED-tail");
  /* The source may grow again without touching what dst sees. */
  evbuffer_add(src, "more", 4);
  CT_CONTENTS(dst, "SHARED-tail");
  CT_EQ(evbuffer_drain(dst, 6), 0);
  CT_EQ(g_cleanups, 1);
  evbuffer_free(dst);
  evbuffer_free(src);
  CT_EQ(g_cleanups, 1);
}

/* ---- files ---- */

static int g_seg_cleanups, g_seg_flags;
static void seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  (void)seg;
  ++g_seg_cleanups;
  g_seg_flags = flags;
  CT_CHECK(arg == (void *)&g_seg_cleanups);
}

static void test_add_file(void) {
  static const char text[] = "0123456789abcdef";
  struct evbuffer *b = evbuffer_new();
  char out[32] = {0};
  int fd = make_file(text, 16);
  CT_REQUIRE(fd >= 0);
  CT_EQ(evbuffer_add_file(b, fd, 4, 5), 0);
  CT_EQ(evbuffer_get_length(b), 5);
  CT_EQ(evbuffer_remove(b, out, sizeof out), 5);
  CT_STREQ(out, "45678");
  evbuffer_free(b);
  CT_CHECK(!fd_is_open(fd)); /* the buffer owned it */
}

static void test_file_segments(void) {
  static const char text[] = "0123456789abcdef";
  unsigned flag_sets[] = {
      0, EVBUF_FS_DISABLE_MMAP, EVBUF_FS_DISABLE_SENDFILE,
      EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE | EVBUF_FS_DISABLE_LOCKING};
  size_t k;
  for (k = 0; k < sizeof flag_sets / sizeof flag_sets[0]; ++k) {
    struct evbuffer *b = evbuffer_new();
    struct evbuffer_file_segment *seg;
    char out[32] = {0};
    int fd = make_file(text, 16);
    CT_REQUIRE(fd >= 0);
    seg = evbuffer_file_segment_new(fd, 2, 10, flag_sets[k] | EVBUF_FS_CLOSE_ON_FREE);
    CT_REQUIRE(seg != NULL);
    g_seg_cleanups = 0;
    evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, &g_seg_cleanups);
    CT_EQ(evbuffer_add_file_segment(b, seg, 0, -1), 0);
    CT_EQ(evbuffer_add_file_segment(b, seg, 3, 2), 0);
    CT_EQ(evbuffer_get_length(b), 12);
    evbuffer_file_segment_free(seg);
    CT_EQ(g_seg_cleanups, 0); /* the buffer still holds it */
    CT_EQ(evbuffer_copyout(b, out, sizeof out), 12);
    CT_STREQ(out, "23456789ab56");
    CT_CHECK(fd_is_open(fd));
    evbuffer_free(b);
    CT_EQ(g_seg_cleanups, 1);
    CT_EQ(g_seg_flags, (int)(flag_sets[k] | EVBUF_FS_CLOSE_ON_FREE));
    CT_CHECK(!fd_is_open(fd));
  }
}

static void test_sendfile_to_socket(void) {
  char text[5000], got[6000];
  struct evbuffer *b = evbuffer_new();
  int sv[2], fd, i, n, total = 0;
  for (i = 0; i < (int)sizeof text; ++i) text[i] = (char)('A' + i % 23);
  fd = make_file(text, sizeof text);
  CT_REQUIRE(fd >= 0);
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_EQ(evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  evbuffer_add(b, "<<", 2);
  CT_EQ(evbuffer_add_file(b, fd, 100, 4000), 0);
  evbuffer_add(b, ">>", 2);
  CT_EQ(evbuffer_get_length(b), 4004);
  while (evbuffer_get_length(b) > 0) {
    n = evbuffer_write(b, sv[0]);
    CT_REQUIRE(n > 0);
  }
  while (total < 4004) {
    n = (int)read(sv[1], got + total, sizeof got - (size_t)total);
    CT_REQUIRE(n > 0);
    total += n;
  }
  CT_CHECK(memcmp(got, "<<", 2) == 0);
  CT_CHECK(memcmp(got + 2, text + 100, 4000) == 0);
  CT_CHECK(memcmp(got + 4002, ">>", 2) == 0);
  CT_EQ(evbuffer_clear_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  evbuffer_free(b);
  close(sv[0]);
  close(sv[1]);
}

/* ---- callbacks ---- */

struct cb_log {
  int calls;
  struct evbuffer_cb_info last;
  size_t len_in_cb;
};

static void log_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
  struct cb_log *l = arg;
  ++l->calls;
  l->last = *info;
  l->len_in_cb = evbuffer_get_length(b);
}

static void test_callbacks(void) {
  struct evbuffer *b = evbuffer_new();
  struct cb_log one = {0}, two = {0};
  struct evbuffer_cb_entry *e1, *e2;
  char *line;
  e1 = evbuffer_add_cb(b, log_cb, &one);
  e2 = evbuffer_add_cb(b, log_cb, &two);
  CT_REQUIRE(e1 && e2);
  evbuffer_add(b, "x", 0);
  evbuffer_drain(b, 0);
  CT_EQ(one.calls, 0); /* nothing changed */
  evbuffer_add(b, "abc", 3);
  CT_EQ(one.calls, 1);
  CT_EQ(two.calls, 1);
  CT_EQ(one.last.orig_size, 0);
  CT_EQ(one.last.n_added, 3);
  CT_EQ(one.last.n_deleted, 0);
  CT_EQ(one.len_in_cb, 3);
  evbuffer_drain(b, 2);
  CT_EQ(one.last.orig_size, 3);
  CT_EQ(one.last.n_deleted, 2);
  /* readln reports the line and its end-of-line as deleted. */
  evbuffer_add(b, "\r\n", 2);
  one.calls = 0;
  line = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF);
  CT_STREQ(line, "c");
  free(line);
  CT_CHECK(one.calls >= 1);
  CT_EQ(one.len_in_cb, 0);
  /* Disabled: skipped. */
  CT_EQ(evbuffer_cb_clear_flags(b, e2, EVBUFFER_CB_ENABLED), 0);
  two.calls = 0;
  evbuffer_add(b, "abc", 3);
  CT_EQ(two.calls, 0);
  CT_EQ(evbuffer_cb_set_flags(b, e2, EVBUFFER_CB_ENABLED), 0);
  evbuffer_add(b, "d", 1);
  CT_EQ(two.calls, 1);
  CT_EQ(two.last.orig_size, 3);
  CT_EQ(two.last.n_added, 1);
  CT_EQ(evbuffer_remove_cb(b, log_cb, &one), 0);
  CT_EQ(evbuffer_remove_cb(b, log_cb, &one), -1);
  one.calls = 0;
  evbuffer_add(b, "e", 1);
  CT_EQ(one.calls, 0);
  CT_EQ(evbuffer_remove_cb_entry(b, e2), 0);
  evbuffer_free(b);
}

static void remove_self_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
  struct cb_log *l = arg;
  (void)info;
  ++l->calls;
  evbuffer_remove_cb(b, remove_self_cb, arg);
}

static void test_callback_removes_itself(void) {
  struct evbuffer *b = evbuffer_new();
  struct cb_log l = {0}, other = {0};
  evbuffer_add_cb(b, log_cb, &other);
  evbuffer_add_cb(b, remove_self_cb, &l);
  evbuffer_add(b, "a", 1);
  evbuffer_add(b, "b", 1);
  CT_EQ(l.calls, 1);
  CT_EQ(other.calls, 2);
  evbuffer_free(b);
}

static size_t g_old_len, g_new_len;
static int g_old_calls;
static void old_style_cb(struct evbuffer *b, size_t old_len, size_t new_len, void *arg) {
  (void)b;
  CT_CHECK(arg == (void *)&g_old_calls);
  ++g_old_calls;
  g_old_len = old_len;
  g_new_len = new_len;
}

static void test_setcb_compat(void) {
  struct evbuffer *b = evbuffer_new();
  struct cb_log l = {0};
  evbuffer_add_cb(b, log_cb, &l);
  g_old_calls = 0;
  CT_EQ(evbuffer_setcb(b, old_style_cb, &g_old_calls), 0);
  evbuffer_add(b, "abcd", 4);
  CT_EQ(l.calls, 0); /* replaced */
  CT_EQ(g_old_calls, 1);
  CT_EQ(g_old_len, 0);
  CT_EQ(g_new_len, 4);
  evbuffer_drain(b, 1);
  CT_EQ(g_old_len, 4);
  CT_EQ(g_new_len, 3);
  CT_EQ(evbuffer_setcb(b, NULL, NULL), 0);
  evbuffer_add(b, "e", 1);
  CT_EQ(g_old_calls, 2);
  evbuffer_free(b);
}

static void test_deferred_callbacks(void) {
  struct event_base *base = event_base_new();
  struct evbuffer *b = evbuffer_new();
  struct cb_log l = {0};
  CT_REQUIRE(base != NULL);
  CT_EQ(evbuffer_defer_callbacks(b, base), 0);
  evbuffer_add_cb(b, log_cb, &l);
  evbuffer_add(b, "hello", 5);
  evbuffer_drain(b, 2);
  evbuffer_add(b, "!", 1);
  CT_EQ(l.calls, 0); /* not inside the changing calls */
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(l.calls, 1); /* once, with everything since */
  CT_EQ(l.last.orig_size, 0);
  CT_EQ(l.last.n_added, 6);
  CT_EQ(l.last.n_deleted, 2);
  event_base_loop(base, EVLOOP_NONBLOCK);
  CT_EQ(l.calls, 1);
  evbuffer_free(b);
  event_base_free(base);
}

#ifndef CT_LIBEVENT
static void test_deferred_base_freed_first(void) {
  struct event_base *base = event_base_new();
  struct evbuffer *b = evbuffer_new();
  struct cb_log l = {0};
  CT_REQUIRE(base != NULL);
  evbuffer_defer_callbacks(b, base);
  evbuffer_add_cb(b, log_cb, &l);
  evbuffer_add(b, "queued", 6);
  event_base_free(base); /* drops the queued run */
  CT_EQ(l.calls, 0);
  evbuffer_free(b); /* must not touch the freed base */
}
#endif

/* ---- freezing ---- */

static void test_freeze_front(void) {
  struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
  char out[8];
  size_t n = 5;
  evbuffer_add(b, "abc\n", 4);
  evbuffer_add(c, "zz", 2);
  CT_EQ(evbuffer_freeze(b, 1), 0);
  CT_EQ(evbuffer_drain(b, 1), -1);
  CT_EQ(evbuffer_remove(b, out, 1), -1);
  CT_EQ(evbuffer_copyout(b, out, 1), -1);
  CT_EQ(evbuffer_prepend(b, "x", 1), -1);
  CT_CHECK(evbuffer_readln(b, &n, EVBUFFER_EOL_LF) == NULL);
  CT_EQ(n, 0);
  CT_EQ(evbuffer_add_buffer(c, b), -1);       /* would drain b */
  CT_EQ(evbuffer_remove_buffer(b, c, 1), -1); /* would drain b */
  CT_EQ(evbuffer_prepend_buffer(b, c), -1);   /* would prepend to b */
  CT_EQ(evbuffer_prepend_buffer(c, b), -1);   /* would drain b */
  CT_EQ(evbuffer_add(b, "y", 1), 0);          /* the end is open */
  CT_EQ(evbuffer_add_buffer(b, c), 0);
  CT_CHECK(evbuffer_pullup(b, -1) != NULL); /* moves nothing out */
  CT_EQ(evbuffer_unfreeze(b, 1), 0);
  CT_CONTENTS(b, "abc\nyzz");
  evbuffer_free(b);
  evbuffer_free(c);
}

static void test_freeze_end(void) {
  struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();
  struct evbuffer_iovec v[2];
  int sv[2];
  evbuffer_add(b, "abc", 3);
  evbuffer_add(c, "zz", 2);
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_EQ(write(sv[1], "q", 1), 1);
  CT_EQ(evbuffer_freeze(b, 0), 0);
  CT_EQ(evbuffer_add(b, "q", 1), -1);
  CT_EQ(evbuffer_add_printf(b, "%d", 5), -1);
  CT_EQ(evbuffer_add_reference(b, "r", 1, NULL, NULL), -1);
  CT_EQ(evbuffer_reserve_space(b, 10, v, 2), -1);
  CT_EQ(evbuffer_add_buffer(b, c), -1);
  CT_EQ(evbuffer_remove_buffer(c, b, 1), -1);
  CT_EQ(evbuffer_add_buffer_reference(b, c), -1);
  CT_EQ(evbuffer_read(b, sv[0], -1), -1);
  CT_EQ(evbuffer_prepend(b, "p", 1), 0); /* the front is open */
  CT_EQ(evbuffer_drain(b, 1), 0);
  CT_EQ(evbuffer_unfreeze(b, 0), 0);
  CT_EQ(evbuffer_read(b, sv[0], -1), 1);
  CT_CONTENTS(b, "abcq");
  evbuffer_free(b);
  evbuffer_free(c);
  close(sv[0]);
  close(sv[1]);
}

/* ---- socket I/O ---- */

static void test_socket_io(void) {
  struct evbuffer *out = evbuffer_new(), *in = evbuffer_new();
  int sv[2], i, n;
  size_t want = 1 << 20, got = 0;
  unsigned char *data = malloc(want), *back;
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  for (i = 0; i < (int)want; ++i) data[i] = (unsigned char)(i * 7 + i / 256);
  /* Many small adds make a long chain for writev. */
  for (i = 0; i < (int)want; i += 1000)
    evbuffer_add(out, data + i, want - (size_t)i < 1000 ? want - (size_t)i : 1000);
  CT_EQ(evbuffer_get_length(out), want);
  while (got < want) {
    if (evbuffer_get_length(out) > 0) {
      n = evbuffer_write(out, sv[0]);
      CT_REQUIRE(n > 0 || (n < 0 && errno == EAGAIN));
    }
    n = evbuffer_read(in, sv[1], -1);
    CT_REQUIRE(n > 0 || (n < 0 && errno == EAGAIN));
    if (n > 0) got += (size_t)n;
  }
  CT_EQ(evbuffer_get_length(in), want);
  back = evbuffer_pullup(in, -1);
  CT_REQUIRE(back != NULL);
  CT_CHECK(memcmp(back, data, want) == 0);
  /* Nothing to read: EAGAIN. */
  CT_EQ(evbuffer_read(in, sv[1], -1), -1);
  CT_EQ(errno, EAGAIN);
  /* write_atmost and read with a limit. */
  evbuffer_add(out, "0123456789", 10);
  CT_EQ(evbuffer_write_atmost(out, sv[0], 4), 4);
  CT_EQ(evbuffer_get_length(out), 6);
  evbuffer_drain(in, evbuffer_get_length(in));
  CT_EQ(evbuffer_read(in, sv[1], 3), 3);
  CT_CONTENTS(in, "012");
  /* End of file. */
  close(sv[0]);
  CT_EQ(evbuffer_read(in, sv[1], -1), 1);
  CT_EQ(evbuffer_read(in, sv[1], -1), 0);
  CT_CONTENTS(in, "0123");
  close(sv[1]);
  free(data);
  evbuffer_free(out);
  evbuffer_free(in);
}

static void test_write_empty(void) {
  struct evbuffer *b = evbuffer_new();
  int sv[2];
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  /* libevent reports nothing to write as -1. */
  CT_EQ(evbuffer_write(b, sv[0]), -1);
  evbuffer_add(b, "ab", 2);
  CT_EQ(evbuffer_write_atmost(b, sv[0], 0), -1);
  CT_EQ(evbuffer_write_atmost(b, sv[0], 100), 2);
  evbuffer_free(b);
  close(sv[0]);
  close(sv[1]);
}

static void test_write_to_pipe(void) {
  struct evbuffer *b = evbuffer_new();
  int p[2];
  char got[8] = {0};
  CT_REQUIRE(pipe(p) == 0);
  evbuffer_add(b, "pipe!", 5);
  CT_EQ(evbuffer_write(b, p[1]), 5);
  CT_EQ(read(p[0], got, sizeof got), 5);
  CT_STREQ(got, "pipe!");
  evbuffer_add(b, "back", 4);
  CT_EQ(write(p[1], "xyz", 3), 3);
  CT_EQ(evbuffer_read(b, p[0], -1), 3);
  CT_CONTENTS(b, "backxyz");
  evbuffer_free(b);
  close(p[0]);
  close(p[1]);
}

/* ---- locking ---- */

static void test_locking(void) {
  struct evbuffer *b = evbuffer_new();
  /* Without evthread_use_pthreads there is no lock to allocate. */
  CT_EQ(evbuffer_enable_locking(b, NULL), -1);
  evbuffer_lock(b); /* no-op */
  evbuffer_unlock(b);
  evbuffer_free(b);
}

struct thread_arg {
  struct evbuffer *b;
  int n;
};

static void *adder(void *p) {
  struct thread_arg *a = p;
  int i;
  for (i = 0; i < a->n; ++i) evbuffer_add(a->b, "0123456789", 10);
  return NULL;
}

static void test_locking_threads(void) {
  struct evbuffer *b;
  pthread_t t[2];
  struct thread_arg arg;
  int i;
  CT_EQ(evthread_use_pthreads(), 0);
  b = evbuffer_new();
  CT_EQ(evbuffer_enable_locking(b, NULL), 0);
  CT_EQ(evbuffer_enable_locking(b, NULL), -1); /* once */
  arg.b = b;
  arg.n = 20000;
  for (i = 0; i < 2; ++i) pthread_create(&t[i], NULL, adder, &arg);
  for (i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  CT_EQ(evbuffer_get_length(b), 400000);
  evbuffer_lock(b);
  evbuffer_drain(b, 5); /* recursive lock */
  evbuffer_unlock(b);
  CT_EQ(evbuffer_get_length(b), 399995);
  evbuffer_free(b);
}

/* ---- memory through event_set_mem_functions ---- */

static int g_mallocs;
static void *count_malloc(size_t n) {
  ++g_mallocs;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n) {
  ++g_mallocs;
  return realloc(p, n);
}

static void test_mem_functions(void) {
  struct evbuffer *b;
  char *line;
  int before, i;
  char chunk[700];
  event_set_mem_functions(count_malloc, count_realloc, free);
  b = evbuffer_new();
  evbuffer_add(b, "line\n", 5);
  before = g_mallocs;
  line = evbuffer_readln(b, NULL, EVBUFFER_EOL_LF);
  CT_STREQ(line, "line");
  CT_CHECK(g_mallocs > before); /* the line came from the hooks */
  free(line);
#ifndef CT_LIBEVENT
  /* eventide reuses its chunk: a steady add/drain cycle allocates nothing
     (libevent frees and allocates a chain each time). */
  memset(chunk, 'x', sizeof chunk);
  evbuffer_add(b, chunk, sizeof chunk);
  evbuffer_drain(b, sizeof chunk);
  before = g_mallocs;
  for (i = 0; i < 1000; ++i) {
    evbuffer_add(b, chunk, sizeof chunk);
    evbuffer_add(b, chunk, 100);
    evbuffer_drain(b, sizeof chunk + 100);
  }
  CT_EQ(g_mallocs, before);
#else
  (void)i;
  (void)chunk;
#endif
  evbuffer_free(b);
}

/* ---- where eventide does better ---- */

#ifndef CT_LIBEVENT
static void test_one_read_drains_socket(void) {
  struct evbuffer *b = evbuffer_new();
  char data[60000];
  int sv[2];
  memset(data, 'r', sizeof data);
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CT_EQ(write(sv[1], data, sizeof data), (ssize_t)sizeof data);
  /* libevent reads 4096 bytes per call by default; eventide up to 64 KiB. */
  CT_EQ(evbuffer_get_max_read(b), 65536);
  CT_EQ(evbuffer_read(b, sv[0], -1), (int)sizeof data);
  /* A program that relies on a smaller maximum still gets it. */
  CT_EQ(evbuffer_set_max_read(b, 4096), 0);
  CT_EQ(evbuffer_get_max_read(b), 4096);
  CT_EQ(write(sv[1], data, sizeof data), (ssize_t)sizeof data);
  CT_EQ(evbuffer_read(b, sv[0], -1), 4096);
  CT_EQ(evbuffer_read(b, sv[0], 100000), 4096);
  CT_EQ(evbuffer_set_max_read(b, 0), -1);
  evbuffer_free(b);
  close(sv[0]);
  close(sv[1]);
}

static int g_sigpipes;
static void on_sigpipe(int sig) {
  (void)sig;
  ++g_sigpipes;
}

static void test_no_sigpipe(void) {
  /* libevent writes with writev and raises SIGPIPE; eventide never does. */
  struct evbuffer *b = evbuffer_new();
  int sv[2], fd;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigpipe;
  sigaction(SIGPIPE, &sa, &old);
  g_sigpipes = 0;
  CT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  close(sv[1]);
  evbuffer_add(b, "data", 4);
  CT_EQ(evbuffer_write(b, sv[0]), -1);
  CT_EQ(errno, EPIPE);
  /* Through sendfile as well. */
  fd = make_file("file data", 9);
  evbuffer_drain(b, 4);
  evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD);
  CT_EQ(evbuffer_add_file(b, fd, 0, -1), 0);
  CT_EQ(evbuffer_write(b, sv[0]), -1);
  CT_EQ(errno, EPIPE);
  CT_EQ(g_sigpipes, 0);
  sigaction(SIGPIPE, &old, NULL);
  close(sv[0]);
  evbuffer_free(b);
}

static struct cb_log g_susp;
static void test_cb_suspend(void) {
  /* Declared under #if 0 in libevent 2.1 and not shipped there. */
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_cb_entry *e = evbuffer_add_cb(b, log_cb, &g_susp);
  evbuffer_add(b, "abc", 3);
  CT_EQ(g_susp.calls, 1);
  evbuffer_cb_suspend(b, e);
  evbuffer_add(b, "de", 2);
  evbuffer_drain(b, 1);
  CT_EQ(g_susp.calls, 1);
  evbuffer_cb_unsuspend(b, e);
  CT_EQ(g_susp.calls, 2);
  CT_EQ(g_susp.last.orig_size, 3);
  CT_EQ(g_susp.last.n_added, 2);
  CT_EQ(g_susp.last.n_deleted, 1);
  evbuffer_cb_suspend(b, e);
  evbuffer_cb_unsuspend(b, e); /* nothing changed: no call */
  CT_EQ(g_susp.calls, 2);
  evbuffer_free(b);
}

static void test_bad_input_is_logged(void) {
  /* libevent crashes or stays silent on these; eventide returns the error
     value and says why. */
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_ptr p;
  struct evbuffer_iovec v;
  char out[4];
  size_t n = 9;
  int before;
  char stack_bytes[16];
  event_set_log_callback(capture_log);
  g_log_count = 0;

  CT_EQ(evbuffer_add(NULL, "x", 1), -1);
  CT_EQ(evbuffer_drain(NULL, 1), -1);
  CT_EQ(evbuffer_get_length(NULL), 0);
  CT_CHECK(evbuffer_pullup(NULL, -1) == NULL);
  CT_CHECK(evbuffer_readln(NULL, &n, EVBUFFER_EOL_LF) == NULL);
  CT_EQ(n, 0);
  CT_EQ(evbuffer_add_buffer(b, NULL), -1);
  CT_EQ(evbuffer_write(NULL, 1), -1);
  CT_CHECK(evbuffer_add_cb(NULL, log_cb, NULL) == NULL);
  CT_EQ(g_log_count, 8);
  CT_CHECK(strstr(g_last_log, "NULL") != NULL);

  evbuffer_add(b, "abcdef", 6);
  before = g_log_count;
  CT_EQ(evbuffer_add(b, NULL, 5), -1); /* length without data */
  CT_EQ(evbuffer_ptr_set(b, &p, 7, EVBUFFER_PTR_SET), -1);
  CT_EQ(p.pos, -1);
  CT_EQ(g_log_count, before + 2);
  CT_CHECK(strstr(g_last_log, "past the end") != NULL);
  p.pos = 9; /* a position past the end */
  CT_EQ(evbuffer_copyout_from(b, &p, out, 1), -1);
  CT_EQ(evbuffer_search(b, "a", 1, &p).pos, -1);
  CT_EQ(g_log_count, before + 4);
  CT_CHECK(evbuffer_readln(b, NULL, (enum evbuffer_eol_style)42) == NULL);
  CT_EQ(g_log_count, before + 5);

  /* pullup past the length logs at debug level: "is the header complete
     yet?" probes are normal. */
  event_enable_debug_logging(EVENT_DBG_ALL);
  before = g_log_count;
  CT_CHECK(evbuffer_pullup(b, 7) == NULL);
  CT_EQ(g_log_count, before + 1);
  CT_CHECK(strstr(g_last_log, "7 bytes asked") != NULL);
  event_enable_debug_logging(EVENT_DBG_NONE);

  /* Vectors that reserve_space did not hand out. */
  before = g_log_count;
  v.iov_base = stack_bytes;
  v.iov_len = 4;
  CT_EQ(evbuffer_commit_space(b, &v, 1), -1);
  CT_EQ(g_log_count, before + 1);
  CT_CHECK(strstr(g_last_log, "evbuffer_commit_space") != NULL);
  CT_CONTENTS(b, "abcdef");

  /* A frozen end says so. */
  before = g_log_count;
  evbuffer_freeze(b, 0);
  CT_EQ(evbuffer_add(b, "x", 1), -1);
  CT_EQ(g_log_count, before + 1);
  CT_CHECK(strstr(g_last_log, "frozen") != NULL);

  event_set_log_callback(NULL);
  evbuffer_free(b);
}

static void test_bad_file_segment_range(void) {
  /* libevent drops a segment reference on this failure and crashes later. */
  struct evbuffer *b = evbuffer_new();
  int fd = make_file("0123456789", 10);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE);
  event_set_log_callback(capture_log);
  g_log_count = 0;
  CT_REQUIRE(seg != NULL);
  CT_EQ(evbuffer_add_file_segment(b, seg, 8, 5), -1);
  CT_EQ(evbuffer_add_file_segment(b, seg, 11, -1), -1);
  CT_EQ(g_log_count, 2);
  CT_EQ(evbuffer_add_file_segment(b, seg, 8, -1), 0);
  CT_CONTENTS(b, "89");
  CT_CHECK(evbuffer_file_segment_new(-1, 0, 1, 0) == NULL);
  CT_EQ(g_log_count, 3);
  evbuffer_file_segment_free(seg);
  evbuffer_free(b);
  CT_CHECK(!fd_is_open(fd));
  event_set_log_callback(NULL);
}

static void free_in_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
  (void)info;
  ++*(int *)arg;
  evbuffer_free(b);
}

static void test_free_inside_callback(void) {
  /* libevent frees under the running callback loop; eventide finishes the
     call first. */
  struct evbuffer *b = evbuffer_new();
  int calls = 0;
  struct cb_log other = {0};
  evbuffer_add_cb(b, log_cb, &other);
  evbuffer_add_cb(b, free_in_cb, &calls);
  evbuffer_add(b, "bye", 3);
  CT_EQ(calls, 1);
  CT_EQ(other.calls, 0); /* freed before its turn: not called */
}
#endif

static const struct ct_case cases[] = {
    {"add_remove", test_add_remove, 0},
    {"large_and_prepend", test_large_and_prepend, 0},
    {"add_iovec_expand", test_add_iovec_expand, 0},
    {"pullup", test_pullup, 0},
    {"add_buffer", test_add_buffer, 0},
    {"readln_styles", test_readln_styles, 0},
    {"readln_split_crlf", test_readln_split_crlf, 0},
    {"readline_compat", test_readline_compat, 0},
    {"find_compat", test_find_compat, 0},
    {"ptr_set", test_ptr_set, 0},
    {"search", test_search, 0},
    {"search_eol_and_copyout_from", test_search_eol_and_copyout_from, 0},
    {"peek", test_peek, 0},
    {"reserve_commit", test_reserve_commit, 0},
    {"reserve_two_extents", test_reserve_two_extents, 0},
    {"add_reference", test_add_reference, 0},
    {"add_buffer_reference", test_add_buffer_reference, 0},
    {"add_file", test_add_file, 0},
    {"file_segments", test_file_segments, 0},
    {"sendfile_to_socket", test_sendfile_to_socket, 0},
    {"callbacks", test_callbacks, 0},
    {"callback_removes_itself", test_callback_removes_itself, 0},
    {"setcb_compat", test_setcb_compat, 0},
    {"deferred_callbacks", test_deferred_callbacks, CT_ALL_BACKENDS},
#ifndef CT_LIBEVENT
    /* libevent 2.1.12 leaks the buffer here (LeakSanitizer shows it): eventide frees it. */
    {"deferred_base_freed_first", test_deferred_base_freed_first, 0},
#endif
    {"freeze_front", test_freeze_front, 0},
    {"freeze_end", test_freeze_end, 0},
    {"socket_io", test_socket_io, 0},
    {"write_empty", test_write_empty, 0},
    {"write_to_pipe", test_write_to_pipe, 0},
    {"locking", test_locking, 0},
    {"locking_threads", test_locking_threads, 0},
    {"mem_functions", test_mem_functions, 0},
#ifndef CT_LIBEVENT
    {"one_read_drains_socket", test_one_read_drains_socket, 0},
    {"no_sigpipe", test_no_sigpipe, 0},
    {"cb_suspend", test_cb_suspend, 0},
    {"bad_input_is_logged", test_bad_input_is_logged, 0},
    {"bad_file_segment_range", test_bad_file_segment_range, 0},
    {"free_inside_callback", test_free_inside_callback, 0},
#endif
};
CT_REGISTER(buffer, cases)
