# Ends with an uncaught AttributeError from a method call on an instance.
class Account:
    def __init__(self, owner):
        self.owner = owner
        self.balance = 0
    def deposit(self, amount):
        self.balance += amount
        return self
acct = Account('ann').deposit(10).deposit(5)
print(acct.owner, acct.balance)
acct.withdraw(3)
