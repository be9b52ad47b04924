# f-strings: fields, conversions, format specs, nested specs, escapes.
name, n, pi, neg, big = 'ftpy', 42, 3.14159265, -7, 1234567
print(f'hello {name}!', f"{n}", f'{n + 1}', f'{name!r}', f'{name!s}', f"{'x' * 3}")
print(f'{{literal braces}} {{{n}}}')
print(f'[{n:5}] [{n:<5}] [{n:>5}] [{n:^5}] [{n:*^7}] [{n:05}] [{neg:05}] [{n:+}] [{neg:+}] [{n: }]')
print(f'[{name:10}] [{name:>10}] [{name:^10}] [{name:.2}] [{name:-<8}] [{name!r:>10}]')
print(f'{big:,} {big:_} {n:x} {n:X} {n:o} {n:b} {n:#x} {n:#o} {n:#b} {n:08b} {255:#06x}')
print(f'{pi:.2f} {pi:10.3f} {pi:<10.1f}| {pi:e} {pi:.3e} {pi:E} {pi:g} {1e20:g} {1e-7:g} {pi:%} {0.25:.1%}')
print(f'{n:d} {n:.2f} {2.5:.0f} {3.5:.0f} {-0.0:.1f} {1.0:g} {100.0:.3g} {123456.0:,.2f}')
w, p = 12, 3
print(f'[{pi:{w}.{p}f}] [{name:>{w}}] [{n:{"^"}{w}}]')
print(f'{[1, 2, 3]} {(1, "a")} {{"k": 1}} {None} {True} {3 > 2}')
print(f'{n=} {pi=:.2f} {name = }')
print(f'{"nested " + f"{n}"}')
items = ['a', 'b']
print(f"{', '.join(items)} {len(items)} {items[0]!r} {items[-1].upper()}")
print(f'''multi
line {n}
''', end='')
print(F'capital F {n}', rf'raw {name} \n', fr'\t{n}')
print(f'{n:{w}}|{n:<{w}}|{n:>{w}d}|')
print(format(pi, '.3f'), format(n, 'b'), format(name, '>8'), format(1234.5, ',.1f'), format(n))
print('{} and {}'.format('a', 'b'), '{1}{0}'.format('x', 'y'), '{:>5}|'.format(7), '{name}!'.format(name='kw'))
print('{0:.2f} {1:x}'.format(pi, 255), '{{}}'.format())
