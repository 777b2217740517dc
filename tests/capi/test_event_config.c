/* Choosing a backend: event_config_*, the EVENT_NO* / EVENT_SHOW_METHOD
   environment, features, logging and versions. */
#define _GNU_SOURCE
#include <event2/event.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"

static char g_log[1024];
static int g_log_severity;
static void capture_log(int severity, const char *msg) {
  g_log_severity = severity;
  strncat(g_log, msg, sizeof g_log - strlen(g_log) - 2);
  strcat(g_log, "\n");
}

static void clear_env(void) {
  unsetenv("EVENT_NOEPOLL");
  unsetenv("EVENT_NOPOLL");
  unsetenv("EVENT_NOSELECT");
  unsetenv("EVENT_SHOW_METHOD");
}

/* The method of a base made with cfg (NULL when none), freed at once. */
static const char *method_with(struct event_config *cfg) {
  static char name[16];
  struct event_base *b = event_base_new_with_config(cfg);
  if (!b) return NULL;
  strncpy(name, event_base_get_method(b), sizeof name - 1);
  event_base_free(b);
  return name;
}

static void supported_methods_and_features(void) {
  clear_env();
  const char **m = event_get_supported_methods();
  CT_REQUIRE(m);
  CT_STREQ(m[0], "epoll");
  CT_STREQ(m[1], "poll");
  CT_STREQ(m[2], "select");
  struct event_base *b = event_base_new();
  CT_STREQ(event_base_get_method(b), "epoll");
  CT_EQ(event_base_get_features(b), EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE);
  event_base_free(b);
  setenv("EVENT_NOEPOLL", "1", 1);
  b = event_base_new();
  CT_STREQ(event_base_get_method(b), "poll");
  CT_EQ(event_base_get_features(b), EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE);
  event_base_free(b);
  setenv("EVENT_NOPOLL", "1", 1);
  b = event_base_new();
  CT_STREQ(event_base_get_method(b), "select");
  CT_EQ(event_base_get_features(b), EV_FEATURE_FDS);
  event_base_free(b);
  clear_env();
}

static void avoid_methods(void) {
  clear_env();
  struct event_config *cfg = event_config_new();
  CT_REQUIRE(cfg);
  CT_STREQ(method_with(cfg), "epoll");
  CT_EQ(event_config_avoid_method(cfg, "epoll"), 0);
  CT_STREQ(method_with(cfg), "poll");
  CT_EQ(event_config_avoid_method(cfg, "poll"), 0);
  CT_STREQ(method_with(cfg), "select");
  CT_EQ(event_config_avoid_method(cfg, "select"), 0);
  event_set_log_callback(capture_log);
  g_log[0] = 0;
  CT_CHECK(method_with(cfg) == NULL);
  CT_CHECK(g_log[0] != 0);
  event_set_log_callback(NULL);
  event_config_free(cfg);
  /* Avoiding only poll or only select leaves epoll. */
  cfg = event_config_new();
  CT_EQ(event_config_avoid_method(cfg, "poll"), 0);
  CT_EQ(event_config_avoid_method(cfg, "select"), 0);
  CT_STREQ(method_with(cfg), "epoll");
  event_config_free(cfg);
}

static void require_features(void) {
  clear_env();
  struct event_config *cfg = event_config_new();
  CT_EQ(event_config_require_features(cfg, EV_FEATURE_ET), 0);
  CT_STREQ(method_with(cfg), "epoll");
  CT_EQ(event_config_avoid_method(cfg, "epoll"), 0);
  CT_CHECK(method_with(cfg) == NULL); /* nobody else has ET */
  event_config_free(cfg);
  cfg = event_config_new();
  CT_EQ(event_config_require_features(cfg, EV_FEATURE_O1), 0);
  CT_STREQ(method_with(cfg), "epoll");
  /* Later calls replace the requirement. */
  CT_EQ(event_config_require_features(cfg, EV_FEATURE_FDS), 0);
  CT_STREQ(method_with(cfg), "poll");
  CT_EQ(event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE), 0);
  CT_STREQ(method_with(cfg), "epoll");
  CT_EQ(event_config_require_features(cfg, EV_FEATURE_ET | EV_FEATURE_FDS), 0);
  CT_CHECK(method_with(cfg) == NULL);
  event_config_free(cfg);
}

/* EVENT_NO<METHOD> disables a backend when set at all (even empty), unless
   the config says EVENT_BASE_FLAG_IGNORE_ENV. */
static void environment(void) {
  clear_env();
  setenv("EVENT_NOEPOLL", "", 1);
  struct event_base *b = event_base_new();
  CT_STREQ(event_base_get_method(b), "poll");
  event_base_free(b);
  setenv("EVENT_NOPOLL", "yes", 1);
  b = event_base_new();
  CT_STREQ(event_base_get_method(b), "select");
  event_base_free(b);
  setenv("EVENT_NOSELECT", "1", 1);
  event_set_log_callback(capture_log);
  g_log[0] = 0;
  CT_CHECK(event_base_new() == NULL);
  CT_CHECK(g_log[0] != 0);
  event_set_log_callback(NULL);
  struct event_config *cfg = event_config_new();
  CT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
  CT_STREQ(method_with(cfg), "epoll");
  event_config_free(cfg);
  clear_env();
}

