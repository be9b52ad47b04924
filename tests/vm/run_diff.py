#!/usr/bin/env python3
"""The differential runner of ftpy's test suite: one Python program, run on CPython and on ftpy.

usage:
  run_diff.py --ftpy BIN [--python PY] [--timeout SECONDS] FILE
      Runs FILE on PY (default: python3, which must be CPython 3.11) and on BIN, and compares:
      stdout byte for byte; the exit status; and, when either wrote to stderr (an uncaught
      exception's traceback, a SyntaxError, an exception in a thread), the last line of stderr.
      Prints a unified diff of whatever differs. Exit status 0 when everything agrees.
  run_diff.py --ftpy BIN --unsupported [--python PY] FILE
      FILE uses a feature outside ftpy's subset: CPython must accept it (compile() succeeds),
      and ftpy must exit with status 1 and print "ftpy does not support" in the last stderr line;
      if FILE has a line "# ftpy-expect: TEXT", that last line must be exactly TEXT.

Program headers (comment lines anywhere in FILE):
  # ftpy-args: A B C      command-line arguments given to both interpreters (sys.argv[1:])
  # ftpy-stdin: TEXT      text fed to standard input of both (default: nothing)
  # ftpy-report-leaks     ftpy runs with FTC_REPORT_LEAKS=1 (ftcore's leak report at exit, see
                          src/runtime.c) and the test fails if that report appears on its stderr:
                          the program's objects, cycles included, are all freed at exit

Both interpreters run with the file's directory as working directory, PYTHONHASHSEED=0 (CPython's
str hashes are then the same on every run; programs still print sets of strings sorted), and a
timeout (default 120 s; the test fails if either interpreter exceeds it).
"""
import argparse
import difflib
import os
import re
import subprocess
import sys


LEAK_REPORT = "ftcore: ftc_runtime_fini:"


def reports_leaks(path):
    with open(path, "rb") as f:
        return any(re.match(rb"\s*#\s*ftpy-report-leaks\s*$", raw) for raw in f)


def headers(path):
    args, stdin, expect = [], b"", None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").strip()
            m = re.match(r"#\s*ftpy-args:(.*)$", line)
            if m:
                args = m.group(1).split()
            m = re.match(r"#\s*ftpy-stdin:(.*)$", line)
            if m:
                stdin = m.group(1).strip().encode().decode("unicode_escape").encode()
            m = re.match(r"#\s*ftpy-expect:(.*)$", line)
            if m:
                expect = m.group(1).strip()
    return args, stdin, expect


def run(cmd, path, args, stdin, timeout, extra_env=None):
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8", **(extra_env or {}))
    env.pop("PYTHONSTARTUP", None)
    try:
        r = subprocess.run(cmd + [os.path.basename(path)] + args, input=stdin,
                           capture_output=True, timeout=timeout,
                           cwd=os.path.dirname(os.path.abspath(path)), env=env)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b""
    return r.returncode, r.stdout, r.stderr


def last_line(b):
    lines = [ln for ln in b.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def show_diff(what, want, got):
    w = want.decode("utf-8", "replace").splitlines(keepends=True)
    g = got.decode("utf-8", "replace").splitlines(keepends=True)
    sys.stdout.writelines(difflib.unified_diff(w, g, f"{what} (python3)", f"{what} (ftpy)"))
    if w and not w[-1].endswith("\n") or g and not g[-1].endswith("\n"):
        print()


def diff_mode(opts):
    args, stdin, _ = headers(opts.file)
    p_rc, p_out, p_err = run([opts.python], opts.file, args, stdin, opts.timeout)
    if p_rc is None:
        print(f"run_diff: python3 timed out after {opts.timeout}s on {opts.file}")
        return 1
    leaks = reports_leaks(opts.file)
    f_rc, f_out, f_err = run([opts.ftpy], opts.file, args, stdin, opts.timeout,
                             {"FTC_REPORT_LEAKS": "1"} if leaks else None)
    ok = True
    if leaks and LEAK_REPORT.encode() in f_err:
        print("run_diff: ftpy reported objects still alive at exit (FTC_REPORT_LEAKS=1)")
        ok = False
    if f_rc is None:
        print(f"run_diff: ftpy timed out after {opts.timeout}s")
        ok = False
    elif f_rc < 0:
        print(f"run_diff: ftpy died with signal {-f_rc}")
        ok = False
    elif f_rc != p_rc:
        print(f"run_diff: exit status: python3 {p_rc}, ftpy {f_rc}")
        ok = False
    if f_out != p_out:
        print("run_diff: stdout differs")
        show_diff("stdout", p_out, f_out)
        ok = False
    if last_line(p_err) != last_line(f_err):
        print("run_diff: last line of stderr differs")
        print(f"  python3: {last_line(p_err)!r}")
        print(f"  ftpy:    {last_line(f_err)!r}")
        ok = False
    if not ok and f_err:
        print("---- ftpy stderr (tail) ----")
        print("\n".join(f_err.decode("utf-8", "replace").splitlines()[-20:]))
    return 0 if ok else 1


def unsupported_mode(opts):
    args, stdin, expect = headers(opts.file)
    with open(opts.file, "rb") as f:
        src = f.read()
    try:
        compile(src, opts.file, "exec")
    except SyntaxError as e:
        print(f"run_diff: CPython rejects {opts.file} ({e}); an unsupported-feature test must be "
              "valid Python")
        return 1
    f_rc, _, f_err = run([opts.ftpy], opts.file, args, stdin, opts.timeout)
    last = last_line(f_err)
    ok = True
    if f_rc != 1:
        print(f"run_diff: ftpy exit status {f_rc}, expected 1")
        ok = False
    if "ftpy does not support" not in last:
        print(f"run_diff: last stderr line {last!r} does not say 'ftpy does not support'")
        ok = False
    if expect is not None and last != expect:
        print(f"run_diff: last stderr line {last!r}, expected {expect!r}")
        ok = False
    if not ok:
        print("---- ftpy stderr ----")
        print(f_err.decode("utf-8", "replace"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ftpy", required=True)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--unsupported", action="store_true")
    ap.add_argument("file")
    opts = ap.parse_args()
    opts.ftpy = os.path.abspath(opts.ftpy)
    return unsupported_mode(opts) if opts.unsupported else diff_mode(opts)


if __name__ == "__main__":
    sys.exit(main())
