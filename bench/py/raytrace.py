# raytrace: a small ray tracer (classes with special methods __add__/__sub__/__mul__, properties,
# inheritance, super(), many short-lived objects). Self-checking: the image is rendered twice,
# row-major and column-major, and must agree pixel for pixel; the checksum is printed.
import sys
import math

EPSILON = 1e-5


class Vector:
    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def __add__(self, o):
        return Vector(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return Vector(self.x - o.x, self.y - o.y, self.z - o.z)

    def __mul__(self, k):
        return Vector(self.x * k, self.y * k, self.z * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    @property
    def length(self):
        return math.sqrt(self.dot(self))

    def normalized(self):
        return self * (1.0 / self.length)

    def __repr__(self):
        return f"Vector({self.x:.3f}, {self.y:.3f}, {self.z:.3f})"


class Ray:
    def __init__(self, origin, direction):
        self.origin = origin
        self.direction = direction.normalized()

    def point_at(self, t):
        return self.origin + self.direction * t


class Thing:
    def __init__(self, color, reflect):
        self.color = color
        self.reflect = reflect

    def intersect(self, ray):
        raise NotImplementedError

    def normal_at(self, p):
        raise NotImplementedError


class Sphere(Thing):
    def __init__(self, center, radius, color, reflect):
        super().__init__(color, reflect)
        self.center = center
        self.radius = radius

    def intersect(self, ray):
        oc = ray.origin - self.center
        b = oc.dot(ray.direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - c
        if disc < 0:
            return None
        s = math.sqrt(disc)
        t = -b - s
        if t > EPSILON:
            return t
        t = -b + s
        if t > EPSILON:
            return t
        return None

    def normal_at(self, p):
        return (p - self.center).normalized()


class Plane(Thing):
    def __init__(self, point, normal, color, reflect):
        super().__init__(color, reflect)
        self.point = point
        self.normal = normal.normalized()

    def intersect(self, ray):
        denom = self.normal.dot(ray.direction)
        if abs(denom) < EPSILON:
            return None
        t = (self.point - ray.origin).dot(self.normal) / denom
        return t if t > EPSILON else None

    def normal_at(self, p):
        return self.normal


class Scene:
    def __init__(self):
        self.things = [
            Plane(Vector(0, -1, 0), Vector(0, 1, 0), Vector(0.6, 0.6, 0.6), 0.3),
            Sphere(Vector(0, 0, 5), 1.0, Vector(0.9, 0.2, 0.2), 0.4),
            Sphere(Vector(-1.8, -0.3, 6), 0.7, Vector(0.2, 0.9, 0.2), 0.2),
            Sphere(Vector(1.6, 0.2, 4.5), 0.6, Vector(0.2, 0.3, 0.9), 0.5),
        ]
        self.light = Vector(-3, 5, -2)
        self.eye = Vector(0, 0.5, -2)

    def closest(self, ray):
        best = None
        best_t = 1e30
        for thing in self.things:
            t = thing.intersect(ray)
            if t is not None and t < best_t:
                best_t = t
                best = thing
        return best, best_t

    def trace(self, ray, depth):
        thing, t = self.closest(ray)
        if thing is None:
            return Vector(0.1, 0.1, 0.15)
        p = ray.point_at(t)
        n = thing.normal_at(p)
        to_light = (self.light - p).normalized()
        shadow, st = self.closest(Ray(p, to_light))
        lit = 0.0 if shadow is not None and st < (self.light - p).length else max(0.0, n.dot(to_light))
        color = thing.color * (0.15 + 0.85 * lit)
        if depth < 3 and thing.reflect > 0:
            d = ray.direction
            r = d - n * (2 * d.dot(n))
            color = color * (1 - thing.reflect) + self.trace(Ray(p, r), depth + 1) * thing.reflect
        return color

    def pixel(self, x, y, w, h):
        px = (x - w / 2) / h
        py = -(y - h / 2) / h
        c = self.trace(Ray(self.eye, Vector(px, py, 1.0)), 0)
        return (min(255, int(c.x * 255)), min(255, int(c.y * 255)), min(255, int(c.z * 255)))


def main(size):
    scene = Scene()
    w = size
    h = size * 3 // 4
    rows = [[scene.pixel(x, y, w, h) for x in range(w)] for y in range(h)]
    cols = [[scene.pixel(x, y, w, h) for y in range(h)] for x in range(w)]
    for y in range(h):
        for x in range(w):
            assert rows[y][x] == cols[x][y]
    checksum = 0
    for row in rows:
        for (r, g, b) in row:
            checksum = (checksum * 31 + r * 65536 + g * 256 + b) % 1000000007
    print(w, h, checksum, rows[h // 2][w // 2], scene.eye)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
