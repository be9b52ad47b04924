# sys.exit(3) ends the program with status 3 after flushing what was printed.
import sys

print("before exit")
sys.exit(3)
print("not reached")
