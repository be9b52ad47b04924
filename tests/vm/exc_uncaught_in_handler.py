# An exception raised while handling another: the last line is the second one.
data = [1, 2, 3]
try:
    print(data[10])
except IndexError:
    print('handling IndexError')
    print(undefined_in_handler)
