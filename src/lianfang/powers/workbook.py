"""The power catalogue (职权目录) as an xlsx workbook: template, export and import.

One layout serves all three (docs/power-catalogue.md describes every column): a
title row ("XX单位2026年度职权目录"), a line with the unit and the date, the header
row, then one row per power. What `export_catalogue` writes, `import_catalogue`
reads back; the import also accepts the messier files units keep by hand: title
rows above the header, merged cells, blank and heading rows, common synonyms for
the headers (事项名称, 实施依据, 设定依据 …).

Rows are keyed by 职权编码, so importing the same file again updates the powers
instead of duplicating them (their legal bases and posts become the file's). An
import first validates the whole file and reports every wrong cell with its
sheet, row and column; nothing is written unless the file has no problem at all.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from lianfang.access.policy import can
from lianfang.audit.context import acting
from lianfang.audit.services import record
from lianfang.core.xlsx import WorkbookError, open_xlsx
from lianfang.orgs.codes import CODE_PATTERN
from lianfang.orgs.models import Department, Post, Unit

from .models import Catalogue, LegalBasis, Power, PowerCategory, PublicForm

LANGUAGE = "zh-hans"
DATA_SHEET = "职权目录"
GUIDE_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 15
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTERNAL, INTERNAL = "外部", "内部"
POST_SEPARATORS = "、；;，,\n\r"
_OPEN, _CLOSE = "（(【[", "）)】]"


def split_posts(text: str) -> list[str]:
    """Split a cell listing several posts, but not inside brackets: a post may be
    called 副局长（分管安全监察、行政审批）."""
    parts, current, depth = [], [], 0
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        if char in POST_SEPARATORS and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
CODE_HELP = "只能由字母、数字、“-”“_”“.”组成，且以字母或数字开头"

# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    required: bool = False
    aliases: tuple = ()
    help: str = ""
    example: str = ""


def _col(key, header, width, aliases, help_text="", example="", required=False) -> Column:
    return Column(key, header, width, required, tuple(aliases), help_text, example)


COLUMNS: tuple[Column, ...] = (
    _col("seq", "序号", 6, ("序", "No"), "导入时忽略；职权按文件中的行序排列。", "1"),
    _col("code", "职权编码", 14, ("编码", "事项编码", "权力编码", "职权代码", "权力事项编码", "事项代码", "权力代码"),
         f"在本年度目录中唯一，重复导入时按编码更新。{CODE_HELP}。", "XK-001", True),
    _col("name", "职权名称", 26, ("事项名称", "权力名称", "权力事项名称", "职权事项名称", "职权事项", "名称", "项目名称"),
         "", "煤矿建设项目安全设施设计审查", True),
    _col("category", "职权类别", 12, ("类别", "权力类别", "事项类别", "权力类型", "职权类型", "事项类型"),
         "从下拉列表中选择；也可填类别编码。", "行政许可", True),
    _col("content", "职权内容", 30, ("事项内容", "权力内容", "内容", "具体内容", "职权内容/事项", "主要内容"),
         "", "对新建、改建、扩建煤矿建设项目的安全设施设计进行审查"),
    _col("department", "承办科室", 12, ("承办机构", "责任科室", "行使科室", "承办股室", "内设机构", "责任部门", "承办部门",
                                      "责任股室", "承办单位"),
         "本单位的科室名称或科室编码。", "审批科"),
    _col("posts", "承办岗位", 16, ("责任岗位", "行使岗位", "岗位", "承办人岗位", "行使主体"),
         "本单位的岗位名称或岗位编码，多个用“、”“；”或换行分隔；同名岗位写作“科室名称/岗位名称”。", "审批岗、审批科/科长"),
    _col("legal", "法律依据", 44, ("实施依据", "设定依据", "依据", "法定依据", "设定和实施依据", "设定依据及实施依据",
                                "职权依据", "法律法规依据", "法律法规规章依据", "政策依据"),
         "每条一行，写作：《法律法规名称》条款：条文内容。", "《中华人民共和国安全生产法》第三十二条：……"),
    _col("conditions", "办理条件", 22, ("受理条件", "申请条件", "条件", "申请材料及条件")),
    _col("statutory", "法定时限（工作日）", 10, ("法定时限", "法定期限", "法定办结时限", "法定办理时限", "办理期限法定",
                                            "办理时限法定", "法定"),
         "工作日数（非负整数），即办填 0，没有法定时限留空。", "20"),
    _col("promised", "承诺时限（工作日）", 10, ("承诺时限", "承诺期限", "承诺办结时限", "承诺办理时限", "办理期限承诺",
                                           "办理时限承诺", "承诺"),
         "工作日数（非负整数），不能超过法定时限。", "15"),
    _col("channels", "监督渠道", 18, ("监督方式", "监督电话", "投诉渠道", "监督投诉渠道", "投诉监督电话", "监督投诉电话",
                                    "监督投诉方式"),
         "监督电话、地址、网站等。", "监督电话：0000-1234567"),
    _col("public_form", "公开形式", 12, ("公开方式", "公开途径"),
         "从下拉列表中选择；留空时外部职权为“门户网站”，内部职权为“内部公开”。", "门户网站"),
    _col("external", "内部/外部", 9, ("内部外部", "内外部", "职权性质", "内部或外部", "外部/内部", "职权属性",
                                    "内部职权/外部职权", "外部职权/内部职权"),
         "外部或内部；留空时按职权类别确定。", "外部"),
    _col("note", "备注", 14, ("说明",)),
)
BY_KEY = {c.key: c for c in COLUMNS}

PUBLIC_FORM_ALIASES = {
    "网站": PublicForm.WEBSITE, "政府网站": PublicForm.WEBSITE, "门户网站": PublicForm.WEBSITE,
    "网上公开": PublicForm.WEBSITE, "网站公开": PublicForm.WEBSITE, "政务网站": PublicForm.WEBSITE,
    "办事大厅": PublicForm.OFFICE, "公示栏": PublicForm.OFFICE, "公开栏": PublicForm.OFFICE,
    "办公场所": PublicForm.OFFICE, "办事大厅公开": PublicForm.OFFICE,
    "网站和办事大厅": PublicForm.BOTH, "网站、办事大厅": PublicForm.BOTH, "网站、办事大厅公示": PublicForm.BOTH,
    "门户网站及办事大厅": PublicForm.BOTH, "网站和公示栏": PublicForm.BOTH,
    "内部": PublicForm.INTERNAL, "内部公示": PublicForm.INTERNAL,
    "不予公开": PublicForm.NONE,
}
EXTERNAL_ALIASES = {
    "外部": True, "外部职权": True, "对外": True, "外": True, "外部权力": True,
    "内部": False, "内部职权": False, "对内": False, "内": False, "内部权力": False,
}
INSTANT = {"即办", "即时", "即时办结", "当场", "当场办结", "即办件", "立即办理"}
NONE_MARKS = {"无", "/", "／", "—", "——", "-", "－", "无法定时限", "不适用"}


def _public_form_labels() -> list[tuple[str, str]]:
    with translation.override(LANGUAGE):
        return [(value, str(label)) for value, label in PublicForm.choices]


def _categories() -> list[PowerCategory]:
    return list(PowerCategory.objects.order_by("sort_order", "code"))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Problem:
    sheet: str  # "" for the file as a whole
    row: int | None  # the sheet's own 1-based row number
    column: str  # "C（职权名称）" or ""
    message: str

    def __str__(self) -> str:
        where = [p for p in (self.sheet and f"【{self.sheet}】", self.row and f"第{self.row}行", self.column) if p]
        return f"{' '.join(where)}：{self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    committed: bool = False
    catalogue_created: bool = False  # (would be) created by this import
    catalogue_id: int | None = None
    filename: str = ""
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "committed": self.committed,
            "catalogue_created": self.catalogue_created,
            "counts": self.counts,
            "problems": [p.as_dict() for p in self.problems],
        }


class _CellError(Exception):
    pass


# --------------------------------------------------------------------------- cell parsing

_TRIM = " \t\r\n\u3000\xa0\ufeff"
_CODE_RE = re.compile(CODE_PATTERN)
_SPACE_RE = re.compile(r"[\s\u3000\xa0\ufeff]+")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip(_TRIM)


def _squash(text: str) -> str:
    """Text without any white space: how names and choices are compared."""
    return _SPACE_RE.sub("", text)


def _norm_header(value) -> str:
    text = _squash(_text(value)).replace("*", "").replace("＊", "").replace("／", "/")
    text = re.sub(r"[(（][^)）]*[)）]$", "", text)  # "法定时限（工作日）" → "法定时限"
    return text.rstrip("：:")


_HEADER_LOOKUP: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.aliases):
        _HEADER_LOOKUP.setdefault(_norm_header(_name), _col.key)


def _limit(col: Column, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
        raise _CellError(f"{col.header}“{_text(value)}”无效，应为工作日数（非负整数）")
    text = _squash(_text(value))
    if not text or text in NONE_MARKS:
        return None
    if text in INSTANT:
        return 0
    match = re.fullmatch(r"(\d{1,5})(?:\.0+)?(?:个工作日|工作日|日)?", text)
    if match:
        return int(match.group(1))
    raise _CellError(f"{col.header}“{_text(value)}”无效，应为工作日数（非负整数），如 20；即办填 0；没有时限留空")


_ENUM_PREFIX = re.compile(r"^\s*(?:\d{1,3}\s*[.、．)）]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}、)\s*")
_BASIS_RE = re.compile(r"^《(?P<law>[^》]+)》\s*(?P<article>[^：:]*?)\s*(?:[：:]\s*(?P<text>.*))?$", re.S)
_ARTICLE_RE = re.compile(r"^(?P<law>.+?)(?P<article>第[一二三四五六七八九十百千零〇两\d]+条.*?)\s*(?:[：:]\s*(?P<text>.*))?$",
                         re.S)


def parse_legal_bases(text: str) -> list[tuple[str, str, str]]:
    """(law, article, text) for each basis in a cell: one per line, written like
    《安全生产法》第六十二条：条文…  A line not starting with 《 continues the text
    of the previous basis when that basis already has text; otherwise it is a
    basis of its own (the law name without book-title marks)."""
    bases: list[list[str]] = []
    for raw in text.split("\n"):
        line = raw.strip(_TRIM)
        if not line:
            continue
        stripped = _ENUM_PREFIX.sub("", line, count=1)
        if stripped.startswith("《"):
            match = _BASIS_RE.match(stripped)
            if match:
                bases.append([match["law"].strip(_TRIM), match["article"].strip(_TRIM), (match["text"] or "").strip(_TRIM)])
                continue
        if bases and bases[-1][2]:
            bases[-1][2] += "\n" + line
            continue
        match = _ARTICLE_RE.match(stripped)
        if match:
            bases.append([match["law"].strip(_TRIM), match["article"].strip(_TRIM), (match["text"] or "").strip(_TRIM)])
        else:
            law, rest = (re.split(r"[：:]", stripped, maxsplit=1) + [""])[:2]
            bases.append([law.strip(_TRIM), "", rest.strip(_TRIM)])
    out = []
    for law, article, body in bases:
        if len(article) > 60:  # not an article reference after all
            article, body = "", f"{article}：{body}" if body else article
        out.append((law, article, body))
    return out


def format_legal_basis(law: str, article: str, text: str) -> str:
    line = f"《{law}》{article}"
    if text:
        # Keep "one basis per line": a text line that starts with 《 would read as a new basis,
        # so it is joined to the line before it.
        line += "：" + re.sub(r"\n(?=[\s\u3000]*《)", " ", text)
    return line


# --------------------------------------------------------------------------- reading the file


def _open_workbook(fileobj, report: ImportReport):
    try:
        workbook, report.filename = open_xlsx(fileobj, max_bytes=MAX_BYTES, hint="请使用系统提供的职权目录模板")
    except WorkbookError as error:
        report.filename = error.filename or report.filename
        report.problems.append(Problem("", None, "", str(error)))
        return None
    return workbook


@dataclass
class _Row:
    number: int
    values: dict  # column key -> raw cell value (legal: list of raw values)
    ok: bool = True


@dataclass
class _Sheet:
    name: str
    columns: dict = field(default_factory=dict)  # key -> list of (index, letter, header text)
    rows: list = field(default_factory=list)

    def label(self, key: str) -> str:
        found = self.columns.get(key)
        if not found:
            return BY_KEY[key].header
        _, letter, header = found[0]
        return f"{letter}（{header}）"


def _grid(ws) -> list[list]:
    """The sheet's values, with vertically merged cells filled in from their top
    cell (files often merge 类别 or 承办科室 over several rows)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=min(ws.max_row, MAX_ROWS + 50))]
    for merged in ws.merged_cells.ranges:
        if merged.min_col != merged.max_col:
            continue
        top = merged.min_row - 1
        if top >= len(rows):
            continue
        value = rows[top][merged.min_col - 1] if merged.min_col - 1 < len(rows[top]) else None
        for r in range(merged.min_row, min(merged.max_row, len(rows))):
            if merged.min_col - 1 < len(rows[r]):
                rows[r][merged.min_col - 1] = value
    while rows and not any(_text(v) for v in rows[-1]):
        rows.pop()  # formatting often makes a sheet look far longer than its data
    return rows


