# The sys module: argv, the switch interval, the recursion limit, stdout/stderr, maxsize.
import sys

print(type(sys.argv).__name__, len(sys.argv) >= 1, sys.argv[0].endswith("mod_sys.py"))
print(sys.maxsize == 9223372036854775807, sys.platform, sys.byteorder)
old = sys.getswitchinterval()
print(type(old).__name__, old > 0)
sys.setswitchinterval(0.001)
print(abs(sys.getswitchinterval() - 0.001) < 1e-9)
sys.setswitchinterval(old)
for bad in [0, -1]:
    try:
        sys.setswitchinterval(bad)
    except ValueError as e:
        print("ValueError:", e)
lim = sys.getrecursionlimit()
print(lim >= 100)
sys.setrecursionlimit(500)
print(sys.getrecursionlimit())
try:
    sys.setrecursionlimit(0)
except ValueError as e:
    print("ValueError:", e)
sys.setrecursionlimit(lim)
n = sys.stdout.write("written directly\n")
print(n)
print(sys.stdout.write("héllo\n"))
sys.stderr.write("to stderr\n")
try:
    sys.stdout.write(5)
except TypeError as e:
    print("TypeError:", e)
sys.stdout.flush()
print(sys.version_info[0], sys.version_info[:2] >= (3, 8))
try:
    sys.exit(0)
except SystemExit as e:
    print("SystemExit", e.code)
try:
    sys.exit("message")
except SystemExit as e:
    print("SystemExit", e.code)
try:
    sys.exit()
except SystemExit as e:
    print("SystemExit", e.code)
print("end")
