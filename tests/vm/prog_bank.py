# A small object model: accounts, transactions, inheritance, errors, reporting.
class InsufficientFunds(Exception):
    def __init__(self, account, amount):
        super().__init__(f'{account.owner} cannot withdraw {amount}: balance {account.balance}')
        self.account = account
class Account:
    next_id = 1
    def __init__(self, owner, balance=0):
        self.id = Account.next_id
        Account.next_id += 1
        self.owner = owner
        self.balance = balance
        self.history = []
    def deposit(self, amount):
        if amount <= 0:
            raise ValueError('deposit must be positive')
        self.balance += amount
        self.history.append(('deposit', amount))
    def withdraw(self, amount):
        if amount > self.balance:
            raise InsufficientFunds(self, amount)
        self.balance -= amount
        self.history.append(('withdraw', amount))
    def __repr__(self):
        return f'{type(self).__name__}(#{self.id} {self.owner}: {self.balance})'
class Savings(Account):
    rate = 0.02
    def add_interest(self):
        interest = round(self.balance * self.rate, 2)
        self.deposit(interest)
        return interest
class Overdraft(Account):
    def __init__(self, owner, limit):
        super().__init__(owner)
        self.limit = limit
    def withdraw(self, amount):
        if amount > self.balance + self.limit:
            raise InsufficientFunds(self, amount)
        self.balance -= amount
        self.history.append(('withdraw', amount))
class Bank:
    def __init__(self):
        self.accounts = {}
    def open(self, cls, *args):
        acct = cls(*args)
        self.accounts[acct.id] = acct
        return acct
    def transfer(self, src, dst, amount):
        self.accounts[src].withdraw(amount)
        self.accounts[dst].deposit(amount)
    def total(self):
        return sum(a.balance for a in self.accounts.values())
bank = Bank()
a = bank.open(Account, 'ann', 100)
s = bank.open(Savings, 'sam', 1000)
o = bank.open(Overdraft, 'olga', 50)
ops = [(1, 2, 30), (2, 3, 500), (3, 1, 520), (1, 3, 1000), (3, 2, 100), (9, 1, 1)]
for src, dst, amt in ops:
    try:
        bank.transfer(src, dst, amt)
        print('ok', src, '->', dst, amt)
    except InsufficientFunds as e:
        print('refused:', e)
    except KeyError as e:
        print('no such account:', e)
print(s.add_interest(), list(bank.accounts.values()), bank.total())
for acct in bank.accounts.values():
    print(acct.owner, acct.history)
try:
    a.deposit(-5)
except ValueError as e:
    print('ValueError:', e)
print(sorted(bank.accounts.values(), key=lambda x: x.balance))
print(isinstance(s, Account), isinstance(o, Savings), Savings.rate, a.rate if hasattr(a, 'rate') else 'no rate')
