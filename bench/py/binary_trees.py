# binary_trees: allocate and walk many short-lived perfect binary trees of tuples (allocation
# and deallocation, recursion). Self-checking: a tree of depth d has 2**(d+1) - 1 nodes.
import sys


def make_tree(depth):
    if depth == 0:
        return (None, None)
    depth -= 1
    return (make_tree(depth), make_tree(depth))


def check_tree(node):
    left, right = node
    if left is None:
        return 1
    return 1 + check_tree(left) + check_tree(right)


def main(max_depth):
    min_depth = 4
    stretch = max_depth + 1
    n = check_tree(make_tree(stretch))
    assert n == 2 ** (stretch + 1) - 1, n
    print(f"stretch tree of depth {stretch}\t check: {n}")
    long_lived = make_tree(max_depth)
    for depth in range(min_depth, max_depth + 1, 2):
        iterations = 2 ** (max_depth - depth + min_depth)
        check = 0
        for _ in range(iterations):
            check += check_tree(make_tree(depth))
        assert check == iterations * (2 ** (depth + 1) - 1), check
        print(f"{iterations}\t trees of depth {depth}\t check: {check}")
    n = check_tree(long_lived)
    assert n == 2 ** (max_depth + 1) - 1, n
    print(f"long lived tree of depth {max_depth}\t check: {n}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 14)