def _horizontal_merges(ws) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_col != merged.max_col:
            for r in range(merged.min_row, merged.max_row + 1):
                out.setdefault(r, []).append((merged.min_col - 1, merged.max_col - 1))
    return out


def _find_header(rows: list[list]) -> tuple[int, dict[int, str], dict[int, str]] | None:
    """(header row index, column index -> key, column index -> header text), or None."""
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {i: _HEADER_LOOKUP.get(_norm_header(v)) for i, v in enumerate(values)}
        known = {k for k in keys.values() if k}
        if not ({"code", "name"} <= known or len(known) >= 4):
            continue
        mapping = {i: k for i, k in keys.items() if k}
        texts = {i: _squash(_text(values[i])) for i in mapping}
        # A second header row under a group header ("办理期限" over "法定" | "承诺"). In such a
        # file 职权编码 spans both rows, so its cell below is blank or repeats the header.
        code_i = next((i for i, k in mapping.items() if k == "code"), None)
        below = rows[index + 1] if index + 1 < len(rows) else []
        code_below = _text(below[code_i]) if code_i is not None and code_i < len(below) else ""
        if below and (not code_below or _HEADER_LOOKUP.get(_norm_header(code_below)) == "code"):
            parent = ""
            extra = {}
            for i, value in enumerate(values):
                if _text(value):
                    parent = _norm_header(value)
                child = _norm_header(below[i]) if i < len(below) else ""
                if not child:
                    continue
                key = _HEADER_LOOKUP.get(parent + child) or (_HEADER_LOOKUP.get(child) if i not in mapping else None)
                if key:
                    extra[i] = (key, _squash(_text(below[i])))
            if extra:
                for i, (key, text) in extra.items():
                    mapping[i], texts[i] = key, text
                return index + 1, mapping, texts
        return index, mapping, texts
    return None


