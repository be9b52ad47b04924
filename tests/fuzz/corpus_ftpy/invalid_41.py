def f(x, y=1, *, z): pass
f(1 2)