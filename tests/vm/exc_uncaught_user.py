# Ends with an uncaught user-defined exception (its __main__-qualified name on the last line).
class InventoryError(Exception):
    pass
stock = {'apple': 3}
def take(item, n):
    if stock.get(item, 0) < n:
        raise InventoryError(f'not enough {item}: have {stock.get(item, 0)}, need {n}')
    stock[item] -= n
take('apple', 2)
print('took 2 apples, left:', stock['apple'])
take('apple', 5)
