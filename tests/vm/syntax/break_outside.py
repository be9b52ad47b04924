print('start')
def f():
    break
