# Unbounded recursion gives RecursionError (never a crash): caught once, then uncaught.
import sys
def down(n):
    return down(n + 1) + 1
try:
    down(0)
except RecursionError as e:
    print('caught:', e)
def mutual_a(n):
    return mutual_b(n + 1)
def mutual_b(n):
    return mutual_a(n + 1)
try:
    mutual_a(0)
except RecursionError:
    print('mutual recursion caught')
def deep_ok(n):
    return 0 if n == 0 else 1 + deep_ok(n - 1)
print(deep_ok(500))
class Node:
    def __init__(self, child=None):
        self.child = child
    def depth(self):
        return 1 + (self.child.depth() if self.child else 0)
head = None
for _ in range(300):
    head = Node(head)
print(head.depth())
print(sys.getrecursionlimit())
down(0)
