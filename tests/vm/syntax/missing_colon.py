x = 1
while x < 3
    x += 1
