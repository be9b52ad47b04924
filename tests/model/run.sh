#!/usr/bin/env bash
# Model-checks one Promela model of tests/model/ with spin (docs/model.md).
#   run.sh MODEL real      every check of the real model must pass (no error, search complete)
#   run.sh MODEL mutants   every mutant listed for MODEL must be caught by some check
# MODEL is a file name without .pml. Exits non-zero on a violation of the real model, on a
# mutant that passes, on an incomplete search, or if spin or a C compiler is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model="$1"
mode="$2"
src="$here/$model.pml"
[ -f "$src" ] || { echo "model: no $src" >&2; exit 2; }
command -v spin >/dev/null || { echo "model: spin is not installed (scripts/install-deps.sh)" >&2; exit 2; }
cc="${CC:-cc}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/"
cd "$work"

# The checks of each model: "defines|pan compile flags|pan run flags", one per line. Safety runs
# check assertions and invalid end states (deadlocks); LTL runs check one named claim under
# weak fairness (-f) with acceptance cycles (-a). All are exhaustive (no bitstate hashing).
checks_parking_lot_mutex() {
    echo "-DN=2|-DNOCLAIM|"
    echo "-DN=3|-DNOCLAIM|"
    echo "-DN=2 -DLIVENESS|-DNFAIR=3|-a -f -N woken"
    echo "-DN=2 -DLIVENESS|-DNFAIR=3|-a -f -N handoff"
}
mutants_parking_lot_mutex() { echo MUTANT_NO_HAS_PARKED MUTANT_TIMEOUT_DROPS; }
# With 2 threads only one can be parked when the other unlocks: the lost HAS_PARKED cannot show.
skip_parking_lot_mutex() { [ "$1" = MUTANT_NO_HAS_PARKED ] && [ "$2" = 2 ]; }
# The GIL. Each thread count is one group; the bounded-wait check comes first in each group
# because it catches every mutant (mutants mode stops at the first check that catches one).
# -m bounds the search depth above the depth each run reaches (3 threads: up to 290 000) and
# -w sizes the hash table for its states; docs/model.md has the states, memory and time.
checks_gil_handoff() {
    echo "-DN=2 -DPROMPT|-DNOCLAIM -DSAFETY|-m100000 -w18"
    echo "-DN=2|-DNOCLAIM -DSAFETY|-m100000 -w18"
    echo "-DN=2 -DLIVENESS|-DNFAIR=3|-m100000 -w18 -a -f -N served"
    echo "-DN=3 -DPROMPT|-DNOCLAIM -DSAFETY|-m1000000 -w20"
    echo "-DN=3|-DNOCLAIM -DSAFETY|-m1000000 -w20"
    # Liveness with 3 threads needs the PROMPT assumption: under weak fairness alone a woken
    # urgent waiter that the scheduler keeps off the CPU for several intervals can be passed
    # over forever (docs/model.md, "Three threads").
    echo "-DN=3 -DLIVENESS -DPROMPT|-DNFAIR=4|-m1000000 -w20 -a -f -N served"
}
mutants_gil_handoff() {
    echo MUTANT_NO_HANDOFF MUTANT_NO_HONOUR MUTANT_NO_WAKE MUTANT_TIGHTER_BOUND
}

declare -F "checks_$model" >/dev/null || { echo "model: no checks listed for $model" >&2; exit 2; }

# Runs one check; prints a line; returns 0 if it passed (complete, no error), 1 if a violation
# was found, 2 if the search could not complete.
run_check() {
    local defines="$1" ccflags="$2" panflags="$3" tag="$4"
    rm -f pan pan.* ./*.trail
    # shellcheck disable=SC2086
    spin $defines -a "$model.pml" >spin.out 2>&1 || { cat spin.out; return 2; }
    # -O0 (a check may add -O2): every search takes a few seconds at most, and compiling
    # pan.c at -O2 takes 5-9 s.
    # shellcheck disable=SC2086
    "$cc" -O0 -w $ccflags -o pan pan.c || return 2
    local t0 t1
    t0=$(date +%s)
    # (a -m in the check's flags replaces this default: pan takes the last one)
    # shellcheck disable=SC2086
    ./pan -m4000000 $panflags >pan.out 2>&1 || true
    t1=$(date +%s)
    local errors
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | head -1)
    local states mem
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out | head -1)
    mem=$(sed -n 's/^ *\([0-9.]*\)[^0-9]*total actual memory usage.*/\1/p' pan.out | head -1)
    printf 'model: %-18s %-28s %-16s errors=%s states=%s %sMB %ss\n' "$model" "$tag $defines" \
        "$panflags" "${errors:-?}" "${states:-?}" "${mem:-?}" "$((t1 - t0))"
    if [ "${errors:-}" != "0" ]; then
        grep -E 'pan:[0-9]|violated|acceptance cycle|invalid end state' pan.out | head -3 | sed 's/^/    /'
        [ -n "${errors:-}" ] && return 1
        tail -20 pan.out
        return 2
    fi
    if grep -q 'max search depth too small\|Search not completed' pan.out; then
        echo "    search not complete" >&2
        return 2
    fi
    return 0
}

status=0
case "$mode" in
real)
    while IFS='|' read -r d c p; do
        rc=0
        run_check "$d" "$c" "$p" real || rc=$?
        if [ $rc -ne 0 ]; then
            echo "model: $model FAILED ($([ $rc -eq 1 ] && echo violation || echo incomplete search))"
            status=1
        fi
    done < <("checks_$model")
    ;;
mutants)
    # A mutant must be caught with every thread count the model is checked with (the -DN=
    # groups of its checks, in order), unless it is listed as not applying to that count.
    for m in $("mutants_$model"); do
        for n in $("checks_$model" | sed -n 's/.*-DN=\([0-9]*\).*/\1/p' | awk '!seen[$0]++'); do
            if declare -F "skip_$model" >/dev/null && "skip_$model" "$m" "$n"; then
                echo "model: mutant $m with N=$n: not applicable (docs/model.md)"
                continue
            fi
            caught=0
            while IFS='|' read -r d c p; do
                case " $d " in *" -DN=$n "*) ;; *) continue ;; esac
                rc=0
                run_check "$d -D$m" "$c" "$p" "$m" || rc=$?
                if [ $rc -eq 1 ]; then caught=1; break; fi
            done < <("checks_$model")
            if [ $caught -eq 1 ]; then
                echo "model: mutant $m caught with N=$n"
            else
                echo "model: mutant $m NOT caught with N=$n: the checks are too weak"
                status=1
            fi
        done
    done
    ;;
*)
    echo "usage: run.sh MODEL real|mutants" >&2
    exit 2
    ;;
esac
[ $status -eq 0 ] && echo "model: $model $mode: ok"
exit $status
