#!/usr/bin/env python3
"""Instructions executed by ftpy's single-thread programs, gil vs nogil build (callgrind).

A load-independent view of ftpy's single-thread cost: each program of bench/py (the ones
`make ab` times, at its quick sizes unless --full) runs once under `valgrind --tool=callgrind`
on build-gil/vm/ftpy and build-nogil/vm/ftpy, and the table gives the instructions of the
whole process (start-up included) and their ratio nogil/gil, with the geometric mean. The
count does not move with the machine's load, so it is the tool for deciding what a change
saved while the machine is busy; it does not see what instructions cost (an atomic
read-modify-write counts as one instruction, a cache miss as none), so the timed `make ab`
stays the judge.

  python3 bench/py_instr.py                  # every program, quick sizes
  python3 bench/py_instr.py nbody richards   # some of them
  python3 bench/py_instr.py --keep DIR       # keep the callgrind files (DIR/<prog>.<build>.cg)
  python3 bench/py_instr.py --top 15         # also the 15 functions with the most extra
                                             # nogil instructions (self cost), per program
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab_programs  # noqa: E402

ROOT = ab_programs.ROOT


def total_ir(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit("no totals in " + path)


def self_costs(path, by_file=False):
    """Function name (or file:function, by_file) -> self instructions (callgrind_annotate).
    Code inlined from a header counts in the function it was inlined into."""
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.%]+\)\s+(\S.*?)(?: \[.*\])?$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        loc = m.group(2)
        f, _, fn = loc.rpartition(":")
        key = "%s:%s" % (os.path.basename(f), fn) if by_file else fn
        costs[key] = costs.get(key, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="*")
    ap.add_argument("--full", action="store_true", help="the full run's sizes")
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--by-file", action="store_true",
                    help="with --top: split each function's cost by the file its code is from")
    a = ap.parse_args()
    progs = a.programs or list(ab_programs.PROGRAMS)
    exe = {b: ab_programs.ftpy_path(b) for b in ab_programs.BUILDS}
    for b, p in exe.items():
        if not p:
            raise SystemExit("build-%s/vm/ftpy missing: build the %s preset" % (b, b))
    tmp = a.keep or tempfile.mkdtemp()
    os.makedirs(tmp, exist_ok=True)
    rows = []
    print("%-14s %14s %14s %7s" % ("program", "gil Ir", "nogil Ir", "ratio"))
    for name in progs:
        full, small = ab_programs.PROGRAMS[name]
        args = full if a.full else small
        ir = {}
        for b in ab_programs.BUILDS:
            cg = os.path.join(tmp, "%s.%s.cg" % (name, b))
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg,
                                exe[b], os.path.join(ab_programs.PYDIR, name + ".py")] + args,
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit("%s on %s failed: %s" % (name, b, p.stderr[-2000:]))
            ir[b] = total_ir(cg)
        r = ir["nogil"] / ir["gil"]
        rows.append(r)
        print("%-14s %14d %14d %7.3f" % (name, ir["gil"], ir["nogil"], r), flush=True)
        if a.top:
            g = self_costs(os.path.join(tmp, "%s.gil.cg" % name), a.by_file)
            n = self_costs(os.path.join(tmp, "%s.nogil.cg" % name), a.by_file)
            diff = sorted(((n.get(k, 0) - g.get(k, 0), k) for k in set(g) | set(n)),
                          reverse=True)
            for d, k in diff[:a.top]:
                print("    %+12d %5.1f%%  %s" % (d, 100.0 * d / ir["gil"], k))
    print("%-14s %14s %14s %7.3f" % ("geomean", "", "", ab_programs.geomean(rows)))


if __name__ == "__main__":
    main()
