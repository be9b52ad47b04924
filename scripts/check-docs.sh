#!/usr/bin/env bash
# Documentation check: every public function, type, macro and field in the public headers
# (include/ftcore/*.h, atomics/ftcore/*.h) has a doc comment, and the guide's links resolve.
#
# Doxygen reports an undocumented symbol only in a file that is itself documented, so each
# public header must carry a file comment (@file); this script checks that first, then runs
# doxygen (Doxyfile, WARN_IF_UNDOCUMENTED) and fails on any warning it writes. It also checks
# that every repository path named in backquotes in docs/ and README.md exists, so the guide
# keeps pointing into the repository.
# Output: $FTC_DOCS_OUT (default build-docs/), the HTML that `make docs` builds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FTC_DOCS_OUT:-build-docs}
bad=0

for h in include/ftcore/*.h atomics/ftcore/*.h; do
    if ! grep -Eq '^\s*(/\*\*|\*)\s*[@\\]file\b' "$h"; then
        echo "$h: no file comment (/** @file ... */): doxygen would not check its symbols"
        bad=1
    fi
done

if ! command -v doxygen >/dev/null; then
    echo "check-docs: doxygen is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
mkdir -p "$out"
rm -f "$out/warnings.log"
FTC_DOCS_OUT=$out doxygen Doxyfile
# A warning about a public header fails (an undocumented symbol, a broken doc command); one
# about a page of the guide (doxygen's markdown reading of README.md or docs/) is shown only:
# GitHub renders those pages, doxygen's rendering of them is a convenience.
if [ -s "$out/warnings.log" ]; then
    sed "s|^$PWD/||" "$out/warnings.log" > "$out/warnings.rel"
    if grep -E '^(include|atomics)/' "$out/warnings.rel"; then
        echo "check-docs: $(grep -cE '^(include|atomics)/' "$out/warnings.rel") warning(s) in the public headers"
        bad=1
    fi
    if grep -vE '^(include|atomics)/' "$out/warnings.rel" | sed 's/^/note (not failing): /'; then :; fi
fi

# Source files the guide names must exist: `dir/file.ext` (optionally :line).
python3 - <<'PY' || bad=1
import os, re, sys
roots = ("src/", "containers/", "atomics/", "include/", "tests/", "docs/", "scripts/",
         "bench/", "examples/", "cmake/", "vm/", ".ci/")
missing = []
files = ["README.md"] + [os.path.join(d, f) for d, _, fs in os.walk("docs") for f in fs
                         if f.endswith(".md")]
for path in files:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for ref in re.findall(r"`([^`\s]+)`", line):
            ref = ref.split(":")[0].rstrip(",.")
            if not ref.startswith(roots) or any(c in ref for c in "*<>{}$"):
                continue
            if not re.search(r"\.(c|h|cpp|in|md|py|sh|txt|json|cmake)$", ref) and ref != ".ci/run":
                continue  # a directory or a built program: only source files are checked
            if not os.path.exists(ref):
                missing.append(f"{path}:{n}: `{ref}` does not exist")
for m in missing:
    print(m)
sys.exit(1 if missing else 0)
PY

if [ "$bad" != 0 ]; then
    echo "check-docs: FAILED" >&2
    exit 1
fi
echo "check-docs: every public symbol is documented; the reference is in $out/html"
