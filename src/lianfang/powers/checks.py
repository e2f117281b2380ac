"""Catalogue checks: what would fail an inspection of a unit's 清权确权 work.

`check_unit(unit)` looks at the unit's newest power catalogue (or the one given),
the unit's flowcharts and its leadership, and returns a list of `Finding`s. The
rules (docs/power-catalogue.md, "目录检查", lists them with their codes):

- every power has a legal basis, a handling department or post, and a flowchart
  (a power is covered when any flowchart of the unit links it);
- every flowchart has a start and an end step, every step is reachable from a
  start step, every working step has a post and a time limit;
- the step limits along the longest start → end path stay within each linked
  power's statutory limit (error) and promised limit (warning);
- no power name is exercised by two departments (权力边界不清);
- the catalogue holds 三重一大 powers, and every current leadership member
  (主要负责人, 班子成员) holds one of them through a current post.

Time is counted in working days: a step's `limit_workdays`, else its
`limit_hours` / 8 (an eight-hour working day). Back edges (退回补正 loops) and
clock-stop steps (补正、听证、专家评审) do not count. End steps need no limit of
their own (归档、送达 after the decision), but a limit they do have is counted.

A unit costs a fixed handful of queries whatever the size of its catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db.models import Count, Prefetch

from lianfang.flowmodel.graph import reachable, successors, unreachable_steps
from lianfang.orgs.models import Person, Post, PostAssignment, RankClass, Unit

from .models import Catalogue, Power

ERROR, WARNING = "error", "warning"
HOURS_PER_WORKDAY = 8
# Step kinds that are events rather than work: no post and no time limit needed.
EVENT_KINDS = frozenset({"catch_event", "throw_event", "start_event", "end_event"})
# Work done by the system: no handling post needed (a time limit still is).
AUTOMATIC_KINDS = frozenset({"service_task", "script_task"})
EPSILON = 1e-9

# Finding codes (stable: the web screens and the console key on them).
NO_CATALOGUE = "no_catalogue"
EMPTY_CATALOGUE = "empty_catalogue"
POWER_NO_LEGAL_BASIS = "power_no_legal_basis"
POWER_NO_HANDLER = "power_no_handler"
POWER_NO_FLOWCHART = "power_no_flowchart"
POWER_OVERLAP = "power_overlap"
FLOW_NO_STEPS = "flow_no_steps"
FLOW_NO_START = "flow_no_start"
FLOW_NO_END = "flow_no_end"
STEP_UNREACHABLE = "step_unreachable"
STEP_NO_POST = "step_no_post"
STEP_NO_LIMIT = "step_no_limit"
LIMIT_OVER_STATUTORY = "limit_over_statutory"
LIMIT_OVER_PROMISED = "limit_over_promised"
NO_THREE_IMPORTANT = "no_three_important"
LEADER_NO_THREE_IMPORTANT = "leader_no_three_important"

TITLES = {
    NO_CATALOGUE: "尚未编制职权目录",
    EMPTY_CATALOGUE: "职权目录没有职权",
    POWER_NO_LEGAL_BASIS: "职权缺少法律依据",
    POWER_NO_HANDLER: "职权未明确承办科室或岗位",
    POWER_NO_FLOWCHART: "职权没有运行流程图",
    POWER_OVERLAP: "同名职权由多个科室行使（权力边界不清）",
    FLOW_NO_STEPS: "流程图没有环节",
    FLOW_NO_START: "流程图没有起始环节",
    FLOW_NO_END: "流程图没有结束环节",
    STEP_UNREACHABLE: "环节从起始环节无法到达",
    STEP_NO_POST: "环节未明确承办岗位",
    STEP_NO_LIMIT: "环节未设定时限",
    LIMIT_OVER_STATUTORY: "流程各环节时限合计超过法定时限",
    LIMIT_OVER_PROMISED: "流程各环节时限合计超过承诺时限",
    NO_THREE_IMPORTANT: "职权目录缺少“三重一大”职权",
    LEADER_NO_THREE_IMPORTANT: "领导班子成员未明确“三重一大”职权",
}

POWER, FLOWCHART, STEP, PERSON, CATALOGUE, UNIT = (
    "powers.power", "flows.flowchart", "flows.step", "orgs.person", "powers.catalogue", "orgs.unit",
)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str  # Chinese, for people
    object_type: str  # app_label.model, e.g. "powers.power"
    object_id: int | None
    object_label: str

    @property
    def title(self) -> str:
        return TITLES.get(self.code, self.code)

    def as_dict(self) -> dict:
        return {**asdict(self), "title": self.title}

    def __str__(self) -> str:
        mark = "错误" if self.severity == ERROR else "提示"
        return f"[{mark}] {self.message}"


def _days(value: float) -> str:
    """A number of working days as people write it: 3, 2.5, 0.13."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def step_workdays(step) -> float | None:
    """The step's time limit in working days, or None when it has none."""
    if step.limit_workdays is not None:
        return float(step.limit_workdays)
    if step.limit_hours is not None:
        return float(step.limit_hours) / HOURS_PER_WORKDAY
    return None


