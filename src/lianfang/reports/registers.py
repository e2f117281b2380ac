"""The registers units print (DOMAIN.md §13) as xlsx workbooks, and the published
risk catalogue (廉政风险点目录) also as PDF.

Each register is one sheet laid out the way the forms are printed: a merged
title row, a line with the unit / scope / year, a line with 填表人 / 填表日期 /
审核人 / 审核日期, the header row, one row per risk point, and signature rows
at the foot (who fills, who reviews, who confirms — following the review chains
of DOMAIN.md §5). Sheets are set up for A4 landscape: fit to the page width, the
header row repeated on every page, frozen panes, borders and wrapped text.

The 排查登记表 carry the measures as one numbered column (1、2、…), as units do;
the matching 防控措施表 list them by line (前期预防 / 中期监控 / 后期处置) with
the responsible person, the deadline and any rule to be written. docs/registers.md
describes every layout; `register_import` reads all of them back.

Styles are named styles registered once per workbook, so a 5,000-row export
creates no per-cell style objects; all rows come from one query plus prefetches.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from copy import copy
from dataclasses import dataclass

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties

from lianfang.access.policy import visible
from lianfang.audit.services import record
from lianfang.measures.models import Line, Measure
from lianfang.orgs.models import Charge, Department, Post, PostAssignment, RankClass, Unit
from lianfang.risks.models import FindingLevel, Level, ReviewStatus, RiskPoint

LANGUAGE = "zh-hans"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = 4  # rows 1–3: title, unit/scope/year, filled/reviewed by
LEVEL_TEXT = {Level.HIGH: "高", Level.MEDIUM: "中", Level.LOW: "低"}
FINDING_TEXT = {FindingLevel.POST: "个人（岗位）", FindingLevel.DEPARTMENT: "科室（内设机构）",
                FindingLevel.UNIT: "单位", FindingLevel.LEADERSHIP: "领导班子"}
FINDING_ORDER = {FindingLevel.UNIT: 0, FindingLevel.LEADERSHIP: 1, FindingLevel.DEPARTMENT: 2, FindingLevel.POST: 3}
STEP_MARK = "（环节："  # 职权/环节 is written "职权名称（环节：环节名称）"
LEVEL_NOTE = "注：风险等级分为高（一级）、中（二级）、低（三级）；防控措施按 1、2、3… 编号，每条一行。"


# --------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    width: float
    center: bool = False


COLUMNS: dict[str, Col] = {c.key: c for c in (
    Col("seq", "序号", 5, True),
    Col("code", "编号", 12, True),
    Col("finding_level", "查找层级", 9, True),
    Col("department", "科室", 11, True),
    Col("post", "岗位", 13, True),
    Col("person", "姓名", 8, True),
    Col("post_title", "职务", 13, True),
    Col("charge", "分管工作", 12),
    Col("power", "职权/环节", 16),
    Col("title", "风险点", 18),
    Col("description", "表现形式", 30),
    Col("category", "风险类别", 8, True),
    Col("level", "风险等级", 7, True),
    Col("measures", "防控措施", 38),
    Col("responsible", "责任领导", 9, True),
    Col("discovery", "查找方式", 9, True),
    Col("prevention", "前期预防措施", 28),
    Col("monitoring", "中期监控措施", 28),
    Col("disposal", "后期处置措施", 24),
    Col("owner", "责任人", 10, True),
    Col("deadline", "完成时限", 10, True),
    Col("rules", "需制定（修订）的制度", 16),
)}


@dataclass(frozen=True)
class Form:
    key: str
    name: str  # the form's title, after "单位名称YYYY年度"
    level: str | None  # FindingLevel shown; None = every level
    columns: tuple[str, ...]
    signatures: tuple[str, ...]
    sheet: str
    measures_table: bool = False
    confirmed_only: bool = False
    per_post: bool = False  # scoped to one post (holders fill it)


_POST_SIG = ("填表人（签字）", "科室负责人审核（签字）", "分管领导确认（签字）")
_LEADER_SIG = ("本人（签字）", "主要负责人审核（签字）", "领导小组确认（盖章）")
_DEPT_SIG = ("科室负责人（签字）", "分管领导审查（签字）", "领导小组审核（盖章）")
_UNIT_SIG = ("填表人（签字）", "主要负责人审查（签字）", "党组审定（盖章）")
_MEASURE_COLS = ("title", "level", "prevention", "monitoring", "disposal", "owner", "deadline", "rules")

FORMS: dict[str, Form] = {f.key: f for f in (
    Form("post", "个人（岗位）廉政风险点排查登记表", FindingLevel.POST,
         ("seq", "department", "post", "person", "power", "title", "description", "category", "level", "measures",
          "responsible", "discovery"), _POST_SIG, "个人岗位风险点排查登记表", per_post=True),
    Form("post_measures", "个人（岗位）廉政风险防控措施表", FindingLevel.POST,
         ("seq", "department", "post", *_MEASURE_COLS), _POST_SIG, "个人岗位风险防控措施表", measures_table=True,
         per_post=True),
    Form("leadership", "领导班子成员廉政风险自查表", FindingLevel.LEADERSHIP,
         ("seq", "person", "post_title", "charge", "power", "title", "description", "category", "level", "measures",
          "responsible", "discovery"), _LEADER_SIG, "领导班子成员廉政风险自查表", per_post=True),
    Form("leadership_measures", "领导班子成员廉政风险防控措施表", FindingLevel.LEADERSHIP,
         ("seq", "person", "post_title", *_MEASURE_COLS), _LEADER_SIG, "领导班子成员风险防控措施表",
         measures_table=True, per_post=True),
    Form("department", "内设机构（科室）廉政风险排查登记表", FindingLevel.DEPARTMENT,
         ("seq", "department", "power", "title", "description", "category", "level", "measures", "responsible",
          "discovery"), _DEPT_SIG, "内设机构风险排查登记表"),
    Form("department_measures", "内设机构（科室）廉政风险防控措施表", FindingLevel.DEPARTMENT,
         ("seq", "department", *_MEASURE_COLS), _DEPT_SIG, "内设机构风险防控措施表", measures_table=True),
    Form("unit", "单位廉政风险排查登记表", FindingLevel.UNIT,
         ("seq", "power", "title", "description", "category", "level", "measures", "responsible", "discovery"),
         _UNIT_SIG, "单位廉政风险排查登记表"),
    Form("unit_measures", "单位廉政风险防控措施表", FindingLevel.UNIT,
         ("seq", *_MEASURE_COLS), _UNIT_SIG, "单位廉政风险防控措施表", measures_table=True),
    Form("catalogue", "廉政风险点目录", None,
         ("seq", "code", "finding_level", "department", "post", "power", "title", "description", "category", "level",
          "measures", "responsible"),
         ("领导小组办公室（盖章）", "主要负责人（签字）", "公布日期"), "廉政风险点目录", confirmed_only=True),
)}
KINDS = tuple(FORMS)


class RegisterError(ValueError):
    """A register that cannot be built (unknown kind …), with a Chinese message."""


def form_for(kind: str) -> Form:
    try:
        return FORMS[kind]
    except KeyError:
        raise RegisterError(f"未知的登记表类型“{kind}”，可选：{'、'.join(KINDS)}") from None


# --------------------------------------------------------------------------- data


def register_queryset(kind: str, *, unit: Unit, year: int, user=None, department: Department | None = None,
                      post: Post | None = None, confirmed_only: bool | None = None):
    """The risk points a register lists, narrowed to what `user` may see (no user:
    everything, for the command line)."""
    form = form_for(kind)
    qs = RiskPoint.objects.filter(unit=unit, year=year)
    if form.level:
        qs = qs.filter(finding_level=form.level)
    if form.confirmed_only if confirmed_only is None else confirmed_only:
        qs = qs.filter(status=ReviewStatus.APPROVED)
    if department is not None:
        qs = qs.filter(department=department)
    if post is not None:
        qs = qs.filter(post=post)
    if user is not None:
        qs = visible(user, qs)
    return qs


# Flat rows, not model instances: a 5,000-row register is three queries and no
# object construction (measures and discovery methods are fetched by subquery).
_RISK_FIELDS = (
    "pk", "code", "finding_level", "title", "description", "inherent_level", "residual_level", "responsible_body",
    "post_id", "person_id", "department_id", "department__name", "department__sort_order", "department__code",
    "post__name", "post__sort_order", "post__code", "person__name", "power__name", "step__name", "category__name",
    "responsible__name",
)
_MEASURE_FIELDS = ("risk_id", "content", "line", "owner__name", "owner_text", "deadline", "rule_name", "rule_due")


def _order(risk: dict) -> tuple:
    has_dept = risk["department_id"] is not None
    return (FINDING_ORDER.get(risk["finding_level"], 9), has_dept, risk["department__sort_order"] or 0,
            risk["department__code"] or "", risk["post__sort_order"] or 0, risk["post__code"] or "", risk["code"])


def numbered(items: list[str]) -> str:
    """Several measures in one cell, as units write them: "1、…" one per line."""
    return "\n".join(f"{i}、{text}" for i, text in enumerate(items, start=1))


class _Context:
    """Lookups shared by all rows, one query each: measures, discovery methods,
    post holders and leaders' charges."""

    def __init__(self, qs, risks: list[dict]):
        ids = qs.values("pk")
        self.measures: dict[int, list[dict]] = defaultdict(list)
        for m in Measure.objects.filter(risk_id__in=ids).order_by("risk_id", "sort_order", "pk").values(
                *_MEASURE_FIELDS):
            self.measures[m["risk_id"]].append(m)
        self.discovery: dict[int, list[str]] = defaultdict(list)
        through = RiskPoint.discovery.through
        for risk_id, name in through.objects.filter(riskpoint_id__in=ids).order_by(
                "riskpoint_id", "discoverymethod__sort_order", "discoverymethod__code").values_list(
                "riskpoint_id", "discoverymethod__name"):
            self.discovery[risk_id].append(name)
        post_ids = {r["post_id"] for r in risks if r["post_id"]}
        self.holders: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for post_id, person_id, name in PostAssignment.objects.current().filter(post_id__in=post_ids).order_by(
                "-is_primary", "person__code").values_list("post_id", "person_id", "person__name"):
            if (person_id, name) not in self.holders[post_id]:
                self.holders[post_id].append((person_id, name))
        person_ids = {r["person_id"] for r in risks if r["person_id"]} | {
            pid for people in self.holders.values() for pid, _ in people}
        self.charges: dict[int, list[str]] = defaultdict(list)
        for person_id, name in Charge.objects.current().filter(person_id__in=person_ids).order_by(
                "department__sort_order", "department__code").values_list("person_id", "department__name"):
            self.charges[person_id].append(name)

    def people(self, risk: dict) -> list[tuple[int, str]]:
        if risk["person_id"]:
            return [(risk["person_id"], risk["person__name"])]
        return self.holders.get(risk["post_id"], []) if risk["post_id"] else []


