# ftpy-expect: SyntaxError: ftpy does not support async and await
print('never printed: the whole file is refused before it runs')
async def fetch():
    return 1
