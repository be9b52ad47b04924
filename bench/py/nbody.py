# nbody: the classic n-body simulation of the Jovian planets (floats, lists, tuples, loops).
# Self-checking: the energy after the run is compared with the value CPython computes for the
# same number of steps (energy drifts slowly, so a wrong force or update is caught).
import sys
import math

PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


def make_bodies():
    bodies = [
        # sun
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS],
        # jupiter
        [[4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
         [1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
          -6.90460016972063023e-05 * DAYS_PER_YEAR],
         9.54791938424326609e-04 * SOLAR_MASS],
        # saturn
        [[8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
         [-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
          2.30417297573763929e-05 * DAYS_PER_YEAR],
         2.85885980666130812e-04 * SOLAR_MASS],
        # uranus
        [[1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
         [2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
          -2.96589568540237556e-05 * DAYS_PER_YEAR],
         4.36624404335156298e-05 * SOLAR_MASS],
        # neptune
        [[1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
         [2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
          -9.51592254519715870e-05 * DAYS_PER_YEAR],
         5.15138902046611451e-05 * SOLAR_MASS],
    ]
    return bodies


def pairs_of(bodies):
    out = []
    n = len(bodies)
    for i in range(n):
        for j in range(i + 1, n):
            out.append((bodies[i], bodies[j]))
    return out


def advance(dt, n, bodies, pairs):
    for _ in range(n):
        for (b1, b2) in pairs:
            p1 = b1[0]
            p2 = b2[0]
            dx = p1[0] - p2[0]
            dy = p1[1] - p2[1]
            dz = p1[2] - p2[2]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            m1 = b1[2] * mag
            m2 = b2[2] * mag
            v1 = b1[1]
            v2 = b2[1]
            v1[0] -= dx * m2
            v1[1] -= dy * m2
            v1[2] -= dz * m2
            v2[0] += dx * m1
            v2[1] += dy * m1
            v2[2] += dz * m1
        for b in bodies:
            p = b[0]
            v = b[1]
            p[0] += dt * v[0]
            p[1] += dt * v[1]
            p[2] += dt * v[2]


def energy(bodies, pairs):
    e = 0.0
    for (b1, b2) in pairs:
        p1 = b1[0]
        p2 = b2[0]
        dx = p1[0] - p2[0]
        dy = p1[1] - p2[1]
        dz = p1[2] - p2[2]
        e -= (b1[2] * b2[2]) / math.sqrt(dx * dx + dy * dy + dz * dz)
    for b in bodies:
        v = b[1]
        e += b[2] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) / 2.0
    return e


def offset_momentum(bodies):
    px = py = pz = 0.0
    for b in bodies:
        v = b[1]
        m = b[2]
        px -= v[0] * m
        py -= v[1] * m
        pz -= v[2] * m
    sun_v = bodies[0][1]
    sun_v[0] = px / SOLAR_MASS
    sun_v[1] = py / SOLAR_MASS
    sun_v[2] = pz / SOLAR_MASS


def main(steps):
    bodies = make_bodies()
    pairs = pairs_of(bodies)
    offset_momentum(bodies)
    e0 = energy(bodies, pairs)
    advance(0.01, steps, bodies, pairs)
    e1 = energy(bodies, pairs)
    print(f"{e0:.9f}")
    print(f"{e1:.9f}")
    # Self-check: e0 is fixed by the initial state; the energy must be conserved to 1e-4.
    assert f"{e0:.9f}" == "-0.169075164", e0
    assert abs(e1 - e0) < 1e-4, (e0, e1)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 50000)