def _unique(items) -> list:
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def row_values(risk: dict, ctx: _Context) -> dict[str, object]:
    """Every column's value for one risk point (the forms pick theirs)."""
    measures = ctx.measures.get(risk["pk"], [])
    people = ctx.people(risk)
    power = risk["power__name"] or ""
    if risk["step__name"]:
        power = f"{power}{STEP_MARK}{risk['step__name']}）" if power else f"{STEP_MARK[1:]}{risk['step__name']}"
    responsible = risk["responsible__name"] or risk["responsible_body"]
    by_line = defaultdict(list)
    for m in measures:
        by_line[m["line"]].append(m["content"])
    owners = _unique(m["owner__name"] or m["owner_text"] for m in measures)
    deadlines = _unique(m["deadline"].isoformat() for m in measures if m["deadline"])
    rules = _unique((f"《{m['rule_name']}》" + (f"（{m['rule_due'].isoformat()}前）" if m["rule_due"] else ""))
                    for m in measures if m["rule_name"])
    return {
        "code": risk["code"],
        "finding_level": FINDING_TEXT.get(risk["finding_level"], ""),
        "department": risk["department__name"] or "",
        "post": risk["post__name"] or "",
        "person": "、".join(name for _, name in people),
        "post_title": risk["post__name"] or "",
        "charge": "、".join(_unique(d for pid, _ in people for d in ctx.charges.get(pid, []))),
        "power": power,
        "title": risk["title"],
        "description": risk["description"],
        "category": risk["category__name"],
        "level": LEVEL_TEXT.get(risk["residual_level"] or risk["inherent_level"], ""),
        "measures": numbered([m["content"] for m in measures]),
        "responsible": responsible,
        "discovery": "、".join(ctx.discovery.get(risk["pk"], [])),
        "prevention": numbered(by_line[Line.PREVENTION]),
        "monitoring": numbered(by_line[Line.MONITORING]),
        "disposal": numbered(by_line[Line.DISPOSAL]),
        "owner": "、".join(owners) or responsible,
        "deadline": "、".join(deadlines),
        "rules": "\n".join(rules),
    }


