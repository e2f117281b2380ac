"""Services of the flowchart screens, as plain functions.

The browser editor is a header form and four formsets (steps, transitions,
incompatible pairs, discretion ranges). `build_editor` makes them, from a
flowchart, from a flow-model dict (copy / new) or from POST data;
`editor_model` turns valid forms into one flow-model dict; `check_model`
validates it with `lianfang.flowmodel` (the live preview shows its Chinese
problems); `save_model` writes it through `serialize.import_flowcharts`, so an
edit is validated and audited exactly like an import and is all-or-nothing.

Uploads are checked by a dry run of `serialize.import_file` inside a
transaction that is always rolled back; the bytes wait between preview and
confirmation in a file under MEDIA_ROOT named by a random token kept in the
user's session."""

import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from lianfang.audit.context import acting
from lianfang.flowmodel import FlowModelError, render_svg, validate_flowchart
from lianfang.orgs.codes import CODE_PATTERN
from lianfang.orgs.models import Post
from lianfang.powers.models import Power

from .forms import (
    HOURS,
    WORKDAYS,
    DiscretionFormSet,
    FlowchartForm,
    IncompatibleFormSet,
    StepFormSet,
    TransitionFormSet,
)
from .hooks import risk_points_by_step
from .models import Flowchart
from .serialize import (
    FlowImportError,
    flowcharts_with_everything,
    import_file,
    import_flowcharts,
    to_flowmodel,
)

# Keys the editor's visible fields decide; everything else travels in the rows' hidden "extra".
FLOWCHART_EDITED = {
    "flowchart_code", "power_code", "power_codes", "name", "steps", "start", "end", "transitions",
    "transition_labels", "case_limit_hours", "case_limit_workdays", "incompatible_steps", "discretion", "note",
}
STEP_EDITED = {
    "code", "name", "post", "post_linked", "limit_hours", "limit_workdays", "decides", "decision",
    "supervision_point", "discretion_point", "clock_stop", "risk_points", "_post_id",
}
STEP_FLAGS = ("decision", "supervision_point", "discretion_point", "clock_stop")
DISCRETION_EDITED = {"step", "attribute", "min", "max", "note"}
PREFIXES = {"steps": "steps", "transitions": "transitions", "pairs": "pairs", "discretion": "discretion"}


@contextmanager
def _explained():
    """Replacing a flowchart rewrites its steps; a record elsewhere that forbids
    deleting a step refuses the whole write, in words."""
    try:
        yield
    except (ProtectedError, RestrictedError) as exc:
        names = "、".join(sorted({str(o._meta.verbose_name) for o in exc.args[1]})) if len(exc.args) > 1 else ""
        raise FlowImportError(_("流程图的环节仍被其他记录引用（%(what)s），不能覆盖，未写入任何数据。")
                              % {"what": names or _("其他模块")}) from None


# ---------------------------------------------------------------- choices

def newest_powers(unit) -> dict[str, Power]:
    """The newest catalogue's power for each code (what an import links to)."""
    powers: dict[str, Power] = {}
    for power in Power.objects.filter(unit=unit).select_related("catalogue").order_by("catalogue__year", "sort_order"):
        powers[power.code] = power
    return powers


def power_choices(unit, extra_codes=()) -> list[tuple[str, str]]:
    powers = newest_powers(unit)
    choices = [(code, f"{code} {p.name}") for code, p in sorted(powers.items(), key=lambda kv: kv[0])]
    for code in extra_codes:
        if code and code not in powers and re.match(CODE_PATTERN, code):
            choices.append((code, _("%(code)s（目录中暂无，待关联）") % {"code": code}))
    return choices


def unit_posts(unit) -> list[Post]:
    return list(Post.objects.filter(unit=unit, is_active=True).select_related("department")
                .order_by("department__sort_order", "department__code", "sort_order", "code"))


