// eventide error helpers: turn the C face's "-1 and errno" into std::error_code
// (methods that can fail) or std::system_error (constructors that cannot get a resource).
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace eventide {

// errno as an error_code after a C call returned its error value. A call that
// failed without setting errno reports EINVAL (the C face logged the reason).
inline std::error_code last_error() noexcept {
  const int e = errno;
  return std::error_code(e ? e : EINVAL, std::system_category());
}

namespace detail {

// Clears errno, runs a C call that returns -1 on failure, maps the result.
template <class F>
std::error_code check_call(F &&f) noexcept(noexcept(f())) {
  errno = 0;
  if (f() < 0) return last_error();
  return {};
}

[[noreturn]] inline void throw_error(std::error_code ec, const std::string &what) {
  throw std::system_error(ec, what);
}

[[noreturn]] inline void throw_last_error(const std::string &what) {
  throw std::system_error(last_error(), what);
}

}  // namespace detail
}  // namespace eventide
