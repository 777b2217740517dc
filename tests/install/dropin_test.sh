#!/bin/sh
# Install eventide with libevent's names into a temporary prefix, then build a plain
# libevent program against it the three ways users do (-levent, pkg-config, CMake).
#
# Usage: dropin_test.sh [--build DIR [--config CFG]] [--source DIR] [--cflags FLAGS]
#   --build DIR   install this already-built tree (fast path used by ctest);
#                 without it, --source is configured and built fresh in a temp dir.
#   --cflags      extra flags for the test programs (e.g. the library's -fsanitize=...).
# Environment: CC (default cc), KEEP=1 keeps the temp dir.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=
config=
cflags=
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --source) src=$2; shift 2 ;;
    --cflags) cflags=$2; shift 2 ;;
    *) echo "dropin_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
CC=${CC:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eventide-dropin.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM
P=$tmp/prefix
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }
# run_quiet LOG cmd...: runs cmd with output to LOG; shows LOG's tail on failure.
run_quiet() {
  log=$1; shift
  if "$@" >"$log" 2>&1; then return 0; fi
  echo "command failed: $*"; tail -n 40 "$log"; return 1
}

# --- 1. install ---------------------------------------------------------------
if [ -n "$build" ]; then
  cfgarg=
  [ -n "$config" ] && cfgarg="--config $config"
  # shellcheck disable=SC2086
  run_quiet "$tmp/install.log" cmake --install "$build" --prefix "$P" $cfgarg
  # The libevent names are a component of their own: add it whatever the tree's option.
  # shellcheck disable=SC2086
  run_quiet "$tmp/install-names.log" cmake --install "$build" --prefix "$P" $cfgarg \
    --component libevent_names
else
  gen=
  command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
  # shellcheck disable=SC2086
  run_quiet "$tmp/configure.log" cmake -S "$src" -B "$tmp/build" $gen -DCMAKE_BUILD_TYPE=Release \
    -DEVENTIDE_LIBEVENT_NAMES=ON -DEVENTIDE_BUILD_TESTS=OFF -DEVENTIDE_BUILD_SAMPLES=OFF \
    -DCMAKE_INSTALL_PREFIX="$P"
  run_quiet "$tmp/build.log" cmake --build "$tmp/build" -j2
  run_quiet "$tmp/install.log" cmake --install "$tmp/build"
fi

L=
for d in lib lib64 lib/x86_64-linux-gnu; do
  if [ -e "$P/$d/libeventide.so" ]; then L=$P/$d; break; fi
done
if [ -z "$L" ]; then echo "FAIL: no libeventide.so under $P"; find "$P" | head -50; exit 1; fi
for f in "$P/include/event2/event.h" "$P/include/event2/event-config.h" \
         "$L/libeventide.a" "$L/pkgconfig/eventide.pc" "$L/cmake/eventide/eventideConfig.cmake" \
         "$L/libevent.so" "$L/libevent_core.so" "$L/libevent_pthreads.so" \
         "$L/libevent.a" "$L/libevent_core.a" "$L/libevent_pthreads.a" \
         "$L/pkgconfig/libevent.pc" "$L/pkgconfig/libevent_core.pc" \
         "$L/pkgconfig/libevent_pthreads.pc"; do
  [ -e "$f" ] || fail "not installed: ${f#"$P"/}"
done
soname=$(readelf -d "$L/libeventide.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
case $soname in
  libeventide.so.[0-9]*) ok "SONAME $soname" ;;
  *) fail "libeventide.so has SONAME '$soname'" ;;
esac
version=$(sed -n 's/^#define EVENT__VERSION "\(.*\)"/\1/p' "$P/include/event2/event-config.h")
[ -n "$version" ] || fail "no EVENT__VERSION in the installed event-config.h"

threads_flag=
[ -e "$P/include/event2/thread.h" ] && threads_flag=-DPROG_THREADS

# --- 2. checks on one built program ----------------------------------------------
# check_prog NAME EXE [static]: runs EXE, checks its output and what it is linked to.
check_prog() {
  name=$1 exe=$2 kind=${3:-shared}
  status=0
  LD_LIBRARY_PATH=$L "$exe" >"$tmp/$name.out" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    fail "$name: exit status $status: $(head -c 600 "$tmp/$name.out")"; return
  fi
  out=$(cat "$tmp/$name.out")
  echo "$out" | grep -qx "version $version" || { fail "$name: version line: $out"; return; }
  echo "$out" | grep -qxE "method (epoll|poll|select)" || { fail "$name: method line: $out"; return; }
  echo "$out" | grep -qx "fired 1" || { fail "$name: timer did not fire once: $out"; return; }
  needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
  if echo "$needed" | grep -q '^libevent[-_.]'; then fail "$name: links libevent: $needed"; return; fi
  n=$(echo "$needed" | grep -c '^libeventide' || true)
  if [ "$kind" = static ]; then
    [ "$n" = 0 ] || { fail "$name: static build still needs libeventide.so"; return; }
    nm "$exe" | grep -q ' T event_base_new$' || { fail "$name: event_base_new not linked in"; return; }
  else
    [ "$n" = 1 ] || { fail "$name: expected one libeventide in NEEDED, got: $needed"; return; }
    resolved=$(LD_LIBRARY_PATH=$L ldd "$exe" 2>&1 || true)
    echo "$resolved" | grep -q "libeventide\.so[.0-9]* => $L/" ||
      { fail "$name: ldd does not resolve libeventide to $L: $resolved"; return; }
    if echo "$resolved" | grep -q 'libevent[-_.]'; then fail "$name: ldd shows libevent: $resolved"; return; fi
  fi
  ok "$name ($kind): $(echo "$out" | tr '\n' ' ')"
}

