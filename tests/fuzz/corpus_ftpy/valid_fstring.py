x, w = 3.14159, 10
print(f"{x!r:>{w}} {x=} {x:.2f} {{literal}} {'nested'!s:^12} {x:,} {7:08b} {255:#x}")
print(f'''multi
{x
 + 1} line''')
