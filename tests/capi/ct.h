/* A tiny test vocabulary for C-face tests: the tests are plain C, compiled as C,
   registered with GoogleTest by ct_driver.cpp. Each file is built twice: against
   eventide and against Debian's libevent (CT_LIBEVENT defined). */
#ifndef EVENTIDE_TESTS_CT_H
#define EVENTIDE_TESTS_CT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Run the case once per backend (epoll, poll, select), chosen through
   EVENT_NOEPOLL / EVENT_NOPOLL / EVENT_NOSELECT as a libevent user would. */
#define CT_ALL_BACKENDS 1u

struct ct_case {
  const char *name;
  void (*fn)(void);
  unsigned flags;
};

void ct_register(const char *suite, const struct ct_case *cases, int n);
void ct_fail(const char *file, int line, const char *what);
void ct_failf(const char *file, int line, const char *fmt, ...);
/* The backend this run asked for ("epoll", "poll", "select"), or NULL. */
const char *ct_backend(void);

#define CT_REGISTER(suite, cases)                                          \
  static void __attribute__((constructor)) ct_register_##suite(void) {     \
    ct_register(#suite, cases, (int)(sizeof(cases) / sizeof((cases)[0]))); \
  }

#define CT_CHECK(cond)                               \
  do {                                               \
    if (!(cond)) ct_fail(__FILE__, __LINE__, #cond); \
  } while (0)
#define CT_REQUIRE(cond)                  \
  do {                                    \
    if (!(cond)) {                        \
      ct_fail(__FILE__, __LINE__, #cond); \
      return;                             \
    }                                     \
  } while (0)
#define CT_EQ(a, b)                                                                  \
  do {                                                                               \
    long long ct_a_ = (long long)(a), ct_b_ = (long long)(b);                        \
    if (ct_a_ != ct_b_)                                                              \
      ct_failf(__FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, #b, ct_a_, ct_b_); \
  } while (0)
#define CT_STREQ(a, b)                                                    \
  do {                                                                    \
    const char *ct_a_ = (a), *ct_b_ = (b);                                \
    if (!ct_a_ || !ct_b_ || strcmp(ct_a_, ct_b_) != 0)                    \
      ct_failf(__FILE__, __LINE__, "%s == %s (\"%s\" vs \"%s\")", #a, #b, \
               ct_a_ ? ct_a_ : "(null)", ct_b_ ? ct_b_ : "(null)");       \
  } while (0)

#ifdef __cplusplus
}
#endif

#endif