# build NAME cmd...: compiles, reporting a failure instead of stopping the script.
build() {
  name=$1; shift
  if "$@" >"$tmp/$name.build.log" 2>&1; then return 0; fi
  fail "$name: build failed: $*"; tail -n 30 "$tmp/$name.build.log"; return 1
}

prog=$here/prog.c
# shellcheck disable=SC2086
{
  # (a) the seed's command line.
  build a_levent $CC $cflags "$prog" -I"$P/include" -L"$L" -levent -o "$tmp/a_levent" &&
    check_prog a_levent "$tmp/a_levent"
  # (a') libevent's other names together: still one library, one copy of its state.
  build a_core_pthreads $CC $cflags $threads_flag "$prog" -I"$P/include" -L"$L" \
    -levent -levent_core -levent_pthreads -o "$tmp/a_core_pthreads" &&
    check_prog a_core_pthreads "$tmp/a_core_pthreads"
  # (a'') the other linkers read the scripts too.
  for ld in gold lld; do
    if $CC -fuse-ld=$ld -x c /dev/null -o /dev/null -shared >/dev/null 2>&1; then
      build "a_$ld" $CC $cflags -fuse-ld=$ld "$prog" -I"$P/include" -L"$L" -levent -levent_pthreads \
        -o "$tmp/a_$ld" && check_prog "a_$ld" "$tmp/a_$ld"
    fi
  done

  # (b) pkg-config, as a user with PKG_CONFIG_PATH set.
  if command -v pkg-config >/dev/null 2>&1; then
    pc() { PKG_CONFIG_PATH=$L/pkgconfig pkg-config "$@"; }
    [ "$(pc --modversion libevent)" = "$version" ] || fail "pkg-config libevent version: $(pc --modversion libevent)"
    [ "$(pc --variable=prefix libevent)" = "$P" ] || fail "libevent.pc prefix: $(pc --variable=prefix libevent)"
    [ "$(pc --variable=prefix eventide)" = "$P" ] || fail "eventide.pc prefix: $(pc --variable=prefix eventide)"
    flags=$(pc --cflags --libs libevent) && ok "pkg-config libevent: $flags"
    build b_pkgconfig $CC $cflags "$prog" $flags -o "$tmp/b_pkgconfig" &&
      check_prog b_pkgconfig "$tmp/b_pkgconfig"
    flags=$(pc --cflags --libs libevent_pthreads) || fail "pkg-config libevent_pthreads"
    build b_pkgconfig_pthreads $CC $cflags $threads_flag "$prog" $flags -o "$tmp/b_pkgconfig_pthreads" &&
      check_prog b_pkgconfig_pthreads "$tmp/b_pkgconfig_pthreads"
    flags=$(pc --cflags --libs eventide) || fail "pkg-config eventide"
    build b_pkgconfig_eventide $CC $cflags "$prog" $flags -o "$tmp/b_pkgconfig_eventide" &&
      check_prog b_pkgconfig_eventide "$tmp/b_pkgconfig_eventide"
  else
    fail "pkg-config is not installed"
  fi

  # (c) a CMake project using find_package(eventide).
  gen=
  command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
  if build c_cmake_configure cmake -S "$here/consumer" -B "$tmp/consumer" $gen \
      -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC" -DPROG_SOURCE="$prog" \
      -DCMAKE_C_FLAGS="$cflags" -DCMAKE_BUILD_TYPE=Release &&
    build c_cmake_build cmake --build "$tmp/consumer"; then
    check_prog c_cmake_shared "$tmp/consumer/prog_shared"
    check_prog c_cmake_static "$tmp/consumer/prog_static" static
  fi

  # (d) fully static: libevent.a is a script that adds the C++ runtime.
  case " $cflags " in
    *-fsanitize=*) echo "skip: -static with sanitizers" ;;
    *)
      if printf 'int main(void){return 0;}\n' | $CC -static -x c - -o "$tmp/probe" >/dev/null 2>&1; then
        build d_static $CC "$prog" -static -I"$P/include" -L"$L" -levent -levent_pthreads \
          -o "$tmp/d_static" && check_prog d_static "$tmp/d_static" static
      else
        echo "skip: no static C library"
      fi
      ;;
  esac
}

if [ "$failures" -ne 0 ]; then
  echo "dropin_test: $failures failure(s)"
  exit 1
fi
echo "dropin_test: all checks passed"
