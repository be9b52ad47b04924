x = 1 + 2
print(x)
def f(a, b=2):
    return a * b
print(f(3), f(3, b=5))
l = [i * i for i in range(5)] if False else [1, 2, 3]
print(l)