def post_choices(unit, labels=(), posts=None) -> list:
    """Grouped choices: "p:<pk>" for the unit's posts, "l:<text>" for a lane name
    kept from an import that matches no post."""
    groups: dict[str, list] = {}
    for post in posts if posts is not None else unit_posts(unit):
        group = post.department.name if post.department_id else _("领导班子")
        groups.setdefault(group, []).append((f"p:{post.pk}", post.name))
    choices: list = [("", _("（未指定）"))]
    choices += [(name, items) for name, items in groups.items()]
    kept = [(f"l:{label}", label) for label in dict.fromkeys(labels) if label]
    if kept:
        choices.append((_("导入的岗位名称（未关联）"), kept))
    return choices


# ---------------------------------------------------------------- limits

def _tidy(value):
    """1.0 → 1, so that the editor shows what people type."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _limit_initial(hours, workdays) -> tuple[float | None, str, dict]:
    hours, workdays = _tidy(hours), _tidy(workdays)
    orig = {"h": hours, "d": workdays} if hours is not None or workdays is not None else {}
    if workdays is not None:
        return workdays, WORKDAYS, orig
    if hours is not None:
        return hours, HOURS, orig
    return None, WORKDAYS, {}


def _limit_values(value, unit: str, orig: dict) -> tuple[float | None, float | None]:
    """(hours, workdays) for what the row says; an unchanged value keeps the
    other unit's figure it was loaded with."""
    if value is None:
        return None, None
    value = int(value) if float(value).is_integer() else value
    if unit == HOURS:
        return value, (orig.get("d") if orig.get("h") == value else None)
    return (orig.get("h") if orig.get("d") == value else None), value


# ---------------------------------------------------------------- the editor

@dataclass
class Editor:
    unit: object
    flowchart: Flowchart | None
    header: FlowchartForm
    steps: object
    transitions: object
    pairs: object
    discretion: object
    name_counts: dict = field(default_factory=dict)
    posts: dict = field(default_factory=dict)

    @property
    def formsets(self):
        return [self.steps, self.transitions, self.pairs, self.discretion]

    def is_valid(self) -> bool:
        # every form is cleaned, so that all errors show at once
        results = [self.header.is_valid()] + [fs.is_valid() for fs in self.formsets]
        return all(results)

    def drawable(self) -> bool:
        """Valid enough to draw: the rows are valid; the header may still lack its code or name."""
        self.is_valid()
        return all(fs.is_valid() for fs in self.formsets) and set(self.header.errors) <= {"code", "name"}

    def form_problems(self) -> list[str]:
        """The forms' own errors as Chinese sentences (for the preview pane)."""
        problems = []
        for name, errors in self.header.errors.items():
            label = self.header.fields[name].label if name in self.header.fields else _("流程图")
            problems += [f"{label}：{e}" for e in errors]
        titles = {"steps": _("环节"), "transitions": _("流转"), "pairs": _("不相容环节"), "discretion": _("裁量范围")}
        for key, formset in zip(PREFIXES, self.formsets, strict=True):
            problems += [str(e) for e in formset.non_form_errors()]
            for i, form in enumerate(formset.forms, 1):
                if formset.can_delete and formset._should_delete_form(form):
                    continue
                for name, errors in form.errors.items():
                    label = form.fields[name].label if name in form.fields else ""
                    where = _("第 %(n)s 行%(what)s") % {"n": i, "what": titles[key]}
                    problems += [f"{where}{('「' + label + '」') if label else ''}：{e}" for e in errors]
        return problems


def _posted_values(data, prefix: str, suffix: str) -> list[str]:
    pattern = re.compile(rf"^{prefix}-\d+-{suffix}$")
    return [v for k in data for v in data.getlist(k) if pattern.match(k)] if data is not None else []