@dataclass
class Register:
    form: Form
    unit: Unit
    year: int
    department: Department | None
    post: Post | None
    rows: list[dict]  # one dict of column values per risk point, in print order
    filler: str
    today: dt.date

    @property
    def title(self) -> str:
        return f"{self.unit.name}{self.year}年度{self.form.name}"

    @property
    def scope_text(self) -> str:
        parts = []
        if self.department is not None:
            parts.append(f"科室：{self.department.name}")
        if self.post is not None:
            parts.append(f"岗位：{self.post.name}" if self.post.department_id else f"职务：{self.post.name}")
        return "　　".join(parts)


def _filler(form: Form, department, post, ctx: _Context) -> str:
    """Who fills the form, when it is one person: the post holder, or the department head."""
    if post is not None:
        people = ctx.holders.get(post.pk) or list(
            PostAssignment.objects.current().filter(post=post).values_list("person_id", "person__name"))
        return "、".join(_unique(name for _, name in people))
    if department is not None and form.level in (FindingLevel.DEPARTMENT, None):
        head = (PostAssignment.objects.current().filter(post__department=department,
                                                        person__rank_class=RankClass.DEPT_HEAD)
                .values_list("person__name", flat=True).first())
        return head or ""
    return ""


def collect(kind: str, *, unit: Unit, year: int, user=None, department: Department | None = None,
            post: Post | None = None, confirmed_only: bool | None = None) -> Register:
    """The register's rows and header facts, for the xlsx and the PDF alike."""
    form = form_for(kind)
    qs = register_queryset(kind, unit=unit, year=year, user=user, department=department, post=post,
                           confirmed_only=confirmed_only)
    risks = sorted(qs.values(*_RISK_FIELDS), key=_order)
    ctx = _Context(qs, risks)
    rows = []
    for number, risk in enumerate(risks, start=1):
        values = row_values(risk, ctx)
        values["seq"] = number
        rows.append(values)
    return Register(form, unit, int(year), department, post, rows, _filler(form, department, post, ctx),
                    timezone.localdate())


