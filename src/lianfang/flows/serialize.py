"""Between flowchart rows and the flow-model interchange format (docs/flow-model.md).

`to_flowmodel` writes what `lianfang flows export` prints and the supervision
engine reads; `import_flowcharts` takes the same dicts back (validated by
`lianfang.flowmodel`), and `import_file` also takes BPMN 2.0 XML. Imports are
all-or-nothing and say what they did in Chinese warnings."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from lianfang.audit.models import Action
from lianfang.audit.services import record
from lianfang.flowmodel import BpmnError, FlowModelError, import_bpmn, validate_flowcharts
from lianfang.orgs.models import Post
from lianfang.powers.models import Power

from .hooks import risk_points_by_step
from .models import DiscretionRange, Flowchart, IncompatiblePair, Step, Transition


class FlowImportError(Exception):
    """An import refused as a whole; `str()` is a one-line Chinese reason and
    `problems` lists every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


@dataclass
class ImportOutcome:
    flowcharts: list[Flowchart] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


FLOWCHART_KEYS = {
    "flowchart_code", "power_code", "power_codes", "name", "steps", "start", "end", "transitions",
    "transition_labels", "case_limit_hours", "case_limit_workdays", "incompatible_steps", "discretion",
    "note", "params",
}
STEP_COLUMNS = {
    "limit_hours", "limit_workdays", "min_hours", "description", "decides", "supervision_point",
    "discretion_point", "clock_stop", "decision", "kind",
}
STEP_KEYS = {"code", "name", "post", "post_linked"} | STEP_COLUMNS
DISCRETION_KEYS = {"step", "attribute", "min", "max", "note"}


def flowcharts_with_everything(queryset):
    """Prefetch what `to_flowmodel` reads, so exporting N flowcharts costs a
    fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("steps", queryset=Step.objects.select_related("post").prefetch_related("discretion_ranges")),
        Prefetch("transitions", queryset=Transition.objects.select_related("source", "target")),
        Prefetch("incompatible_pairs", queryset=IncompatiblePair.objects.select_related("first", "second")),
        Prefetch("powers", queryset=Power.objects.order_by("code")),
    )


def to_flowmodel(flowchart: Flowchart, *, with_risks: bool = True) -> dict:
    steps = list(flowchart.steps.all())
    risks = risk_points_by_step(flowchart) if with_risks else {}
    power_codes = [p.code for p in flowchart.powers.all()]
    power_codes += [c for c in flowchart.unlinked_power_codes if c not in power_codes]
    transitions = list(flowchart.transitions.all())
    out_steps = []
    discretion = []
    for step in steps:
        item = {**step.extra, "code": step.code, "name": step.name, "post": step.post_name or None}
        if step.post_id or step.post_label:
            item["post_linked"] = bool(step.post_id)
        for key in STEP_COLUMNS:
            value = getattr(step, key)
            if value not in (None, "", False) or key == "limit_hours":
                item[key] = value
        if risks.get(step.code):
            item["risk_points"] = risks[step.code]
        out_steps.append(item)
        for rng in step.discretion_ranges.all():
            entry = {**rng.extra, "step": step.code, "attribute": rng.attribute, "min": rng.minimum, "max": rng.maximum}
            if rng.note:
                entry["note"] = rng.note
            discretion.append(entry)
    labels = [{"from": t.source.code, "to": t.target.code, "label": t.label} for t in transitions if t.label]
    model = {
        **flowchart.extra,
        "flowchart_code": flowchart.code,
        "power_code": power_codes[0] if power_codes else None,
        "power_codes": power_codes,
        "name": flowchart.name,
        "steps": out_steps,
        "start": [s.code for s in steps if s.is_start],
        "end": [s.code for s in steps if s.is_end],
        "transitions": [[t.source.code, t.target.code] for t in transitions],
        "transition_labels": labels,
        "case_limit_hours": flowchart.case_limit_hours,
        "case_limit_workdays": flowchart.case_limit_workdays,
        "incompatible_steps": [[p.first.code, p.second.code] for p in flowchart.incompatible_pairs.all()],
        "discretion": discretion,
    }
    if flowchart.note:
        model["note"] = flowchart.note
    if flowchart.params:
        model["params"] = flowchart.params
    return model


def export_unit(unit, *, queryset=None) -> list[dict]:
    queryset = queryset if queryset is not None else Flowchart.objects.filter(unit=unit)
    return [to_flowmodel(fc) for fc in flowcharts_with_everything(queryset.order_by("code"))]


def _posts_by_name(unit) -> dict[str, list[Post]]:
    by_name: dict[str, list[Post]] = {}
    for post in Post.objects.filter(unit=unit, is_active=True):
        by_name.setdefault(post.name, []).append(post)
    return by_name


def _powers_by_code(unit) -> dict[str, Power]:
    """The newest catalogue's power for each code."""
    powers: dict[str, Power] = {}
    for power in Power.objects.filter(unit=unit).order_by("catalogue__year"):
        powers[power.code] = power
    return powers


def _label(fc: dict) -> str:
    return f"流程图「{fc.get('name')}」（{fc.get('flowchart_code')}）"