def initial_from_model(model: dict, unit, step_posts: dict[str, int] | None = None) -> dict:
    """Editor initial data from a flow-model dict. `step_posts` gives the post id
    of each step code when known (an existing flowchart); otherwise posts are
    matched by name among the unit's posts."""
    posts_by_name: dict[str, list[int]] = {}
    for post in unit_posts(unit):
        posts_by_name.setdefault(post.name, []).append(post.pk)
    case_value, case_unit, case_orig = _limit_initial(model.get("case_limit_hours"), model.get("case_limit_workdays"))
    power_codes = list(dict.fromkeys([*(model.get("power_codes") or []),
                                      *([model["power_code"]] if model.get("power_code") else [])]))
    header = {
        "code": model.get("flowchart_code", ""), "name": model.get("name", ""), "powers": power_codes,
        "note": model.get("note") or "", "case_limit": case_value, "case_limit_unit": case_unit,
        "case_limit_orig": case_orig, "extra": {k: v for k, v in model.items() if k not in FLOWCHART_EDITED},
    }
    starts, ends = set(model.get("start") or []), set(model.get("end") or [])
    steps, labels = [], []
    for order, step in enumerate(model.get("steps") or [], 1):
        value, limit_unit, orig = _limit_initial(step.get("limit_hours"), step.get("limit_workdays"))
        name = step.get("post")
        post = ""
        if step_posts and step_posts.get(step["code"]):
            post = f"p:{step_posts[step['code']]}"
        elif name and step.get("post_linked") is not False and len(posts_by_name.get(name, [])) == 1:
            post = f"p:{posts_by_name[name][0]}"
        elif name:
            post = f"l:{name}"
            labels.append(name)
        steps.append({
            "code": step["code"], "name": step.get("name", ""), "post": post, "limit": value,
            "limit_unit": limit_unit, "limit_orig": orig, "decides": step.get("decides") or "",
            **{flag: bool(step.get(flag)) for flag in STEP_FLAGS},
            "is_start": step["code"] in starts, "is_end": step["code"] in ends, "ORDER": order,
            "extra": {k: v for k, v in step.items() if k not in STEP_EDITED},
        })
    label_of = {(t["from"], t["to"]): t.get("label", "") for t in model.get("transition_labels") or []}
    transitions = [{"source": a, "target": b, "label": label_of.get((a, b), "")} for a, b in model.get("transitions") or []]
    pairs = [{"first": a, "second": b} for a, b in model.get("incompatible_steps") or []]
    discretion = [{
        "step": d.get("step", ""), "attribute": d.get("attribute", ""), "minimum": _tidy(d.get("min")),
        "maximum": _tidy(d.get("max")), "note": d.get("note") or "",
        "extra": {k: v for k, v in d.items() if k not in DISCRETION_EDITED},
    } for d in model.get("discretion") or []]
    return {"header": header, "steps": steps, "transitions": transitions, "pairs": pairs,
            "discretion": discretion, "labels": labels}


def blank_model(unit) -> dict:
    """A new flowchart: the common three steps, so that something is drawn at once."""
    taken = set(Flowchart.objects.filter(unit=unit).values_list("code", flat=True))
    n = 1
    while f"LC-{n:03d}" in taken:
        n += 1
    return {
        "flowchart_code": f"LC-{n:03d}", "power_code": None, "name": "",
        "steps": [
            {"code": "S1", "name": "受理", "post": None, "limit_hours": None},
            {"code": "S2", "name": "审查", "post": None, "limit_hours": None},
            {"code": "S3", "name": "决定", "post": None, "limit_hours": None, "decision": True},
        ],
        "start": ["S1"], "end": ["S3"], "transitions": [["S1", "S2"], ["S2", "S3"]],
        "case_limit_hours": None, "incompatible_steps": [], "discretion": [],
    }