def _read(wb, report: ImportReport) -> _Sheet | None:
    def file_problem(message):
        report.problems.append(Problem("", None, "", message))

    candidates = [ws for ws in wb.worksheets if ws.title not in (GUIDE_SHEET, OPTIONS_SHEET, "说明")]
    candidates.sort(key=lambda ws: ws.title != DATA_SHEET)
    for ws in candidates:
        rows = _grid(ws)
        found = _find_header(rows)
        if found is None:
            continue
        header_index, mapping, texts = found
        sheet = _Sheet(ws.title)
        report.sheet = ws.title
        for i, key in sorted(mapping.items()):
            entry = (i, get_column_letter(i + 1), texts[i])
            if key in sheet.columns and key != "legal":
                first = sheet.columns[key][0]
                report.problems.append(Problem(ws.title, header_index + 1, f"{entry[1]}（{entry[2]}）",
                                               f"列“{entry[2]}”与 {first[1]} 列“{first[2]}”重复"))
                continue
            sheet.columns.setdefault(key, []).append(entry)
        for col in COLUMNS:
            if col.required and col.key not in sheet.columns:
                report.problems.append(Problem(ws.title, header_index + 1, col.header, f"缺少必填列“{col.header}”"))
        if report.problems:
            return None
        merges = _horizontal_merges(ws)
        code_i, name_i = sheet.columns["code"][0][0], sheet.columns["name"][0][0]
        data_rows = rows[header_index + 1:]
        if len(data_rows) > MAX_ROWS:
            file_problem(f"行数过多：最多 {MAX_ROWS} 行职权")
            return None
        for offset, values in enumerate(data_rows):
            number = header_index + 2 + offset
            raw = {}
            for key, entries in sheet.columns.items():
                cells = [values[i] if i < len(values) else None for i, _, _ in entries]
                raw[key] = cells if key == "legal" else cells[0]
            filled = [k for k, v in raw.items() if k != "seq" and (
                any(_text(c) for c in v) if k == "legal" else _text(v))]
            if not filled:
                continue  # blank row
            heading = any(lo <= code_i <= hi and lo <= name_i <= hi for lo, hi in merges.get(number, []))
            if heading or (not _text(raw.get("code")) and not _text(raw.get("name")) and len(filled) <= 1):
                continue  # a heading ("一、行政许可") or a note ("注：…") between or below the rows
            sheet.rows.append(_Row(number, raw))
        return sheet
    names = "、".join(c.header for c in COLUMNS if c.required)
    file_problem(f"未找到表头行：文件前 {HEADER_SEARCH_ROWS} 行中应有一行包含 {names} 等列，请使用系统提供的职权目录模板")
    return None


