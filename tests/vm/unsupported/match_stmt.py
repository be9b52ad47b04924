# ftpy-expect: SyntaxError: ftpy does not support match statements
command = 'go'
match command:
    case 'go':
        print('going')
    case _:
        print('unknown')