def copy_model(source: Flowchart, unit) -> dict:
    """Another flowchart's content under a new code, ready for the editor."""
    model = to_flowmodel(source, with_risks=False)
    taken = set(Flowchart.objects.filter(unit=unit).values_list("code", flat=True))
    code, n = f"{source.code}-FB", 2
    while code in taken:
        code, n = f"{source.code}-FB{n}", n + 1
    model["flowchart_code"] = code
    model["name"] = _("%(name)s（副本）") % {"name": source.name}
    if source.unit_id != unit.pk:  # another unit's powers mean nothing here
        model["power_code"], model["power_codes"] = None, []
        for step in model["steps"]:
            step.pop("post_linked", None)
    model.pop("source", None)
    return model


def build_editor(unit, *, data=None, flowchart: Flowchart | None = None, model: dict | None = None) -> Editor:
    """Bound to `data` when given; otherwise filled from `model`, or from `flowchart`."""
    posts = unit_posts(unit)
    step_posts = None
    if data is None and model is None:
        if flowchart is not None:
            model = to_flowmodel(flowcharts_with_everything(Flowchart.objects.filter(pk=flowchart.pk)).get(),
                                 with_risks=False)
            step_posts = dict(flowchart.steps.filter(post__isnull=False).values_list("code", "post_id"))
        else:
            model = blank_model(unit)
    initial = initial_from_model(model, unit, step_posts) if data is None else None
    if data is not None:
        labels = [v[2:] for v in _posted_values(data, "steps", "post") if v.startswith("l:")]
        codes = data.getlist("powers")
    else:
        labels, codes = initial["labels"], initial["header"]["powers"]
    if flowchart is not None:
        codes = [*codes, *flowchart.unlinked_power_codes]
    kwargs = {"post_choices": post_choices(unit, labels, posts)}
    editor = Editor(
        unit=unit, flowchart=flowchart,
        header=FlowchartForm(data, initial=None if initial is None else initial["header"],
                             power_choices=power_choices(unit, codes)),
        steps=StepFormSet(data, initial=None if initial is None else initial["steps"], prefix="steps",
                          form_kwargs=kwargs),
        transitions=TransitionFormSet(data, initial=None if initial is None else initial["transitions"],
                                      prefix="transitions"),
        pairs=IncompatibleFormSet(data, initial=None if initial is None else initial["pairs"], prefix="pairs"),
        discretion=DiscretionFormSet(data, initial=None if initial is None else initial["discretion"],
                                     prefix="discretion"),
    )
    for post in posts:
        editor.name_counts[post.name] = editor.name_counts.get(post.name, 0) + 1
        editor.posts[post.pk] = post
    return editor


def _rows(formset) -> list[dict]:
    rows = []
    for i, form in enumerate(formset.forms):
        if i >= formset.initial_form_count() and not form.has_changed():
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        rows.append(form.cleaned_data)
    return rows


