# ftpy-expect: SyntaxError: ftpy does not support assignment expressions (:=)
data = [1, 2, 3]
if (n := len(data)) > 2:
    print(n)