# --------------------------------------------------------------------------- validation


@dataclass
class _Parsed:
    row: _Row
    code: str = ""
    name: str = ""
    category: PowerCategory | None = None
    content: str = ""
    department: Department | None = None
    posts: list = field(default_factory=list)
    bases: list = field(default_factory=list)
    conditions: str = ""
    statutory: int | None = None
    promised: int | None = None
    channels: str = ""
    public_form: str = PublicForm.WEBSITE
    external: bool = True
    note: str = ""
    existing: Power | None = None


class _Validator:
    def __init__(self, sheet: _Sheet, report: ImportReport, unit: Unit, catalogue: Catalogue | None, user):
        self.sheet = sheet
        self.report = report
        self.unit = unit
        self.catalogue = catalogue
        self.user = user
        self.user_may_change_catalogue = user is None or can(
            user, "change", catalogue or Catalogue(unit=unit, year=2000)
        )
        self.categories = _categories()
        self.departments = list(Department.objects.filter(unit=unit).order_by("-is_active", "sort_order", "code"))
        self.posts = list(Post.objects.filter(unit=unit).select_related("department")
                          .order_by("-is_active", "sort_order", "code"))
        self.existing: dict[str, Power] = {}
        if catalogue is not None:
            for power in (catalogue.powers.select_related("category", "department")
                          .prefetch_related("posts", "legal_bases")):
                self.existing[power.code] = power
        self._elsewhere: dict[tuple, str | None] = {}

    def problem(self, row: _Row, key: str, message: str) -> None:
        row.ok = False
        self.report.problems.append(Problem(self.sheet.name, row.number, self.sheet.label(key), message))

    # -- lookups

    def category(self, row: _Row, text: str, existing: Power | None) -> PowerCategory | None:
        wanted = _squash(text)
        for cat in self.categories:
            if wanted in (_squash(cat.name), cat.code) or wanted.upper() == cat.code.upper():
                if cat.is_active or (existing is not None and existing.category_id == cat.pk):
                    return cat
        allowed = "、".join(c.name for c in self.categories if c.is_active)
        self.problem(row, "category", f"职权类别“{text}”无效，应为：{allowed}")
        return None

    def _other_unit(self, model, text: str) -> str | None:
        key = (model.__name__, text)
        if key not in self._elsewhere:
            other = (model.objects.filter(Q(code=text) | Q(name=text)).exclude(unit=self.unit)
                     .select_related("unit").first())
            self._elsewhere[key] = f"{other.unit.name}（{other.unit.code}）" if other else None
        return self._elsewhere[key]

    def department(self, row: _Row, text: str) -> Department | None:
        found = self._department(text)
        if found is None:
            other = self._other_unit(Department, text)
            if other:
                self.problem(row, "department", f"科室“{text}”属于单位“{other}”，只能填写本单位“{self.unit.name}”的科室")
            else:
                names = "、".join(d.name for d in self.departments if d.is_active) or "（本单位尚未设置科室）"
                self.problem(row, "department", f"本单位“{self.unit.name}”没有科室“{text}”；本单位的科室有：{names}")
        return found

    def _department(self, text: str) -> Department | None:
        wanted = _squash(text)
        for dept in self.departments:
            if dept.code == wanted:
                return dept
        for dept in self.departments:
            if _squash(dept.name) == wanted:
                return dept
        return None

    def post(self, row: _Row, token: str, department: Department | None) -> Post | None:
        wanted = _squash(token)
        for post in self.posts:
            if post.code == wanted:
                return post
        scope = self.posts
        name = wanted
        if "/" in wanted.replace("／", "/"):
            dept_text, _, name = wanted.replace("／", "/").rpartition("/")
            dept = self._department(dept_text)
            if dept is None:
                self.problem(row, "posts", f"岗位“{token}”中的科室“{dept_text}”在本单位不存在")
                return None
            scope = [p for p in self.posts if p.department_id == dept.pk]
        matches = [p for p in scope if _squash(p.name) == name]
        if len(matches) > 1 and department is not None:
            narrowed = [p for p in matches if p.department_id == department.pk]
            matches = narrowed or matches
        if len(matches) > 1:
            active = [p for p in matches if p.is_active]
            matches = active if len(active) == 1 else matches
        if len(matches) == 1:
            return matches[0]
        if matches:
            where = "、".join(p.department.name if p.department_id else "领导班子" for p in matches)
            self.problem(row, "posts", f"本单位有多个名为“{token}”的岗位（{where}），请写作“科室名称/岗位名称”或填写岗位编码")
            return None
        other = self._other_unit(Post, name)
        if other:
            self.problem(row, "posts", f"岗位“{token}”属于单位“{other}”，只能填写本单位“{self.unit.name}”的岗位")
        else:
            self.problem(row, "posts", f"本单位“{self.unit.name}”没有岗位“{token}”")
        return None

    # -- rows

    def run(self) -> list[_Parsed]:
        parsed: list[_Parsed] = []
        seen: dict[str, int] = {}
        for row in self.sheet.rows:
            item = self.parse(row)
            if item.code:
                if item.code in seen:
                    self.problem(row, "code", f"职权编码“{item.code}”与第{seen[item.code]}行重复")
                else:
                    seen[item.code] = row.number
            parsed.append(item)
        if not parsed and not self.report.problems:
            self.report.problems.append(Problem(self.sheet.name, None, "", "文件中没有任何职权（表头以下没有数据行）"))
        return parsed

    def text(self, row: _Row, key: str) -> str:
        return _text(row.values.get(key))

    def parse(self, row: _Row) -> _Parsed:
        item = _Parsed(row)
        code = self.text(row, "code")
        if not code:
            self.problem(row, "code", "职权编码不能为空")
        elif len(code) > 40:
            self.problem(row, "code", f"职权编码“{code}”过长：最多 40 个字符")
        elif not _CODE_RE.match(code):
            self.problem(row, "code", f"职权编码“{code}”格式无效：{CODE_HELP}")
        else:
            item.code = code
            item.existing = self.existing.get(code)
        name = " ".join(self.text(row, "name").split())
        if not name:
            self.problem(row, "name", "职权名称不能为空")
        elif len(name) > 200:
            self.problem(row, "name", "职权名称过长：最多 200 个字")
        item.name = name
        category = self.text(row, "category")
        if not category:
            self.problem(row, "category", "职权类别不能为空，应为：" + "、".join(c.name for c in self.categories
                                                                             if c.is_active))
        else:
            item.category = self.category(row, category, item.existing)
        department = self.text(row, "department")
        if department:
            item.department = self.department(row, department)
        posts = self.text(row, "posts")
        for token in (t.strip(_TRIM) for t in split_posts(posts)):
            if not token:
                continue
            post = self.post(row, token, item.department)
            if post is not None and post not in item.posts:
                item.posts.append(post)
        legal = "\n".join(t for t in (_text(v) for v in (row.values.get("legal") or [])) if t)
        for law, article, body in parse_legal_bases(legal):
            if not law:
                self.problem(row, "legal", "法律依据缺少法律法规名称，应写作：《法律法规名称》条款：条文内容")
            elif len(law) > 200:
                self.problem(row, "legal", f"法律法规名称过长（最多 200 字）：“{law[:30]}…”，"
                                           "每条依据请单独一行，写作：《法律法规名称》条款：条文内容")
            elif (law, article, body) not in item.bases:
                item.bases.append((law, article, body))
        for key in ("statutory", "promised"):
            try:
                setattr(item, key, _limit(BY_KEY[key], row.values.get(key)))
            except _CellError as error:
                self.problem(row, key, str(error))
        if item.statutory is not None and item.promised is not None and item.promised > item.statutory:
            self.problem(row, "promised", f"承诺时限（{item.promised} 个工作日）不能超过法定时限（{item.statutory} 个工作日）")
        external = _squash(self.text(row, "external"))
        if external:
            if external in EXTERNAL_ALIASES:
                item.external = EXTERNAL_ALIASES[external]
            else:
                self.problem(row, "external", f"内部/外部“{external}”无效，应为：{EXTERNAL}、{INTERNAL}")
        elif item.category is not None:
            item.external = not item.category.internal
        public = _squash(self.text(row, "public_form"))
        if public:
            accepted = {_squash(label): value for value, label in _public_form_labels()}
            accepted.update({value: value for value, _ in _public_form_labels()})
            accepted.update(PUBLIC_FORM_ALIASES)
            if public in accepted:
                item.public_form = accepted[public]
            else:
                allowed = "、".join(label for _, label in _public_form_labels())
                self.problem(row, "public_form", f"公开形式“{public}”无效，应为：{allowed}")
        else:
            item.public_form = PublicForm.WEBSITE if item.external else PublicForm.INTERNAL
        item.content = self.text(row, "content")
        item.conditions = self.text(row, "conditions")
        item.channels = self.text(row, "channels")
        item.note = self.text(row, "note")
        return item

    def permission(self, item: _Parsed) -> None:
        """A user who may not change the whole catalogue (a department head) may
        still import the rows of the departments in their charge."""
        proposed = Power(catalogue=self.catalogue, code=item.code, department=item.department)
        proposed.unit = self.unit
        if item.existing is not None:
            allowed = can(self.user, "change", item.existing) and can(self.user, "change", proposed)
        else:
            allowed = can(self.user, "add", proposed)
        if not allowed:
            verb = "修改" if item.existing is not None else "新增"
            dept = item.department.name if item.department else "未指定科室"
            self.problem(item.row, "department", f"无权{verb}职权“{item.code}”（{dept}）：只能导入本人负责科室的职权")


