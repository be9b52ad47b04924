# Conway's game of life on a small torus, plus a flood fill and a BFS shortest path.
W, H = 12, 8
def step(live):
    counts = {}
    for (r, c) in live:
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr or dc:
                    key = ((r + dr) % H, (c + dc) % W)
                    counts[key] = counts.get(key, 0) + 1
    return {cell for cell, n in counts.items() if n == 3 or (n == 2 and cell in live)}
def show(live):
    for r in range(H):
        print(''.join('#' if (r, c) in live else '.' for c in range(W)))
glider = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
blinker = {(5, 8), (5, 9), (5, 10)}
world = glider | blinker
for gen in range(4):
    print('generation', gen, 'alive', len(world))
    show(world)
    world = step(world)
print(sorted(world))
maze = ['#########',
        '#S..#...#',
        '#.#.#.#.#',
        '#.#...#.#',
        '#.#####.#',
        '#......E#',
        '#########']
start = end = None
for r, row in enumerate(maze):
    for c, ch in enumerate(row):
        if ch == 'S':
            start = (r, c)
        elif ch == 'E':
            end = (r, c)
frontier = [start]
dist = {start: 0}
while frontier:
    nxt = []
    for (r, c) in frontier:
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            p = (r + dr, c + dc)
            if maze[p[0]][p[1]] != '#' and p not in dist:
                dist[p] = dist[(r, c)] + 1
                nxt.append(p)
    frontier = nxt
print('start', start, 'end', end, 'shortest path', dist[end], 'reachable', len(dist))
