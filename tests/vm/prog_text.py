# Text processing: word frequencies, formatting a table, caesar cipher, palindromes.
text = """It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity,
it was the season of Light, it was the season of Darkness, it was the spring of hope,
it was the winter of despair."""
words = [w.strip('.,').lower() for w in text.split()]
freq = {}
for w in words:
    freq[w] = freq.get(w, 0) + 1
top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
print(f"{'word':<10}|{'count':>6}|{'share':>8}")
print('-' * 26)
for w, c in top:
    print(f'{w:<10}|{c:>6}|{c / len(words):>8.2%}')
print(len(words), len(freq), max(words, key=len), sorted(set(w[0] for w in words)))
def caesar(s, k):
    out = []
    for ch in s:
        if 'a' <= ch <= 'z':
            out.append(chr((ord(ch) - ord('a') + k) % 26 + ord('a')))
        elif 'A' <= ch <= 'Z':
            out.append(chr((ord(ch) - ord('A') + k) % 26 + ord('A')))
        else:
            out.append(ch)
    return ''.join(out)
secret = caesar('Hello, World!', 3)
print(secret, caesar(secret, -3))
def is_pal(s):
    t = [c.lower() for c in s if c.isalpha()]
    return t == t[::-1]
for s in ['A man, a plan, a canal: Panama', 'hello', 'Was it a car or a cat I saw', '']:
    print(repr(s), is_pal(s))
lines = text.split('\n')
for i, line in enumerate(lines, 1):
    print(f'{i:02d} {len(line):3d} {line[:30]!r}')
print(' '.join(w.capitalize() if hasattr(w, 'capitalize') else w for w in []) or 'no words')
acronym = ''.join(w[0].upper() for w in 'portable operating system interface'.split())
print(acronym, 'x'.join('abc'), '|'.join(f'{n:>3}' for n in range(5)))
vowels = sum(1 for c in text.lower() if c in 'aeiou')
print('vowels:', vowels, 'commas:', text.count(','), 'the:', words.count('the'))
