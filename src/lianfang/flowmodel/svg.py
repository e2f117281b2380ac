"""Printable SVG drawing of a flowchart (权力运行流程图), top-to-bottom with post swimlanes.

All text is escaped.  Every step is a ``<g class="lf-step" data-step="CODE" id=...>``
so that the web UI can attach click handlers.  Risk points are drawn as coloured
badges (高 red, 中 orange, 低 blue) with a legend.
"""

from __future__ import annotations

from html import escape

from .layout import END, START, Layout, layout
from .schema import is_number
from .text import text_em, wrap

FONT = '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif'
RISK_COLOURS = {"高": "#dc2626", "中": "#ea580c", "低": "#2563eb"}
SUPERVISION_COLOUR = "#15803d"
DISCRETION_COLOUR = "#7c3aed"
NAME_SIZE, INFO_SIZE = 14.0, 12.0
BOX_W = 176.0
NAME_EM = (BOX_W - 20) / NAME_SIZE
INFO_EM = (BOX_W - 16) / INFO_SIZE


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _limit_text(step: dict) -> str | None:
    days, hours = step.get("limit_workdays"), step.get("limit_hours")
    if is_number(days):
        return f"时限：{_num(days)} 个工作日"
    if is_number(hours):
        return f"时限：{_num(hours)} 小时"
    return None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _info_lines(step: dict) -> list[str]:
    lines = []
    if step.get("post"):
        lines.append(wrap(f"岗位：{step['post']}", INFO_EM, 1)[0])
    limit = _limit_text(step)
    if limit:
        lines.append(limit)
    return lines


def svg_node_size(kind: str, step: dict | None) -> tuple[float, float]:
    """Node sizes for the SVG drawing: text-sized step boxes, terminals 110×38."""
    if kind in (START, END):
        return 110.0, 38.0
    if kind == "gateway":
        return 40.0, 40.0
    step = step or {}
    name_lines = len(wrap(step.get("name", ""), NAME_EM, 4))
    return BOX_W, 22.0 + 19.0 * name_lines + 16.0 * len(_info_lines(step))


