/* eventide: portable types and the evutil_* socket, time and address helpers
   of libevent 2.1 (event2/util.h). */
#ifndef EVENT2_UTIL_H_INCLUDED_
#define EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/time.h>
#include <time.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed-width integer names libevent uses: unsigned 64-bit. */
#define ev_uint64_t uint64_t
/* Signed 64-bit integer. */
#define ev_int64_t int64_t
/* Unsigned 32-bit integer. */
#define ev_uint32_t uint32_t
/* Signed 32-bit integer. */
#define ev_int32_t int32_t
/* Unsigned 16-bit integer. */
#define ev_uint16_t uint16_t
/* Signed 16-bit integer. */
#define ev_int16_t int16_t
/* Unsigned 8-bit integer. */
#define ev_uint8_t uint8_t
/* Signed 8-bit integer. */
#define ev_int8_t int8_t
/* Unsigned integer wide enough for a pointer. */
#define ev_uintptr_t uintptr_t
/* Signed integer wide enough for a pointer. */
#define ev_intptr_t intptr_t
/* Signed size: byte counts that may be -1. */
#define ev_ssize_t ssize_t
/* File offset, always 64-bit. */
#define ev_off_t ev_int64_t
/* Length of a socket address. */
#define ev_socklen_t socklen_t

/* Largest ev_uint64_t. */
#define EV_UINT64_MAX UINT64_MAX
/* Largest ev_int64_t. */
#define EV_INT64_MAX INT64_MAX
/* Smallest ev_int64_t. */
#define EV_INT64_MIN INT64_MIN
/* Largest ev_uint32_t. */
#define EV_UINT32_MAX UINT32_MAX
/* Largest ev_int32_t. */
#define EV_INT32_MAX INT32_MAX
/* Smallest ev_int32_t. */
#define EV_INT32_MIN INT32_MIN
/* Largest ev_uint16_t. */
#define EV_UINT16_MAX UINT16_MAX
/* Largest ev_int16_t. */
#define EV_INT16_MAX INT16_MAX
/* Smallest ev_int16_t. */
#define EV_INT16_MIN INT16_MIN
/* Largest ev_uint8_t. */
#define EV_UINT8_MAX UINT8_MAX
/* Largest ev_int8_t. */
#define EV_INT8_MAX INT8_MAX
/* Smallest ev_int8_t. */
#define EV_INT8_MIN INT8_MIN
/* Largest size_t. */
#define EV_SIZE_MAX EV_UINT64_MAX
/* Largest ev_ssize_t. */
#define EV_SSIZE_MAX EV_INT64_MAX
/* Smallest ev_ssize_t. */
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)

/* A socket: an int on POSIX. */
#define evutil_socket_t int

/* Socket errors live in errno on POSIX. */
#define EVUTIL_SOCKET_ERROR() (errno)
/* Sets the socket error seen by EVUTIL_SOCKET_ERROR() (errno on POSIX). */
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
  do {                                   \
    errno = (errcode);                   \
  } while (0)
/* The last error on sock (errno on POSIX; sock is unused). */
#define evutil_socket_geterror(sock) (errno)
/* Static text for a socket error code; do not free. */
#define evutil_socket_error_to_string(errcode) (strerror(errcode))
/* The value of an invalid socket. */
#define EVUTIL_INVALID_SOCKET -1

