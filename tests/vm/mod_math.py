# The math module: values and CPython's errors.
import math

print(math.pi, math.e, math.inf, -math.inf, math.tau)
print(math.isnan(math.nan), math.isinf(math.inf), math.isfinite(1.0), math.isnan(1))
print(math.sqrt(2), math.sqrt(16), math.sqrt(0.25))
print(math.sin(0), math.cos(0), math.sin(math.pi / 2), math.atan2(1, 1), math.atan2(-1, -1))
print(math.exp(1), math.exp(0), math.log(math.e), math.log(8, 2), math.log(100, 10))
print(math.log2(1024), math.log10(1000), math.log(1))
print(math.floor(2.7), math.floor(-2.1), math.ceil(2.1), math.ceil(-2.7), math.floor(5))
print(type(math.floor(2.5)).__name__, type(math.ceil(2.5)).__name__, math.trunc(-3.9))
print(math.isqrt(0), math.isqrt(15), math.isqrt(16), math.isqrt(10 ** 18))
print(math.gcd(12, 18), math.gcd(0, 5), math.gcd(-4, 6), math.gcd(), math.gcd(24, 36, 60))
print(math.fabs(-3), math.fabs(2.5), math.pow(2, 10), math.pow(2, 0.5), math.pow(0, 0))
print(math.hypot(3, 4), math.degrees(math.pi), math.radians(180), math.copysign(3, -0.0))
print(math.factorial(10), math.factorial(0), math.tan(0))
for f, args in [(math.sqrt, (-1,)), (math.log, (0,)), (math.log, (-1,)), (math.exp, (1000,)),
                (math.pow, (0, -1)), (math.pow, (10.0, 400)), (math.isqrt, (-1,)),
                (math.floor, (math.inf,)), (math.ceil, (math.nan,)), (math.sin, (math.inf,)),
                (math.sqrt, ("x",)), (math.isqrt, (2.0,)), (math.factorial, (-1,)),
                (math.log, (10, 1))]:
    try:
        print("no error", f(*args))
    except (ValueError, OverflowError, TypeError, ZeroDivisionError) as e:
        print(type(e).__name__ + ":", e)
print(math.sqrt(math.inf), math.exp(-math.inf), math.atan2(0.0, -0.0))
print(round(math.cos(math.pi), 12), math.floor(-0.5), math.ceil(-0.5))
