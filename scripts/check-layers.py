#!/usr/bin/env python3
"""Layering check: no file includes a header that lives on a higher floor than its own.

The floors are data: the ```layers block in docs/architecture.md (floor number, name, file
globs; `allow A -> B reason` lines for the exceptions, each with its reason). This script
reads every .c and .h under the checked directories, resolves each #include to a file of the
repository, and fails when

  - a checked file is not on any floor (a new file must be placed on the map first),
  - an included repository header is not on any floor,
  - an include goes up: the included header's floor is higher than the including file's,
    and no `allow` line names that pair,
An `allow` line that matches no include is reported as a warning only (branches land in any
order: an exception may be written before the include it excuses arrives); remove it when it
stays unused.

Includes of system headers (<stdio.h>, <pthread.h>, ...) are ignored. `#include <ftcore/x.h>`
resolves to include/ftcore/x.h, atomics/ftcore/x.h, or the generated config.h (placed by its
template include/ftcore/config.h.in). `#include "x.h"` resolves against the including file's
directory, then src/, containers/, include/.

Usage: scripts/check-layers.py [--root DIR] [DIR ...]   (default: src containers atomics
include, and vm when it exists). --self-test checks that the script catches a violation.
Exit status 0 when clean, 1 with one line per violation otherwise.
"""
import argparse
import fnmatch
import os
import re
import sys
import tempfile

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
DEFAULT_DIRS = ["src", "containers", "atomics", "include", "vm"]


def read_map(root):
    """Returns (floors, allows): floors is a list of (floor, name, [globs]) in file order,
    allows a set of (including, included) pairs."""
    path = os.path.join(root, "docs", "architecture.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.S | re.M)
    if not m:
        sys.exit(f"check-layers: no ```layers block in {path}")
    floors, allows = [], set()
    for lineno, line in enumerate(m.group(1).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "allow":
            if len(words) < 5 or words[2] != "->":
                sys.exit(f"check-layers: bad allow line {lineno} of the layers block: {line}")
            allows.add((words[1], words[3]))
            continue
        if not words[0].isdigit() or len(words) < 3:
            sys.exit(f"check-layers: bad line {lineno} of the layers block: {line}")
        floors.append((int(words[0]), words[1], words[2:]))
    return floors, allows


def floor_of(rel, floors):
    for floor, name, globs in floors:
        for g in globs:
            if fnmatch.fnmatchcase(rel, g):
                return floor, name
    return None


def resolve(root, including_rel, kind, name):
    """The repository-relative path an include names, or None for a system header."""
    candidates = []
    if kind == "<":
        if not name.startswith("ftcore/"):
            return None
        if name == "ftcore/config.h":
            return "include/ftcore/config.h.in"
        candidates = [os.path.join("include", name), os.path.join("atomics", name)]
    else:
        here = os.path.dirname(including_rel)
        candidates = [os.path.join(here, name)] + [os.path.join(d, name)
                                                   for d in ("src", "containers", "include")]
    for c in candidates:
        c = os.path.normpath(c)
        if os.path.isfile(os.path.join(root, c)):
            return c
    if kind == "<":
        return "<missing>/" + name
    return None


def check(root, dirs):
    floors, allows = read_map(root)
    errors, used_allows, nfiles = [], set(), 0
    for d in dirs:
        top = os.path.join(root, d)
        if not os.path.isdir(top):
            continue
        for dirpath, _, files in os.walk(top):
            for fn in sorted(files):
                if not (fn.endswith(".c") or fn.endswith(".h") or fn.endswith(".h.in")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, fn), root)
                nfiles += 1
                mine = floor_of(rel, floors)
                if mine is None:
                    errors.append(f"{rel}: not on any floor of the layer map "
                                  f"(docs/architecture.md, the layers block)")
                    continue
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    lines = f.readlines()
                for lineno, line in enumerate(lines, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    target = resolve(root, rel, m.group(1), m.group(2))
                    if target is None:
                        continue
                    if target.startswith("<missing>/"):
                        errors.append(f"{rel}:{lineno}: includes <{m.group(2)}>, "
                                      f"which is not in the repository")
                        continue
                    theirs = floor_of(target, floors)
                    if theirs is None:
                        errors.append(f"{rel}:{lineno}: includes {target}, which is not on "
                                      f"any floor of the layer map")
                        continue
                    if theirs[0] > mine[0]:
                        if (rel, target) in allows:
                            used_allows.add((rel, target))
                            continue
                        errors.append(f"{rel}:{lineno}: floor {mine[0]} ({mine[1]}) includes "
                                      f"{target}, floor {theirs[0]} ({theirs[1]})")
    for a in sorted(allows - used_allows):
        print(f"check-layers: warning: allow {a[0]} -> {a[1]} (docs/architecture.md) matches "
              f"no include: remove it if it stays unused")
    return errors, nfiles


def self_test():
    """A small tree with one violation, one allowed pair, one unmapped file: all must be seen."""
    with tempfile.TemporaryDirectory() as t:
        os.makedirs(os.path.join(t, "docs"))
        os.makedirs(os.path.join(t, "src"))
        os.makedirs(os.path.join(t, "include", "ftcore"))
        with open(os.path.join(t, "docs", "architecture.md"), "w") as f:
            f.write("```layers\n0 low include/ftcore/low.h src/low.c src/ok.c\n"
                    "1 high include/ftcore/high.h\n"
                    "allow src/ok.c -> include/ftcore/high.h reason\n```\n")
        for name, body in [("include/ftcore/low.h", "#include <stdio.h>\n"),
                           ("include/ftcore/high.h", "#include <ftcore/low.h>\n"),
                           ("src/low.c", "#include <ftcore/high.h>\n"),
                           ("src/ok.c", "#include <ftcore/high.h>\n"),
                           ("src/stray.c", "#include <ftcore/low.h>\n")]:
            with open(os.path.join(t, name), "w") as f:
                f.write(body)
        errors, _ = check(t, ["src", "include"])
        want = ["src/low.c:1: floor 0 (low) includes include/ftcore/high.h, floor 1 (high)",
                "src/stray.c: not on any floor"]
        missing = [w for w in want if not any(e.startswith(w) for e in errors)]
        if missing or len(errors) != len(want):
            print("check-layers self-test FAILED; got:", *errors, sep="\n  ")
            return 1
    print("check-layers self-test: ok (an upward include and an unmapped file are reported, "
          "an allowed pair is not)")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    root = os.path.abspath(args.root)
    errors, nfiles = check(root, args.dirs or DEFAULT_DIRS)
    for e in errors:
        print(e)
    if errors:
        print(f"check-layers: {len(errors)} violation(s) in {nfiles} files")
        return 1
    print(f"check-layers: {nfiles} files, every include stays on its floor or below")
    return 0


if __name__ == "__main__":
    sys.exit(main())