/* timeval arithmetic, as libevent defines it. */
#define evutil_timeradd(tvp, uvp, vvp)                \
  do {                                                \
    (vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;    \
    (vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec; \
    if ((vvp)->tv_usec >= 1000000) {                  \
      (vvp)->tv_sec++;                                \
      (vvp)->tv_usec -= 1000000;                      \
    }                                                 \
  } while (0)
/* vvp = tvp - uvp, with the microseconds normalised. */
#define evutil_timersub(tvp, uvp, vvp)                \
  do {                                                \
    (vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;    \
    (vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec; \
    if ((vvp)->tv_usec < 0) {                         \
      (vvp)->tv_sec--;                                \
      (vvp)->tv_usec += 1000000;                      \
    }                                                 \
  } while (0)
/* Sets the timeval to zero. */
#define evutil_timerclear(tvp) (tvp)->tv_sec = (tvp)->tv_usec = 0
/* Nonzero unless the timeval is zero. */
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
/* Compares two timevals with the operator cmp (<, <=, ==, ...). */
#define evutil_timercmp(tvp, uvp, cmp)                                   \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) \
                                    : ((tvp)->tv_sec cmp(uvp)->tv_sec))

/* Where a struct member is, for intrusive containers written in C. */
#define evutil_offsetof(type, field) offsetof(type, field)

/* glibc spells the family member ss_family; a few old systems only have
   __ss_family. */
#if defined(EVENT__HAVE_STRUCT_SOCKADDR_STORAGE___SS_FAMILY) && \
    !defined(EVENT__HAVE_STRUCT_SOCKADDR_STORAGE_SS_FAMILY) && !defined(ss_family)
#define ss_family __ss_family
#endif

/* ---- Sockets ---------------------------------------------------------- */

/* socketpair(2) as it is: the two ends are blocking and inheritable, like
   libevent's. Returns 0, or -1 with errno set. */
EVENT2_EXPORT_SYMBOL int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);
/* O_NONBLOCK on. 0 on success, -1 on failure (logged). */
EVENT2_EXPORT_SYMBOL int evutil_make_socket_nonblocking(evutil_socket_t sock);
/* SO_REUSEADDR on, so a restarted server can bind at once. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
/* SO_REUSEPORT on (Linux 3.9+): several listeners share one port. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
/* IPV6_V6ONLY on: an IPv6 listener leaves the IPv4 port free. 0 or -1. */
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_ipv6only(evutil_socket_t sock);
/* FD_CLOEXEC on. 0 on success, -1 on failure (logged). */
EVENT2_EXPORT_SYMBOL int evutil_make_socket_closeonexec(evutil_socket_t sock);
/* close(2). 0, or -1 with errno set. */
EVENT2_EXPORT_SYMBOL int evutil_closesocket(evutil_socket_t sock);
/* Closes a socket: evutil_closesocket. */
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
/* TCP_DEFER_ACCEPT: accept() wakes only once the peer has sent data. 0, or -1
   when the socket refuses it (not TCP, bad fd). */
EVENT2_EXPORT_SYMBOL int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);

/* ---- Time ------------------------------------------------------------- */

/* A clock that never goes backwards, for one thread at a time. */
struct evutil_monotonic_timer;

/* evutil_configure_monotonic_time flags: the finest clock the system has, or
   the wall clock made monotonic (for tests of clock jumps). */
#define EV_MONOT_PRECISE 1
/* Flag: use the wall clock made monotonic. */
#define EV_MONOT_FALLBACK 2

/* Formats tm (the current UTC time when NULL) as an HTTP date,
   "Sun, 06 Nov 1994 08:49:37 GMT". Returns the length the full date needs,
   as snprintf does (29), or -1 on bad input. */
EVENT2_EXPORT_SYMBOL int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm);
/* A new timer (free it with evutil_monotonic_timer_free), or NULL. */
EVENT2_EXPORT_SYMBOL struct evutil_monotonic_timer *evutil_monotonic_timer_new(void);
/* Frees a timer from evutil_monotonic_timer_new; NULL is ignored. */
EVENT2_EXPORT_SYMBOL void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer);
/* Chooses the clock (EV_MONOT_* flags). 0, or -1 on bad input. */
EVENT2_EXPORT_SYMBOL int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer,
                                                         int flags);
/* The timer's current time in *tp. 0, or -1 on bad input. */
EVENT2_EXPORT_SYMBOL int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
                                                  struct timeval *tp);

/* gettimeofday(2). The function exists for callers that take its address;
   like libevent, a call goes straight to the system. */
struct timezone;
/* gettimeofday(2): 0, or -1 with errno set. */
EVENT2_EXPORT_SYMBOL int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);
#ifdef EVENT__HAVE_GETTIMEOFDAY
/* Calls the system's gettimeofday directly. */
#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))
#endif

