# ftpy-expect: SyntaxError: ftpy does not support 'from ... import *'
from math import *
print(sqrt(4))