def editor_model(editor: Editor) -> dict:
    """The flow-model dict the (valid) editor forms describe. The header may be
    incomplete (the preview draws a flowchart that has no name yet)."""
    head = editor.header.cleaned_data
    case_hours, case_days = _limit_values(head.get("case_limit"), head.get("case_limit_unit", WORKDAYS),
                                          head.get("case_limit_orig") or {})
    model = {k: v for k, v in (head.get("extra") or {}).items() if k not in FLOWCHART_EDITED}
    power_codes = list(dict.fromkeys(head.get("powers") or []))
    model.update({
        "flowchart_code": (head.get("code") or "").strip(), "power_code": power_codes[0] if power_codes else None,
        "power_codes": power_codes, "name": (head.get("name") or "").strip(), "case_limit_hours": case_hours,
        "case_limit_workdays": case_days,
    })
    if (head.get("note") or "").strip():
        model["note"] = head["note"].strip()
    steps, start, end = [], [], []
    for form in editor.steps.ordered_forms:
        row = form.cleaned_data
        hours, days = _limit_values(row["limit"], row["limit_unit"], row["limit_orig"])
        item = {k: v for k, v in row["extra"].items() if k not in STEP_EDITED}
        item.update({"code": row["code"].strip(), "name": row["name"].strip(), "post": None, "limit_hours": hours})
        if days is not None:
            item["limit_workdays"] = days
        post = row["post"]
        if post.startswith("p:") and post[2:].isdigit() and int(post[2:]) in editor.posts:
            chosen = editor.posts[int(post[2:])]
            item["post"] = chosen.name
            # a name shared by several posts cannot be linked by name: save_model links it by id
            item["post_linked"] = editor.name_counts.get(chosen.name, 0) == 1
            item["_post_id"] = chosen.pk
        elif post.startswith("l:") and post[2:].strip():
            item["post"], item["post_linked"] = post[2:].strip(), False
        if row["decides"].strip():
            item["decides"] = row["decides"].strip()
        for flag in STEP_FLAGS:
            if row[flag]:
                item[flag] = True
        steps.append(item)
        if row["is_start"]:
            start.append(item["code"])
        if row["is_end"]:
            end.append(item["code"])
    transitions, labels = [], []
    for row in _rows(editor.transitions):
        pair = [row["source"].strip(), row["target"].strip()]
        transitions.append(pair)
        if row["label"].strip():
            labels.append({"from": pair[0], "to": pair[1], "label": row["label"].strip()})
    discretion = []
    for row in _rows(editor.discretion):
        item = {k: v for k, v in row["extra"].items() if k not in DISCRETION_EDITED}
        item.update({"step": row["step"].strip(), "attribute": row["attribute"].strip(),
                     "min": row["minimum"], "max": row["maximum"]})
        if row["note"].strip():
            item["note"] = row["note"].strip()
        discretion.append(item)
    model.update({
        "steps": steps, "start": start, "end": end, "transitions": transitions, "transition_labels": labels,
        "incompatible_steps": [[r["first"].strip(), r["second"].strip()] for r in _rows(editor.pairs)],
        "discretion": discretion,
    })
    return model


def _without_post_ids(model: dict) -> dict:
    return {**model, "steps": [{k: v for k, v in s.items() if k != "_post_id"} for s in model["steps"]]}


@dataclass
class Check:
    model: dict | None = None  # the validated, normalised dict when there is no problem
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_model(model: dict, unit, flowchart: Flowchart | None = None) -> Check:
    """Validate as an import would, plus the unit's own rule: codes are unique in it."""
    result = Check()
    problems = []
    if not model["steps"]:
        problems.append(_("至少需要一个环节。"))
    code = model["flowchart_code"]
    clash = Flowchart.objects.filter(unit=unit, code=code)
    if flowchart is not None:
        clash = clash.exclude(pk=flowchart.pk)
    if clash.exists():
        problems.append(_("本单位已有编号为 %(code)s 的流程图，请换一个编号。") % {"code": code})
    try:
        result.model = validate_flowchart(_without_post_ids(model), result.warnings)
    except FlowModelError as exc:
        problems += exc.problems
    if problems:
        result.model = None
        result.problems = problems
    return result


def preview_svg(model: dict, flowchart: Flowchart | None = None) -> str:
    markers = None
    if flowchart is not None:
        codes = {s["code"] for s in model["steps"]}
        markers = {c: pts for c, pts in risk_points_by_step(flowchart).items() if c in codes}
    return render_svg(model, markers=markers)


def save_model(unit, model: dict, *, user, flowchart: Flowchart | None = None) -> tuple[Flowchart, list[str]]:
    """Write the edited flowchart; all or nothing. Raises FlowImportError with the
    Chinese problems when anything is wrong."""
    checked = check_model(model, unit, flowchart)
    if checked.problems:
        raise FlowImportError(checked.problems[0], checked.problems)
    wanted_ids = {s["code"]: s["_post_id"] for s in model["steps"] if s.get("_post_id")}
    own = set(Post.objects.filter(unit=unit, pk__in=wanted_ids.values()).values_list("pk", flat=True))
    post_ids = {code: pk for code, pk in wanted_ids.items() if pk in own}
    with _explained(), transaction.atomic():
        if flowchart is not None and flowchart.code != model["flowchart_code"]:
            # renamed: keep the same row (and its address), the import then replaces its content
            flowchart.code = model["flowchart_code"]
            flowchart.save(update_fields=["code", "updated_at"])
        outcome = import_flowcharts(unit, [_without_post_ids(model)], user=user, replace=True,
                                    source=_("在线编辑"))
        saved = outcome.flowcharts[0]
        for step in saved.steps.all():
            wanted = post_ids.get(step.code)
            if wanted and step.post_id != wanted:
                step.post_id, step.post_label = wanted, ""
                step.save(update_fields=["post", "post_label"])
    return saved, outcome.warnings