def forward_edges(codes: list[str], starts: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges left when the back edges of a depth-first walk from the start
    steps (then from any step not reached) are removed: an acyclic graph."""
    succ = successors(codes, edges)
    state: dict[str, int] = {}  # 1 = on the walk's stack, 2 = done
    back: set[tuple[str, str]] = set()
    for root in [*starts, *codes]:
        if root in state or root not in succ:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                mark = state.get(child)
                if mark == 1:
                    back.add((node, child))
                elif mark is None:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return [(a, b) for a, b in edges if (a, b) not in back and a in succ and b in succ]


def longest_path(codes: list[str], starts: list[str], ends: list[str], edges: list[tuple[str, str]],
                 weight: dict[str, float]) -> tuple[float, list[str]]:
    """The heaviest path (sum of step weights) from a start step to an end step
    over the forward edges; to any reachable step when no end is reachable."""
    forward = forward_edges(codes, starts, edges)
    succ = successors(codes, forward)
    reach = reachable(starts, succ)
    if not reach:
        return 0.0, []
    inside = set(reach)
    indegree = {c: 0 for c in reach}
    for a, b in forward:
        if a in inside and b in inside:
            indegree[b] += 1
    best: dict[str, float] = {}
    came_from: dict[str, str | None] = {}
    queue = [c for c in reach if indegree[c] == 0]
    for c in queue:
        best[c], came_from[c] = weight.get(c, 0.0), None
    while queue:
        node = queue.pop(0)
        for nxt in succ[node]:
            if nxt not in inside:
                continue
            candidate = best[node] + weight.get(nxt, 0.0)
            if nxt not in best or candidate > best[nxt] + EPSILON:
                best[nxt], came_from[nxt] = candidate, node
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    targets = [c for c in ends if c in best] or list(best)
    last = max(targets, key=lambda c: (best[c], -reach.index(c)))
    path = [last]
    while came_from[path[-1]] is not None:
        path.append(came_from[path[-1]])
    return best[last], path[::-1]


# --------------------------------------------------------------------------- the checks


class _UnitCheck:
    def __init__(self, unit: Unit, catalogue: Catalogue | None):
        self.unit = unit
        if catalogue is not None:
            catalogue.unit = unit  # no query for str(catalogue)
        self.catalogue = catalogue
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, object_type: str, obj_id: int | None, label: str,
            severity: str = ERROR) -> None:
        self.findings.append(Finding(code, severity, message, object_type, obj_id, label))

    def run(self) -> list[Finding]:
        if self.catalogue is None:
            self.add(NO_CATALOGUE, f"单位“{self.unit.name}”尚未编制职权目录。", UNIT, self.unit.pk, self.unit.name,
                     WARNING)
            return self.findings
        powers = list(
            Power.objects.filter(catalogue=self.catalogue)
            .select_related("category", "department")
            .annotate(basis_count=Count("legal_bases"))
            .prefetch_related(Prefetch("posts", queryset=Post.objects.select_related("department")))
            .order_by("sort_order", "code")
        )
        if not powers:
            self.add(EMPTY_CATALOGUE, f"{self.catalogue}中没有任何职权。", CATALOGUE, self.catalogue.pk,
                     str(self.catalogue))
        from lianfang.flows.models import Flowchart

        flowcharts = list(
            Flowchart.objects.filter(unit=self.unit)
            .prefetch_related("steps", "transitions", Prefetch("powers", queryset=Power.objects.only(
                "pk", "code", "name", "catalogue_id", "statutory_limit_days", "promised_limit_days")))
            .order_by("code")
        )
        self.powers(powers, flowcharts)
        self.overlaps(powers)
        for flowchart in flowcharts:
            self.flowchart(flowchart)
        self.leadership(powers)
        return self.findings

    def powers(self, powers: list[Power], flowcharts) -> None:
        covered = {p.pk for fc in flowcharts for p in fc.powers.all()}
        for power in powers:
            label = f"{power.code} {power.name}"
            if not power.basis_count:
                self.add(POWER_NO_LEGAL_BASIS, f"职权“{label}”没有填写法律依据。", POWER, power.pk, label)
            if power.department_id is None and not power.posts.all():
                self.add(POWER_NO_HANDLER, f"职权“{label}”没有明确承办科室或承办岗位。", POWER, power.pk, label)
            if power.pk not in covered:
                self.add(POWER_NO_FLOWCHART, f"职权“{label}”没有对应的权力运行流程图。", POWER, power.pk, label)

    def overlaps(self, powers: list[Power]) -> None:
        by_name: dict[str, list[Power]] = defaultdict(list)
        for power in powers:
            by_name["".join(power.name.split())].append(power)
        for group in by_name.values():
            if len(group) < 2:
                continue
            departments: dict[int, str] = {}
            for power in group:
                for dept in self._departments(power):
                    departments.setdefault(dept.pk, dept.name)
            if len(departments) < 2:
                continue
            first = group[0]
            codes = "、".join(p.code for p in group)
            names = "、".join(departments.values())
            self.add(POWER_OVERLAP, f"职权“{first.name}”在目录中出现 {len(group)} 次（编码 {codes}），分别由"
                                    f"{names}行使，权力边界不清，请明确由哪个科室行使。",
                     POWER, first.pk, f"{first.code} {first.name}")

    @staticmethod
    def _departments(power: Power) -> list:
        if power.department_id is not None:
            return [power.department]
        return [post.department for post in power.posts.all() if post.department_id is not None]

    def flowchart(self, flowchart) -> None:
        steps = list(flowchart.steps.all())
        fc_label = f"{flowchart.code} {flowchart.name}"
        if not steps:
            self.add(FLOW_NO_STEPS, f"流程图“{fc_label}”没有任何环节。", FLOWCHART, flowchart.pk, fc_label)
            return
        by_pk = {s.pk: s for s in steps}
        codes = [s.code for s in steps]
        edges = [(by_pk[t.source_id].code, by_pk[t.target_id].code) for t in flowchart.transitions.all()
                 if t.source_id in by_pk and t.target_id in by_pk]
        starts = [s.code for s in steps if s.is_start]
        ends = [s.code for s in steps if s.is_end]
        if not starts:
            self.add(FLOW_NO_START, f"流程图“{fc_label}”没有标明起始环节。", FLOWCHART, flowchart.pk, fc_label)
        if not ends:
            self.add(FLOW_NO_END, f"流程图“{fc_label}”没有标明结束环节。", FLOWCHART, flowchart.pk, fc_label)
        if starts:
            by_code = {s.code: s for s in steps}
            for code in unreachable_steps(codes, starts, edges):
                step = by_code[code]
                self.add(STEP_UNREACHABLE, f"流程图“{flowchart.name}”的环节“{step.name}”（{step.code}）从起始环节无法到达。",
                         STEP, step.pk, f"{flowchart.name} / {step.name}")
        for step in steps:
            label = f"{flowchart.name} / {step.name}"
            if step.kind in EVENT_KINDS:
                continue
            if step.kind not in AUTOMATIC_KINDS and not step.post_id and not step.post_label.strip():
                self.add(STEP_NO_POST, f"流程图“{flowchart.name}”的环节“{step.name}”（{step.code}）没有明确承办岗位。",
                         STEP, step.pk, label)
            if not step.clock_stop and not step.is_end and step_workdays(step) is None:
                self.add(STEP_NO_LIMIT, f"流程图“{flowchart.name}”的环节“{step.name}”（{step.code}）没有设定时限。",
                         STEP, step.pk, label)
        linked = [p for p in flowchart.powers.all() if p.catalogue_id == self.catalogue.pk]
        if not starts or not any(p.statutory_limit_days is not None or p.promised_limit_days is not None
                                 for p in linked):
            return
        weight = {s.code: (0.0 if s.clock_stop or s.kind in EVENT_KINDS else (step_workdays(s) or 0.0))
                  for s in steps}
        total, path = longest_path(codes, starts, ends, edges, weight)
        names = {s.code: s.name for s in steps}
        route = "→".join(f"{names[c]}（{_days(weight[c])}）" for c in path)
        for power in linked:
            for limit, code, what, severity in (
                (power.statutory_limit_days, LIMIT_OVER_STATUTORY, "法定时限", ERROR),
                (power.promised_limit_days, LIMIT_OVER_PROMISED, "承诺时限", WARNING),
            ):
                if limit is not None and total > limit + EPSILON:
                    self.add(code, f"流程图“{fc_label}”最长办理路径 {route} 合计 {_days(total)} 个工作日，超过职权"
                                   f"“{power.code} {power.name}”的{what} {limit} 个工作日。",
                             FLOWCHART, flowchart.pk, fc_label, severity)

    def leadership(self, powers: list[Power]) -> None:
        three = [p for p in powers if p.category.three_important]
        leaders = list(
            Person.objects.filter(unit=self.unit, is_active=True, rank_class__in=(RankClass.HEAD, RankClass.LEADER))
            .order_by("rank_class", "code")
        )
        if not three:
            who = "、".join(p.name for p in leaders)
            extra = f"领导班子成员（{who}）的“三重一大”职权均未列明。" if who else ""
            self.add(NO_THREE_IMPORTANT, f"{self.catalogue}中没有“三重一大”类职权（重大事项决策、重要人事任免、"
                                         f"重大项目安排、大额资金使用）。{extra}",
                     CATALOGUE, self.catalogue.pk, str(self.catalogue))
            return
        if not leaders:
            return
        held = {post.pk for p in three for post in p.posts.all()}
        posts_of: dict[int, set[int]] = defaultdict(set)
        for person_id, post_id in PostAssignment.objects.current().filter(person__in=leaders).values_list(
            "person_id", "post_id"
        ):
            posts_of[person_id].add(post_id)
        for person in leaders:
            label = f"{person.name}（{person.get_rank_class_display()}）"
            if not posts_of[person.pk]:
                message = f"领导班子成员{label}目前未担任任何岗位，无法列明其“三重一大”职权。"
            elif not posts_of[person.pk] & held:
                message = f"领导班子成员{label}所任岗位在职权目录中没有任何“三重一大”职权。"
            else:
                continue
            self.add(LEADER_NO_THREE_IMPORTANT, message, PERSON, person.pk, person.name)


def newest_catalogue(unit: Unit) -> Catalogue | None:
    return Catalogue.objects.filter(unit=unit).order_by("-year").first()


def check_unit(unit: Unit, catalogue: Catalogue | None = None) -> list[Finding]:
    """Findings for one unit's catalogue (default: its newest), flowcharts and leadership."""
    if catalogue is None:
        catalogue = newest_catalogue(unit)
    elif catalogue.unit_id != unit.pk:
        raise ValueError("catalogue belongs to another unit")
    return _UnitCheck(unit, catalogue).run()


def check_units(units: Iterable[Unit]) -> dict[Unit, list[Finding]]:
    """Findings for several units, in the given order, each against its newest catalogue."""
    units = list(units)
    newest: dict[int, Catalogue] = {}
    for catalogue in Catalogue.objects.filter(unit__in=units).order_by("unit_id", "-year"):
        newest.setdefault(catalogue.unit_id, catalogue)
    return {unit: _UnitCheck(unit, newest.get(unit.pk)).run() for unit in units}
