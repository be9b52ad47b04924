#!/usr/bin/env python3
"""Cross-checks the state-space reductions of gil_handoff.pml (docs/model.md, "Three threads").

Not run by CI: a tool for whoever changes the model's structure. It takes the first version of
the model from git (commit BASE, before the reductions), applies to it only the reset of the
scratch locals nx and g to 0 (without it the 3-thread search does not finish), adds to both it
and the current model a `c_code` hook that prints the shared state at the end of every step,
runs the same exhaustive search on both, and compares the sets of shared states reached. The
fields of a waiter that is not queued are masked first: they are dead (wait_for_gil's frame
is gone), and the first version reset them one step later than the current one does.

    python3 tests/model/crosscheck_gil.py                 # 2 threads, and 3 with -DPROMPT
    python3 tests/model/crosscheck_gil.py "-DN=3"         # 23 million states, ~1.5 GB, minutes

Exits 0 if every compared pair of sets is equal.
"""
import os
import subprocess
import sys
import tempfile

BASE = "91e9e07865485c4dd9da7ce73a2ae4a1840ac411"
HERE = os.path.dirname(os.path.abspath(__file__))

DUMP = r"""c_code {
void dump_state(void) {
  int i;
  printf("S %d %d %d %d %d %d %d %d", now.locked, now.holder, now.holder_prio,
         now.last_compute, now.requester, now.nq, now.nprio, now.rq_ticks);
  for (i = 0; i < N; i++)
    printf(" |%d %d %d %d %d %d %d %d %d %d %d %d", now.q[i], now.queued[i], now.wprio[i],
           now.urgent[i], now.asking[i], now.granted[i], now.cswitched[i], now.asleep[i],
           now.tnext[i], now.wt[i], now.eb[i], now.bw[i]);
  printf("\n");
}
}
"""
HOOK = "c_code { dump_state(); };"


def edit(text, pairs):
    for old, new in pairs:
        if old not in text:
            sys.exit("crosscheck: the model's text changed; update the edits: %r" % old[:60])
        text = text.replace(old, new, 1)
    return text


def old_model():
    text = subprocess.run(["git", "-C", HERE, "show", BASE + ":tests/model/gil_handoff.pml"],
                          check=True, capture_output=True, text=True).stdout
    text = edit(text, [
        # reduction 2 only: the scratch locals are 0 between steps
        ("    :: nx != NONE -> signal(nx); nx = NONE\n    :: else -> skip\n    fi\n}",
         "    :: nx != NONE -> signal(nx)\n    :: else -> skip\n    fi;\n    nx = 0\n}"),
        ("        :: g != NONE -> grant(g); g = NONE\n", "        :: g != NONE -> grant(g)\n"),
        ("            :: nq > 0 -> best_waiter(g); signal(g); g = NONE\n",
         "            :: nq > 0 -> best_waiter(g); signal(g)\n"),
        ("    byte i, nx = NONE, g = NONE;", "    byte i, nx, g;"),
        # the hook at the end of every step that changes the shared state: release, a take of
        # the free GIL, the take's and the wait's passes that did not get it (one that did
        # jumps to got), got, the tick
        ("        requested = 0\n    }\n}", "        requested = 0;\n        " + HOOK + "\n    }\n}"),
        ("become_holder(me, prio); prio = 0; goto holding",
         "become_holder(me, prio); prio = 0; " + HOOK + " goto holding"),
        ("            pass()\n        fi\n    }", "            pass()\n        fi;\n        " + HOOK + "\n    }"),
        ("        pass()\n    }\n    goto wait;", "        pass();\n        " + HOOK + "\n    }\n    goto wait;"),
        ("        waiting[me] = 0\n#endif\n    }", "        waiting[me] = 0;\n#endif\n        " + HOOK + "\n    }"),
        ("bw[0], bw[1], bw[N-1]))\n       }", "bw[0], bw[1], bw[N-1]));\n           " + HOOK + "\n       }"),
        ("#define NONE 255", DUMP + "#define NONE 255"),
    ])
    return text


def new_model():
    with open(os.path.join(HERE, "gil_handoff.pml")) as f:
        text = f.read()
    # every step that changes the shared state ends with invariants()
    return edit(text, [("    t = 0; k = 0\n}", "    t = 0; k = 0;\n    " + HOOK + "\n}"),
                       ("#define NONE 255", DUMP + "#define NONE 255")])


def states(text, defines, work):
    d = tempfile.mkdtemp(dir=work)
    with open(os.path.join(d, "m.pml"), "w") as f:
        f.write(text)
    subprocess.run(["spin"] + defines.split() + ["-a", "m.pml"], cwd=d, check=True,
                   capture_output=True)
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-w", "-DNOCLAIM", "-DSAFETY",
                    "-DCOLLAPSE", "-DMEMLIM=3000", "-o", "pan", "pan.c"], cwd=d, check=True)
    seen = set()
    stored = errors = "?"
    with subprocess.Popen(["./pan", "-m5000000", "-w23"], cwd=d, stdout=subprocess.PIPE,
                          text=True) as p:
        for line in p.stdout:
            if line.startswith("S "):
                seen.add(line.rstrip("\n"))
            elif "states, stored" in line:
                stored = line.split()[0]
            elif "errors:" in line:
                errors = line.split("errors:")[1].strip()
    if errors != "0":
        sys.exit("crosscheck: %s: the search reported errors=%s" % (defines, errors))
    return seen, stored


def project(seen):
    out = set()
    for line in seen:
        parts = line.split("|")
        threads = []
        for p in parts[1:]:
            f = p.split()
            if f[1] == "0":  # not queued: mask the waiter's fields (wprio .. wt, bw)
                f = f[:2] + ["-"] * 8 + [f[10], "-"]
            threads.append(" ".join(f))
        out.add(parts[0] + "|" + "|".join(threads))
    return out


def main():
    configs = sys.argv[1:] or ["-DN=2", "-DN=2 -DPROMPT", "-DN=3 -DPROMPT"]
    old, new = old_model(), new_model()
    ok = True
    with tempfile.TemporaryDirectory() as work:
        for defines in configs:
            so, no = states(old, defines, work)
            sn, nn = states(new, defines, work)
            po, pn = project(so), project(sn)
            same = po == pn
            ok &= same
            print("crosscheck %-16s first version: %s states stored, %d shared states; "
                  "current: %s stored, %d shared; masked: %d vs %d: %s" %
                  (defines, no, len(so), nn, len(sn), len(po), len(pn),
                   "same" if same else "DIFFERENT"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
