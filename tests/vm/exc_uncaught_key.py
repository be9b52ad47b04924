# Ends with an uncaught KeyError (repr of the key on the last line) after output on stdout.
config = {'host': 'localhost', 'port': 8080}
for k in sorted(config):
    print(k, config[k])
print(config['user'])
