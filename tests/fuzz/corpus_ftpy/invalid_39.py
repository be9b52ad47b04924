def f()
 pass