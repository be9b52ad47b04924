# Generates tests/vm/lib_cases.h, the expected values of tests/vm/lib_test.c, from the machine's
# python3 (CPython 3.11): python3 tests/vm/lib_cases.py > tests/vm/lib_cases.h
import random, struct, math
random.seed(16)
def cstr(s):
    b = s.encode('utf-8', 'surrogatepass')
    out = '"'
    for c in b:
        if c in (0x22, 0x5c): out += '\\' + chr(c)
        elif 0x20 <= c < 0x7f: out += chr(c)
        else: out += '\\%03o' % c
    return out + '"'
def fmt(v, spec):
    try: return (0, format(v, spec))
    except ValueError as e: return (1, str(e))
    except OverflowError as e: return (2, str(e))
lines = []
ints = [0, 1, -1, 7, -7, 42, 255, 1234, -1234, 1234567, -9876543210, 2**63-1, -2**63, 65, 0x1F600]
ispecs = ['', 'd', '5', '<5', '^6', '>6', '=+8', '+', ' ', '-', ',', '_', '08,', '09,', '07,', '010_x', '0=8,', 'x<08,', '+08,', '#010x', '#010_b', '#x', '#X', 'X', 'o', '#o', 'b', '#b', '_b', '_x', 'c', '5c', '+c', '#c', 'n', '.3d', 'z', ',x', ',,', '__', ',_', '*^9,', '010', '0>10', 'x=10', 'e', '.2f', '%', ',.2f', 'g', 'q', '10.2fx', '<<<', '\u00e9>6', '\u00e9', '1'*30]
for v in ints:
    for s in ispecs:
        r = fmt(v, s)
        lines.append('    { FT_INT, %dLL, 0, %s, %d, %s, "" },' % (v, cstr(s), r[0], cstr(r[1])) if v != -2**63 else '    { FT_INT, INT64_MIN, 0, %s, %d, %s, "" },' % (cstr(s), r[0], cstr(r[1])))
floats = [0.0, -0.0, 1.0, -1.5, 1234.5, -1234.5, 1e16, 1e-5, 0.1, 1/3, 2.5, 123456.0, 1e22, 1e-7, 12345.678, 1234567.0, float('inf'), float('-inf'), float('nan'), 0.125, -0.01, 1e300, 5e-324, 3.14159]
fspecs = ['', '10', '.3', '.0', 'e', 'E', '.0e', '#.0e', 'f', 'F', '.2f', '08,.2f', '012,.2f', ',', '_', 'g', 'G', '.10g', '#g', '#', '#.3', '%', '.1%', '+', ' ', 'z.1f', '010', '+010,', '^12.3e', '*<10', 'n', 'd', 'x', ',.3f', '=+12,.1f', '.20f', '.17g', '.1', '15.4G', '-^+11.2f']
for v in floats:
    for s in fspecs:
        r = fmt(v, s)
        lines.append('    { FT_FLOAT, 0, %s, %s, %d, %s, "" },' % (float.hex(v) if math.isfinite(v) else ('INFINITY' if v > 0 else '-INFINITY') if math.isinf(v) else 'NAN', cstr(s), r[0], cstr(r[1])))
strs = ['', 'abc', 'h\u00e9llo', '\u00e9']
sspecs = ['', 's', '5', '<5', '>5', '^7', '05', '.2', '*^9.1', '+', '#', '=5', 'z', ',', 'd', '>3.5s', '\u00e9^5']
for v in strs:
    for s in sspecs:
        r = fmt(v, s)
        lines.append('    { FT_STR, 0, 0, %s, %d, %s, %s },' % (cstr(s), r[0], cstr(r[1]), cstr(v)))
print('static const fmt_case fmt_cases[] = {')
print('\n'.join(lines))
print('};')
# repr
vals = [0.0, -0.0, 1.0, 1e16, 1e15, 1e-5, 1e-4, 0.0001234, 0.1, 0.2+0.1, 1/3, 2/3, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 123456789012345680.0, 1e22, 1e23, 9007199254740993.0, 0.3, 100.0, 1.5e-10, -2.5, 4.35, 0.1+0.7]
vals += [2.0**e for e in range(-1074, 1024, 37)]
for _ in range(400):
    bits = random.getrandbits(64)
    v = struct.unpack('<d', struct.pack('<Q', bits))[0]
    if math.isfinite(v): vals.append(v)
for _ in range(200):
    vals.append(random.uniform(-1000, 1000))
    vals.append(round(random.uniform(0, 100), random.randint(0, 6)))
print('static const repr_case repr_cases[] = {')
for v in vals:
    print('    { %s, %s },' % (float.hex(v), cstr(repr(v))))
