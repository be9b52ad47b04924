# strings: text processing — building, splitting, joining, replacing, case changes, searching,
# slicing and f-string formatting. Self-checking: counts are recomputed two different ways.
import sys

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
         "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi"]


def make_text(n):
    lines = []
    for i in range(n):
        w1 = WORDS[i % len(WORDS)]
        w2 = WORDS[(i * 7 + 3) % len(WORDS)]
        lines.append(f"{i:05d}: {w1.upper()} and {w2} -- {i * 3 % 101:>3} {w1[::-1]}")
    return "\n".join(lines)


def process(text):
    total_words = 0
    upper_words = 0
    digits = 0
    caps = []
    for line in text.split("\n"):
        head = line[:5]
        rest = line[7:]
        assert head.isdigit()
        words = rest.split()
        total_words += len(words)
        for w in words:
            if w.isalpha() and w == w.upper() and w != w.lower():
                upper_words += 1
                caps.append(w.lower())
            elif w.isdigit():
                digits += int(w)
    return total_words, upper_words, digits, caps


def main(n):
    text = make_text(n)
    total_words, upper_words, digits, caps = process(text)
    assert upper_words == n
    assert total_words == 6 * n
    replaced = text.replace(" and ", " & ").replace("--", "=")
    assert replaced.count("&") == n and replaced.count("=") == n
    joined = ",".join(caps)
    assert len(joined.split(",")) == n
    found = 0
    pos = joined.find("theta")
    while pos >= 0:
        found += 1
        pos = joined.find("theta", pos + 1)
    assert found == sum(1 for c in caps if c == "theta")
    stripped = [s.strip("-= ") for s in replaced.split("\n")[:5]]
    starts = sum(1 for line in text.split("\n") if line.startswith("000"))
    ends = sum(1 for line in text.split("\n") if line.endswith("ahpla"))
    print(total_words, upper_words, digits, found, starts, ends)
    print(stripped[1])
    print(f"{digits:,} {digits / n:.3f} {upper_words:#x} {found:>8}|{'x':*^9}|")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 80000)