# --------------------------------------------------------------------------- xlsx

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "宋体"


def _styles(wb: Workbook) -> None:
    """Named styles: registered once, referenced by name from every cell."""
    def add(name, **kw):
        style = NamedStyle(name=name)
        for key, value in kw.items():
            setattr(style, key, value)
        wb.add_named_style(style)

    add("lf_title", font=Font(name=_FONT, size=16, bold=True),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    add("lf_meta", font=Font(name=_FONT, size=10), alignment=Alignment(horizontal="left", vertical="center"))
    add("lf_meta_right", font=Font(name=_FONT, size=10), alignment=Alignment(horizontal="right", vertical="center"))
    add("lf_header", font=Font(name=_FONT, size=10, bold=True), border=_BORDER,
        fill=PatternFill("solid", fgColor="E7E6E6"),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    add("lf_cell", font=Font(name=_FONT, size=10), border=_BORDER,
        alignment=Alignment(horizontal="left", vertical="center", wrap_text=True))
    add("lf_cell_center", font=Font(name=_FONT, size=10), border=_BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    add("lf_sign", font=Font(name=_FONT, size=10), alignment=Alignment(horizontal="left", vertical="center"))
    add("lf_note", font=Font(name=_FONT, size=9), alignment=Alignment(horizontal="left", vertical="top",
                                                                      wrap_text=True))


def _segments(ncols: int, parts: int) -> list[tuple[int, int]]:
    """Split columns 1..ncols into `parts` contiguous spans (1-based, inclusive)."""
    parts = max(1, min(parts, ncols))
    bounds = [round(i * ncols / parts) for i in range(parts + 1)]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(parts)]


def _line(ws, row: int, ncols: int, texts: list[str], style: str, *, height: float | None = None,
          right_last: bool = False) -> None:
    """One row split into merged spans holding the given texts."""
    for index, ((lo, hi), text) in enumerate(zip(_segments(ncols, len(texts)), texts, strict=True)):
        cell = ws.cell(row, lo, text or None)
        cell.style = "lf_meta_right" if right_last and index == len(texts) - 1 and style == "lf_meta" else style
        if hi > lo:
            ws.merge_cells(start_row=row, start_column=lo, end_row=row, end_column=hi)
    if height:
        ws.row_dimensions[row].height = height


def _text_width(text: str) -> int:
    """Width in column units ("0" characters), CJK characters counting double —
    estimated from the UTF-8 length (1 byte ASCII, 3 bytes CJK), which is fast."""
    return (len(text.encode()) + len(text)) // 2


def _row_height(values: list, widths: list[float]) -> float:
    """An explicit height for a data row, estimated from its wrapped text: files
    written by openpyxl carry no heights, and not every spreadsheet program fits
    them on opening."""
    lines = 1
    for value, width in zip(values, widths, strict=True):
        if value in (None, ""):
            continue
        usable = max(width - 1.5, 2)
        text = str(value)
        if len(text) * 2 <= usable and "\n" not in text:
            continue  # one line
        count = sum(max(1, -(-_text_width(part) // int(usable))) for part in text.split("\n"))
        lines = max(lines, count)
    return min(max(lines * 14.0 + 5, 20.0), 409.0)


def _runs(values: list[str]) -> list[tuple[int, int]]:
    """(first, last) index of each run of two or more equal, non-empty neighbours."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start] or not values[start]:
            if i - start > 1 and values[start]:
                runs.append((start, i - 1))
            start = i
    return runs


def _merge_down(ws, column: int, first_row: int, runs: list[tuple[int, int]]) -> None:
    """Merge a column over each run (a department over its posts), as units print them.
    The covered cells are already blank and bordered, so the range is added as is —
    openpyxl's merge_cells would restyle every covered cell one by one."""
    letter = get_column_letter(column)
    for lo, hi in runs:
        ws.merged_cells.add(MergedCellRange(ws, f"{letter}{first_row + lo}:{letter}{first_row + hi}"))


def write_sheet(ws, register: Register) -> None:
    form = register.form
    cols = [COLUMNS[k] for k in form.columns]
    ncols = len(cols)
    last = get_column_letter(ncols)
    ws.title = form.sheet
    # 1: title; 2: unit, scope, year; 3: filled / reviewed by and when.
    ws.cell(1, 1, register.title).style = "lf_title"
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 36
    _line(ws, 2, ncols, [f"填报单位（盖章）：{register.unit.name}", register.scope_text, f"年度：{register.year}年"],
          "lf_meta", height=20, right_last=True)
    _line(ws, 3, ncols, [f"填表人：{register.filler}", f"填表日期：{register.today:%Y年%m月%d日}", "审核人：",
                         "审核日期：　　年　　月　　日"], "lf_meta", height=20)
    for index, col in enumerate(cols, start=1):
        ws.cell(HEADER_ROW, index, col.header).style = "lf_header"
        ws.column_dimensions[get_column_letter(index)].width = col.width
    ws.row_dimensions[HEADER_ROW].height = 30
    # One styled prototype cell per named style; data cells copy its style reference
    # (a small array of indexes into the workbook's shared style tables).
    proto = {}
    for name in ("lf_cell", "lf_cell_center"):
        proto[name] = ws.cell(HEADER_ROW + 1, 1)
        proto[name].style = name
        proto[name] = copy(proto[name]._style)
    styles = [proto["lf_cell_center" if c.center else "lf_cell"] for c in cols]
    first = HEADER_ROW + 1
    widths = [c.width for c in cols]
    merged_col = form.columns.index("department") if "department" in form.columns else None
    runs = _runs([str(v.get("department") or "") for v in register.rows]) if merged_col is not None else []
    covered = {i for lo, hi in runs for i in range(lo + 1, hi + 1)}
    for i, (r, values) in enumerate(enumerate(register.rows, start=first)):
        row = [values.get(col.key, "") for col in cols]
        if i in covered:
            row[merged_col] = ""
        for c, (value, style) in enumerate(zip(row, styles, strict=True), start=1):
            cell = ws.cell(r, c, value if value != "" else None)
            cell._style = copy(style)
        ws.row_dimensions[r].height = _row_height(row, widths)
    if runs:
        _merge_down(ws, merged_col + 1, first, runs)
    end = first + len(register.rows) - 1 if register.rows else HEADER_ROW
    if not register.rows:
        end = first
        ws.cell(first, 1, "（无）").style = "lf_cell_center"
        for c in range(2, ncols + 1):
            ws.cell(first, c).style = "lf_cell"
    # Signature footer: a blank row, the signatures, the dates, a note.
    sign = end + 2
    _line(ws, sign, ncols, [f"{label}：" for label in form.signatures], "lf_sign", height=30)
    _line(ws, sign + 1, ncols, ["　　　　　　年　　月　　日"] * len(form.signatures), "lf_sign", height=20)
    ws.cell(sign + 2, 1, LEVEL_NOTE).style = "lf_note"
    ws.merge_cells(start_row=sign + 2, start_column=1, end_row=sign + 2, end_column=ncols)
    # Print: A4 landscape, fit to one page wide, header row on every page.
    ws.freeze_panes = f"A{first}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = False  # the cells carry their own borders
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{last}{sign + 2}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def to_xlsx(register: Register) -> bytes:
    wb = Workbook()
    _styles(wb)
    write_sheet(wb.active, register)
    wb.properties.creator = "廉防"
    wb.properties.title = register.title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filename(kind: str, unit: Unit, year: int, ext: str = "xlsx") -> str:
    return f"{unit.code}-{year}-{kind}.{ext}"


def _record(register: Register, kind: str, fmt: str, user) -> None:
    record("export", object_type="reports.register", object_id=f"{register.unit.code}/{register.year}/{kind}",
           object_repr=register.title, unit_id=register.unit.pk, user=user,
           changes={"kind": kind, "year": register.year, "format": fmt, "rows": len(register.rows),
                    "department": register.department.pk if register.department else None,
                    "post": register.post.pk if register.post else None})


def build_register(kind: str, *, unit: Unit, year: int, user=None, department: Department | None = None,
                   post: Post | None = None, confirmed_only: bool | None = None) -> bytes:
    """The register `kind` (see FORMS) of `unit` for `year` as xlsx bytes, limited
    to what `user` may see and to one department or post if given. Recorded as an
    export in the audit trail."""
    with translation.override(LANGUAGE):
        register = collect(kind, unit=unit, year=year, user=user, department=department, post=post,
                           confirmed_only=confirmed_only)
        data = to_xlsx(register)
    _record(register, kind, "xlsx", user)
    return data


def build_catalogue_pdf(*, unit: Unit, year: int, user=None, department: Department | None = None,
                        confirmed_only: bool = True, request=None) -> bytes:
    """The published 廉政风险点目录 as an A4-landscape PDF (WeasyPrint)."""
    from lianfang.core.pdf import render_pdf

    with translation.override(LANGUAGE):
        register = collect("catalogue", unit=unit, year=year, user=user, department=department,
                           confirmed_only=confirmed_only)
        counts = defaultdict(int)
        for row in register.rows:
            counts[row["level"]] += 1
        context = {"register": register, "rows": register.rows, "confirmed_only": confirmed_only,
                   "counts": [(name, counts.get(name, 0)) for name in ("高", "中", "低")],
                   "signatures": register.form.signatures}
        data = render_pdf("pdf/risk_catalogue.html", context, request=request)
    _record(register, "catalogue", "pdf", user)
    return data
