x = "\xff\u12"
