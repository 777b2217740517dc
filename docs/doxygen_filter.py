#!/usr/bin/env python3
# Doxygen input filter: the headers document declarations with plain comments
# (house style); this turns those at declaration level into Doxygen comments.
"""Usage: doxygen_filter.py HEADER  (writes the filtered header to stdout)

- the file's opening comment becomes its \\file description;
- a comment that ends on the line just above a declaration becomes that
  declaration's documentation (/* */ -> /** */, // -> ///);
- a comment after code on the same line documents that code (///<, /**<);
- comments inside function bodies, and comments separated from the next line
  of code by a blank line, stay plain comments.
Line numbers are preserved so Doxygen's warnings point at the real header.
"""

import re
import sys

def split_code_comment(line, in_block):
    """Splits a line into (code, comment, comment_kind, still_in_block).

    comment_kind is '//' or '/*' for a comment that starts on this line, or
    'cont' when the line continues a block comment. Strings are respected.
    """
    if in_block:
        end = line.find("*/")
        if end < 0:
            return "", line, "cont", True
        return line[end + 2:], line[:end + 2], "cont", False
    i, n = 0, len(line)
    quote = None
    while i < n:
        c = line[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif line.startswith("//", i):
            return line[:i], line[i:], "//", False
        elif line.startswith("/*", i):
            end = line.find("*/", i + 2)
            if end < 0:
                return line[:i], line[i:], "/*", True
            return line[:i], line[i:], "/*", False
        i += 1
    return line, "", None, False


def code_braces(code):
    """The { and } of a line's code part, in order (strings skipped)."""
    out, quote, i = [], None, 0
    while i < len(code):
        c = code[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "{}":
            out.append((i, c))
        i += 1
    return out


SCOPE_HEAD = re.compile(
    r'^(template\s*<.*>\s*)?(typedef\s+)?(namespace|class|struct|union|enum)\b|^extern\s+"C"')
ACCESS = re.compile(r"^(public|protected|private)\s*:\s*")
NO_DOC_DIRECTIVE = re.compile(r"#\s*(include|if|ifdef|ifndef|else|elif|endif|pragma|undef)\b")


def filter_lines(lines):
    out = list(lines)
    stack = []  # one entry per open brace: True for a scope, False for a body
    head = ""  # code since the last ; { or }: what the next { belongs to
    in_block = False
    comment_start = None  # first line of the comment just above, if any
    comment_at_scope = False
    seen_code = False

    def at_scope():
        return all(stack)

    for i, line in enumerate(lines):
        continuing = in_block
        code, comment, kind, in_block = split_code_comment(line, in_block)
        has_code = bool(code.strip())

        if continuing and not has_code:
            continue  # inside a block comment
        if kind in ("//", "/*") and not has_code:
            if comment_start is None:
                comment_start, comment_at_scope = i, at_scope()
            continue
        if not line.strip():
            if comment_start is not None and not seen_code:
                make_file_doc(out, comment_start, i)
            comment_start = None
            continue

        # A line with code.
        text = code.strip()
        if comment_start is not None:
            if not seen_code:
                make_file_doc(out, comment_start, i)
            elif comment_at_scope and at_scope() and not text.startswith("}") \
                    and not NO_DOC_DIRECTIVE.match(text):
                make_doc(out, comment_start, i)
            comment_start = None
        seen_code = True

        last = 0
        for pos, brace in code_braces(code):
            head += code[last:pos]
            last = pos + 1
            if brace == "{":
                # "public: class X {" opens a scope too: drop the access specifier.
                h = ACCESS.sub("", " ".join(head.split()))
                stack.append(bool(SCOPE_HEAD.search(h)))
            elif stack:
                stack.pop()
            head = ""
        tail = code[last:]
        head = (tail.rsplit(";", 1)[1] if ";" in tail else head + " " + tail)
        if text.startswith("#"):
            head = ""

        # A comment after code on the same line documents that code.
        if kind in ("//", "/*") and at_scope() and not continuing:
            if kind == "//" and not comment.startswith("///"):
                out[i] = code + "///< " + escape(comment[2:].lstrip())
            elif kind == "/*" and not comment.startswith("/**") and not in_block:
                out[i] = code + "/**< " + escape(comment[2:].lstrip())
    return out


HASH_WORD = re.compile(r"(?<![\\\w])#(?=[A-Za-z_])")


def escape(text):
    """Plain-comment text made safe for Doxygen: "#if" is not a link request."""
    return HASH_WORD.sub(r"\\#", text)


def make_doc(out, start, end):
    """Turns the comment on out[start:end] into a Doxygen comment."""
    for k in range(start, end):
        out[k] = escape(out[k])
    first = out[start]
    j = first.find("/")
    if first[j:].startswith("//"):
        for k in range(start, end):
            s = out[k]
            j = s.find("//")
            if j >= 0 and not s[j:].startswith("///"):
                out[k] = s[:j] + "///" + s[j + 2:]
    elif not first[j:].startswith(("/**", "/*!")):
        out[start] = first[:j] + "/**" + first[j + 2:]


def make_file_doc(out, start, end):
    """Turns the file's opening comment into its \\file description (\\file
    goes last: on the first line it would read the text as a file name)."""
    make_doc(out, start, end)
    lastline = out[end - 1]
    if lastline.rstrip().endswith("*/"):
        k = lastline.rstrip().rfind("*/")
        out[end - 1] = lastline[:k].rstrip() + " \\file */"
    else:
        out[end - 1] = lastline.rstrip() + " \\file"


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    sys.stdout.write("\n".join(filter_lines(lines)))


if __name__ == "__main__":
    main()