/* ---- Strings ---------------------------------------------------------- */

/* strtoll(3); 0 with errno EINVAL when s is NULL. */
EVENT2_EXPORT_SYMBOL ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);

/* C99 snprintf: always NUL-terminates when buflen > 0 and returns the length
   the whole output needs (so a result >= buflen means truncated), or -1. */
EVENT2_EXPORT_SYMBOL int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* evutil_snprintf with a va_list: the length needed, or -1. */
EVENT2_EXPORT_SYMBOL int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Case-insensitive comparison of ASCII letters only, whatever the locale:
   for protocol text. Returns -1, 0 or 1. */
EVENT2_EXPORT_SYMBOL int evutil_ascii_strcasecmp(const char *str1, const char *str2);
/* Like evutil_ascii_strcasecmp over at most n bytes. -1, 0 or 1. */
EVENT2_EXPORT_SYMBOL int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/* ---- Addresses -------------------------------------------------------- */

/* inet_ntop(3): dst, or NULL (errno set) when the address does not fit. */
EVENT2_EXPORT_SYMBOL const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
/* inet_pton(3) that also takes an IPv6 zone ("fe80::1%eth0" or "%2"): the
   interface index goes to *indexp (0 when there is none). 1 parsed, 0 not
   an address, -1 unknown family. */
EVENT2_EXPORT_SYMBOL int evutil_inet_pton_scope(int af, const char *src, void *dst,
                                                unsigned *indexp);
/* inet_pton(3): 1 parsed, 0 not an address, -1 unknown family. */
EVENT2_EXPORT_SYMBOL int evutil_inet_pton(int af, const char *src, void *dst);

struct sockaddr;

/* Parses "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:80" or "::1" into out,
   whose size *outlen gives; on success *outlen becomes the size used and
   the port is 0 when none was given. -1 when the text is not such an
   address, the port is not in 1..65535, or out is too small. */
EVENT2_EXPORT_SYMBOL int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out,
                                                    int *outlen);
/* Orders two addresses: by family, then address, then (if include_port)
   port. 0 when equal, negative or positive otherwise. */
EVENT2_EXPORT_SYMBOL int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
                                             int include_port);

/* ---- getaddrinfo ------------------------------------------------------ */

#ifdef EVENT__HAVE_STRUCT_ADDRINFO
/* The system's struct addrinfo. */
#define evutil_addrinfo addrinfo
#else
/* The system's struct addrinfo, for systems that lack one. */
struct evutil_addrinfo {
  int ai_flags;
  int ai_family;
  int ai_socktype;
  int ai_protocol;
  size_t ai_addrlen;
  char *ai_canonname;
  struct sockaddr *ai_addr;
  struct evutil_addrinfo *ai_next;
};
#endif

/* Error codes of evutil_getaddrinfo: the system's where it has them, else
   libevent's stand-ins. */
#if defined(EAI_ADDRFAMILY) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
/* Error: address family has no addresses for the host. */
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#if defined(EAI_AGAIN) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#else
/* Error: temporary failure; try again later. */
#define EVUTIL_EAI_AGAIN -902
#endif
#if defined(EAI_BADFLAGS) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#else
/* Error: invalid ai_flags in the hints. */
#define EVUTIL_EAI_BADFLAGS -903
#endif
#if defined(EAI_FAIL) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_FAIL EAI_FAIL
#else
/* Error: non-recoverable name-server failure. */
#define EVUTIL_EAI_FAIL -904
#endif
#if defined(EAI_FAMILY) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#else
/* Error: address family not supported. */
#define EVUTIL_EAI_FAMILY -905
#endif
#if defined(EAI_MEMORY) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#else
/* Error: out of memory. */
#define EVUTIL_EAI_MEMORY -906
#endif
/* Some systems make EAI_NODATA an alias of EAI_NONAME: keep them apart. */
#if defined(EAI_NODATA) && defined(EVENT__HAVE_GETADDRINFO) && \
    (!defined(EAI_NONAME) || EAI_NODATA != EAI_NONAME)
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
/* Error: the host exists but has no addresses. */
#define EVUTIL_EAI_NODATA -907
#endif
#if defined(EAI_NONAME) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_NONAME EAI_NONAME
#else
/* Error: host or service not known. */
#define EVUTIL_EAI_NONAME -908
#endif
#if defined(EAI_SERVICE) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#else
/* Error: service not supported for the socket type. */
#define EVUTIL_EAI_SERVICE -909
#endif
#if defined(EAI_SOCKTYPE) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#else
/* Error: socket type not supported. */
#define EVUTIL_EAI_SOCKTYPE -910
#endif
#if defined(EAI_SYSTEM) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#else
/* Error: system error; see errno. */
#define EVUTIL_EAI_SYSTEM -911
#endif
/* An asynchronous lookup that was cancelled. */
#define EVUTIL_EAI_CANCEL -90001

