#!/usr/bin/env python3
"""Compares ftpy's parser with CPython's, node by node.

usage: ast_compare.py PARSE_DUMP FILE...
       ast_compare.py --scale PARSE_DUMP [--no-memory-limit]

For each file, runs PARSE_DUMP (tests/vm/parse_dump.c: ftpy's fp_parse + a dump of its AST) and
dumps CPython's `ast.parse` of the same file in the same format; the two must be equal, node
kinds, fields, constants and positions (line, column in code points) included. Files that
CPython rejects must be rejected by ftpy with the same exception kind and message. Files under
an `unsupported/` directory are skipped (CPython accepts them, ftpy refuses them by design:
run_diff.py checks those). Exit status 0 if every file agrees.

--scale feeds the parser inputs built to expose super-linear costs (one 1 MB line of tokens,
an f-string with 50000 fields, 100000 adjacent string literals, 30000 functions) under a
memory limit (not under sanitizers, whose shadow memory needs a huge address space) and a time
limit: each must parse in linear time and space.
"""
import ast
import os
import subprocess
import sys

BINOPS = {ast.Add: "Add", ast.Sub: "Sub", ast.Mult: "Mult", ast.Div: "Div",
          ast.FloorDiv: "FloorDiv", ast.Mod: "Mod", ast.Pow: "Pow", ast.LShift: "LShift",
          ast.RShift: "RShift", ast.BitOr: "BitOr", ast.BitXor: "BitXor", ast.BitAnd: "BitAnd"}
UNOPS = {ast.Not: "Not", ast.USub: "USub", ast.UAdd: "UAdd", ast.Invert: "Invert"}
CMPOPS = {ast.Eq: "Eq", ast.NotEq: "NotEq", ast.Lt: "Lt", ast.LtE: "LtE", ast.Gt: "Gt",
          ast.GtE: "GtE", ast.Is: "Is", ast.IsNot: "IsNot", ast.In: "In", ast.NotIn: "NotIn"}
CTX = {ast.Load: "L", ast.Store: "S", ast.Del: "D"}