print('};')
# round
print('static const round_case round_cases[] = {')
rc = [(2.5,0),(3.5,0),(0.125,2),(0.375,2),(2.675,2),(1.005,2),(1250.0,-2),(1350.0,-2),(1250.5,-2),(1249.5,-2),(50.0,-2),(150.0,-2),(-2.5,0),(123.456,-1),(123.456,1),(0.5,0),(1.5,0),(-0.5,0),(5e-324,400),(1e300,-300),(1.7976931348623157e308,-308),(12345.6789,3),(0.1,20),(1e-320,320)]
for _ in range(100):
    rc.append((random.uniform(-1e6,1e6), random.randint(-5, 8)))
for v, n in rc:
    try: print('    { %s, %d, 0, %s },' % (float.hex(v), n, float.hex(round(v, n))))
    except OverflowError: print('    { %s, %d, 1, 0.0 },' % (float.hex(v), n))
print('};')
# int parse
print('static const pint_case pint_cases[] = {')
for s, b in [('12',10),(' -12 ',10),('1_000',10),('1__0',10),('_1',10),('1_',10),('0x1f',16),('0x1f',0),('0x_1f',0),('1f',16),('0b101',0),('0o17',0),('017',0),('00',0),('0_0',0),('0',0),('z',36),('Z',36),('',10),('  ',10),('+',10),('x',10),('9223372036854775807',10),('-9223372036854775808',10),('9223372036854775808',10),('12.5',10),('0x',16),('\u00e9',10),("it's",10),('1 2',10),('7',8),('8',8),('-0b11',0),('0b11',16),('1e3',10)]:
    try:
        if not -2**63 <= int(s, b) < 2**63: raise OverflowError
        print('    { %s, %d, 0, %dLL, "" },' % (cstr(s), b, int(s, b)) if int(s,b) != -2**63 else '    { %s, %d, 0, INT64_MIN, "" },' % (cstr(s), b))
    except ValueError as e: print('    { %s, %d, 1, 0, %s },' % (cstr(s), b, cstr(str(e))))
    except Exception: print('    { %s, %d, 2, 0, "" },' % (cstr(s), b))
print('    { "99999999999999999999", 10, 2, 0, "" },')
print('};')
print('static const pflt_case pflt_cases[] = {')
for s in ['1.5',' -2.5e3 ','1_000.5','1e-3','.5','5.','inf','-Infinity','nan','+nan','1__0','_1','1_','1e','e3','.','','abc','0x10','1.5x','1e+30','  7  ','1_0e1_0']:
    try: v = float(s); print('    { %s, 0, %s, "" },' % (cstr(s), float.hex(v) if math.isfinite(v) else ('INFINITY' if v>0 else '-INFINITY') if math.isinf(v) else 'NAN'))
    except ValueError as e: print('    { %s, 1, 0.0, %s },' % (cstr(s), cstr(str(e))))
print('};')
print('static const srepr_case srepr_cases[] = {')
for s in ['', 'abc', "it's", 'say "hi"', 'both \' and "', 'tab\there', 'nl\n', 'cr\r', 'back\\slash', '\x01\x1f\x7f', 'caf\u00e9', '\u00a0nbsp', '\u0080', '\u00ad', '\u2028', '\U0001F600', '\ud800', '\ufeff', '\u4e2d\u6587', '\x1b[0m', '\U000e0001']:
    print('    { %s, %s },' % (cstr(s), cstr(repr(s))))
print('};')
print('static const hash_case hash_cases[] = {')
for v in [0,1,-1,-2,2**61-2,2**61-1,2**61,-(2**61),2**63-1,-2**63,12345678901234]:
    print('    { 0, %s, 0, %dLL },' % ('%dLL'%v if v != -2**63 else 'INT64_MIN', hash(v)))
for v in [0.0,-0.0,1.0,-1.0,1.5,-1.5,0.1,1e100,-1e-100,2.0**61,2.0**62,float('inf'),float('-inf'),123456.789,5e-324, 1.7976931348623157e308]:
    print('    { 1, 0, %s, %dLL },' % (float.hex(v) if math.isfinite(v) else ('INFINITY' if v>0 else '-INFINITY'), hash(v)))
print('};')
print('static const tuple_case tuple_cases[] = {')
for t in [(), (1,), (1,2), (1,2,3), (-1,), (0.5, 2), (1, (2, 3)), ((),), (2**62, -7, 0)]:
    hs = [hash(x) for x in t]
    print('    { %d, { %s }, %dLL },' % (len(t), ', '.join('%dLL' % h for h in hs) or '0', hash(t)))
print('};')