def _text(x: float, y: float, text: str, size: float, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{_a(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}"{extra}>{escape(text)}</text>'


def _markers_from(flowchart: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for step in flowchart["steps"]:
        risks = step.get("risk_points") or []
        if risks:
            found[step["code"]] = [r for r in risks if isinstance(r, dict)]
    return found


def _step_svg(step: dict, node, index: int, risks: list[dict]) -> list[str]:
    x, y, w, h = node.x, node.y, node.w, node.h
    out = [
        f'<g class="lf-step" id="lf-step-{index}" data-step="{_a(step["code"])}" tabindex="0">',
        f"<title>{escape(step['name'])}（{escape(step['code'])}）</title>",
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" class="lf-box"/>',
    ]
    name_lines = wrap(step["name"], NAME_EM, 4)
    cy = y + 12 + NAME_SIZE
    for line in name_lines:
        out.append(_text(x + w / 2, cy, line, NAME_SIZE, class_="lf-name", text_anchor="middle"))
        cy += 19
    for line in _info_lines(step):
        out.append(_text(x + w / 2, cy - 2, line, INFO_SIZE, class_="lf-info", text_anchor="middle"))
        cy += 16
    tags = []
    if step.get("supervision_point"):
        tags.append(("监督点", SUPERVISION_COLOUR))
    if step.get("discretion_point"):
        tags.append(("裁量", DISCRETION_COLOUR))
    tx = x + 6
    for label, colour in tags:
        tw = text_em(label) * 11 + 10
        out.append(
            f'<rect x="{tx:.1f}" y="{y - 8:.1f}" width="{tw:.1f}" height="16" rx="8" fill="{colour}"/>'
        )
        out.append(_text(tx + tw / 2, y + 4, label, 11, fill="#ffffff", text_anchor="middle"))
        tx += tw + 4
    levels = [lv for lv in RISK_COLOURS if any(r.get("level") == lv for r in risks)]
    bx = x + w - 10
    for level in reversed(levels):
        titles = "；".join(str(r.get("title", "")) for r in risks if r.get("level") == level)
        count = sum(1 for r in risks if r.get("level") == level)
        out.append(
            f'<g class="lf-risk" data-level="{_a(level)}"><title>{escape(level)}风险：{escape(titles)}</title>'
        )
        out.append(
            f'<circle cx="{bx:.1f}" cy="{y:.1f}" r="10" fill="{RISK_COLOURS[level]}" stroke="#ffffff"/>'
        )
        label = level if count == 1 else f"{level}{count}"
        out.append(_text(bx, y + 4, label, 10 if count == 1 else 8, fill="#ffffff", text_anchor="middle"))
        out.append("</g>")
        bx -= 22
    out.append("</g>")
    return out


def render_svg(
    flowchart: dict,
    layout: Layout | None = None,
    markers: dict[str, list[dict]] | None = None,
    title: str | None = None,
) -> str:
    """SVG text of a (valid) flowchart.

    ``markers`` maps step codes to risk badges ``[{"level": "高"|"中"|"低", "title": str}]``;
    without it the steps' own ``risk_points`` are drawn.  ``title`` defaults to the name.
    """
    lay = layout or _default_layout(flowchart)
    risks = markers if markers is not None else _markers_from(flowchart)
    steps = {s["code"]: s for s in flowchart["steps"]}
    heading = flowchart.get("name", "") if title is None else title
    width = max(lay.width, 360.0)
    heading_lines = wrap(heading, max((width - 40) / 21, 8), 3) if heading else []
    top = 24.0 + 26.0 * len(heading_lines) if heading_lines else 0.0
    legend_items = _legend_items(flowchart, risks)
    legend_h = 36.0 if legend_items else 0.0
    height = lay.height + top + legend_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lf-flowchart" viewBox="0 0 {width:.1f} {height:.1f}" '
        f'width="{width:.1f}" height="{height:.1f}" font-family="{_a(FONT)}" role="img" '
        f'aria-label="{_a(heading or flowchart.get("name", ""))}">',
        "<style>"
        ".lf-box{fill:#ffffff;stroke:#1e293b;stroke-width:1.4}"
        ".lf-name{fill:#0f172a}.lf-info{fill:#475569}"
        ".lf-edge{fill:none;stroke:#334155;stroke-width:1.3}"
        ".lf-back{stroke:#b45309;stroke-dasharray:6 4}"
        ".lf-label{fill:#1e293b;paint-order:stroke;stroke:#ffffff;stroke-width:4px;stroke-linejoin:round}"
        ".lf-step{cursor:pointer}"
        "@media print{.lf-flowchart{max-width:100%;height:auto}}"
        "</style>",
        "<defs>"
        '<marker id="lf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#334155"/></marker>'
        '<marker id="lf-arrow-back" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b45309"/></marker>'
        "</defs>",
        f'<rect x="0" y="0" width="{width:.1f}" height="{height:.1f}" fill="#ffffff"/>',
    ]
    for k, line in enumerate(heading_lines):
        out.append(
            _text(width / 2, 32 + 26 * k, line, 20, text_anchor="middle", font_weight="bold", fill="#0f172a")
        )
    out.append(f'<g transform="translate(0,{top:.1f})">')
    for lane in lay.lanes:
        fill = "#f8fafc" if lane.index % 2 == 0 else "#ffffff"
        out.append(
            f'<g class="lf-lane" data-post="{_a(lane.post or "")}">'
            f'<rect x="{lane.x:.1f}" y="{lane.y:.1f}" width="{lane.w:.1f}" height="{lane.h:.1f}" '
            f'fill="{fill}" stroke="#94a3b8"/>'
        )
        hx, hy, hw, hh = lane.header
        out.append(
            f'<rect x="{hx:.1f}" y="{hy:.1f}" width="{hw:.1f}" height="{hh:.1f}" fill="#e2e8f0" stroke="#94a3b8"/>'
        )
        if lay.direction == "TB":
            line = wrap(lane.name, max(hw - 12, 14) / 14, 1)[0]
            out.append(
                _text(hx + hw / 2, hy + hh / 2 + 5, line, 14, text_anchor="middle", font_weight="bold")
            )
        else:
            line = wrap(lane.name, max(hh - 12, 14) / 14, 1)[0]
            cx, cy = hx + hw / 2 + 5, hy + hh / 2
            out.append(
                _text(
                    cx,
                    cy,
                    line,
                    14,
                    text_anchor="middle",
                    font_weight="bold",
                    transform=f"rotate(-90 {cx:.1f} {cy:.1f})",
                )
            )
        out.append("</g>")
    for edge in lay.edges:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        cls = "lf-edge lf-back" if edge.back else "lf-edge"
        marker = "lf-arrow-back" if edge.back else "lf-arrow"
        data = ""
        if edge.transition:
            data = f' data-from="{_a(edge.transition[0])}" data-to="{_a(edge.transition[1])}"'
        out.append(f'<polyline class="{cls}" points="{pts}" marker-end="url(#{marker})"{data}/>')
    for edge in lay.edges:
        if edge.label and edge.label_pos:
            lx, ly = edge.label_pos
            line = wrap(edge.label, 10, 2)
            for k, text in enumerate(line):
                out.append(_text(lx + 6, ly - 4 + 14 * k, text, 12, class_="lf-label"))
    for index, node in enumerate(lay.nodes.values(), 1):
        if node.kind in (START, END):
            label = "开始" if node.kind == START else "结束"
            fill = "#ecfdf5" if node.kind == START else "#fef2f2"
            out.append(
                f'<g class="lf-terminal" id="lf-{node.kind}" data-node="{node.kind}">'
                f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" '
                f'rx="{node.h / 2:.1f}" fill="{fill}" stroke="#1e293b" stroke-width="1.4"/>'
                + _text(node.cx, node.cy + 5, label, 14, text_anchor="middle")
                + "</g>"
            )
        elif node.kind == "gateway":
            cx, cy, r = node.cx, node.cy, node.w / 2
            out.append(
                f'<polygon points="{cx:.1f},{cy - r:.1f} {cx + r:.1f},{cy:.1f} {cx:.1f},{cy + r:.1f} {cx - r:.1f},{cy:.1f}" '
                'fill="#fffbeb" stroke="#1e293b"/>'
            )
        else:
            out.extend(_step_svg(steps[node.step], node, index, risks.get(node.step, [])))
    out.append("</g>")
    if legend_items:
        out.extend(_legend(legend_items, 20.0, top + lay.height + 8))
    out.append("</svg>")
    return "\n".join(out)


def _default_layout(flowchart: dict) -> Layout:
    return layout(flowchart, direction="TB", lanes=True, node_size=svg_node_size)


def _legend_items(flowchart: dict, risks: dict[str, list[dict]]) -> list[tuple[str, str, str]]:
    items: list[tuple[str, str, str]] = []
    levels = {r.get("level") for rs in risks.values() for r in rs}
    for level, colour in RISK_COLOURS.items():
        if level in levels:
            items.append(("circle", colour, f"{level}风险"))
    steps = flowchart["steps"]
    if any(s.get("supervision_point") for s in steps):
        items.append(("pill", SUPERVISION_COLOUR, "监督点"))
    if any(s.get("discretion_point") for s in steps):
        items.append(("pill", DISCRETION_COLOUR, "自由裁量点"))
    return items


def _legend(items: list[tuple[str, str, str]], x: float, y: float) -> list[str]:
    out = ['<g class="lf-legend">', _text(x, y + 16, "图例：", 12, fill="#334155")]
    x += 44
    for shape, colour, label in items:
        if shape == "circle":
            out.append(f'<circle cx="{x + 8:.1f}" cy="{y + 12:.1f}" r="7" fill="{colour}"/>')
        else:
            out.append(f'<rect x="{x:.1f}" y="{y + 5:.1f}" width="18" height="14" rx="7" fill="{colour}"/>')
        out.append(_text(x + 22, y + 16, label, 12, fill="#334155"))
        x += 30 + text_em(label) * 12 + 12
    out.append("</g>")
    return out
