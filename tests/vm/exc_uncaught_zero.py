# Ends with ZeroDivisionError inside a generator consumed by sum().
def ratios(values):
    for v in values:
        yield 100 // v
print(sum(ratios([1, 2, 4])))
print(sum(ratios([5, 0, 1])))
