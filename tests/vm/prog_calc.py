# A tokenizer, recursive-descent parser and evaluator for arithmetic, written in Python.
class Token:
    def __init__(self, kind, value):
        self.kind, self.value = kind, value
    def __repr__(self):
        return f'{self.kind}:{self.value}'
def tokenize(src):
    tokens, i = [], 0
    while i < len(src):
        c = src[i]
        if c.isspace() if hasattr(c, 'isspace') else c == ' ':
            i += 1
        elif c.isdigit():
            j = i
            while j < len(src) and (src[j].isdigit() or src[j] == '.'):
                j += 1
            text = src[i:j]
            tokens.append(Token('num', float(text) if '.' in text else int(text)))
            i = j
        elif c.isalpha():
            j = i
            while j < len(src) and src[j].isalpha():
                j += 1
            tokens.append(Token('name', src[i:j]))
            i = j
        elif c in '+-*/()^%,':
            tokens.append(Token('op', c))
            i += 1
        else:
            raise SyntaxError(f'bad character {c!r} at {i}') if False else ValueError(f'bad character {c!r} at {i}')
    tokens.append(Token('end', None))
    return tokens
class Parser:
    def __init__(self, tokens, env):
        self.toks, self.pos, self.env = tokens, 0, env
    def peek(self):
        return self.toks[self.pos]
    def take(self, value=None):
        t = self.toks[self.pos]
        if value is not None and t.value != value:
            raise ValueError(f'expected {value!r}, got {t.value!r}')
        self.pos += 1
        return t
    def expr(self):
        v = self.term()
        while self.peek().value in ('+', '-'):
            op = self.take().value
            r = self.term()
            v = v + r if op == '+' else v - r
        return v
    def term(self):
        v = self.factor()
        while self.peek().value in ('*', '/', '%'):
            op = self.take().value
            r = self.factor()
            if op == '*':
                v *= r
            elif op == '/':
                v /= r
            else:
                v %= r
        return v
    def factor(self):
        if self.peek().value == '-':
            self.take()
            return -self.factor()
        base = self.atom()
        if self.peek().value == '^':
            self.take()
            return base ** self.factor()
        return base
    def atom(self):
        t = self.take()
        if t.kind == 'num':
            return t.value
        if t.kind == 'name':
            if self.peek().value == '(':
                self.take('(')
                args = [self.expr()]
                while self.peek().value == ',':
                    self.take()
                    args.append(self.expr())
                self.take(')')
                return self.env[t.value](*args)
            return self.env[t.value]
        if t.value == '(':
            v = self.expr()
            self.take(')')
            return v
        raise ValueError(f'unexpected {t!r}')
env = {'pi': 3.141592653589793, 'x': 10, 'max': max, 'min': min, 'abs': abs, 'sq': lambda v: v * v}
tests = ['1 + 2 * 3', '(1 + 2) * 3', '2 ^ 3 ^ 2', '-2 ^ 2', '10 / 4', '10 % 4 + x', 'max(1, sq(3), 4) - min(2, 7)',
         'abs(-7.5) * 2', 'pi * x ^ 2', '((((1))))', '1 +', '2 * (3', '4 $ 4', 'y + 1', '1 / 0']
for src in tests:
    try:
        print(f'{src!r:32} -> {Parser(tokenize(src), env).expr()!r}')
    except (ValueError, KeyError, ZeroDivisionError, IndexError) as e:
        print(f'{src!r:32} -> {type(e).__name__}: {e}')
print(tokenize('a+1'))
