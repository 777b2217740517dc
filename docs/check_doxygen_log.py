#!/usr/bin/env python3
# Reads Doxygen's warning log after the `docs` target: fails on any warning
# other than a missing contract, and lists the declarations that lack one.
"""Usage: check_doxygen_log.py LOG --root SRC [--undocumented OUT]

Exit status 1 when the log holds a warning about the headers or the docs
themselves (syntax Doxygen could not parse, a broken reference, a bad
command); "is not documented" warnings only go to OUT, grouped by header.
"""

import argparse
import collections
import os
import re
import sys

UNDOC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): warning: (?P<what>.*) is not documented\.?$")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--root", default="")
    p.add_argument("--undocumented")
    args = p.parse_args()

    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""

    undocumented = collections.defaultdict(list)
    others = []
    # A warning may continue on indented lines (Doxygen's details).
    entries = []
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and entries:
            entries[-1] += "\n" + line
        elif line.strip():
            entries.append(line)
    for entry in entries:
        m = UNDOC.match(entry.splitlines()[0])
        if m:
            path = os.path.relpath(m.group("file"), args.root) if args.root else m.group("file")
            undocumented[path].append((int(m.group("line")), m.group("what")))
        else:
            others.append(entry)

    total = sum(len(v) for v in undocumented.values())
    if args.undocumented:
        with open(args.undocumented, "w", encoding="utf-8") as f:
            f.write(f"# {total} public declarations without a contract comment\n")
            for path in sorted(undocumented):
                items = sorted(set(undocumented[path]))
                f.write(f"\n{path} ({len(items)})\n")
                for line, what in items:
                    f.write(f"  {path}:{line}: {what}\n")

    for entry in others:
        print(entry)
    where = f" (list: {args.undocumented})" if args.undocumented else ""
    print(f"docs: {len(others)} Doxygen warnings, {total} declarations without a contract{where}")
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main())
