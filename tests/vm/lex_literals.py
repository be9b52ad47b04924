# Lexical: numbers, strings, escapes, comments, line joining.
print(0, 7, 1_000_000, 0x1F, 0XfF, 0o17, 0O7_7, 0b1010, 0B1_1, 0x_dead_beef)
print(9223372036854775807, -9223372036854775807 - 1)
print(1.5, 1e3, 1E-3, 2.5e+2, .25, 5., 1_0.0_1, 0.1 + 0.2, 1e308 * 10, 3.0e0)
print('single', "double", '''triple
single''', """triple
double""")
print('esc: \\ \' \" \t| \n| \x41 \x7e \u00e9 \u20ac \U0001F600 \101 \0'.replace('\0', '<nul>'))
print(len('\x00\x01'), ord('\a'), ord('\b'), ord('\f'), ord('\v'), ord('\r'))
print('unknown \d escape keeps backslash', len('\d'))
print(r'raw \n \t \\ \'', R"raw2 \x41")
print('adjacent ' "strings " '''are ''' """joined""")
print("line \
continued")
x = (1 +
     2 +  # a comment inside brackets
     3)
y = [
    'a',
    'b',   # trailing comma
]
z = {
    'k':
        'v'
}
total = 1 + \
    2 + \
    3
print(x, y, z, total)   # comment at the end
# a comment line

   # an indented comment line does not matter
if x:  # comment after colon
    print('ok')  ;  print('two statements')
print(u'u prefix', 'caf\u00e9', 'naïve', '日本語', len('日本語'), '日本語'[1])
print("quotes: 'single' inside double", 'and "double" inside single')
print('''a 'quoted' "thing" inside triple''')
print(""""starts with a quote""", '''ends with quote\'''')