# ---------------------------------------------------------------- uploads

UPLOAD_SESSION_KEY = "flows_upload"
UPLOAD_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "flow-uploads"


def _upload_path(token: str) -> Path:
    if not _TOKEN.match(token or ""):
        raise ValueError("bad token")
    return _upload_dir() / f"{token}.upload"


def keep_upload(session, data: bytes, filename: str, unit_id: int) -> None:
    """Store the bytes until the user confirms; the session holds only a random token."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in directory.glob("*.upload"):  # forget abandoned uploads
        try:
            if now - old.stat().st_mtime > UPLOAD_MAX_AGE:
                old.unlink()
        except OSError:
            pass
    drop_upload(session)
    token = secrets.token_hex(16)
    _upload_path(token).write_bytes(data)
    session[UPLOAD_SESSION_KEY] = {"token": token, "filename": Path(filename).name[:200], "unit": unit_id,
                                   "at": now}


def kept_upload(session) -> tuple[bytes, str, int] | None:
    info = session.get(UPLOAD_SESSION_KEY)
    if not isinstance(info, dict):
        return None
    try:
        path = _upload_path(info.get("token", ""))
        if time.time() - float(info.get("at", 0)) > UPLOAD_MAX_AGE:
            return None
        return path.read_bytes(), info.get("filename", ""), int(info["unit"])
    except (ValueError, OSError, KeyError, TypeError):
        return None


def drop_upload(session) -> None:
    info = session.pop(UPLOAD_SESSION_KEY, None)
    if isinstance(info, dict):
        try:
            _upload_path(info.get("token", "")).unlink(missing_ok=True)
        except (ValueError, OSError):
            pass


class _RollBack(Exception):
    pass


@dataclass
class DryRun:
    flowcharts: list[dict] = field(default_factory=list)  # code, name, steps, replaces, svg
    warnings: list[str] = field(default_factory=list)


def dry_run(unit, data: bytes, filename: str, *, user) -> DryRun:
    """What importing the file would do, without writing anything: the import
    runs for real inside a transaction that is then rolled back. Raises
    FlowImportError when the file would be refused."""
    existing = set(Flowchart.objects.filter(unit=unit).values_list("code", flat=True))
    result = DryRun()
    try:
        with _explained(), transaction.atomic(), acting(user=user, muted=True):
            outcome = import_file(unit, data, filename, user=user, replace=True)
            result.warnings = list(outcome.warnings)
            for fc in flowcharts_with_everything(Flowchart.objects.filter(pk__in=[f.pk for f in outcome.flowcharts])):
                model = to_flowmodel(fc, with_risks=False)
                result.flowcharts.append({
                    "code": fc.code, "name": fc.name, "steps": len(model["steps"]),
                    "transitions": len(model["transitions"]), "replaces": fc.code in existing,
                    "svg": render_svg(model),
                })
            raise _RollBack
    except _RollBack:
        pass
    order = {f.code: i for i, f in enumerate(outcome.flowcharts)}
    result.flowcharts.sort(key=lambda f: order.get(f["code"], 0))
    return result


def confirm_import(unit, data: bytes, filename: str, *, user):
    with _explained():
        return import_file(unit, data, filename, user=user, replace=True)
