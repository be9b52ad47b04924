# str: code-point indexing, slicing, methods, comparisons, repr.
s = 'Hello, Wörld! ✓'
print(len(s), s[0], s[-1], s[7], s[8], s[-3:], s[:5], s[::2], s[::-1], s[3:100], s[100:], s[-100:2])
print(s.upper(), s.lower(), s.find('o'), s.find('ö'), s.find('zz'), s.find('l', 4), s.count('l'), s.count(''), s.count('l', 3, 10))
print(s.replace('l', 'L'), s.replace('l', 'L', 1), s.replace('', '-')[:10], s.startswith('Hell'), s.endswith('✓'), s.startswith(('x', 'He')))
print('  pad  '.strip(), '|' + '  pad  '.lstrip() + '|', '|' + '  pad  '.rstrip() + '|', 'xxhixx'.strip('x'), '--a--'.lstrip('-'), 'ab\n'.rstrip())
print('a,b,,c'.split(','), 'a b  c '.split(), '  lead'.split(), 'a,b,c'.split(',', 1), 'a,b,c'.rsplit(',', 1), 'a b c'.rsplit(), ''.split(), ''.split(','))
print('-'.join(['a', 'b', 'c']), ''.join([]), ', '.join('xyz'), ' '.join(str(i) for i in range(4)))
print('123'.isdigit(), '12a'.isdigit(), ''.isdigit(), 'abc'.isalpha(), 'ab1'.isalpha(), 'é'.isalpha(), ''.isalpha())
print('ab' * 3, 3 * 'x', 'a' + 'b', 'ab' * 0, 'ab' * -1, 'b' in 'abc', 'bc' in 'abc', 'd' not in 'abc', '' in 'abc')
print('a' < 'b', 'abc' < 'abd', 'Z' < 'a', 'ab' < 'abc', 'é' > 'z', 'abc' == 'abc', 'a' != 'b', max('apple', 'pear'), min('xyz'))
print(repr('plain'), repr("it's"), repr('say "hi"'), repr('both \' and "'), repr('tab\tnew\nline'), repr('\\'), repr('\x00\x1f\x7f'), repr('é✓'), repr(''))
print(str(3.5), str([1, 'a']), str(None), ord('A'), ord('é'), ord('✓'), chr(65), chr(233), chr(10003), chr(128512))
words = 'the quick brown fox jumps over the lazy dog'.split()
print(sorted(words), sorted(words, key=len), len(set(words)))
print('{}-{}'.format(1, 'x'), '{:>6}'.format('ab'), '{0}{1}{0}'.format('a', 'b'), '{x}+{y}'.format(x=1, y=2))
acc = ''
for ch in 'abc':
    acc += ch.upper()
print(acc, list('hey'), tuple('ab'), 'x'.join(['1']), 'a\tb'.split('\t'))
print('Mississippi'.find('ss'), 'Mississippi'.count('ss'), 'Mississippi'.replace('ss', 'SS'), 'Mississippi'.split('s'))
t = 'äöü'
print(t[1], t[1:], len(t), t * 2, t.upper(), t.find('ü'), list(t))
try:
    print(s[100])
except IndexError as e:
    print('IndexError:', e)
try:
    s[0] = 'x'
except TypeError as e:
    print('TypeError:', e)
try:
    print('a' + 1)
except TypeError as e:
    print('TypeError:', e)
try:
    print('abc'.split(''))
except ValueError as e:
    print('ValueError:', e)