def _values(item: _Parsed, order: int) -> dict:
    return {
        "name": item.name, "category_id": item.category.pk, "content": item.content,
        "department_id": item.department.pk if item.department else None, "conditions": item.conditions,
        "statutory_limit_days": item.statutory, "promised_limit_days": item.promised,
        "supervision_channels": item.channels, "public_form": item.public_form, "external": item.external,
        "note": item.note, "sort_order": order,
    }


def _sort_orders(parsed: list[_Parsed], existing: dict[str, Power]) -> list[int]:
    """The catalogue order follows the file. When the file keeps the existing
    powers in their current order and only adds rows at the end, the existing
    numbers are kept (an unchanged file changes nothing); otherwise the rows are
    numbered 1, 2, 3 … in file order."""
    current = [(item.existing.sort_order, item.existing.code) for item in parsed if item.existing is not None]
    first_new = next((i for i, item in enumerate(parsed) if item.existing is None), len(parsed))
    appended_only = all(item.existing is None for item in parsed[first_new:])
    if current == sorted(current) and appended_only:
        top = max((p.sort_order for p in existing.values()), default=0)
        return [item.existing.sort_order if item.existing is not None else top + i - first_new + 1
                for i, item in enumerate(parsed)]
    return list(range(1, len(parsed) + 1))


