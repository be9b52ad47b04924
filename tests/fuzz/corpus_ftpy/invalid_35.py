for x in range(3): break
else: continue