/* Hint flags: the system's where it has them. */
#if defined(AI_PASSIVE) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#else
/* Hint flag: addresses for binding a listener (NULL node means any address). */
#define EVUTIL_AI_PASSIVE 0x1000
#endif
#if defined(AI_CANONNAME) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#else
/* Hint flag: fill ai_canonname with the host's canonical name. */
#define EVUTIL_AI_CANONNAME 0x2000
#endif
#if defined(AI_NUMERICHOST) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#else
/* Hint flag: node must be a numeric address; no lookup. */
#define EVUTIL_AI_NUMERICHOST 0x4000
#endif
#if defined(AI_NUMERICSERV) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#else
/* Hint flag: service must be a port number. */
#define EVUTIL_AI_NUMERICSERV 0x8000
#endif
#if defined(AI_V4MAPPED) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#else
/* Hint flag: IPv4 addresses as IPv4-mapped IPv6 when asking for AF_INET6. */
#define EVUTIL_AI_V4MAPPED 0x10000
#endif
#if defined(AI_ALL) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_ALL AI_ALL
#else
/* Hint flag: with V4MAPPED, return both IPv6 and mapped IPv4 addresses. */
#define EVUTIL_AI_ALL 0x20000
#endif
#if defined(AI_ADDRCONFIG) && defined(EVENT__HAVE_GETADDRINFO)
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
#else
/* Hint flag: only families the host has an address configured for. */
#define EVUTIL_AI_ADDRCONFIG 0x40000
#endif

struct evutil_addrinfo;
/* getaddrinfo(3) with libevent's conventions: hints_in may be NULL (then
   no flags, any family), the result is freed with evutil_freeaddrinfo.
   Returns 0 or an EVUTIL_EAI_* code; blocks while a name is resolved. */
EVENT2_EXPORT_SYMBOL int evutil_getaddrinfo(const char *nodename, const char *servname,
                                            const struct evutil_addrinfo *hints_in,
                                            struct evutil_addrinfo **res);
/* Frees a list from evutil_getaddrinfo; NULL is allowed. */
EVENT2_EXPORT_SYMBOL void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
/* A message for an EVUTIL_EAI_* code; never NULL. */
EVENT2_EXPORT_SYMBOL const char *evutil_gai_strerror(int err);

/* ---- Secure random numbers -------------------------------------------- */

/* Fills buf with n bytes from the kernel's CSPRNG (getrandom(2)). */
EVENT2_EXPORT_SYMBOL void evutil_secure_rng_get_bytes(void *buf, size_t n);
/* Checks that random bytes can be had. 0, or -1 when no source works. */
EVENT2_EXPORT_SYMBOL int evutil_secure_rng_init(void);
/* The device read when getrandom(2) is missing (NULL: back to /dev/urandom).
   The name is copied. Returns 0, or -1 when out of memory. */
EVENT2_EXPORT_SYMBOL int evutil_secure_rng_set_urandom_device_file(char *fname);
/* Extra seed material. The kernel's generator needs none, so the bytes are
   only checked, not used. */
EVENT2_EXPORT_SYMBOL void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#include <string.h>

#endif