class Dumper:
    def __init__(self, source):
        self.lines = source.encode().split(b"\n")
        self.in_fstring = False

    def pos(self, node):
        if self.in_fstring:
            return ""
        line = self.lines[node.lineno - 1] if node.lineno - 1 < len(self.lines) else b""
        col = len(line[:node.col_offset].decode(errors="replace"))
        return f"@{node.lineno}:{col}"

    @staticmethod
    def s(b):
        out = ['S"']
        for c in b:
            out.append(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c) else f"\\x{c:02x}")
        out.append('"')
        return "".join(out)

    def name(self, n):
        return "N" if n is None else self.s(n.encode())

    def exprs(self, seq):
        return "[" + ",".join(self.expr(e) for e in seq) + "]"

    def args(self, a):
        return ("arguments([" + ",".join(x.arg for x in a.posonlyargs) + "],[" +
                ",".join(x.arg for x in a.args) + "]," + (a.vararg.arg if a.vararg else "N") +
                ",[" + ",".join(x.arg for x in a.kwonlyargs) + "],[" +
                ",".join(self.expr(d) for d in a.kw_defaults) + "]," +
                (a.kwarg.arg if a.kwarg else "N") + "," + self.exprs(a.defaults) + ")")

    def keywords(self, kws):
        return "[" + ",".join(f"keyword{self.pos(k)}({self.name(k.arg)},{self.expr(k.value)})"
                              for k in kws) + "]"

    def comps(self, gens):
        return "[" + ",".join(f"comprehension({self.expr(g.target)},{self.expr(g.iter)},"
                              f"{self.exprs(g.ifs)})" for g in gens) + "]"

    def expr(self, e):
        if e is None:
            return "N"
        k = type(e).__name__
        p = self.pos(e)
        if (isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and
                isinstance(e.operand, ast.Constant) and e.operand.value == 2 ** 63):
            # ftpy folds -9223372036854775808 into one constant (its magnitude alone is no
            # 64-bit int)
            return f"Constant{p}(I{-2 ** 63})"
        if isinstance(e, ast.Constant):
            v = e.value
            if v is None or v is True or v is False or v is Ellipsis:
                body = repr(v)
            elif isinstance(v, int):
                body = f"I{v}"
            elif isinstance(v, float):
                body = "F" + format(v, ".17g")
            elif isinstance(v, str):
                body = self.s(v.encode("utf-8", "surrogatepass"))
            else:
                body = repr(v)
        elif isinstance(e, ast.Name):
            body = f"{e.id},{CTX[type(e.ctx)]}"
        elif isinstance(e, ast.BinOp):
            body = f"{self.expr(e.left)},{BINOPS.get(type(e.op), '?')},{self.expr(e.right)}"
        elif isinstance(e, ast.UnaryOp):
            body = f"{UNOPS[type(e.op)]},{self.expr(e.operand)}"
        elif isinstance(e, ast.BoolOp):
            body = ("And" if isinstance(e.op, ast.And) else "Or") + "," + self.exprs(e.values)
        elif isinstance(e, ast.Compare):
            body = (f"{self.expr(e.left)},[" + ",".join(CMPOPS[type(o)] for o in e.ops) + "]," +
                    self.exprs(e.comparators))
        elif isinstance(e, ast.IfExp):
            body = f"{self.expr(e.test)},{self.expr(e.body)},{self.expr(e.orelse)}"
        elif isinstance(e, ast.Call):
            body = f"{self.expr(e.func)},{self.exprs(e.args)},{self.keywords(e.keywords)}"
        elif isinstance(e, ast.Attribute):
            body = f"{self.expr(e.value)},{e.attr},{CTX[type(e.ctx)]}"
        elif isinstance(e, ast.Subscript):
            body = f"{self.expr(e.value)},{self.expr(e.slice)},{CTX[type(e.ctx)]}"
        elif isinstance(e, ast.Slice):
            body = f"{self.expr(e.lower)},{self.expr(e.upper)},{self.expr(e.step)}"
        elif isinstance(e, ast.Starred):
            body = f"{self.expr(e.value)},{CTX[type(e.ctx)]}"
        elif isinstance(e, (ast.Tuple, ast.List)):
            body = f"{self.exprs(e.elts)},{CTX[type(e.ctx)]}"
        elif isinstance(e, ast.Set):
            body = self.exprs(e.elts)
        elif isinstance(e, ast.Dict):
            body = self.exprs(e.keys) + "," + self.exprs(e.values)
        elif isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            body = f"{self.expr(e.elt)},{self.comps(e.generators)}"
        elif isinstance(e, ast.DictComp):
            body = f"{self.expr(e.key)},{self.expr(e.value)},{self.comps(e.generators)}"
        elif isinstance(e, ast.Lambda):
            body = f"{self.args(e.args)},{self.expr(e.body)}"
        elif isinstance(e, (ast.Yield, ast.YieldFrom)):
            body = self.expr(e.value)
        elif isinstance(e, ast.JoinedStr):
            saved = self.in_fstring
            self.in_fstring = True
            body = self.exprs(e.values)
            self.in_fstring = saved
        elif isinstance(e, ast.FormattedValue):
            body = f"{self.expr(e.value)},{e.conversion},{self.expr(e.format_spec)}"
        else:
            body = "?" + k
        if k == "GeneratorExp":
            k = "GeneratorExp"
        return f"{k}{p}({body})"

    def stmts(self, seq):
        return "[" + ",".join(self.stmt(s) for s in seq) + "]"

    def stmt(self, s):
        k = type(s).__name__
        head = f"{k}@{s.lineno}:{self.pos(s).split(':')[1]}("
        if isinstance(s, ast.Expr):
            body = self.expr(s.value)
        elif isinstance(s, ast.Assign):
            body = f"{self.exprs(s.targets)},{self.expr(s.value)}"
        elif isinstance(s, ast.AugAssign):
            body = f"{self.expr(s.target)},{BINOPS.get(type(s.op), '?')},{self.expr(s.value)}"
        elif isinstance(s, (ast.If, ast.While)):
            body = f"{self.expr(s.test)},{self.stmts(s.body)},{self.stmts(s.orelse)}"
        elif isinstance(s, ast.For):
            body = (f"{self.expr(s.target)},{self.expr(s.iter)},{self.stmts(s.body)},"
                    f"{self.stmts(s.orelse)}")
        elif isinstance(s, ast.FunctionDef):
            body = (f"{s.name},{self.args(s.args)},{self.stmts(s.body)},"
                    f"{self.exprs(s.decorator_list)}")
        elif isinstance(s, ast.ClassDef):
            body = (f"{s.name},{self.exprs(s.bases)},{self.keywords(s.keywords)},"
                    f"{self.stmts(s.body)},{self.exprs(s.decorator_list)}")
        elif isinstance(s, ast.Return):
            body = self.expr(s.value)
        elif isinstance(s, ast.Delete):
            body = self.exprs(s.targets)
        elif isinstance(s, (ast.Global, ast.Nonlocal)):
            body = "[" + ",".join(s.names) + "]"
        elif isinstance(s, ast.Try):
            hs = ",".join(f"ExceptHandler@{h.lineno}:{self.pos(h).split(':')[1]}("
                          f"{self.expr(h.type)},{self.name(h.name)},{self.stmts(h.body)})"
                          for h in s.handlers)
            body = (f"{self.stmts(s.body)},[{hs}],{self.stmts(s.orelse)},"
                    f"{self.stmts(s.finalbody)}")
        elif isinstance(s, ast.Raise):
            body = f"{self.expr(s.exc)},{self.expr(s.cause)}"
        elif isinstance(s, ast.Assert):
            body = f"{self.expr(s.test)},{self.expr(s.msg)}"
        elif isinstance(s, ast.With):
            items = ",".join(f"withitem({self.expr(i.context_expr)},{self.expr(i.optional_vars)})"
                             for i in s.items)
            body = f"[{items}],{self.stmts(s.body)}"
        elif isinstance(s, ast.Import):
            body = "[" + ",".join(f"alias({a.name},{self.name(a.asname)})" for a in s.names) + "]"
        elif isinstance(s, ast.ImportFrom):
            body = (f"{s.module},[" +
                    ",".join(f"alias({a.name},{self.name(a.asname)})" for a in s.names) + "]")
        else:
            body = ""
        return head + body + ")"