@transaction.atomic
def import_flowcharts(unit, data, *, user=None, replace: bool = True, source: str = "") -> ImportOutcome:
    """Write flow-model dicts into `unit`. Validates everything first; a problem
    anywhere refuses the whole import. Existing flowcharts with the same code are
    replaced when `replace` (their steps are rewritten), refused otherwise."""
    warnings: list[str] = []
    try:
        flowcharts = validate_flowcharts(data, warnings)
    except FlowModelError as exc:
        raise FlowImportError(f"流程图数据有误：{exc.problems[0]}" + (f"（共 {len(exc.problems)} 处）"
                              if len(exc.problems) > 1 else ""), exc.problems) from None
    existing = {fc.code: fc for fc in Flowchart.objects.filter(unit=unit, code__in=[f["flowchart_code"] for f in flowcharts])}
    if existing and not replace:
        codes = "、".join(sorted(existing))
        raise FlowImportError(f"本单位已有编号为 {codes} 的流程图，未导入。")
    posts, powers = _posts_by_name(unit), _powers_by_code(unit)
    outcome = ImportOutcome(warnings=warnings)
    for fc in flowcharts:
        outcome.flowcharts.append(_write(unit, fc, existing.get(fc["flowchart_code"]), posts, powers, outcome.warnings))
    record(Action.IMPORT, object_type="flows.flowchart", object_repr=f"导入流程图 {len(flowcharts)} 个",
           unit_id=unit.pk, user=user, changes={"flowcharts": [f.code for f in outcome.flowcharts], "source": source})
    return outcome


def _write(unit, fc: dict, flowchart: Flowchart | None, posts, powers, warnings: list[str]) -> Flowchart:
    codes = list(dict.fromkeys([*(fc.get("power_codes") or []), *([fc["power_code"]] if fc.get("power_code") else [])]))
    linked = [powers[c] for c in codes if c in powers]
    unlinked = [c for c in codes if c not in powers]
    if unlinked:
        warnings.append(f"{_label(fc)}：职权编码 {'、'.join(unlinked)} 在本单位职权目录中不存在，已保留编码待关联")
    fields = {
        "name": fc["name"], "note": fc.get("note") or "", "case_limit_hours": fc.get("case_limit_hours"),
        "case_limit_workdays": fc.get("case_limit_workdays"), "params": fc.get("params") or {},
        "unlinked_power_codes": unlinked, "extra": {k: v for k, v in fc.items() if k not in FLOWCHART_KEYS},
    }
    if flowchart is None:
        flowchart = Flowchart.objects.create(unit=unit, code=fc["flowchart_code"], **fields)
    else:
        for key, value in fields.items():
            setattr(flowchart, key, value)
        flowchart.save()
        flowchart.steps.all().delete()  # transitions, pairs and ranges go with their steps
    flowchart.powers.set(linked)

    starts, ends = set(fc["start"]), set(fc["end"])
    steps: dict[str, Step] = {}
    for order, item in enumerate(fc["steps"]):
        name = item.get("post")
        post, label = None, ""
        if name:
            matches = posts.get(name, [])
            if len(matches) == 1:
                post = matches[0]
            else:
                label = name
                if item.get("post_linked") is not False:  # a BPMN import has already said so
                    why = "有多个同名岗位" if matches else "本单位没有该岗位"
                    warnings.append(f"{_label(fc)}：步骤「{item['name']}」的岗位「{name}」{why}，已保留为岗位名称")
        step = Step(
            flowchart=flowchart, code=item["code"], name=item["name"], post=post, post_label=label,
            is_start=item["code"] in starts, is_end=item["code"] in ends, sort_order=order,
            extra={k: v for k, v in item.items() if k not in STEP_KEYS},
        )
        for key in STEP_COLUMNS:
            if item.get(key) is not None:
                setattr(step, key, item[key])
        step.save()
        steps[step.code] = step
    labels = {(t["from"], t["to"]): t["label"] for t in fc.get("transition_labels") or []}
    for order, (source, target) in enumerate(fc["transitions"]):
        Transition.objects.create(flowchart=flowchart, source=steps[source], target=steps[target],
                                  label=labels.get((source, target), ""), sort_order=order)
    for first, second in fc["incompatible_steps"]:
        IncompatiblePair.objects.create(flowchart=flowchart, first=steps[first], second=steps[second])
    for item in fc["discretion"]:
        DiscretionRange.objects.create(
            step=steps[item["step"]], attribute=item["attribute"], minimum=item.get("min"), maximum=item.get("max"),
            note=item.get("note") or "", extra={k: v for k, v in item.items() if k not in DISCRETION_KEYS},
        )
    return flowchart


def sniff(data: bytes) -> str:
    """'json' or 'bpmn', told apart by content, not by file name."""
    head = data.lstrip()[:1]
    if head.startswith(b"\xef\xbb\xbf"):
        head = data.lstrip()[3:4]
    if head in (b"[", b"{"):
        return "json"
    if head == b"<":
        return "bpmn"
    return "unknown"


def import_file(unit, data: bytes, filename: str = "", *, user=None, replace: bool = True) -> ImportOutcome:
    import json

    kind = sniff(data)
    if kind == "json":
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FlowImportError(f"文件不是有效的 JSON：{exc}") from None
        if isinstance(parsed, dict):
            parsed = [parsed]
        return import_flowcharts(unit, parsed, user=user, replace=replace, source=filename)
    if kind == "bpmn":
        posts = _posts_by_name(unit)
        try:
            result = import_bpmn(data, filename, known_posts=lambda name: len(posts.get(name, [])) == 1)
        except BpmnError as exc:
            raise FlowImportError(str(exc)) from None
        outcome = import_flowcharts(unit, result.flowcharts, user=user, replace=replace, source=filename)
        outcome.warnings[:0] = result.warnings
        return outcome
    raise FlowImportError("无法识别的文件：既不是流程图 JSON，也不是 BPMN 2.0 XML。")
