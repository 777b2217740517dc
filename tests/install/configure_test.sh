#!/bin/sh
# The seed's install flow on a copy of the source: ./configure --prefix=DIR && make &&
# make install, then `cc prog.c -levent` must build a program that runs on eventide.
#
# Usage: configure_test.sh [--source DIR]   Environment: CC (default cc), KEEP=1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
while [ $# -gt 0 ]; do
  case $1 in
    --source) src=$(cd "$2" && pwd); shift 2 ;;
    *) echo "configure_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
CC=${CC:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eventide-configure.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM
P=$tmp/prefix
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }
run_quiet() {
  log=$1; shift
  if "$@" >"$log" 2>&1; then return 0; fi
  echo "FAIL: command failed: $*"; tail -n 40 "$log"; exit 1
}

# --- the source, without anybody's build output ------------------------------------
mkdir "$tmp/src"
if command -v git >/dev/null 2>&1 && git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new files, minus what .gitignore names (build trees, Makefile, ...).
  git -C "$src" ls-files -c -o --exclude-standard | while IFS= read -r f; do
    [ -f "$src/$f" ] && printf '%s\n' "$f"
  done >"$tmp/files"
  (cd "$src" && tar -cf - -T "$tmp/files") | (cd "$tmp/src" && tar -xf -)
  # The generated files must stay out of git.
  for f in Makefile config.status _build/CMakeCache.txt; do
    git -C "$src" check-ignore -q --no-index "$f" || fail ".gitignore does not cover $f"
  done
else
  (cd "$src" && tar -cf - --exclude=./.git --exclude=./build --exclude='./build-*' \
    --exclude=./_build --exclude=./Makefile --exclude=./config.status .) | (cd "$tmp/src" && tar -xf -)
fi
[ -x "$tmp/src/configure" ] || { echo "FAIL: configure is missing or not executable"; exit 1; }

cd "$tmp/src"
run_quiet "$tmp/help.log" ./configure --help
grep -q -- '--prefix' "$tmp/help.log" || fail "configure --help does not mention --prefix"

# --- ./configure && make && make install ----------------------------------------------
start=$(date +%s)
run_quiet "$tmp/configure.log" ./configure --prefix="$P"
[ -f Makefile ] && [ -d _build ] || fail "configure did not write Makefile and _build"
run_quiet "$tmp/make.log" make -j2
run_quiet "$tmp/install.log" make install
ok "configure, make, make install: $(($(date +%s) - start)) s"

L=$P/lib
[ -e "$L/libevent.so" ] || { echo "FAIL: no $L/libevent.so"; ls -R "$P" | head -40; exit 1; }
for f in libevent_core.so libevent_pthreads.so libevent.a libeventide.a \
         pkgconfig/libevent.pc pkgconfig/eventide.pc cmake/eventide/eventideConfig.cmake; do
  [ -e "$L/$f" ] || fail "not installed: lib/$f"
done

# --- the seed's compile line -------------------------------------------------------
version=$(sed -n 's/^#define EVENT__VERSION "\(.*\)"/\1/p' "$P/include/event2/event-config.h")
if $CC "$here/prog.c" -I"$P/include" -L"$L" -levent -o "$tmp/prog" >"$tmp/cc.log" 2>&1; then
  status=0
  LD_LIBRARY_PATH=$L "$tmp/prog" >"$tmp/prog.out" 2>&1 || status=$?
  out=$(cat "$tmp/prog.out")
  if [ "$status" -ne 0 ]; then
    fail "prog exited with $status: $out"
  elif ! printf '%s\n' "$out" | grep -qx "version $version" ||
       ! printf '%s\n' "$out" | grep -qx "fired 1"; then
    fail "prog output: $out"
  else
    ok "cc prog.c -levent: $(printf '%s' "$out" | tr '\n' ' ')"
  fi
  needed=$(readelf -d "$tmp/prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' | tr '\n' ' ')
  case " $needed" in
    *" libevent-"* | *" libevent_"* | *" libevent."*) fail "prog needs libevent: $needed" ;;
    *" libeventide.so"*) ok "prog needs: $needed" ;;
    *) fail "prog does not need libeventide: $needed" ;;
  esac
  resolved=$(LD_LIBRARY_PATH=$L ldd "$tmp/prog" 2>&1 || true)
  printf '%s\n' "$resolved" | grep -q "libeventide\.so[.0-9]* => $L/" ||
    fail "ldd does not resolve libeventide to $L: $resolved"
else
  fail "cc prog.c -levent failed"; tail -n 30 "$tmp/cc.log"
fi

# --- DESTDIR, uninstall, --disable-libevent-names ---------------------------------------
S=$tmp/stage
run_quiet "$tmp/destdir.log" make install DESTDIR="$S"
if [ -e "$S$L/libevent.so" ] && [ -e "$S$P/include/event2/event.h" ]; then
  ok "make install DESTDIR=..."
else
  fail "make install DESTDIR= did not stage under $S$P"
fi
grep -q "^prefix=$P\$" "$S$L/pkgconfig/libevent.pc" || fail "staged libevent.pc does not name the final prefix"
run_quiet "$tmp/uninstall.log" make uninstall DESTDIR="$S"
left=$(find "$S" -type f | head -5)
[ -z "$left" ] && ok "make uninstall DESTDIR=..." || fail "make uninstall left: $left"

P2=$tmp/prefix2
run_quiet "$tmp/configure2.log" ./configure --prefix="$P2" --disable-libevent-names
run_quiet "$tmp/install2.log" make install
if [ -e "$P2/lib/libeventide.so" ] && [ ! -e "$P2/lib/libevent.so" ] &&
   [ ! -e "$P2/lib/pkgconfig/libevent.pc" ]; then
  ok "--disable-libevent-names installs eventide only"
else
  fail "--disable-libevent-names: $(ls "$P2/lib" "$P2/lib/pkgconfig" 2>&1 | tr '\n' ' ')"
fi

if [ "$failures" -ne 0 ]; then
  echo "configure_test: $failures failure(s)"
  exit 1
fi
echo "configure_test: all checks passed"
