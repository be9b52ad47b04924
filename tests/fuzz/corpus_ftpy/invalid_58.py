def f(a, b):
    pass
def f(a, b, a): pass