static void show_method(void) {
  clear_env();
  setenv("EVENT_SHOW_METHOD", "1", 1);
  event_set_log_callback(capture_log);
  g_log[0] = 0;
  struct event_base *b = event_base_new();
  CT_STREQ(g_log, "libevent using: epoll\n");
  CT_EQ(g_log_severity, EVENT_LOG_MSG);
  event_base_free(b);
  setenv("EVENT_NOEPOLL", "1", 1);
  g_log[0] = 0;
  b = event_base_new();
  CT_STREQ(g_log, "libevent using: poll\n");
  event_base_free(b);
  unsetenv("EVENT_NOEPOLL");
  /* EVENT_BASE_FLAG_IGNORE_ENV: libevent 2.1.12 still honours
     EVENT_SHOW_METHOD; eventide ignores every EVENT_* variable, as the flag's
     documentation says. */
  struct event_config *cfg = event_config_new();
  CT_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
  g_log[0] = 0;
  b = event_base_new_with_config(cfg);
  event_config_free(cfg);
#ifdef CT_LIBEVENT
  CT_STREQ(g_log, "libevent using: epoll\n");
#else
  CT_STREQ(g_log, "");
#endif
  event_base_free(b);
  /* Nothing without it. */
  unsetenv("EVENT_SHOW_METHOD");
  g_log[0] = 0;
  b = event_base_new();
  CT_STREQ(g_log, "");
  event_base_free(b);
  event_set_log_callback(NULL);
}

/* Without a callback, messages go to stderr as "[warn] ...". */
static void default_log_goes_to_stderr(void) {
  int p[2];
  CT_REQUIRE(pipe(p) == 0);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  fflush(stderr);
  const int saved = dup(2);
  dup2(p[1], 2);
  event_set_log_callback(capture_log);
  event_set_log_callback(NULL);
  event_base_free(NULL); /* "no base to free" */
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char buf[256] = {0};
  const ssize_t n = read(p[0], buf, sizeof buf - 1);
  CT_CHECK(n > 0);
  CT_CHECK(strncmp(buf, "[warn] ", 7) == 0);
  CT_CHECK(strstr(buf, "no base to free\n") != NULL);
  close(p[0]);
  close(p[1]);
}

static void versions(void) {
  CT_STREQ(event_get_version(), "2.1.12-stable");
  CT_EQ(event_get_version_number(), 0x02010c00);
  CT_STREQ(LIBEVENT_VERSION, "2.1.12-stable");
  CT_EQ(LIBEVENT_VERSION_NUMBER, 0x02010c00);
}

static int g_order[8], g_norder;
static int g_pipe_w;
static void order_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  g_order[g_norder++] = (int)(long)arg;
  if ((long)arg == 1) CT_EQ(write(g_pipe_w, "x", 1), 1);
}

/* max_dispatch_interval: at most max_callbacks callbacks of priority >=
   min_priority run before the loop polls again. */
static void max_dispatch_callbacks(void) {
  clear_env();
  for (int limited = 0; limited < 2; ++limited) {
    struct event_config *cfg = event_config_new();
    CT_EQ(event_config_set_max_dispatch_interval(cfg, NULL, 1, limited ? 1 : 2), 0);
    struct event_base *b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    CT_REQUIRE(b);
    CT_EQ(event_base_priority_init(b, 2), 0);
    int fds[2];
    CT_REQUIRE(pipe(fds) == 0);
    g_pipe_w = fds[1];
    struct event *a = evtimer_new(b, order_cb, (void *)1L);
    struct event *bb = evtimer_new(b, order_cb, (void *)2L);
    struct event *c = event_new(b, fds[0], EV_READ, order_cb, (void *)3L);
    CT_EQ(event_priority_set(a, 1), 0);
    CT_EQ(event_priority_set(bb, 1), 0);
    CT_EQ(event_priority_set(c, 0), 0);
    CT_EQ(event_add(c, NULL), 0);
    event_active(a, EV_TIMEOUT, 1);
    event_active(bb, EV_TIMEOUT, 1);
    g_norder = 0;
    CT_EQ(event_base_dispatch(b), 1);
    CT_EQ(g_norder, 3);
    CT_EQ(g_order[1], limited ? 3 : 2);
    event_free(a);
    event_free(bb);
    event_free(c);
    event_base_free(b);
    close(fds[0]);
    close(fds[1]);
  }
}

static const struct ct_case cases[] = {
    {"supported_methods_and_features", supported_methods_and_features, 0},
    {"avoid_methods", avoid_methods, 0},
    {"require_features", require_features, 0},
    {"environment", environment, 0},
    {"show_method", show_method, 0},
    {"default_log_goes_to_stderr", default_log_goes_to_stderr, 0},
    {"versions", versions, 0},
    {"max_dispatch_callbacks", max_dispatch_callbacks, 0},
};
CT_REGISTER(event_config, cases)
