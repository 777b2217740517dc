// The evutil_secure_rng_* functions of event2/util.h: bytes straight from the
// kernel's CSPRNG (getrandom(2)); a random device file when it is missing.
#include <event2/util.h>

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "util/log.hpp"
#include "util/mem.hpp"

namespace eventide::detail {
namespace {

constexpr const char *kDefaultDevice = "/dev/urandom";

std::mutex g_device_mu;
char *g_device = nullptr;  // mm_strdup'd name set by the user, or NULL

// Reads from the device file; used only where getrandom(2) is absent
// (pre-3.17 kernels) or forbidden (some seccomp sandboxes).
size_t read_device(unsigned char *out, size_t n) {
  std::lock_guard<std::mutex> lock(g_device_mu);
  const char *name = g_device != nullptr ? g_device : kDefaultDevice;
  const int fd = open(name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    log_errno(kLogErr, "secure rng: cannot open %s", name);
    return 0;
  }
  size_t got = 0;
  while (got < n) {
    const ssize_t r = read(fd, out + got, n - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      log_errno(kLogErr, "secure rng: reading %s", name);
      break;
    }
  }
  close(fd);
  return got;
}

// Fills out; returns how many bytes are really random (n unless no source
// works).
size_t random_bytes(unsigned char *out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = getrandom(out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r < 0 && errno == EINTR) {
      continue;  // large requests can be interrupted part way
    } else {
      return got + read_device(out + got, n - got);
    }
  }
  return got;
}

}  // namespace
}  // namespace eventide::detail

using namespace eventide::detail;

extern "C" {

EVENT2_EXPORT_SYMBOL void evutil_secure_rng_get_bytes(void *buf, size_t n) {
  if (n == 0) return;
  if (buf == nullptr) {
    EVENTIDE_BAD_ARG("evutil_secure_rng_get_bytes: buf is NULL");
    return;
  }
  auto *out = static_cast<unsigned char *>(buf);
  const size_t got = random_bytes(out, n);
  if (got < n) {
    // The function cannot report failure; zeros at least make the problem
    // visible instead of handing out stale memory as if it were random.
    log(kLogErr, "evutil_secure_rng_get_bytes: no random source gave %zu bytes", n - got);
    std::memset(out + got, 0, n - got);
  }
}

EVENT2_EXPORT_SYMBOL int evutil_secure_rng_init(void) {
  unsigned char probe;
  return random_bytes(&probe, 1) == 1 ? 0 : -1;
}

EVENT2_EXPORT_SYMBOL int evutil_secure_rng_set_urandom_device_file(char *fname) {
  char *copy = nullptr;
  if (fname != nullptr && (copy = mm_strdup(fname)) == nullptr) {
    log_errno(kLogWarn, "evutil_secure_rng_set_urandom_device_file");
    return -1;
  }
  std::lock_guard<std::mutex> lock(g_device_mu);
  mm_free(g_device);
  g_device = copy;
  return 0;
}

EVENT2_EXPORT_SYMBOL void evutil_secure_rng_add_bytes(const char *dat, size_t datlen) {
  if (dat == nullptr && datlen > 0) EVENTIDE_BAD_ARG("evutil_secure_rng_add_bytes: dat is NULL");
  // Nothing to mix into: the kernel generator is already fully seeded, and
  // writing to its pool would affect the whole system.
}

}  // extern "C"
