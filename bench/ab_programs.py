"""make ab, first table: whole Python programs on ftpy's two builds, next to CPython.

ftpy (vm/) is built in both variants from one source: build-gil/ftpy and build-nogil/ftpy. This
module runs on them, and on the machine's python3 (CPython 3.11):

- the single-thread programs of bench/py/*.py (pyperformance-like, each self-checking): every
  repetition runs ftpy-gil, ftpy-nogil and python3 back to back, in an order that rotates from one
  repetition to the next, and keeps each one's wall time; the ratios nogil/gil and gil/CPython are
  formed within a repetition (paired) and their medians reported. A program's stdout must equal
  CPython's (the differential suite holds this for tests/vm; here it guards the timed runs).
- the scaling workloads of bench/py/threaded/ftscaling.py (CPython's Tools/ftscalingbench way:
  each of N threads runs the same function for the same number of iterations) at 1 and N
  threads on both builds: scaling T1*N/TN, ideal N for nogil and 1 for the GIL build.
- the realistic threaded programs of bench/py/threaded (a queue.Queue pipeline, a
  ThreadPoolExecutor map, a word count merged under a lock): a fixed amount of work split over
  N threads, speed-up T1/TN.

The targets (issue 17), reported met or missed, never asserted:
  nogil/gil single-thread time, geometric mean over the programs   <= 1.10
  ftpy-gil/CPython time, geometric mean                           <= 1.5
  nogil scaling at 2 threads, every scaling workload              >= 1.8
  nogil speed-up at 2 threads, every realistic program            >= 1.6
  GIL build scaling at 2 threads                                  >= 0.9
"""

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYDIR = os.path.join(ROOT, "bench", "py")
THRDIR = os.path.join(PYDIR, "threaded")
BUILDS = ("gil", "nogil")

OVERHEAD_MAX = 1.10
VS_CPYTHON_MAX = 1.5
NOGIL_SCALING_2_MIN = 1.8
NOGIL_REALISTIC_2_MIN = 1.6
GIL_SCALING_2_MIN = 0.9

# Arguments of each single-thread program: (full run, quick run). Sized so that CPython takes
# about half a second on the full run.
PROGRAMS = {
    "nbody": (["50000"], ["5000"]),
    "spectral_norm": (["150"], ["100"]),
    "richards": (["5"], ["1"]),
    "raytrace": (["60"], ["24"]),
    "binary_trees": (["14"], ["10"]),
    "nqueens": (["10"], ["8"]),
    "strings": (["80000"], ["10000"]),
    "dicts": (["300000"], ["30000"]),
    "fannkuch": (["9"], ["8"]),
}

SCALING = ("pyfunction", "pymethod", "module_function", "load_string_const",
           "load_tuple_const", "create_pyobject", "create_closure", "create_dict", "generator",
           "thread_local_read", "mult_constant", "shared_dict_read", "shared_list_read",
           "shared_instance_attr", "method_caller")

# Realistic programs: (file, full size, quick size); the work is split over the threads.
REALISTIC = {
    "pipeline": ("pipeline.py", "20000", "1500"),
    "parallel_map": ("parallel_map.py", "48", "6"),
    "wordcount": ("wordcount.py", "600000", "40000"),
}

