"""Automatic layered (Sugiyama-style) layout of a flowchart, with posts as swimlanes.

Steps: cycle breaking by depth-first search (loops such as 退回补正 become back edges),
longest-path layering, dummy nodes on long edges, barycentre sweeps for crossing
reduction (lanes kept as contiguous blocks), least-squares coordinate placement per
lane, and orthogonal edge routes through the gaps between layers.  Deterministic.

Coordinates use two axes: ``rank`` runs along the flow (y for "TB", x for "LR") and
``pos`` runs across it, where the lanes sit side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .text import wrap

NO_POST_LANE = "未指定岗位"
START, END = "start", "end"

SizeFn = Callable[[str, dict | None], tuple[float, float]]


@dataclass
class Node:
    id: str  # "start", "end", "step:<code>", "gw:<code>" (gateway after a step), "gw-start"
    kind: str  # start | end | step | gateway
    step: str | None
    x: float = 0.0  # top-left corner
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    layer: int = 0
    lane: int | None = None

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Edge:
    source: str
    target: str
    label: str | None = None
    transition: tuple[str, str] | None = None  # (from_code, to_code) when the edge shows a transition
    back: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)
    label_pos: tuple[float, float] | None = None


@dataclass
class Lane:
    index: int
    name: str  # what the header shows
    post: str | None  # None for the 未指定岗位 lane
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    header: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x, y, w, h


@dataclass
class Layout:
    direction: str
    width: float
    height: float
    nodes: dict[str, Node]
    edges: list[Edge]
    lanes: list[Lane]

    def step_node(self, code: str) -> Node:
        return self.nodes[f"step:{code}"]


def default_size(kind: str, step: dict | None) -> tuple[float, float]:
    """Box sizes used when the caller gives none: terminals, diamonds and text-sized steps."""
    if kind in (START, END):
        return 96.0, 36.0
    if kind == "gateway":
        return 40.0, 40.0
    lines = len(wrap(step.get("name", "") if step else "", 9.5, 4))
    extra = 1 if step and (step.get("post") or step.get("limit_hours") is not None) else 0
    return 168.0, max(56.0, 22.0 + 20.0 * lines + 18.0 * extra)


@dataclass
class _Item:  # a node or a dummy in the layered graph
    id: str
    layer: int
    lane: int
    ext_pos: float  # extent across the flow
    ext_rank: float  # extent along the flow
    pos: float = 0.0  # centre
    order: float = 0.0
    up: list[str] = field(default_factory=list)  # neighbours in the previous layer
    down: list[str] = field(default_factory=list)  # neighbours in the next layer
    beside: str | None = None  # back-edge dummy sitting in the same layer as this node


def _logical_edges(fc: dict, gateways: bool) -> tuple[list[Node], list[Edge]]:
    steps = fc["steps"]
    labels = {(t.get("from"), t.get("to")): t.get("label") for t in fc.get("transition_labels") or []}
    nodes = [Node(START, START, None)]
    out: dict[str, list[Edge]] = {START: []}
    for code in fc["start"]:
        out[START].append(Edge(START, f"step:{code}"))
    for step in steps:
        sid = f"step:{step['code']}"
        nodes.append(Node(sid, "step", step["code"]))
        out[sid] = []
    for a, b in fc["transitions"]:
        out[f"step:{a}"].append(Edge(f"step:{a}", f"step:{b}", labels.get((a, b)) or None, (a, b)))
    for code in fc["end"]:
        out[f"step:{code}"].append(Edge(f"step:{code}", END))
    edges: list[Edge] = []
    extra_nodes: list[Node] = []
    for node_id, outs in out.items():
        step = node_id[5:] if node_id.startswith("step:") else None
        if gateways and len(outs) > 1:
            gw = f"gw:{step}" if step is not None else "gw-start"
            extra_nodes.append(Node(gw, "gateway", step))
            edges.append(Edge(node_id, gw))
            for e in outs:
                edges.append(Edge(gw, e.target, e.label, e.transition))
        else:
            edges.extend(outs)
    # keep gateways right after their step so that document order stays readable
    ordered: list[Node] = []
    for n in nodes:
        ordered.append(n)
        gw = f"gw:{n.step}" if n.kind == "step" else "gw-start"
        ordered.extend(g for g in extra_nodes if g.id == gw)
    ordered.append(Node(END, END, None))
    return ordered, edges


def _break_cycles(node_ids: list[str], edges: list[Edge]) -> None:
    succ: dict[str, list[int]] = {n: [] for n in node_ids}
    for i, e in enumerate(edges):
        if e.source != e.target:
            succ[e.source].append(i)
    state: dict[str, int] = {}  # 1 on stack, 2 done
    for root in node_ids:
        if root in state:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            node, k = stack.pop()
            if k < len(succ[node]):
                stack.append((node, k + 1))
                e = edges[succ[node][k]]
                if state.get(e.target) == 1:
                    e.back = True
                elif e.target not in state:
                    state[e.target] = 1
                    stack.append((e.target, 0))
            else:
                state[node] = 2


def _assign_layers(node_ids: list[str], edges: list[Edge]) -> dict[str, int]:
    indeg = {n: 0 for n in node_ids}
    succ: dict[str, list[str]] = {n: [] for n in node_ids}
    for e in edges:
        if e.source == e.target:
            continue
        a, b = (e.target, e.source) if e.back else (e.source, e.target)
        succ[a].append(b)
        indeg[b] += 1
    layer = {n: 0 for n in node_ids}
    ready = [n for n in node_ids if indeg[n] == 0]
    while ready:
        n = ready.pop(0)
        for m in succ[n]:
            layer[m] = max(layer[m], layer[n] + 1)
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    # the end terminal goes to the last layer
    if END in layer:
        layer[END] = max(layer.values()) if len(layer) > 1 else 0
        if any(layer[n] == layer[END] and n != END for n in node_ids):
            layer[END] += 1
    return layer


def _lane_names(fc: dict) -> list[str | None]:
    posts: list[str | None] = []
    for step in fc["steps"]:
        post = step.get("post") or None
        if post is not None and post not in posts:
            posts.append(post)
    if not posts:
        return []
    if any(not step.get("post") for step in fc["steps"]):
        posts.append(None)
    return posts


def _crossings(upper: list[str], lower: list[str], items: dict[str, _Item]) -> int:
    pos = {n: i for i, n in enumerate(lower)}
    segs = [(i, pos[d]) for i, u in enumerate(upper) for d in items[u].down if d in pos]
    count = 0
    for k, (a1, b1) in enumerate(segs):
        for a2, b2 in segs[k + 1 :]:
            if (a1 - a2) * (b1 - b2) < 0:
                count += 1
    return count


def _pin_beside(layer: list[str], items: dict[str, _Item]) -> None:
    """Put every back-edge end right after the node it belongs to."""
    for n in [m for m in layer if items[m].beside is not None and items[m].beside in layer]:
        layer.remove(n)
        layer.insert(layer.index(items[n].beside) + 1, n)


def _order_layers(layers: list[list[str]], items: dict[str, _Item]) -> list[list[str]]:
    for layer in layers:
        _pin_beside(layer, items)

    def total(ls: list[list[str]]) -> int:
        return sum(_crossings(ls[i], ls[i + 1], items) for i in range(len(ls) - 1))

    best = [list(layer) for layer in layers]
    best_score = total(best)
    current = [list(layer) for layer in layers]
    for sweep in range(16):
        downward = sweep % 2 == 0
        rng = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for li in rng:
            ref = {n: i for i, n in enumerate(current[li - 1 if downward else li + 1])}
            here = {n: i for i, n in enumerate(current[li])}
            keys = {}
            for n in current[li]:
                it = items[n]
                nbrs = [ref[m] for m in (it.up if downward else it.down) if m in ref]
                keys[n] = sum(nbrs) / len(nbrs) if nbrs else float(here[n])
            for n in current[li]:  # a back-edge end sits right beside its node
                beside = items[n].beside
                if beside is not None and beside in keys:
                    keys[n] = keys[beside] + 1e-3
            current[li].sort(key=lambda n: (items[n].lane, keys[n], here[n]))
            _pin_beside(current[li], items)
        score = total(current)
        if score < best_score:
            best, best_score = [list(layer) for layer in current], score
    return best


def _isotonic(values: list[float]) -> list[float]:
    """Least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight]
    for v in values:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out: list[float] = []
    for mean, weight in blocks:
        out.extend([mean] * int(weight))
    return out


