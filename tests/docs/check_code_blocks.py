#!/usr/bin/env python3
# The documentation's code-block checker: compiles every ```c and ```cpp block
# of the given Markdown files so that the guides cannot drift from the headers.
"""Compile every C and C++ code block of Markdown documents.

A block that defines main() is built as a whole program and linked; any other
block is compiled as one translation unit after a prelude that includes the
library's headers (the ones present in the tree) and the usual standard
headers, as the reader's own file would.

Markers, as an HTML comment anywhere before the block they govern (the next
```c or ```cpp block takes them):
  <!-- compile: skip until event2/bufferevent.h [event2/listener.h ...] -->
      the block needs headers that are not in the tree yet: it is skipped (and
      reported) while one is missing, and compiled as soon as all exist.

      Once the headers exist the block is compiled; while the library still
      lacks the new functions (headers land before their implementation), a
      marked program that compiles but does not link is reported as "not
      linked yet", not as a failure. A marked block that builds fully is
      reported with "marker can go": remove the marker then, so the block is
      held to the strict rule.

--target libevent compiles the C blocks against Debian's libevent instead (the
C face promises the same API; C++ blocks and C blocks that include an
eventide/ header do not apply there).

--pair A B checks that two translations hold the same code: the same blocks,
in the same order, equal once comments and whitespace are removed.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r"<!--\s*compile:\s*(.*?)\s*-->")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")
EXTENSION = re.compile(r"#\s*include\s*<eventide/")
UNDEFINED = re.compile(r"undefined reference to `([^']+)'")

C_HEADERS = [
    "event2/event.h",
    "event2/event_struct.h",
    "event2/buffer.h",
    "event2/bufferevent.h",
    "event2/listener.h",
    "event2/thread.h",
    "event2/util.h",
]
C_STD = [
    "errno.h", "signal.h", "stdio.h", "stdlib.h", "string.h", "arpa/inet.h",
    "netinet/in.h", "pthread.h", "sys/socket.h", "unistd.h",
]
CXX_HEADERS = ["eventide/eventide.hpp"]
CXX_STD = [
    "chrono", "csignal", "cstdio", "cstdlib", "cstring", "functional", "iostream", "memory",
    "optional", "string", "string_view", "system_error", "thread", "utility", "vector",
    "sys/socket.h", "unistd.h",
]


class Block:
    def __init__(self, path, line, lang, code, marker):
        self.path = path
        self.line = line  # line of the opening fence, 1-based
        self.lang = lang
        self.code = code
        self.marker = marker

    @property
    def where(self):
        return f"{os.path.basename(self.path)}:{self.line}"

    @property
    def is_program(self):
        return MAIN.search(self.code) is not None


def read_blocks(path):
    """The ```c and ```cpp blocks of a Markdown file, with their markers."""
    blocks = []
    marker = None
    fence = None  # (indent, fence chars, lang, start line, lines)
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if fence is None:
                m = MARKER.search(line)
                if m:
                    marker = m.group(1)
                m = FENCE.match(line)
                if m:
                    fence = (m.group(1), m.group(2), m.group(3).lower(), n, [])
                continue
            indent, chars, lang, start, lines = fence
            stripped = line.strip()
            if stripped.startswith(chars[0] * len(chars)) and set(stripped) == {chars[0]}:
                if lang in ("c", "cpp", "c++"):
                    code = "\n".join(l[len(indent):] if l.startswith(indent) else l
                                     for l in lines) + "\n"
                    blocks.append(Block(path, start, "c" if lang == "c" else "cpp", code, marker))
                    marker = None
                fence = None
                continue
            lines.append(line)
    if fence is not None:
        raise SystemExit(f"{path}:{fence[3]}: unterminated code fence")
    return blocks


def strip_comments(code):
    """Code without comments, whitespace runs collapsed (string literals kept)."""
    out = []
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c in "\"'":
            j = i + 1
            while j < n and code[j] != c:
                j += 2 if code[j] == "\\" else 1
            out.append(code[i:j + 1])
            i = j + 1
        elif code.startswith("//", i):
            while i < n and code[i] != "\n":
                i += 1
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return " ".join("".join(out).split())


def check_pair(a, b):
    """Problems that make two translations of a guide hold different code."""
    ba, bb = read_blocks(a), read_blocks(b)
    problems = []
    if len(ba) != len(bb):
        problems.append(f"{a} has {len(ba)} C/C++ blocks, {b} has {len(bb)}")
    for x, y in zip(ba, bb):
        if x.lang != y.lang or x.marker != y.marker:
            problems.append(f"{x.where} ({x.lang}, {x.marker}) vs {y.where} ({y.lang}, {y.marker})")
            break
        if strip_comments(x.code) != strip_comments(y.code):
            problems.append(f"{x.where} and {y.where} differ beyond comments")
    return problems


class Compiler:
    def __init__(self, args):
        self.args = args
        self.include_dirs = args.include

    def header_present(self, header):
        dirs = list(self.include_dirs)
        if self.args.target == "libevent":
            dirs.append("/usr/include")
        return any(os.path.exists(os.path.join(d, header)) for d in dirs)

    def prelude(self, lang):
        if lang == "c":
            ours = [h for h in C_HEADERS if self.header_present(h)]
            std = C_STD
        else:
            ours = [h for h in CXX_HEADERS if self.header_present(h)]
            std = CXX_STD
        lines = [f"#include <{h}>" for h in ours + std]
        return "\n".join(lines) + "\n#line 1\n"

    def skip_reason(self, block):
        if self.args.target == "libevent" and (block.lang == "cpp" or EXTENSION.search(block.code)):
            return "n/a"  # eventide's C++ face and C extensions are not libevent's
        if block.marker:
            m = re.fullmatch(r"skip until\s+(.+)", block.marker)
            if not m:
                return f"error: unknown marker '{block.marker}'"
            missing = [h for h in m.group(1).split() if not self.header_present(h)]
            if missing:
                return " ".join(missing) + " not in the tree"
        return None

    def compile(self, block, index, workdir):
        ext = ".c" if block.lang == "c" else ".cpp"
        stem = os.path.join(workdir, f"{os.path.basename(block.path).replace('.', '_')}_{index:03d}")
        program = block.is_program
        src = stem + ext
        with open(src, "w", encoding="utf-8") as f:
            # Diagnostics then point at the Markdown line.
            f.write(f'#line {block.line + 1} "{block.path}"\n' if program else "")
            if not program:
                f.write(self.prelude(block.lang))
                f.write(f'#line {block.line + 1} "{block.path}"\n')
            f.write(block.code)
        if block.lang == "c":
            cmd = [self.args.cc, "-std=gnu11"]
        else:
            cmd = [self.args.cxx, "-std=c++20"]
        cmd += ["-Wall", "-Werror"]
        cmd += [f"-I{d}" for d in self.include_dirs]
        cmd += self.args.cflag
        if program:
            cmd += [src, "-o", stem] + self.args.link
        else:
            cmd += ["-Wno-unused-function", "-Wno-unused-variable", "-c", src, "-o", stem + ".o"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        if r.returncode == 0:
            return "ok", " ".join(cmd), r.stdout
        missing = sorted(set(UNDEFINED.findall(r.stdout)))
        compile_errors = [l for l in r.stdout.splitlines()
                          if "error:" in l and not l.startswith("collect2:")]
        if block.marker and missing and not compile_errors:
            # The marked headers landed before their implementation: the block
            # compiles, only the link misses the new calls.
            return "unlinked", " ".join(cmd), ", ".join(missing)
        return "fail", " ".join(cmd), r.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--target", choices=["eventide", "libevent"], default="eventide")
    p.add_argument("--cc", default="cc")
    p.add_argument("--cxx", default="c++")
    p.add_argument("--include", "-I", action="append", default=[], help="include directory")
    p.add_argument("--cflag", action="append", default=[], help="extra compiler flag")
    p.add_argument("--link", action="append", default=[], help="link argument for programs")
    p.add_argument("--workdir", help="where the extracted sources go (default: a temporary dir)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--pair", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="two translations that must hold the same code")
    p.add_argument("files", nargs="+")
    args = p.parse_args()

    failed = 0
    for a, b in args.pair:
        for problem in check_pair(a, b):
            print(f"FAIL translation: {problem}")
            failed += 1

    blocks = [b for path in args.files for b in read_blocks(path)]
    if not blocks:
        print("FAIL: no C/C++ code blocks found (is the fence syntax still ```c / ```cpp?)")
        return 1

    compiler = Compiler(args)
    workdir = args.workdir or tempfile.mkdtemp(prefix="eventide-docs-")
    os.makedirs(workdir, exist_ok=True)

    todo, skipped, not_applicable = [], [], 0
    for i, b in enumerate(blocks):
        reason = compiler.skip_reason(b)
        if reason == "n/a":
            not_applicable += 1
        elif reason and reason.startswith("error:"):
            print(f"FAIL {b.where}: {reason[7:]}")
            failed += 1
        elif reason:
            skipped.append((b, reason))
        else:
            todo.append((i, b))

    compiled = {"c": 0, "cpp": 0}
    unlinked = []
    report_markers = args.target == "eventide"
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = [(b, pool.submit(compiler.compile, b, i, workdir)) for i, b in todo]
        for b, fut in results:
            status, cmd, output = fut.result()
            kind = "program" if b.is_program else "unit"
            lang = "C" if b.lang == "c" else "C++"
            if status == "ok":
                compiled[b.lang] += 1
                note = (f" (marker '{b.marker}' can go)"
                        if b.marker and report_markers else "")
                print(f"ok   {b.where} [{lang} {kind}]{note}")
            elif status == "unlinked":
                compiled[b.lang] += 1
                unlinked.append(b)
                print(f"ok   {b.where} [{lang} {kind}] compiles; not linked yet, the library "
                      f"lacks: {output}")
            else:
                failed += 1
                print(f"FAIL {b.where} [{lang} {kind}]\n  {cmd}\n{output}")
    for b, reason in skipped:
        print(f"SKIP {b.where} [{'C' if b.lang == 'c' else 'C++'}]: {reason}")

    reasons = {}
    for _, reason in skipped:
        reasons[reason] = reasons.get(reason, 0) + 1
    detail = "; ".join(f"{n} until {r.replace(' not in the tree', '')}" for r, n in
                       sorted(reasons.items()))
    summary = (f"docs ({args.target}): {len(blocks)} code blocks in {len(args.files)} files: "
               f"{compiled['c'] + compiled['cpp']} compiled (C {compiled['c']}, "
               f"C++ {compiled['cpp']}), {len(skipped)} skipped"
               + (f" ({detail})" if detail else "")
               + (f", {len(unlinked)} programs not linked yet (implementation pending)"
                  if unlinked else "")
               + (f", {not_applicable} not applicable (C++ face, eventide extensions)"
                  if not_applicable else "")
               + f", {failed} failed")
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
