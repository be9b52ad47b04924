name = 'x'
print(f'hello {}')
