"""Small graph helpers over step codes and ``[from, to]`` transitions (deterministic order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def successors(codes: Iterable[str], transitions: Iterable[Sequence[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {c: [] for c in codes}
    for a, b in transitions:
        if a in out and b in out and b not in out[a]:
            out[a].append(b)
    return out


def reachable(starts: Iterable[str], succ: dict[str, list[str]]) -> list[str]:
    """Codes reachable from ``starts`` (starts included), in breadth-first order."""
    seen: dict[str, None] = {}
    queue = [c for c in starts if c in succ]
    for c in queue:
        seen.setdefault(c)
    while queue:
        nxt = []
        for c in queue:
            for d in succ[c]:
                if d not in seen:
                    seen[d] = None
                    nxt.append(d)
        queue = nxt
    return list(seen)


def unreachable_steps(codes: Sequence[str], start: Iterable[str], transitions) -> list[str]:
    got = set(reachable(start, successors(codes, transitions)))
    return [c for c in codes if c not in got]


def dead_steps(codes: Sequence[str], end: Iterable[str], transitions) -> list[str]:
    """Steps from which no end step can be reached."""
    pred = successors(codes, [(b, a) for a, b in transitions])
    got = set(reachable(end, pred))
    return [c for c in codes if c not in got]


def strongly_connected(codes: Sequence[str], transitions) -> list[list[str]]:
    """Tarjan's strongly connected components of the sub-graph on ``codes`` (iterative)."""
    succ = successors(codes, transitions)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in codes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(succ[node])):
                nxt = succ[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                order = {c: k for k, c in enumerate(codes)}
                result.append(sorted(comp, key=order.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result
