/* Table-driven bad-input tests: each row makes one bad call in a forked child
   (so a crash is an observation, not the end of the run) and compares what
   happened with docs/bad-input.md: eventide returns the row's value, logs a
   warning where the row says so, and never crashes; libevent does what the
   row says it does (the same value, another value, or crashes). With
   BADINPUT_TABLE=1 in the environment, every row's outcome is printed as a
   markdown line, which is how docs/bad-input.md's cells were checked. */
#ifndef EVENTIDE_TESTS_BADINPUT_HARNESS_H
#define EVENTIDE_TESTS_BADINPUT_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "ct.h"

/* What libevent 2.1.12 does with the row's input. */
enum { BI_SAME = 0, BI_CRASH = 1, BI_OTHER = 2, BI_ANY = 3 };
/* In the `warns` column: any result will do, as long as eventide survives
   and says why (a refusal may come at the call or later, in the loop). */
enum { BI_ANY_LOGGED = 2 };

struct bi_row {
  const char *call; /* the call as written in the table */
  long (*fn)(void); /* makes the call; returns its result as a number */
  long want;        /* eventide's result */
  int warns;        /* eventide logs a warning (or error) */
  int le;           /* BI_SAME, BI_CRASH, BI_OTHER (le_want), BI_ANY */
  long le_want;
};

/* Fixtures made fresh in each child before the call. */
static struct event_base *bi_base;
static struct evbuffer *bi_buf; /* holds "hello\nworld" */
static int bi_closed;           /* a descriptor number that is not open */
static int bi_sock[2];          /* a connected socketpair */
static int bi_file;             /* a small regular file ("file data!") */

static int bi_warnings;
static void bi_log(int severity, const char *msg) {
  (void)msg;
  if (severity >= EVENT_LOG_WARN) ++bi_warnings;
}

/* Runs in each child before the fixtures (e.g. event_enable_debug_mode,
   which must come before any base exists). */
static void (*bi_pre_setup)(void);

static void bi_setup(void) {
  if (bi_pre_setup) bi_pre_setup();
  bi_base = event_base_new();
  bi_buf = evbuffer_new();
  evbuffer_add(bi_buf, "hello\nworld", 11);
  /* High enough that nothing the call opens takes the number back. */
  for (bi_closed = 700; fcntl(bi_closed, F_GETFD) != -1; ++bi_closed) {
  }
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, bi_sock) != 0) bi_sock[0] = bi_sock[1] = -1;
  char path[] = "/tmp/eventide_badinput_XXXXXX";
  bi_file = mkstemp(path);
  if (bi_file >= 0) {
    unlink(path);
    if (write(bi_file, "file data!", 10) != 10) bi_file = -1;
  }
}

struct bi_outcome {
  long ret;
  int err; /* errno after the call */
  int warnings;
  int sig; /* the child died of this signal (SIGALRM: it hung) */
};

static struct bi_outcome bi_run_row(const struct bi_row *row) {
  struct bi_outcome o = {0, 0, 0, 0};
  int p[2];
  if (pipe(p) != 0) {
    o.sig = -1;
    return o;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    alarm(5);
    signal(SIGPIPE, SIG_IGN);
    if (!getenv("BADINPUT_STDERR")) { /* libevent's complaints; sanitizer reports */
      int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, 2);
      /* A crash is the expected outcome of many libevent rows: die of the
         signal at once instead of waiting for a sanitizer's report. */
      signal(SIGSEGV, SIG_DFL);
      signal(SIGBUS, SIG_DFL);
    }
    bi_setup();
    event_set_log_callback(bi_log);
    bi_warnings = 0;
    struct bi_outcome r = {0, 0, 0, 0};
    errno = 0;
    r.ret = row->fn();
    r.err = errno;
    r.warnings = bi_warnings;
    if (write(p[1], &r, sizeof r) != (ssize_t)sizeof r) _exit(3);
    _exit(0);
  }
  close(p[1]);
  ssize_t n = read(p[0], &o, sizeof o);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != (ssize_t)sizeof o) {
    o.ret = 0;
    o.warnings = 0;
    /* A sanitizer report ends the child with an exit code, not a signal. */
    o.sig = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    if (WIFEXITED(status)) o.ret = WEXITSTATUS(status);
  }
  return o;
}

static void bi_describe(char *out, size_t len, const struct bi_outcome *o) {
  if (o->sig == SIGALRM)
    snprintf(out, len, "hangs");
  else if (o->sig > 0)
    snprintf(out, len, "crashes (%s)", strsignal(o->sig));
  else if (o->sig < 0)
    snprintf(out, len, "dies (exit %ld: a sanitizer report?)", o->ret);
  else
    snprintf(out, len, "%ld%s%s%s", o->ret, o->err && o->ret < 0 ? ", errno " : "",
             o->err && o->ret < 0 ? strerrorname_np(o->err) : "", o->warnings ? ", logs" : "");
}

static void bi_run_table(const struct bi_row *rows, int n) {
  const int table = getenv("BADINPUT_TABLE") != NULL;
  for (int i = 0; i < n; ++i) {
    const struct bi_row *r = &rows[i];
    struct bi_outcome o = bi_run_row(r);
    char got[64];
    bi_describe(got, sizeof got, &o);
    if (table) printf("| `%s` | %s |\n", r->call, got);
#ifdef CT_LIBEVENT
    if (r->le == BI_CRASH) {
      /* Under ASan a SIGSEGV becomes a report and exit code 1. */
      if (o.sig == 0)
        ct_failf(__FILE__, __LINE__, "%s: libevent was expected to crash; got %s", r->call, got);
    } else if (r->le != BI_ANY) {
      const long want = r->le == BI_OTHER ? r->le_want : r->want;
      if (o.sig != 0 || o.ret != want)
        ct_failf(__FILE__, __LINE__, "%s: libevent gave %s, the table says %ld", r->call, got,
                 want);
    }
#else
    if (o.sig != 0 || (r->warns != BI_ANY_LOGGED && o.ret != r->want) ||
        (r->warns && o.warnings == 0))
      ct_failf(__FILE__, __LINE__, "%s: eventide gave %s, the table says %ld%s", r->call, got,
               r->want, r->warns ? " and a log message" : "");
#endif
  }
}

#define BI_ROWS(rows) bi_run_table(rows, (int)(sizeof(rows) / sizeof((rows)[0])))

#endif