def _same(power: Power, values: dict, item: _Parsed) -> bool:
    if any(getattr(power, k) != v for k, v in values.items()):
        return False
    if {p.pk for p in power.posts.all()} != {p.pk for p in item.posts}:
        return False
    return [(b.law, b.article, b.text) for b in power.legal_bases.all()] == item.bases


def _sort_key(problem: Problem):
    letters = problem.column.split("（")[0]
    index = 0
    if re.fullmatch(r"[A-Z]{1,3}", letters):
        from openpyxl.utils import column_index_from_string

        index = column_index_from_string(letters)
    return (problem.row or 0, index)


def import_catalogue(fileobj, *, unit: Unit, year: int, user=None, commit: bool = False) -> ImportReport:
    """Validate a 职权目录 workbook for `unit`'s catalogue of `year` and, with
    `commit`, write it (creating the catalogue when missing).

    `fileobj` is a path, bytes or a binary file object (e.g. an UploadedFile).
    With `user`, the user must be allowed to change the unit's catalogue, or
    (department heads, leaders in charge) the powers of each row. A published
    catalogue is refused. Nothing is written unless the whole file is valid;
    then one summary audit entry is written."""
    report = ImportReport()

    def fail(message):
        report.problems.append(Problem("", None, "", message))
        return report

    with translation.override(LANGUAGE):
        try:
            year = int(year)
        except (TypeError, ValueError):
            return fail(f"年度“{year}”无效，应为四位数年份，如 2026")
        if not 1949 <= year <= 2200:
            return fail(f"年度“{year}”无效，应为四位数年份，如 2026")
        if user is not None and not can(user, "view", Catalogue(unit=unit, year=year)):
            return fail(f"无权导入单位“{unit.name}”的职权目录")
        catalogue = Catalogue.objects.filter(unit=unit, year=year).first()
        if catalogue is not None:
            catalogue.unit = unit
            report.catalogue_id = catalogue.pk
            if catalogue.is_frozen:
                return fail(f"{catalogue}已公布，不能再导入修改；请在下一年度的职权目录中调整")
        else:
            report.catalogue_created = True
            if user is not None and not can(user, "add", Catalogue(unit=unit, year=year)):
                return fail(f"无权新建单位“{unit.name}”{year}年度的职权目录")
        wb = _open_workbook(fileobj, report)
        if wb is None:
            return report
        try:
            sheet = _read(wb, report)
        except Exception:  # a workbook that opened but cannot be read
            return fail("文件已损坏，无法读取其中的工作表")
        finally:
            wb.close()
        if sheet is None:
            return report
        validator = _Validator(sheet, report, unit, catalogue, user)
        parsed = validator.run()
        if report.problems:
            report.problems.sort(key=_sort_key)
            return report
        plan = []
        orders = _sort_orders(parsed, validator.existing)
        for item, order in zip(parsed, orders, strict=True):
            values = _values(item, order)
            if item.existing is None:
                report.counts["created"] += 1
                plan.append((item, values, "created"))
            elif _same(item.existing, values, item):
                report.counts["unchanged"] += 1
            else:
                report.counts["updated"] += 1
                plan.append((item, values, "updated"))
        if user is not None and not validator.user_may_change_catalogue:
            for item, _, _ in plan:  # rows that change nothing need no permission
                validator.permission(item)
        if report.problems:
            report.problems.sort(key=_sort_key)
            report.counts = ImportReport().counts
            return report
        if not commit:
            return report
        with transaction.atomic():
            if catalogue is not None:
                status = Catalogue.objects.select_for_update().filter(pk=catalogue.pk).values_list("status", flat=True)
                if status.first() != catalogue.status:  # changed (e.g. published) while the file was checked
                    report.counts = ImportReport().counts
                    return fail(f"{catalogue}的状态刚刚发生了变化，请重新导入")
            with acting(user=user, muted=True):
                if catalogue is None:
                    based_on = Catalogue.objects.filter(unit=unit, year__lt=year).order_by("-year").first()
                    catalogue = Catalogue.objects.create(unit=unit, year=year, based_on=based_on)
                    report.catalogue_id = catalogue.pk
                previous = {}
                if catalogue.based_on_id:
                    previous = dict(Power.objects.filter(catalogue_id=catalogue.based_on_id)
                                    .values_list("code", "pk"))
                for item, values, _ in plan:
                    power = item.existing or Power(catalogue=catalogue, code=item.code,
                                                   previous_id=previous.get(item.code))
                    for name, value in values.items():
                        setattr(power, name, value)
                    power.save()
                    power.posts.set(item.posts)
                    if item.existing is None or [(b.law, b.article, b.text)
                                                 for b in item.existing.legal_bases.all()] != item.bases:
                        power.legal_bases.all().delete()
                        LegalBasis.objects.bulk_create(
                            LegalBasis(power=power, law=law, article=article, text=body, sort_order=i)
                            for i, (law, article, body) in enumerate(item.bases)
                        )
            record(
                "import", catalogue,
                object_repr=f"{catalogue}：导入{report.filename}" if report.filename else None,
                changes={
                    "file": report.filename, "year": year, "counts": report.counts,
                    "catalogue_created": report.catalogue_created,
                    "created": [item.code for item, _, how in plan if how == "created"],
                    "updated": [item.code for item, _, how in plan if how == "updated"],
                },
                user=user,
            )
            report.committed = True
    return report


