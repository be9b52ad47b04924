#!/usr/bin/env bash
# Format check: the C lines a change adds or modifies must be as .clang-format formats them.
#
#   scripts/check-format.sh [BASE]         check the lines changed since BASE (default below)
#   scripts/check-format.sh --fix [BASE]   reformat those lines in place
#   scripts/check-format.sh --advisory ... print the differences, exit 0 anyway
#   scripts/check-format.sh --files F...   whole files
#   scripts/check-format.sh --all          every tracked C/C++ file (what CI runs)
#
# The tree was reformatted once, in one commit that changed nothing else, so every file is
# formatted and CI checks them all (--all). The changed-lines mode is for a branch: BASE
# defaults to the merge base with `main` when on another branch, and to HEAD~1 on main itself.
# Files under the library's directories and tests/, examples/, bench/, vm/ (C and C++).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
advisory=0
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fix) mode=fix; shift ;;
        --advisory) advisory=1; shift ;;
        --files) shift; files=("$@"); mode=files; break ;;
        --all)
            mapfile -t files < <(git ls-files 'src/*.[ch]' 'containers/*.[ch]' 'atomics/*.[ch]' \
                'include/*.h' 'tests/*.[ch]' 'tests/*.cpp' 'examples/*.[ch]' 'examples/*.cpp' \
                'bench/*.[ch]' 'vm/*.[ch]')
            mode=files; break ;;
        *) break ;;
    esac
done

cf=$(command -v clang-format-14 || command -v clang-format || true)
cfd=$(command -v clang-format-diff-14 || command -v clang-format-diff || true)
if [ -z "$cf" ] || [ -z "$cfd" ]; then
    echo "check-format: clang-format (Debian package clang-format) is not installed" >&2
    exit 1
fi

fail() {
    if [ "$advisory" = 1 ]; then
        echo "check-format: advisory only, not failing: $1"
        exit 0
    fi
    echo "check-format: $1" >&2
    exit 1
}

if [ "$mode" = files ]; then
    bad=0
    for f in "${files[@]}"; do
        if ! "$cf" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
            echo "not formatted: $f"
            bad=1
        fi
    done
    [ "$bad" = 0 ] || fail "run: $cf -i --style=file <file>"
    echo "check-format: ${#files[@]} files formatted"
    exit 0
fi

base=${1:-}
if [ -z "$base" ]; then
    branch=$(git rev-parse --abbrev-ref HEAD)
    if [ "$branch" != main ] && git rev-parse -q --verify main >/dev/null; then
        base=$(git merge-base HEAD main)
    elif git rev-parse -q --verify HEAD~1 >/dev/null; then
        base=HEAD~1
    else
        echo "check-format: no base to compare with (a single commit): nothing to check"
        exit 0
    fi
fi

paths=(src containers atomics include tests examples bench vm)
diff=$(git diff -U0 --no-color "$base" -- "${paths[@]/%//*.c}" "${paths[@]/%//*.h}" \
       "${paths[@]/%//*.cpp}" 2>/dev/null || true)
if [ -z "$diff" ]; then
    echo "check-format: no C lines changed since $base"
    exit 0
fi
if [ "$mode" = fix ]; then
    printf '%s\n' "$diff" | "$cfd" -p1 -binary "$cf" -style file -i
    echo "check-format: reformatted the lines changed since $base"
    exit 0
fi
out=$(printf '%s\n' "$diff" | "$cfd" -p1 -binary "$cf" -style file)
if [ -n "$out" ]; then
    printf '%s\n' "$out"
    fail "lines changed since $base are not formatted (scripts/check-format.sh --fix $base)"
fi
echo "check-format: the C lines changed since $base are formatted"
