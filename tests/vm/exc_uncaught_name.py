# Ends with a NameError in a nested function after some output.
def report(rows):
    total = 0
    for r in rows:
        total += r
        print('running total', total)
    return grand_result_value
report([1, 2, 3])