SECONDS_RE = re.compile(r"seconds=([0-9.]+)")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def ftpy_path(build):
    for rel in ("ftpy", os.path.join("vm", "ftpy")):
        p = os.path.join(ROOT, "build-" + build, rel)
        if os.path.exists(p):
            return p
    return None


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run(cmd, timeout):
    """Runs cmd; returns (wall seconds, stdout, error text or None)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s" % timeout
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return wall, p.stdout, "exit %d: %s" % (p.returncode, tail)
    return wall, p.stdout, None


def inner_seconds(stdout):
    m = SECONDS_RE.search(stdout)
    return float(m.group(1)) if m else None


def fmt(x, spec="%.2f"):
    return "-" if x is None else spec % x


def mark(ok):
    return "met" if ok else "MISSED"


def run_all(quick=False, reps=None, threads=(1, 2), interpreters=None):
    """Runs every program and workload; returns the report dict (see module doc)."""
    reps = reps or (1 if quick else 5)
    threads = sorted(set(threads) | {1})
    exe = dict(interpreters or {})
    for b in BUILDS:
        exe.setdefault(b, ftpy_path(b))
    exe.setdefault("cpython", shutil.which("python3"))
    missing = [k for k, v in exe.items() if not v]
    if missing:
        raise SystemExit("ab: no interpreter for %s (build ftpy: make build-gil build-nogil)"
                         % ", ".join(missing))
    timeout = 120
    failures = []
    single = {name: {"gil": [], "nogil": [], "cpython": [], "ratio_nogil_gil": [],
                     "ratio_gil_cpython": []} for name in PROGRAMS}
    kinds = ("gil", "nogil", "cpython")
    log("ab: programs: %d single-thread programs x %d repetitions x 3 interpreters"
        % (len(PROGRAMS), reps))
    for rep in range(reps):
        order = kinds[rep % 3:] + kinds[:rep % 3]
        for name, (full, small) in PROGRAMS.items():
            args = small if quick else full
            path = os.path.join(PYDIR, name + ".py")
            times, outs = {}, {}
            for k in order:
                wall, out, err = run([exe[k], path] + args, timeout)
                if err:
                    failures.append({"program": name, "interpreter": k, "error": err})
                    log("  %s on %s FAILED: %s" % (name, k, err))
                    continue
                times[k] = wall
                outs[k] = out
            for k in ("gil", "nogil"):
                if k in outs and "cpython" in outs and outs[k] != outs["cpython"]:
                    failures.append({"program": name, "interpreter": k,
                                     "error": "stdout differs from CPython's"})
                    log("  %s on %s: stdout differs from CPython's" % (name, k))
                    times.pop(k, None)
            for k, v in times.items():
                single[name][k].append(v)
            if "gil" in times and "nogil" in times:
                single[name]["ratio_nogil_gil"].append(times["nogil"] / times["gil"])
            if "gil" in times and "cpython" in times:
                single[name]["ratio_gil_cpython"].append(times["gil"] / times["cpython"])
            log("  rep %d/%d %-14s %s" % (rep + 1, reps, name, "  ".join(
                "%s %.3fs" % (k, times[k]) for k in kinds if k in times)))

    # Scaling workloads: the iteration count is set once, on the GIL build at one thread, so
    # that a one-thread run takes about `target` seconds; both builds then run the same count.
    target = 0.05 if quick else 0.25
    scal = {}
    script = os.path.join(THRDIR, "ftscaling.py")
    for w in SCALING:
        # Calibrated on a run of at least 20 ms (a shorter one is mostly start-up noise).
        base, secs, err = 20000, None, None
        while True:
            wall, out, err = run([exe["gil"], script, w, "1", str(base)], timeout)
            secs = inner_seconds(out) if not err else None
            if not secs or secs >= 0.02 or base >= 10**8:
                break
            base *= 4
        if not secs:
            failures.append({"workload": w, "interpreter": "gil", "error": err or "no time"})
            log("  %s calibration FAILED: %s" % (w, err))
            continue
        iters = max(1000, int(base * target / max(secs, 1e-4)))
        cell = {"iterations": iters, "gil": {}, "nogil": {}}
        for rep in range(reps):
            for b in (BUILDS if rep % 2 == 0 else tuple(reversed(BUILDS))):
                for t in threads:
                    wall, out, err = run([exe[b], script, w, str(t), str(iters)], timeout)
                    secs = inner_seconds(out) if not err else None
                    if secs is None:
                        failures.append({"workload": w, "interpreter": b, "threads": t,
                                         "error": err or "no time printed"})
                        continue
                    cell[b].setdefault(str(t), []).append(secs)
        for b in BUILDS:
            cell[b + "_scaling"] = {}
            t1 = cell[b].get("1", [])
            for t in threads:
                tn = cell[b].get(str(t), [])
                pairs = [a * t / c for a, c in zip(t1, tn) if c > 0]
                cell[b + "_scaling"][str(t)] = median(pairs)
        scal[w] = cell
        log("  %-22s gil %s  nogil %s" % (w, " ".join(
            "%s:%s" % (t, fmt(cell["gil_scaling"][str(t)])) for t in threads), " ".join(
            "%s:%s" % (t, fmt(cell["nogil_scaling"][str(t)])) for t in threads)))

    real = {}
    for name, (fname, full, small) in REALISTIC.items():
        size = small if quick else full
        path = os.path.join(THRDIR, fname)
        cell = {"size": int(size), "gil": {}, "nogil": {}, "cpython": {}}
        for rep in range(reps):
            for b in (BUILDS if rep % 2 == 0 else tuple(reversed(BUILDS))) + ("cpython",):
                for t in threads:
                    wall, out, err = run([exe[b], path, str(t), size], timeout)
                    secs = inner_seconds(out) if not err else None
                    if secs is None:
                        failures.append({"program": name, "interpreter": b, "threads": t,
                                         "error": err or "no time printed"})
                        continue
                    cell[b].setdefault(str(t), []).append(secs)
        for b in BUILDS + ("cpython",):
            cell[b + "_speedup"] = {}
            t1 = cell[b].get("1", [])
            for t in threads:
                tn = cell[b].get(str(t), [])
                cell[b + "_speedup"][str(t)] = median(
                    [a / c for a, c in zip(t1, tn) if c > 0])
        real[name] = cell

    summary = {}
    for name, s in single.items():
        summary[name] = {k: median(s[k]) for k in s}
    overhead = geomean([summary[n]["ratio_nogil_gil"] for n in summary])
    vs_cpy = geomean([summary[n]["ratio_gil_cpython"] for n in summary])
    targets = []
    targets.append({"id": "programs_overhead", "what": "nogil/gil time, geometric mean",
                    "value": overhead, "target": "<= %.2f" % OVERHEAD_MAX,
                    "met": overhead is not None and overhead <= OVERHEAD_MAX})
    targets.append({"id": "programs_vs_cpython", "what": "ftpy-gil/CPython time, geometric mean",
                    "value": vs_cpy, "target": "<= %.2f" % VS_CPYTHON_MAX,
                    "met": vs_cpy is not None and vs_cpy <= VS_CPYTHON_MAX})
    if 2 in threads:
        for w, cell in scal.items():
            v = cell["nogil_scaling"].get("2")
            targets.append({"id": "scaling_nogil_2:" + w, "what": "nogil scaling at 2, " + w,
                            "value": v, "target": ">= %.1f" % NOGIL_SCALING_2_MIN,
                            "met": v is not None and v >= NOGIL_SCALING_2_MIN})
            v = cell["gil_scaling"].get("2")
            targets.append({"id": "scaling_gil_2:" + w, "what": "GIL scaling at 2, " + w,
                            "value": v, "target": ">= %.1f" % GIL_SCALING_2_MIN,
                            "met": v is not None and v >= GIL_SCALING_2_MIN})
        for name, cell in real.items():
            v = cell["nogil_speedup"].get("2")
            targets.append({"id": "realistic_nogil_2:" + name,
                            "what": "nogil speed-up at 2, " + name, "value": v,
                            "target": ">= %.1f" % NOGIL_REALISTIC_2_MIN,
                            "met": v is not None and v >= NOGIL_REALISTIC_2_MIN})
            v = cell["gil_speedup"].get("2")
            targets.append({"id": "realistic_gil_2:" + name, "what": "GIL speed-up at 2, " + name,
                            "value": v, "target": ">= %.1f" % GIL_SCALING_2_MIN,
                            "met": v is not None and v >= GIL_SCALING_2_MIN})
    return {"settings": {"reps": reps, "quick": quick, "threads": threads,
                         "interpreters": exe,
                         "pairing": "ratios formed within a repetition, then the median"},
            "single": single, "single_summary": summary, "scaling": scal, "realistic": real,
            "overhead_geomean": overhead, "gil_vs_cpython_geomean": vs_cpy,
            "targets": targets, "failures": failures}


def print_report(out, rep):
    threads = rep["settings"]["threads"]
    out.write("\nftpy programs: ftpy-gil, ftpy-nogil and CPython %s, median wall time of %d "
              "repetitions (ratios paired within a repetition)\n\n"
              % (".".join(map(str, sys.version_info[:2])), rep["settings"]["reps"]))
    out.write("%-16s %10s %10s %10s %11s %11s\n" % ("program", "ftpy-gil", "ftpy-nogil",
                                                  "CPython", "nogil/gil", "gil/CPython"))
    for name, s in rep["single_summary"].items():
        out.write("%-16s %9ss %9ss %9ss %11s %11s\n" % (
            name, fmt(s["gil"], "%.3f"), fmt(s["nogil"], "%.3f"), fmt(s["cpython"], "%.3f"),
            fmt(s["ratio_nogil_gil"]), fmt(s["ratio_gil_cpython"])))
    out.write("%-16s %10s %10s %10s %11s %11s\n\n" % (
        "geometric mean", "", "", "", fmt(rep["overhead_geomean"]),
        fmt(rep["gil_vs_cpython_geomean"])))
    out.write("scaling workloads (each of N threads runs the same function): T1*N/TN\n")
    out.write("%-22s %s\n" % ("workload", "  ".join(
        "%-11s" % ("gil T=%d" % t) for t in threads[1:]) + "  " + "  ".join(
        "%-11s" % ("nogil T=%d" % t) for t in threads[1:])))
    for w, cell in rep["scaling"].items():
        out.write("%-22s %s  %s\n" % (w, "  ".join(
            "%-11s" % fmt(cell["gil_scaling"].get(str(t))) for t in threads[1:]), "  ".join(
            "%-11s" % fmt(cell["nogil_scaling"].get(str(t))) for t in threads[1:])))
    out.write("\nrealistic threaded programs (fixed work split over N threads): T1/TN\n")
    for name, cell in rep["realistic"].items():
        out.write("%-22s %s\n" % (name, "  ".join(
            "%s T=%d %s" % (b, t, fmt(cell[b + "_speedup"].get(str(t))))
            for b in ("gil", "nogil", "cpython") for t in threads[1:])))
    out.write("\nprogram targets:\n")
    for t in rep["targets"]:
        out.write("  %-6s %-48s %7s  (target %s)\n" % (mark(t["met"]), t["what"],
                                                      fmt(t["value"]), t["target"]))
    if rep["failures"]:
        out.write("\n%d program run(s) FAILED:\n" % len(rep["failures"]))
        for f in rep["failures"][:20]:
            out.write("  %s\n" % f)


def svg_panels(rep, dat_path):
    """Writes the data of the two program panels to dat_path; returns each panel's gnuplot
    commands (a list of two lists): nogil/gil time per program as bars with the 1.10 line, and
    the scaling of each ftpy workload at 2 threads, both builds, with the 1.8 and 0.9 lines."""
    def num(x):
        return "NaN" if x is None else "%.4f" % x
    names = list(rep["single_summary"])
    wls = list(rep["scaling"])
    with open(dat_path, "w") as f:
        f.write("# program nogil/gil gil/cpython\n")
        for i, n in enumerate(names):
            s = rep["single_summary"][n]
            f.write("%d %s %s %s\n" % (i, n, num(s["ratio_nogil_gil"]),
                                       num(s["ratio_gil_cpython"])))
        f.write("\n\n# workload gil@2 nogil@2\n")
        for i, w in enumerate(wls):
            c = rep["scaling"][w]
            f.write("%d %s %s %s\n" % (i, w, num(c["gil_scaling"].get("2")),
                                       num(c["nogil_scaling"].get("2"))))
    common = ["set style data histograms", "set style histogram clustered gap 1",
              "set style fill solid 0.8 border -1", "set boxwidth 0.9",
              "set xtics rotate by 30 right font ',8'", "set bmargin 5", "unset xlabel", "set autoscale x",
              "set yrange [0:*]"]
    return [
        common + [
            "set title 'ftpy: nogil/gil time per program (red: the 1.10 target)' noenhanced",
            "plot '%s' index 0 u 3:xtic(2) lc rgb '#1f77b4' t 'nogil/gil', "
            "1.10 w l lw 2 lc rgb '#d62728' t '1.10'" % dat_path],
        common + [
            "set title 'ftpy workloads: scaling at 2 threads (targets: nogil 1.8, gil 0.9)' "
            "noenhanced",
            "plot '%s' index 1 u 3:xtic(2) lc rgb '#d62728' t 'gil', '' index 1 u 4 "
            "lc rgb '#1f77b4' t 'nogil', 1.8 w l dt 2 lc rgb '#1f77b4' notitle, "
            "0.9 w l dt 2 lc rgb '#d62728' notitle" % dat_path],
    ]
