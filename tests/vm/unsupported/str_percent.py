# (lib) printf-style % formatting of str is outside the subset: NotImplementedError at run time.
name = "x"
print("%s!" % name)
