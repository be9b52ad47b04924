# ftpy-expect: SyntaxError: ftpy does not support bytes literals
payload = b'\x00\x01'
print(len(payload))