# --------------------------------------------------------------------------- writing

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
HEADER_ROW = 3


def _write_options(wb: Workbook, categories: list[PowerCategory]) -> dict[str, str]:
    """A hidden sheet with the drop-down lists; returns key -> range formula."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    lists = {
        "category": [c.name for c in categories if c.is_active],
        "public_form": [label for _, label in _public_form_labels()],
        "external": [EXTERNAL, INTERNAL],
    }
    formulas = {}
    for index, (key, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        ws.cell(1, index, BY_KEY[key].header)
        for r, item in enumerate(items, start=2):
            ws.cell(r, index, item)
        formulas[key] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${max(len(items) + 1, 2)}"
    ws.sheet_state = "hidden"
    return formulas


def _write_data_sheet(ws, *, title: str, subtitle_left: str, subtitle_right: str, rows: list[list],
                      formulas: dict[str, str]) -> None:
    ws.title = DATA_SHEET
    last = get_column_letter(len(COLUMNS))
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name="宋体", bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    split = len(COLUMNS) // 2
    ws.cell(2, 1, subtitle_left)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=split)
    ws.cell(2, split + 1, subtitle_right)
    ws.merge_cells(start_row=2, start_column=split + 1, end_row=2, end_column=len(COLUMNS))
    ws.cell(2, split + 1).alignment = Alignment(horizontal="right")
    ws.row_dimensions[2].height = 20
    for index, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, index, col.header)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(index)].width = col.width
    ws.row_dimensions[HEADER_ROW].height = 32
    wrap = Alignment(vertical="top", wrap_text=True)
    centred = Alignment(horizontal="center", vertical="top", wrap_text=True)
    for values in rows:
        ws.append(values)
        r = ws.max_row
        for index, col in enumerate(COLUMNS, start=1):
            cell = ws.cell(r, index)
            cell.border = _BORDER
            cell.alignment = centred if col.key in ("seq", "statutory", "promised", "external") else wrap
            if col.key == "code":
                cell.number_format = "@"
    for index, col in enumerate(COLUMNS, start=1):
        if col.key == "code":
            ws.column_dimensions[get_column_letter(index)].number_format = "@"
        if col.key in formulas:
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1=formulas[col.key], allow_blank=True, showErrorMessage=True,
                errorTitle="无效的值", error=f"请从下拉列表中选择{col.header}",
                showInputMessage=True, promptTitle=col.header, prompt="请从下拉列表中选择",
            )
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{max(ws.max_row, HEADER_ROW + 2000)}")
            ws.add_data_validation(validation)
        if col.key in ("statutory", "promised"):
            letter = get_column_letter(index)
            validation = DataValidation(
                type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                showErrorMessage=True, errorTitle="无效的时限", error="请填写工作日数（非负整数）",
            )
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{max(ws.max_row, HEADER_ROW + 2000)}")
            ws.add_data_validation(validation)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(ws.max_row, HEADER_ROW)}"
    # Printing: A4 landscape, all columns on one page width, the header row on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{last}{max(ws.max_row, HEADER_ROW)}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_guide(wb: Workbook, categories: list[PowerCategory]) -> None:
    ws = wb.create_sheet(GUIDE_SHEET)
    for letter, width in {"A": 18, "B": 6, "C": 60, "D": 36}.items():
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(["职权目录填写说明"])
    ws["A1"].font = Font(bold=True, size=14)
    rules = [
        "1. 在“职权目录”工作表中每行填写一项职权；表头（第 3 行）文字请勿修改，列的顺序可以调整，多出的列会被忽略。",
        "2. 职权编码在本年度目录中唯一。重复导入时按职权编码更新已有职权，其法律依据和承办岗位以文件为准；"
        "文件中没有的职权保持不变（导入不删除职权）。",
        "3. 承办科室、承办岗位须为本单位已登记的科室、岗位（填名称或编码）；多个岗位用“、”“；”或换行分隔，"
        "同名岗位写作“科室名称/岗位名称”。",
        "4. 法律依据每条一行，写作：《法律法规名称》条款：条文内容，例如"
        "《中华人民共和国安全生产法》第六十二条：应急管理部门……。",
        "5. 法定时限、承诺时限填工作日数（非负整数），即办填 0，没有时限留空；承诺时限不能超过法定时限。",
        "6. 职权类别、公开形式、内部/外部请从下拉列表中选择。",
        "7. 系统先检查整个文件：有任何问题时不写入任何数据，并逐条列出问题所在的行和列。已公布的职权目录不能再导入修改。",
    ]
    for rule in rules:
        ws.append([rule])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(ws.max_row, 1).alignment = wrap
        ws.row_dimensions[ws.max_row].height = 32
    ws.append([])
    ws.append(["列名", "必填", "说明", "示例"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for col in COLUMNS:
        help_text = col.help
        if col.key == "category":
            help_text += "可选：" + "、".join(c.name for c in categories if c.is_active) + "。"
        if col.key == "public_form":
            help_text += "可选：" + "、".join(label for _, label in _public_form_labels()) + "。"
        if col.aliases and col.key != "seq":
            help_text += "也识别表头：" + "、".join(col.aliases[:6]) + "。"
        ws.append([col.header, "是" if col.required else "", help_text, col.example])
        for cell in ws[ws.max_row]:
            cell.alignment = wrap
    ws.sheet_view.showGridLines = False


def _save(wb: Workbook, title: str) -> bytes:
    wb.active = 0
    wb.properties.creator = "廉防"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_template() -> bytes:
    """The empty 职权目录 workbook: title, header, drop-downs, print setup and 填写说明."""
    with translation.override(LANGUAGE):
        categories = _categories()
        wb = Workbook()
        formulas = _write_options(wb, categories)
        year = timezone.localdate().year
        _write_data_sheet(wb.active, title=f"XX单位{year}年度职权目录", subtitle_left="填报单位：",
                          subtitle_right="制表日期：", rows=[], formulas=formulas)
        _write_guide(wb, categories)
        wb.move_sheet(OPTIONS_SHEET, offset=len(wb.sheetnames))
        return _save(wb, "职权目录模板")


def _post_labels(posts: list[Post]) -> dict[int, str]:
    """How each post is written: its name, or 科室/名称 (or its code) when the name is not unique."""
    by_name: dict[str, list[Post]] = {}
    for post in posts:
        by_name.setdefault(_squash(post.name), []).append(post)
    labels = {}
    for post in posts:
        if len(by_name[_squash(post.name)]) == 1:
            labels[post.pk] = post.name
            continue
        same_dept = [p for p in by_name[_squash(post.name)] if p.department_id == post.department_id]
        if post.department_id and len(same_dept) == 1:
            labels[post.pk] = f"{post.department.name}/{post.name}"
        else:
            labels[post.pk] = post.code
    return labels


def _post_order(post: Post) -> tuple:
    """Leadership posts first, then by department and post order (the same on every database)."""
    dept = post.department
    return (dept is not None, dept.sort_order if dept else 0, dept.code if dept else "", post.sort_order, post.code)


def export_catalogue(catalogue: Catalogue, *, user=None) -> bytes:
    """The catalogue in the 职权目录 layout; `import_catalogue` reads it back.
    With `user`, the user must be allowed to export the catalogue."""
    if user is not None and not can(user, "export", catalogue):
        raise PermissionDenied("无权导出该职权目录")
    with translation.override(LANGUAGE):
        unit = catalogue.unit
        categories = _categories()
        posts = list(Post.objects.filter(unit=unit).select_related("department"))
        labels = _post_labels(posts)
        departments = list(Department.objects.filter(unit=unit))
        dept_names = [_squash(d.name) for d in departments]
        forms = dict(_public_form_labels())
        rows = []
        powers = (catalogue.powers.select_related("category", "department")
                  .prefetch_related(Prefetch("posts", queryset=Post.objects.select_related("department")),
                                    "legal_bases")
                  .order_by("sort_order", "code"))
        for number, power in enumerate(powers, start=1):
            dept = power.department
            dept_label = ""
            if dept is not None:
                dept_label = dept.name if dept_names.count(_squash(dept.name)) == 1 else dept.code
            values = {
                "seq": number, "code": power.code, "name": power.name, "category": power.category.name,
                "content": power.content, "department": dept_label,
                "posts": "、".join(labels.get(p.pk, p.code) for p in sorted(power.posts.all(), key=_post_order)),
                "legal": "\n".join(format_legal_basis(b.law, b.article, b.text) for b in power.legal_bases.all()),
                "conditions": power.conditions, "statutory": power.statutory_limit_days,
                "promised": power.promised_limit_days, "channels": power.supervision_channels,
                "public_form": forms.get(power.public_form, power.public_form),
                "external": EXTERNAL if power.external else INTERNAL, "note": power.note,
            }
            rows.append([values[c.key] for c in COLUMNS])
        wb = Workbook()
        formulas = _write_options(wb, categories)
        status = catalogue.get_status_display()
        _write_data_sheet(
            wb.active, title=f"{unit.name}{catalogue.year}年度职权目录",
            subtitle_left=f"单位：{unit.name}　　年度：{catalogue.year}　　状态：{status}　　共 {len(rows)} 项",
            subtitle_right=f"制表日期：{timezone.localdate():%Y年%m月%d日}", rows=rows, formulas=formulas,
        )
        _write_guide(wb, categories)
        wb.move_sheet(OPTIONS_SHEET, offset=len(wb.sheetnames))
        return _save(wb, f"{unit.name}{catalogue.year}年度职权目录")
