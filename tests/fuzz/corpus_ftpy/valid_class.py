class Point:
    """A point."""
    count = 0
    def __init__(self, x=0, y=0, *, label=None):
        self.x, self.y = x, y
        Point.count += 1
    @property
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5
    @norm.setter
    def norm(self, v):
        raise AttributeError("read only")
    def __repr__(self):
        return f"Point({self.x}, {self.y})"
class P3(Point):
    def __init__(self, *a, z=0, **kw):
        super().__init__(*a, **kw)
        self.z = z
