#!/bin/bash
# Instructions per operation of ftc_bench workloads, counted by callgrind: a load-independent
# view of what each build executes per operation (the inner loop only: collection is switched
# on inside the workers' *_body functions, so setup and thread start are not counted). Use it
# on a busy machine, where timings are noise; it says nothing about cache misses or contention.
#
#   bench/instr_per_op.sh [workload ...]      (default: every throughput workload, 1 thread)
#   THREADS=2 bench/instr_per_op.sh dict_shared_read
#
# Needs valgrind and the gil and nogil builds (cmake --preset gil / nogil, then build).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-1}
for b in gil nogil; do
    [ -x build-$b/bench/ftc_bench ] || { echo "build-$b/bench/ftc_bench missing: build the $b preset" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
if [ $# -eq 0 ]; then
    set -- alloc_int refcount_private refcount_shared refcount_shared_marked dict_private \
        dict_shared_read dict_shared_mixed list_private list_shared_read list_shared_append \
        lock_pingpong wordcount
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {  # build workload -> "instructions ops"
    local out
    out=$(valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" '--toggle-collect=*_body' \
          build-$1/bench/ftc_bench --workload "$2" --threads "$threads" --seconds 0.3 2>/dev/null)
    local ir ops
    ir=$(callgrind_annotate "$tmp/cg" | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
    ops=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ops"])')
    echo "$ir $ops"
}
printf '%-24s %12s %12s %8s\n' workload "gil ins/op" "nogil ins/op" ratio
for w in "$@"; do
    read -r gi go < <(count gil "$w")
    read -r ni no < <(count nogil "$w")
    python3 -c "g=$gi/$go; n=$ni/$no; print('%-24s %12.1f %12.1f %8.2f' % ('$w', g, n, n/g))"
done
