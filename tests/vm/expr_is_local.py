# `x is CONST` / `x is not CONST` on a local compare the local where it is (compile.c's
# fuse_is_fast): the same results, the same UnboundLocalError at the same place, in loops,
# conditional expressions, handlers, generators and closures.


def kind(v):
    if v is None:
        return "none"
    if v is not None and v is not True:
        return "other"
    return "true"


print([kind(v) for v in (None, True, False, 0, "", [])])


def unbound(flag):
    if flag:
        u = 1
    try:
        return u is None
    except UnboundLocalError as e:
        return "unbound: " + str(e)


print(unbound(True), unbound(False))


def loop(items):
    n = 0
    for it in items:
        while it is not None:
            n += 1
            it = None
    return n


print(loop([1, None, "a", None, 0]))


def cond(a, b):
    return "a" if a is None else ("b" if b is not None else "neither")


print(cond(None, 1), cond(1, 1), cond(1, None))


def gen(xs):
    for x in xs:
        yield x is None


print(list(gen([None, 1, None])))


def outer():
    c = None

    def inner():
        return c is None  # a cell, not a local: not fused

    r1 = inner()
    c = 5
    return r1, inner(), c is None, c is not None


print(outer())


def handler():
    e = None
    try:
        raise ValueError("x")
    except ValueError as exc:
        e = exc
    return e is None, e is not None, type(e).__name__


print(handler())


def rebinding(xs):
    out = []
    v = None
    for x in xs:
        out.append(v is None)
        v = x
    return out


print(rebinding([1, None, 2]))
print((lambda q: q is None)(None), (lambda q: q is not Ellipsis)(...))
