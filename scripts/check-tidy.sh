#!/usr/bin/env bash
# clang-tidy on the library's C sources, with the checks of .clang-tidy.
#
#   scripts/check-tidy.sh                  every .c file under src/ and containers/
#   scripts/check-tidy.sh --changed [BASE] only those changed since BASE (default: the merge
#                                          base with main, or HEAD~1 on main)
#   JOBS=n                                 parallel clang-tidy processes (default 2)
#
# It configures its own build directory (build-tidy: the nogil variant, which compiles every
# code path the GIL build has and more, with clang so that the compile flags are clang's)
# and fails on any finding that scripts/tidy-accepted.txt does not list. That file names each
# accepted finding by file, check and the text of the flagged source line (so that it survives
# edits elsewhere in the file), with the reason it is not a bug; a full run also fails on an
# entry that no longer matches anything, so the list cannot keep dead excuses.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
accepted=scripts/tidy-accepted.txt

tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
cc=$(command -v clang-14 || command -v clang || true)
if [ -z "$tidy" ] || [ -z "$cc" ]; then
    echo "check-tidy: clang-tidy and clang (Debian packages clang-tidy, clang) are needed" >&2
    exit 1
fi

full=1
files=()
if [ "${1:-}" = --changed ]; then
    full=0
    base=${2:-}
    if [ -z "$base" ]; then
        if [ "$(git rev-parse --abbrev-ref HEAD)" != main ] && git rev-parse -q --verify main >/dev/null; then
            base=$(git merge-base HEAD main)
        else
            base=HEAD~1
        fi
    fi
    mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- 'src/*.c' 'containers/*.c')
    if [ ${#files[@]} -eq 0 ]; then
        echo "check-tidy: no library .c file changed since $base"
        exit 0
    fi
else
    mapfile -t files < <(ls src/*.c containers/*.c)
fi

bdir=build-tidy
CC=$cc cmake -S . -B "$bdir" -DFTC_GIL_DISABLED=ON -DFTC_BUILD_TESTS=OFF -DFTC_BUILD_BENCH=OFF \
    -DFTC_BUILD_EXAMPLES=OFF -DFTC_BUILD_DOCS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null

out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
start=$(date +%s)
printf '%s\n' "${files[@]}" |
    xargs -P "$jobs" -n 1 "$tidy" -p "$bdir" --quiet --use-color=false >"$out" 2>"$out.err" || true
if grep -q 'error:' "$out"; then
    grep 'error:' "$out" | sort -u
    echo "check-tidy: clang-tidy could not compile a file" >&2
    exit 1
fi

python3 - "$out" "$accepted" "$full" <<'PY'
import os, re, sys
out, accepted_path, full = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
root = os.getcwd() + "/"
accepted = {}
for n, line in enumerate(open(accepted_path, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    parts = line.split(" | ", 2)
    if len(parts) != 3 or " | " not in parts[2]:
        sys.exit(f"{accepted_path}:{n}: want 'file | check | source line | reason'")
    source = parts[2].rsplit(" | ", 1)[0]  # the reason is after the last separator
    accepted[(parts[0], parts[1], source)] = False
found = {}
pat = re.compile(r"^(/[^:]+):(\d+):\d+: warning: (.*) \[([^\]]+)\]$")
for line in open(out, encoding="utf-8", errors="replace"):
    m = pat.match(line.rstrip("\n"))
    if not m:
        continue
    path, lineno, msg, checks = m.groups()
    rel = path[len(root):] if path.startswith(root) else path
    try:
        text = " ".join(open(path, encoding="utf-8").readlines()[int(lineno) - 1].split())
    except (OSError, IndexError):
        text = ""
    for check in checks.split(","):
        key = (rel, check, text)
        if key in accepted:
            accepted[key] = True
        else:
            found.setdefault(key, f"{rel}:{lineno}: {msg} [{check}]")
bad = 0
for key, where in sorted(found.items()):
    print(where)
    print(f"    accept with a reason in {accepted_path}: {key[0]} | {key[1]} | {key[2]} | <why it is not a bug>")
    bad = 1
if full:
    for key, used in accepted.items():
        if not used:
            print(f"{accepted_path}: no finding matches any more, remove it: {' | '.join(key)}")
            bad = 1
nacc = sum(accepted.values())
print(f"check-tidy: {len(found)} new finding(s), {nacc} accepted with a reason")
sys.exit(bad)
PY
echo "check-tidy: ${#files[@]} files in $(( $(date +%s) - start )) s"
