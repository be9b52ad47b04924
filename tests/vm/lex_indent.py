# Indentation: blocks of different widths, tabs, one-line suites, semicolons.
def f(x):
  if x > 0:
        return 'positive'
  elif x < 0:
   return 'negative'
  else:
      return 'zero'
print(f(1), f(-1), f(0))
for i in range(3): print('one-line for', i)
while False: pass
if True: print('one-line if'); print('with semicolon')
class C: x = 1; y = 2
print(C.x, C.y)
def g():
	# tab-indented body
	a = 1
	if a:
		return a + 1
print(g())
x = 0
if x == 0:

    # blank lines and comments inside a block

    print('blank lines ok')
try: print('try suite')
except ValueError: pass
finally: print('finally suite')
def h(): return 'one-line def'
print(h())
if 1:
    if 2:
        if 3:
            print('deep')
        print('back 1')
    print('back 2')
print('back 0')