def _place_group(group: list[_Item], desired: list[float], lo: float, hi: float, gap: float) -> None:
    offsets = [0.0]
    for a, b in zip(group, group[1:], strict=False):
        offsets.append(offsets[-1] + a.ext_pos / 2 + gap + b.ext_pos / 2)
    fit = _isotonic([d - o for d, o in zip(desired, offsets, strict=True)])
    low = lo + group[0].ext_pos / 2  # bounds for the fitted values before adding offsets back
    high = max(low, hi - group[-1].ext_pos / 2 - offsets[-1])
    for it, f, o in zip(group, fit, offsets, strict=True):
        it.pos = min(max(f, low), high) + o


def layout(
    flowchart: dict,
    direction: str = "TB",
    lanes: bool = True,
    gateways: bool = False,
    node_size: SizeFn | None = None,
) -> Layout:
    """Lay out a (valid) flowchart dict.

    ``gateways=True`` inserts a gateway node after every step with several ways on
    (used by the BPMN export); ``node_size(kind, step)`` gives (width, height) per node.
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f"布局方向应为 TB 或 LR，不能是 {direction!r}")
    size = node_size or default_size
    tb = direction == "TB"
    steps = {s["code"]: s for s in flowchart["steps"]}
    nodes_list, edges = _logical_edges(flowchart, gateways)
    nodes = {n.id: n for n in nodes_list}
    for n in nodes_list:
        n.w, n.h = size(n.kind, steps.get(n.step) if n.kind == "step" else None)
    node_ids = [n.id for n in nodes_list]
    _break_cycles(node_ids, edges)
    layer_of = _assign_layers(node_ids, edges)

    lane_posts = _lane_names(flowchart) if lanes else []
    lane_index = {p: i for i, p in enumerate(lane_posts)}

    def lane_of_step(code: str | None) -> int:
        if not lane_posts or code is None:
            return 0
        return lane_index[steps[code].get("post") or None]

    for n in nodes_list:
        if n.kind in ("step", "gateway") and n.step is not None:
            n.lane = lane_of_step(n.step)
        elif n.id == "gw-start" or n.kind == START:
            n.lane = lane_of_step(flowchart["start"][0] if flowchart["start"] else None)
        else:
            n.lane = lane_of_step(flowchart["end"][0] if flowchart["end"] else None)
        n.layer = layer_of[n.id]

    items: dict[str, _Item] = {}
    for n in nodes_list:
        items[n.id] = _Item(n.id, n.layer, n.lane or 0, n.w if tb else n.h, n.h if tb else n.w)
    chains: list[list[str]] = []
    dummy_gap = 14.0
    for k, e in enumerate(edges):
        if e.source == e.target:
            chains.append([e.source])
            continue
        a, b = items[e.source], items[e.target]
        chain = [e.source]
        if not e.back:
            for layer in range(a.layer + 1, b.layer):
                d = _Item(f"~{k}:{layer}", layer, a.lane, 0.0, 0.0)
                items[d.id] = d
                chain.append(d.id)
        else:
            for layer in range(a.layer, b.layer - 1, -1):
                lane = b.lane if layer == b.layer else a.lane
                d = _Item(f"~{k}:{layer}", layer, lane, 0.0, 0.0)
                items[d.id] = d
                chain.append(d.id)
            items[chain[1]].beside = e.source
            items[chain[-1]].beside = e.target
        chain.append(e.target)
        chains.append(chain)
        for u, v in zip(chain, chain[1:], strict=False):
            iu, iv = items[u], items[v]
            if iu.layer + 1 == iv.layer:
                iu.down.append(v)
                iv.up.append(u)
            elif iv.layer + 1 == iu.layer:
                iv.down.append(u)
                iu.up.append(v)

    n_layers = max(it.layer for it in items.values()) + 1
    layers: list[list[str]] = [[] for _ in range(n_layers)]
    for it in items.values():  # insertion order: nodes in document order, then dummies
        layers[it.layer].append(it.id)
    for layer in layers:
        layer.sort(key=lambda i: items[i].lane)
    layers = _order_layers(layers, items)

    # lane extents across the flow
    gap = 36.0 if tb else 30.0
    pad = 24.0
    n_lanes = max(len(lane_posts), 1)
    need = [0.0] * n_lanes
    for layer in layers:
        for lane in range(n_lanes):
            group = [items[i] for i in layer if items[i].lane == lane]
            if group:
                span = sum(max(g.ext_pos, dummy_gap) for g in group) + gap * (len(group) - 1)
                need[lane] = max(need[lane], span)
    min_lane = 200.0 if tb else 130.0
    lane_sizes = [max(min_lane, w + 2 * pad) for w in need]
    header = 40.0 if lane_posts else 0.0
    lane_start = [0.0]
    for w in lane_sizes:
        lane_start.append(lane_start[-1] + w)

    def group_of(layer: list[str], lane: int) -> list[_Item]:
        return [items[i] for i in layer if items[i].lane == lane]

    for layer in layers:  # initial: centred in the lane
        for lane in range(n_lanes):
            group = group_of(layer, lane)
            centre = (lane_start[lane] + lane_start[lane + 1]) / 2
            if group:
                _place_group(group, [centre] * len(group), lane_start[lane], lane_start[lane + 1], gap)

    def settle(li: int, use_up: bool, use_down: bool) -> None:
        for lane in range(n_lanes):
            group = group_of(layers[li], lane)
            if not group:
                continue
            desired = []
            for it in group:
                nb = (it.up if use_up else []) + (it.down if use_down else [])
                if it.beside is not None:
                    other = items[it.beside]
                    side = 1.0 if it.pos >= other.pos else -1.0
                    desired.append(other.pos + side * (other.ext_pos / 2 + gap))
                elif nb:
                    desired.append(sum(items[m].pos for m in nb) / len(nb))
                else:
                    desired.append(it.pos)
            _place_group(group, desired, lane_start[lane] + pad / 2, lane_start[lane + 1] - pad / 2, gap)

    for _ in range(6):
        for li in range(1, n_layers):
            settle(li, True, False)
        for li in range(n_layers - 2, -1, -1):
            settle(li, False, True)
    for li in range(n_layers):
        settle(li, True, True)

    # rank coordinates
    rank_gap = 64.0 if tb else 72.0
    thickness = [max([items[i].ext_rank for i in layer] + [0.0]) for layer in layers]
    rank_start = [header + 30.0]
    for t in thickness:
        rank_start.append(rank_start[-1] + t + rank_gap)
    rank_centre = [rank_start[i] + thickness[i] / 2 for i in range(n_layers)]
    total_rank = rank_start[-1] - rank_gap + 30.0
    total_pos = lane_start[-1]

    margin = 20.0

    def xy(pos: float, rank: float) -> tuple[float, float]:
        return (
            (round(pos + margin, 1), round(rank + margin, 1))
            if tb
            else (round(rank + margin, 1), round(pos + margin, 1))
        )

    for n in nodes_list:
        it = items[n.id]
        cx, cy = xy(it.pos, rank_centre[it.layer])
        n.x, n.y = round(cx - n.w / 2, 1), round(cy - n.h / 2, 1)

    # channels: every bend between layer i and i+1 gets its own rank inside the gap
    bends: dict[int, list[tuple[float, int]]] = {}
    for k, chain in enumerate(chains):
        for u, v in zip(chain, chain[1:], strict=False):
            iu, iv = items[u], items[v]
            if iu.layer != iv.layer and abs(iu.pos - iv.pos) > 0.5:
                g = min(iu.layer, iv.layer)
                bends.setdefault(g, []).append((min(iu.pos, iv.pos), k))
    channel: dict[tuple[int, int], float] = {}
    for g, found in bends.items():
        found.sort()
        lo, hi = rank_start[g] + thickness[g], rank_start[g + 1]
        for j, (_, k) in enumerate(found):
            channel[(g, k)] = lo + (hi - lo) * (j + 1) / (len(found) + 1)

    for k, (e, chain) in enumerate(zip(edges, chains, strict=True)):
        e.points = _route(e, chain, k, items, rank_centre, thickness, channel, xy)
        e.label_pos = _label_pos(e.points)

    lane_objs: list[Lane] = []
    for i, post in enumerate(lane_posts):
        x0, y0 = xy(lane_start[i], 0.0)
        if tb:
            lane = Lane(i, post or NO_POST_LANE, post, x0, y0, lane_sizes[i], total_rank)
            lane.header = (x0, y0, lane_sizes[i], header)
        else:
            lane = Lane(i, post or NO_POST_LANE, post, x0, y0, total_rank, lane_sizes[i])
            lane.header = (x0, y0, header, lane_sizes[i])
        lane_objs.append(lane)

    width, height = (total_pos, total_rank) if tb else (total_rank, total_pos)
    return Layout(
        direction, round(width + 2 * margin, 1), round(height + 2 * margin, 1), nodes, edges, lane_objs
    )


def _route(e: Edge, chain, k, items, rank_centre, thickness, channel, xy) -> list[tuple[float, float]]:
    first = items[chain[0]]
    if len(chain) == 1:  # self loop, drawn on the far side across the flow
        r, p = rank_centre[first.layer], first.pos + first.ext_pos / 2
        pts = [(p, r - 10), (p + 22, r - 10), (p + 22, r + 10), (p, r + 10)]
        return [xy(a, b) for a, b in pts]
    pts: list[tuple[float, float]] = []
    if not e.back:
        last = items[chain[-1]]
        pts.append((first.pos, rank_centre[first.layer] + first.ext_rank / 2))
        for u, v in zip(chain, chain[1:], strict=False):
            iu, iv = items[u], items[v]
            if abs(iu.pos - iv.pos) > 0.5:
                c = channel[(iu.layer, k)]
                pts += [(iu.pos, c), (iv.pos, c)]
        pts.append((last.pos, rank_centre[last.layer] - last.ext_rank / 2))
    else:
        last = items[chain[-1]]
        d0, dn = items[chain[1]], items[chain[-2]]
        r0, rn = rank_centre[first.layer], rank_centre[last.layer]
        side0 = first.ext_pos / 2 if d0.pos >= first.pos else -first.ext_pos / 2
        siden = last.ext_pos / 2 if dn.pos >= last.pos else -last.ext_pos / 2
        pts.append((first.pos + side0, r0))
        pts.append((d0.pos, r0))
        dummies = chain[1:-1]
        for u, v in zip(dummies, dummies[1:], strict=False):
            iu, iv = items[u], items[v]
            if abs(iu.pos - iv.pos) > 0.5:
                c = channel[(iv.layer, k)]
                pts += [(iu.pos, c), (iv.pos, c)]
        pts.append((dn.pos, rn))
        pts.append((last.pos + siden, rn))
    return _simplify([xy(a, b) for a, b in pts])


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 0.05 and abs(out[-1][1] - p[1]) < 0.05:
            continue
        if len(out) >= 2:
            (x1, y1), (x2, y2) = out[-2], out[-1]
            if (abs(x1 - x2) < 0.05 and abs(x2 - p[0]) < 0.05) or (
                abs(y1 - y2) < 0.05 and abs(y2 - p[1]) < 0.05
            ):
                out[-1] = p
                continue
        out.append(p)
    if len(out) == 1:
        out.append(out[0])
    return out


def _label_pos(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if len(points) < 2:
        return None
    best, best_len = 0, -1.0
    for i, (a, b) in enumerate(zip(points, points[1:], strict=False)):
        length = abs(a[0] - b[0]) + abs(a[1] - b[1])
        if length > best_len + 0.5:
            best, best_len = i, length
    (x1, y1), (x2, y2) = points[best], points[best + 1]
    return round((x1 + x2) / 2, 1), round((y1 + y2) / 2, 1)