def cpython_dump(path):
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except UnicodeDecodeError:
        return "ERROR SyntaxError: (not UTF-8)"
    try:
        tree = compile(src, path, "exec", ast.PyCF_ONLY_AST)
        # the compiler's own checks ('break' outside loop, ...): compile once more for them
        compile(src, path, "exec")
    except SyntaxError as e:
        return f"ERROR {type(e).__name__}: {e.msg}"
    d = Dumper(src)
    return "\n".join(d.stmt(s) for s in tree.body)


def scale(dump, memory_limit=True):
    import resource
    import tempfile
    cases = {
        "one long line": "x = [" + "1, " * 350000 + "]\n",
        "f-string fields": "x = f'" + "{a}" * 50000 + "'\n",
        "adjacent literals": "x = " + " ".join(["'abcdefghij'"] * 100000) + "\n",
        "many functions": "".join(f"def f{i}(a, b=1, *c, **d):\n    return [x * a for x in c if x]\n"
                                  for i in range(30000)),
    }
    limit = 768 << 20

    def restrict():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    bad = 0
    for name, src in cases.items():
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(src)
            path = f.name
        try:
            r = subprocess.run([dump, "-q", path], capture_output=True, text=True, timeout=120,
                               preexec_fn=restrict if memory_limit else None)
            ok = r.returncode == 0 and r.stdout.startswith("OK")
            print(f"scale: {name}: {'ok' if ok else 'FAILED'} {r.stdout.strip()} {r.stderr[-300:]}")
        except subprocess.TimeoutExpired:
            ok = False
            print(f"scale: {name}: FAILED (over 120 s)")
        finally:
            os.unlink(path)
        bad += not ok
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--scale":
        return scale(sys.argv[2], "--no-memory-limit" not in sys.argv)
    dump, files = sys.argv[1], sys.argv[2:]
    bad = 0
    for path in files:
        if "/unsupported/" in path:
            continue
        want = cpython_dump(path)
        r = subprocess.run([dump, path], capture_output=True, text=True, timeout=60)
        got = r.stdout.rstrip("\n")
        if want.startswith("ERROR"):
            got = got.rsplit(" @", 1)[0]
            if want.endswith("(not UTF-8)") and got.startswith("ERROR SyntaxError: Non-UTF-8"):
                got = want
        if got != want:
            bad += 1
            print(f"MISMATCH {path}")
            wl, gl = want.split("\n"), got.split("\n")
            for i in range(max(len(wl), len(gl))):
                w = wl[i] if i < len(wl) else "<none>"
                g = gl[i] if i < len(gl) else "<none>"
                if w != g:
                    j = next((k for k in range(min(len(w), len(g))) if w[k] != g[k]),
                             min(len(w), len(g)))
                    print(f"  statement {i + 1}, first difference at character {j}:")
                    print(f"    cpython: ...{w[max(0, j - 60):j + 80]}")
                    print(f"    ftpy:    ...{g[max(0, j - 60):j + 80]}")
                    break
    print(f"ast_compare: {len(files) - bad} of {len(files)} files agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
