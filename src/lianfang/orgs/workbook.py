"""The organisation as one xlsx workbook: the template, import and export.

One layout serves all three (docs/org-workbook.md describes it): a 说明 sheet and
one sheet per kind of row — 单位, 内设机构, 岗位, 人员, 任职, 分管, 小组成员. Rows are
keyed by codes, so importing the same file twice updates rather than duplicates,
and what `export_workbook` writes `import_workbook` reads back.

An import first validates the whole file: every cell that is wrong is reported
with its sheet, row and column, and nothing is written unless there is no problem
at all. Validation runs the real saves (with each model's `full_clean()`) inside
one transaction and rolls it back when there is a problem or when `commit` is
false, so what is checked is exactly what would be written.
"""

import datetime as dt
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from lianfang.access.policy import can_manage_unit, forget, scope_for, visible
from lianfang.audit.context import acting
from lianfang.audit.services import record
from lianfang.core.xlsx import WorkbookError, open_xlsx

from .codes import CODE_PATTERN
from .models import (
    Charge,
    Department,
    DepartmentKind,
    GroupKind,
    GroupMembership,
    GroupRole,
    OrgGroup,
    Person,
    Post,
    PostAssignment,
    RankClass,
    Unit,
    UnitKind,
)

LANGUAGE = "zh-hans"
GUIDE_SHEET = "说明"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000  # data rows per sheet
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 5
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | code | ref | int | date | bool | choice
    required: bool = False
    field: str | None = None  # the model field whose validation errors belong to this column
    choices: object = None  # a TextChoices class, for kind "choice"
    aliases: tuple = ()  # extra accepted spellings: (text, value)
    default: object = None  # value of a blank cell (for "text": "")
    width: int = 14
    help: str = ""


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple
    help: str

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def key_for_field(self, field_name: str) -> str | None:
        for c in self.columns:
            if c.field == field_name:
                return c.key
        return None


YES, NO = "是", "否"
BOOL_ALIASES = (
    ("是", True), ("否", False), ("Y", True), ("N", False), ("YES", True), ("NO", False),
    ("TRUE", True), ("FALSE", False), ("1", True), ("0", False), ("√", True), ("×", False),
    ("有效", True), ("无效", False), ("在职", True), ("离职", False), ("主岗", True), ("兼岗", False),
)
GROUP_ALIASES = (
    ("领导小组", GroupKind.STEERING), ("廉政风险防控领导小组", GroupKind.STEERING),
    ("办公室", GroupKind.STEERING_OFFICE), ("领导小组办公室", GroupKind.STEERING_OFFICE),
    ("纪检监察组", GroupKind.DISCIPLINE), ("协调小组", GroupKind.COORDINATION),
    ("指导协调小组", GroupKind.COORDINATION),
)
CODE_HELP = "只能由字母、数字、“-”“_”“.”组成，且以字母或数字开头"


def _cols(*columns: Column) -> tuple:
    return columns


UNITS = SheetSpec("单位", _cols(
    Column("code", "单位编码", "code", True, "code", width=16, help=f"全局唯一。{CODE_HELP}。"),
    Column("name", "单位名称", required=True, field="name", width=30),
    Column("short_name", "简称", field="short_name", default="", width=14),
    Column("kind", "单位性质", "choice", True, "kind", choices=UnitKind, width=14),
    Column("parent", "上级单位编码", "ref", field="parent", width=16,
           help="留空表示顶级单位。上级单位可以在本表任意一行，也可以是系统中已有的单位。"),
    Column("sort_order", "排序", "int", field="sort_order", default=0, width=8, help="非负整数，默认 0。"),
    Column("is_active", "有效", "bool", field="is_active", default=True, width=8, help="是/否，默认“是”。"),
), "每行一个单位（党政机关、事业单位、国有企业、乡镇街道），通过“上级单位编码”组成任意层级的树。")

DEPARTMENTS = SheetSpec("内设机构", _cols(
    Column("unit", "单位编码", "ref", True, "unit", width=16),
    Column("code", "科室编码", "code", True, "code", width=16, help=f"在本单位内唯一。{CODE_HELP}。"),
    Column("name", "科室名称", required=True, field="name", width=24),
    Column("kind", "科室类别", "choice", field="kind", choices=DepartmentKind, default=DepartmentKind.BUSINESS,
           width=14, help="默认“业务科室”。"),
    Column("sort_order", "排序", "int", field="sort_order", default=0, width=8, help="非负整数，默认 0。"),
    Column("duties", "主要职责", field="duties", default="", width=40),
    Column("is_active", "有效", "bool", field="is_active", default=True, width=8, help="是/否，默认“是”。"),
), "每行一个内设机构（科室、股室）。")

POSTS = SheetSpec("岗位", _cols(
    Column("unit", "单位编码", "ref", True, "unit", width=16),
    Column("code", "岗位编码", "code", True, "code", width=16, help=f"在本单位内唯一。{CODE_HELP}。"),
    Column("name", "岗位名称", required=True, field="name", width=24),
    Column("department", "科室编码", "ref", field="department", width=16,
           help="本单位的科室编码；留空表示单位领导班子岗位。"),
    Column("duties", "岗位职责", field="duties", default="", width=40),
    Column("sort_order", "排序", "int", field="sort_order", default=0, width=8, help="非负整数，默认 0。"),
    Column("is_active", "有效", "bool", field="is_active", default=True, width=8, help="是/否，默认“是”。"),
), "每行一个岗位。科室编码留空的岗位是单位领导班子岗位。")

PEOPLE = SheetSpec("人员", _cols(
    Column("code", "人员编号", "code", True, "code", width=16, help=f"全局唯一。{CODE_HELP}。"),
    Column("name", "姓名", required=True, field="name", width=12),
    Column("unit", "单位编码", "ref", True, "unit", width=16, help="人员所在单位。"),
    Column("title", "职务", field="title", default="", width=16, help="如“局长”“科长”“科员”，自由填写。"),
    Column("rank_class", "人员类别", "choice", True, "rank_class", choices=RankClass, width=14),
    Column("phone", "联系电话", field="phone", default="", width=16),
    Column("username", "登录账号", field="user", width=16,
           help="系统登录用户名。已有账号则关联；没有则新建一个无密码的账号（须由管理员设置密码）。"
                "留空不改变已关联的账号。文件中不含、也不接受密码。"),
    Column("is_active", "在职", "bool", field="is_active", default=True, width=8, help="是/否，默认“是”。"),
), "每行一名人员。")

ASSIGNMENTS = SheetSpec("任职", _cols(
    Column("person", "人员编号", "ref", True, "person", width=16),
    Column("unit", "单位编码", "ref", True, None, width=16, help="岗位所属单位，须与人员所在单位一致。"),
    Column("post", "岗位编码", "ref", True, "post", width=16),
    Column("start_date", "起始日期", "date", field="start_date", width=12),
    Column("end_date", "终止日期", "date", field="end_date", width=12, help="留空表示至今。"),
    Column("is_primary", "主岗", "bool", field="is_primary", default=True, width=8,
           help="是/否，默认“是”；兼任的岗位填“否”。"),
), "每行一段任职经历：某人在某段时间担任某岗位。调岗时填写原任职的终止日期，并新增一行。")

CHARGES = SheetSpec("分管", _cols(
    Column("person", "人员编号", "ref", True, "person", width=16, help="须为主要负责人或班子成员。"),
    Column("unit", "单位编码", "ref", True, None, width=16),
    Column("department", "科室编码", "ref", True, "department", width=16),
    Column("start_date", "起始日期", "date", field="start_date", width=12),
    Column("end_date", "终止日期", "date", field="end_date", width=12, help="留空表示至今。"),
), "每行一条分管关系：某位领导班子成员在某段时间分管本单位的某个科室。")

MEMBERSHIPS = SheetSpec("小组成员", _cols(
    Column("unit", "单位编码", "ref", True, "unit", width=16),
    Column("kind", "小组类别", "choice", True, "kind", choices=GroupKind, aliases=GROUP_ALIASES, width=26,
           help="每个单位每类小组只有一个。"),
    Column("group_name", "小组名称", field="name", width=30,
           help="留空时新建的小组取小组类别为名称，已有小组保持原名称。"),
    Column("person", "人员编号", "ref", field="person", width=16,
           help="留空表示只登记小组、不登记成员（此时小组职务和日期也应留空）。"),
    Column("role", "小组职务", "choice", field="role", choices=GroupRole, default=GroupRole.MEMBER, width=10,
           help="默认“成员”。"),
    Column("start_date", "起始日期", "date", field="start_date", width=12),
    Column("end_date", "终止日期", "date", field="end_date", width=12, help="留空表示至今。"),
), "每行一名小组成员。领导小组、办公室、纪检组、党组的成员须为本单位人员；上级指导协调小组的成员可来自本级及下级单位。")

SHEETS: tuple[SheetSpec, ...] = (UNITS, DEPARTMENTS, POSTS, PEOPLE, ASSIGNMENTS, CHARGES, MEMBERSHIPS)
GROUPS_COUNT, ACCOUNTS_COUNT = "小组", "登录账号"
COUNT_KEYS = (*[s.name for s in SHEETS], GROUPS_COUNT, ACCOUNTS_COUNT)


def _labels(choices) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in choices.choices]


def _allowed(col: Column) -> list[str]:
    if col.kind == "bool":
        return [YES, NO]
    if col.kind == "choice":
        return [label for _, label in _labels(col.choices)]
    return []


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Problem:
    sheet: str  # "" for the file as a whole
    row: int | None  # the sheet's own 1-based row number
    column: str  # "C（单位性质）", a bare header, or ""
    message: str

    def __str__(self) -> str:
        where = [p for p in (self.sheet and f"【{self.sheet}】", self.row and f"第{self.row}行", self.column) if p]
        return f"{' '.join(where)}：{self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: {"created": 0, "updated": 0, "unchanged": 0} for k in COUNT_KEYS}
    )
    committed: bool = False
    accounts_created: list[str] = field(default_factory=list)
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "committed": self.committed,
            "counts": self.counts,
            "problems": [p.as_dict() for p in self.problems],
        }


class _CellError(Exception):
    pass


# --------------------------------------------------------------------------- cell parsing

_TRIM = " \t\r\n\u3000\xa0\ufeff"
_CODE_RE = re.compile(CODE_PATTERN)
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip(_TRIM)


def _date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 61 <= value < 2958466:  # an Excel serial day number in a cell not formatted as a date
            converted = from_excel(value)
            return converted.date() if isinstance(converted, dt.datetime) else converted
    text = _text(value)
    if not text:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise _CellError(f"日期格式无效：“{text}”，应写作 2024-01-01、2024/1/1 或 2024年1月1日")


@functools.cache
def _accepted(col: Column, language: str) -> dict:
    """The spellings a choice cell may have, and the value each stands for."""
    if col.kind == "bool":
        return {a.upper(): v for a, v in BOOL_ALIASES}
    accepted = {value: value for value, _ in _labels(col.choices)}
    accepted.update({label: value for value, label in _labels(col.choices)})
    accepted.update(dict(col.aliases))
    return accepted


def _parse(col: Column, value):
    """A cell's value as the model wants it; None for a blank cell."""
    if col.kind == "date":
        return _date(value)
    text = _text(value)
    if not text:
        return None
    if col.kind in ("code", "ref"):
        if not _CODE_RE.match(text):
            raise _CellError(f"{col.header}“{text}”格式无效：{CODE_HELP}")
        return text
    if col.kind == "int":
        if not re.fullmatch(r"\d{1,9}", text):
            raise _CellError(f"{col.header}“{text}”无效，应为非负整数")
        return int(text)
    if col.kind in ("bool", "choice"):
        accepted = _accepted(col, translation.get_language())
        key = text.upper() if col.kind == "bool" else re.sub(r"\s+", "", text)
        if key in accepted:
            return accepted[key]
        raise _CellError(f"{col.header}“{text}”无效，应为：{'、'.join(_allowed(col))}")
    return text


def _header(value) -> str:
    text = _text(value).replace("*", "").replace("＊", "").strip(_TRIM)
    return re.split(r"[(（]", text, maxsplit=1)[0].strip(_TRIM)


# --------------------------------------------------------------------------- reading sheets


@dataclass
class _Row:
    number: int
    values: dict
    ok: bool = True


@dataclass
class _Sheet:
    spec: SheetSpec
    problems: list
    letters: dict = field(default_factory=dict)  # column key -> letter
    rows: list = field(default_factory=list)
    broken: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    def present(self, key: str) -> bool:
        return key in self.letters

    def column_label(self, key: str | None) -> str:
        if key is None:
            return ""
        header = self.spec.column(key).header
        letter = self.letters.get(key)
        return f"{letter}（{header}）" if letter else header

    def problem(self, row: "_Row | int | None", key: str | None, message: str) -> None:
        number = row.number if isinstance(row, _Row) else row
        if isinstance(row, _Row):
            row.ok = False
        self.problems.append(Problem(self.name, number, self.column_label(key), message))


def _read_sheet(wb, spec: SheetSpec, problems: list) -> _Sheet:
    sheet = _Sheet(spec, problems)
    if spec.name not in wb.sheetnames:
        sheet.broken = True
        problems.append(Problem(spec.name, None, "", f"缺少工作表“{spec.name}”，请使用系统提供的模板"))
        return sheet
    by_header = {c.header: c for c in spec.columns}
    header_row = None
    rows = wb[spec.name].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    for number, values in enumerate(rows, start=1):
        if header_row is None:
            if number > HEADER_SEARCH_ROWS:
                break
            headers = [_header(v) for v in values]
            if not any(h in by_header for h in headers):
                continue
            header_row = number
            for index, header in enumerate(headers):
                col = by_header.get(header)
                if col is None:
                    continue  # extra columns are ignored
                letter = get_column_letter(index + 1)
                if col.key in sheet.letters:
                    sheet.broken = True
                    problems.append(Problem(spec.name, number, f"{letter}（{header}）",
                                            f"列“{header}”重复（已在 {sheet.letters[col.key]} 列）"))
                    continue
                sheet.letters[col.key] = letter
            for col in spec.columns:
                if col.required and col.key not in sheet.letters:
                    sheet.broken = True
                    problems.append(Problem(spec.name, number, col.header, f"缺少必填列“{col.header}”"))
            if sheet.broken:
                return sheet
            indexes = {col.key: _column_index(sheet.letters[col.key]) for col in spec.columns
                       if col.key in sheet.letters}
            continue
        raw = {key: (values[i] if i < len(values) else None) for key, i in indexes.items()}
        if all(v is None or (isinstance(v, str) and not v.strip(_TRIM)) for v in raw.values()):
            continue  # blank rows are skipped
        if len(sheet.rows) >= MAX_ROWS:
            sheet.broken = True
            problems.append(Problem(spec.name, number, "", f"行数过多：每个工作表最多 {MAX_ROWS} 行数据"))
            return sheet
        row = _Row(number, {})
        for key, value in raw.items():
            col = spec.column(key)
            try:
                parsed = _parse(col, value)
            except _CellError as error:
                sheet.problem(row, key, str(error))
                continue
            if parsed is None:
                if col.required:
                    sheet.problem(row, key, f"{col.header}不能为空")
                    continue
                parsed = col.default
            row.values[key] = parsed
        sheet.rows.append(row)
    if header_row is None:
        sheet.broken = True
        problems.append(Problem(spec.name, 1, "", f"未找到表头行，第1行应为：{'、'.join(spec.headers)}"))
    return sheet


def _column_index(letter: str) -> int:
    return column_index_from_string(letter) - 1


def _open_workbook(fileobj, report: ImportReport):
    try:
        workbook, report.filename = open_xlsx(fileobj, max_bytes=MAX_BYTES, read_only=True,
                                              hint="请使用系统提供的模板")
    except WorkbookError as error:
        report.filename = error.filename or report.filename
        report.problems.append(Problem("", None, "", str(error)))
        return None
    return workbook


# --------------------------------------------------------------------------- import

_NEW_ACCOUNT = object()


def _validate(obj) -> None:
    """`full_clean()`, except that foreign keys are not looked up again: the
    importer found every related object itself, in this transaction."""
    related = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    errors: dict = {}
    for step in (lambda: obj.clean_fields(exclude=related), obj.clean, obj.validate_unique,
                 obj.validate_constraints):
        try:
            step()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class _Importer:
    def __init__(self, report: ImportReport, user):
        self.report = report
        self.user = user
        self.superuser = user is None or scope_for(user).superuser
        self.failed: dict[str, set] = {"unit": set(), "department": set(), "post": set(), "person": set()}
        self.broken: set[str] = set()
        self.created_units: set[str] = set()
        self.touched_units: set[int] = set()
        self._manage_cache: dict[int, bool] = {}
        # Lookups, loaded in bulk so that a file of thousands of rows needs few queries.
        self._units: dict[str, Unit] | None = None
        self._departments: dict[int, dict[str, Department]] = {}
        self._posts: dict[int, dict[str, Post]] = {}
        self._people: dict[str, Person] = {}

    # -- helpers

    def count(self, key: str, what: str) -> None:
        self.report.counts[key][what] += 1

    def may_manage(self, unit: Unit | None) -> bool:
        if self.superuser:
            return True
        if unit is None:
            return False
        if unit.code in self.created_units:
            return True  # created here, under a unit the user manages
        if unit.pk not in self._manage_cache:
            self._manage_cache[unit.pk] = can_manage_unit(self.user, unit)
        return self._manage_cache[unit.pk]

    def duplicates(self, sheet: _Sheet, key_of: Callable, describe: Callable,
                   incomplete: bool = True) -> list[tuple[_Row, tuple]]:
        """Rows with their keys, reporting (and dropping) repeated keys. A row
        without a complete key (None; already reported) is kept when `incomplete`,
        so that its other cells are still checked."""
        seen: dict[tuple, int] = {}
        kept = []
        for row in sheet.rows:
            key = key_of(row)
            if key is None:
                if incomplete:
                    kept.append((row, None))
                continue
            if key in seen:
                sheet.problem(row, sheet.spec.columns[0].key, f"与第{seen[key]}行重复（{describe(row)}）")
                continue
            seen[key] = row.number
            kept.append((row, key))
        return kept

    def departments_of(self, unit: Unit) -> dict[str, Department]:
        if unit.pk not in self._departments:
            self._departments[unit.pk] = {d.code: d for d in Department.objects.filter(unit=unit).order_by()}
        return self._departments[unit.pk]

    def posts_of(self, unit: Unit) -> dict[str, Post]:
        if unit.pk not in self._posts:
            self._posts[unit.pk] = {p.code: p for p in Post.objects.filter(unit=unit).order_by()}
        return self._posts[unit.pk]

    def load_people(self, sheet: _Sheet, key: str = "person") -> None:
        codes = sorted({row.values.get(key) for row in sheet.rows} - set(self._people) - {None})
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            for person in Person.objects.filter(code__in=chunk).select_related("unit").order_by():
                self._people[person.code] = person

    def existing(self, model, field: str, ids, key: Callable) -> dict:
        """Existing dated rows of `model` whose `field` is one of `ids`, by `key` (the oldest first)."""
        found: dict = {}
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            for obj in model.objects.filter(**{f"{field}__in": ids[start:start + 500]}).order_by("pk"):
                found.setdefault(key(obj), obj)
        return found

    def unit(self, sheet: _Sheet, row: _Row, key: str = "unit") -> Unit | None:
        code = row.values.get(key)
        if not code:
            return None
        if self._units is None:
            self._units = {u.code: u for u in Unit.objects.order_by()}
        unit = self._units.get(code)
        if unit is None and code not in self.failed["unit"] and UNITS.name not in self.broken:
            sheet.problem(row, key, f"单位编码“{code}”不存在")
        if unit is None:
            row.ok = False
        return unit

    def person(self, sheet: _Sheet, row: _Row, key: str = "person") -> Person | None:
        code = row.values.get(key)
        if not code:
            return None
        person = self._people.get(code)
        if person is None and code not in self.failed["person"] and PEOPLE.name not in self.broken:
            sheet.problem(row, key, f"人员编号“{code}”不存在")
        if person is None:
            row.ok = False
        return person

    def department(self, sheet: _Sheet, row: _Row, unit: Unit | None, key: str = "department"):
        code = row.values.get(key)
        if not code or unit is None:
            return None
        department = self.departments_of(unit).get(code)
        if department is None:
            row.ok = False
            if (unit.code, code) in self.failed["department"] or DEPARTMENTS.name in self.broken:
                return None
            if Department.objects.filter(code=code).exclude(unit=unit).exists():
                sheet.problem(row, key, f"科室编码“{code}”不属于单位“{unit.name}”（{unit.code}），只能使用本单位的科室")
            else:
                sheet.problem(row, key, f"单位“{unit.name}”（{unit.code}）下没有科室编码“{code}”")
        return department

    def post(self, sheet: _Sheet, row: _Row, unit: Unit | None, key: str = "post") -> Post | None:
        code = row.values.get(key)
        if not code or unit is None:
            return None
        post = self.posts_of(unit).get(code)
        if post is None:
            row.ok = False
            if (unit.code, code) not in self.failed["post"] and POSTS.name not in self.broken:
                sheet.problem(row, key, f"单位“{unit.name}”（{unit.code}）下没有岗位编码“{code}”")
        return post

    def report_validation(self, sheet: _Sheet, row: _Row, error: ValidationError, fallback: str | None) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                key = None if name == NON_FIELD_ERRORS else sheet.spec.key_for_field(name)
                sheet.problem(row, key or fallback, "；".join(messages))
        else:
            sheet.problem(row, fallback, "；".join(error.messages))

    def save(self, sheet: _Sheet, row: _Row, obj, values: dict, *, count_key: str | None = None,
             check: Callable | None = None, prepare: Callable | None = None, key_col: str = "code",
             related: dict | None = None) -> bool:
        """Apply `values` (attribute -> value) to `obj`, checking permission and
        validating only when something changes. Returns whether it succeeded; on
        failure `obj` keeps its old values, so later rows are checked against them."""
        count_key = count_key or sheet.name
        created = obj.pk is None
        changed = {name: value for name, value in values.items() if created or getattr(obj, name) != value}
        if not changed:
            self.count(count_key, "unchanged")
            return True
        if check is not None:
            denied = check(created, changed)
            if denied:
                sheet.problem(row, *denied)
                return False
        if prepare is not None and not prepare(values):
            return False
        old = {name: getattr(obj, name) for name in values}
        for name, value in values.items():
            setattr(obj, name, value)
        for name, value in (related or {}).items():  # the objects behind the ids just set: spares queries
            if value is not None and getattr(obj, obj._meta.get_field(name).attname) == value.pk:
                setattr(obj, name, value)
        try:
            _validate(obj)
            with transaction.atomic():
                obj.save()
        except (ValidationError, DatabaseError) as error:
            if isinstance(error, ValidationError):
                self.report_validation(sheet, row, error, key_col)
            else:
                sheet.problem(row, key_col, f"数据库拒绝写入：{error}")
            for name, value in old.items():
                setattr(obj, name, value)
            return False
        self.count(count_key, "created" if created else "updated")
        return True

    def denied_for(self, unit: Unit, key: str = "unit") -> Callable:
        def check(created, changed):
            if not self.may_manage(unit):
                verb = "新增" if created else "修改"
                return key, f"无权{verb}单位“{unit.name}”（{unit.code}）的组织机构数据"
            return None

        return check

    # -- sheets

    def run(self, sheets: dict[str, _Sheet]) -> None:
        self.broken = {name for name, sheet in sheets.items() if sheet.broken}
        self.units(sheets[UNITS.name])
        self.departments(sheets[DEPARTMENTS.name])
        self.posts(sheets[POSTS.name])
        self.people(sheets[PEOPLE.name])
        self.assignments(sheets[ASSIGNMENTS.name])
        self.charges(sheets[CHARGES.name])
        self.groups(sheets[MEMBERSHIPS.name])

    def units(self, sheet: _Sheet) -> None:
        rows = self.duplicates(sheet, lambda r: r.values.get("code"), lambda r: f"单位编码“{r.values['code']}”",
                               incomplete=False)
        by_code = {code: row for row, code in rows}
        for row, code in rows:
            if not row.ok:
                self.failed["unit"].add(code)
        db_parent = dict(Unit.objects.values_list("code", "parent__code"))
        has_parent_col = sheet.present("parent")
        parent_of_row: dict[str, str | None] = {}
        for code, row in by_code.items():
            parent = row.values.get("parent") if has_parent_col else db_parent.get(code)
            if parent == code:
                sheet.problem(row, "parent", "上级单位不能是本单位")
                parent = None
            elif parent and parent not in by_code and parent not in db_parent:
                sheet.problem(row, "parent", f"上级单位编码“{parent}”不存在")
            parent_of_row[code] = parent

        def parent_of(code):
            return parent_of_row[code] if code in parent_of_row else db_parent.get(code)

        for code, row in by_code.items():
            chain, current = [code], parent_of(code)
            while current and current not in chain:
                chain.append(current)
                current = parent_of(current)
            if current == code:
                sheet.problem(row, "parent", f"上级单位形成循环：{' → '.join([*chain, code])}")
        for code, row in by_code.items():
            if not row.ok:
                self.failed["unit"].add(code)

        # Parents before children, by depth in the final tree (file rows and the units
        # already in the database together), so that each unit's new ancestors are in
        # place when it is validated and saved. Units in or below a cycle get no depth.
        depth: dict[str, int | None] = {}
        for code in by_code:
            chain, current = [], code
            while current and current not in depth and current not in chain:
                chain.append(current)
                current = parent_of(current)
            base = None if current in chain else depth.get(current, -1) if current else -1
            for link in reversed(chain):
                base = None if base is None else base + 1
                depth[link] = base
        ordered = sorted((code for code in by_code if depth[code] is not None), key=lambda c: depth[c])
        for code in ordered:
            self.unit_row(sheet, by_code[code], code, parent_of_row[code])
        self.failed["unit"].update(code for code in by_code if depth[code] is None)  # reported above
        self._units = None

    def unit_row(self, sheet: _Sheet, row: _Row, code: str, parent_code: str | None) -> None:
        parent = None
        if parent_code:
            parent = Unit.objects.filter(code=parent_code).first()
            if parent is None:  # a new parent whose own row failed
                row.ok = False
        if not row.ok:
            self.failed["unit"].add(code)
            return
        unit = Unit.objects.filter(code=code).first() or Unit(code=code)
        values = {k: row.values[k] for k in ("name", "short_name", "kind", "sort_order", "is_active") if k in row.values}
        if sheet.present("parent") or unit.pk is None:
            values["parent_id"] = parent.pk if parent else None

        def check(created, changed):
            if created:
                if parent is None and not self.superuser:
                    return "code", f"只有系统管理员可以新增顶级单位（单位编码“{code}”）"
                if parent is not None and not self.may_manage(parent):
                    return "parent", f"无权在单位“{parent.name}”（{parent.code}）下新增下级单位"
                return None
            if not self.may_manage(unit):
                return "code", f"无权修改单位“{unit.name}”（{unit.code}）"
            if "parent_id" in changed:
                if parent is None and not self.superuser:
                    return "parent", "只有系统管理员可以把单位设为顶级单位"
                if parent is not None and not self.may_manage(parent):
                    return "parent", f"无权把单位调整到“{parent.name}”（{parent.code}）之下"
            return None

        created = unit.pk is None
        if self.save(sheet, row, unit, values, check=check):
            if created:
                self.created_units.add(code)
            self.touched_units.add(unit.pk)
        else:
            self.failed["unit"].add(code)

    def departments(self, sheet: _Sheet) -> None:
        rows = self.duplicates(
            sheet, lambda r: (r.values.get("unit"), r.values.get("code")) if r.values.get("code") else None,
            lambda r: f"单位编码“{r.values.get('unit')}”、科室编码“{r.values['code']}”",
        )
        for row, key in rows:
            unit = self.unit(sheet, row)
            if not row.ok or unit is None:
                self.failed["department"].add(key)
                continue
            department = self.departments_of(unit).get(key[1]) or Department(unit=unit, code=key[1])
            values = {k: row.values[k] for k in ("name", "kind", "sort_order", "duties", "is_active")
                      if k in row.values}
            if self.save(sheet, row, department, values, check=self.denied_for(unit)):
                self.departments_of(unit)[key[1]] = department
                self.touched_units.add(unit.pk)
            else:
                self.failed["department"].add(key)

    def posts(self, sheet: _Sheet) -> None:
        rows = self.duplicates(
            sheet, lambda r: (r.values.get("unit"), r.values.get("code")) if r.values.get("code") else None,
            lambda r: f"单位编码“{r.values.get('unit')}”、岗位编码“{r.values['code']}”",
        )
        for row, key in rows:
            unit = self.unit(sheet, row)
            department = self.department(sheet, row, unit)
            if not row.ok or unit is None:
                self.failed["post"].add(key)
                continue
            post = self.posts_of(unit).get(key[1]) or Post(unit=unit, code=key[1])
            values = {k: row.values[k] for k in ("name", "duties", "sort_order", "is_active") if k in row.values}
            if sheet.present("department") or post.pk is None:
                values["department_id"] = department.pk if department else None
            if self.save(sheet, row, post, values, check=self.denied_for(unit), related={"department": department}):
                self.posts_of(unit)[key[1]] = post
                self.touched_units.add(unit.pk)
            else:
                self.failed["post"].add(key)

    def people(self, sheet: _Sheet) -> None:
        User = get_user_model()
        rows = self.duplicates(sheet, lambda r: r.values.get("code"), lambda r: f"人员编号“{r.values['code']}”")
        usernames: dict[str, int] = {}
        self.load_people(sheet, "code")
        for row, code in rows:
            username = row.values.get("username")
            if username:
                if username in usernames:
                    sheet.problem(row, "username", f"登录账号“{username}”与第{usernames[username]}行重复")
                else:
                    usernames[username] = row.number
            unit = self.unit(sheet, row)
            person = self._people.get(code) or Person(code=code)
            account = None
            if username and row.ok:
                account = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
                if account is not None and account.pk != person.user_id:
                    if account.is_superuser and not self.superuser:
                        sheet.problem(row, "username", f"无权关联系统管理员账号“{username}”")
                    clash = Person.objects.filter(user=account).exclude(pk=person.pk).first()
                    if clash is not None:
                        sheet.problem(row, "username",
                                      f"登录账号“{username}”已关联人员“{clash.name}”（{clash.code}）")
            if not row.ok or unit is None:
                self.failed["person"].add(code)
                continue
            values = {k: row.values[k] for k in ("name", "title", "rank_class", "phone", "is_active")
                      if k in row.values}
            values["unit_id"] = unit.pk
            if username:
                values["user_id"] = account.pk if account is not None else _NEW_ACCOUNT
            old_unit = person.unit if person.pk else None

            def check(created, changed, unit=unit, old_unit=old_unit):
                for target in (unit, old_unit):
                    if target is not None and not self.may_manage(target):
                        verb = "新增" if created else "修改"
                        return "unit", f"无权{verb}单位“{target.name}”（{target.code}）的人员"
                return None

            def prepare(values, row=row, username=username):
                if values.get("user_id") is not _NEW_ACCOUNT:
                    return True
                account = User(**{User.USERNAME_FIELD: username})
                account.set_unusable_password()
                try:
                    account.full_clean()
                except ValidationError as error:
                    messages = error.message_dict.get(User.USERNAME_FIELD) or error.messages
                    sheet.problem(row, "username", f"登录账号“{username}”无效：{'；'.join(messages)}")
                    return False
                account.save()
                values["user_id"] = account.pk
                self.report.accounts_created.append(username)
                self.count(ACCOUNTS_COUNT, "created")
                return True

            if self.save(sheet, row, person, values, check=check, prepare=prepare, related={"unit": unit}):
                self._people[code] = person
                self.touched_units.add(unit.pk)
            else:
                self.failed["person"].add(code)

    def assignments(self, sheet: _Sheet) -> None:
        rows = self.duplicates(
            sheet,
            lambda r: (r.values.get("person"), r.values.get("unit"), r.values.get("post"), r.values.get("start_date"))
            if r.values.get("person") and r.values.get("post") else None,
            lambda r: f"人员编号“{r.values['person']}”、岗位编码“{r.values['post']}”、起始日期"
                      f"“{r.values.get('start_date') or '空'}”",
        )
        self.load_people(sheet)
        existing = self.existing(PostAssignment, "person_id", {p.pk for p in self._people.values()},
                                 lambda a: (a.person_id, a.post_id, a.start_date))
        for row, key in rows:
            person = self.person(sheet, row)
            unit = self.unit(sheet, row)
            post = self.post(sheet, row, unit)
            if person is not None and unit is not None and person.unit_id != unit.pk:
                sheet.problem(row, "unit", f"人员“{person.name}”（{person.code}）属于单位“{person.unit.name}”"
                                           f"（{person.unit.code}），只能任本单位的岗位")
            if not row.ok or person is None or post is None:
                continue
            start = key[3]
            assignment = existing.get((person.pk, post.pk, start)) or PostAssignment(start_date=start)
            assignment.person, assignment.post = person, post
            values = {k: row.values[k] for k in ("end_date", "is_primary") if k in row.values}
            if self.save(sheet, row, assignment, values, check=self.denied_for(person.unit, "person"),
                         key_col="post"):
                self.touched_units.add(person.unit_id)

    def charges(self, sheet: _Sheet) -> None:
        rows = self.duplicates(
            sheet,
            lambda r: (r.values.get("person"), r.values.get("unit"), r.values.get("department"),
                       r.values.get("start_date")) if r.values.get("person") and r.values.get("department") else None,
            lambda r: f"人员编号“{r.values['person']}”、科室编码“{r.values['department']}”、起始日期"
                      f"“{r.values.get('start_date') or '空'}”",
        )
        self.load_people(sheet)
        existing = self.existing(Charge, "person_id", {p.pk for p in self._people.values()},
                                 lambda c: (c.person_id, c.department_id, c.start_date))
        for row, key in rows:
            person = self.person(sheet, row)
            unit = self.unit(sheet, row)
            department = self.department(sheet, row, unit)
            if person is not None and unit is not None and person.unit_id != unit.pk:
                sheet.problem(row, "unit", f"人员“{person.name}”（{person.code}）属于单位“{person.unit.name}”"
                                           f"（{person.unit.code}），只能分管本单位的科室")
            if person is not None and person.rank_class not in (RankClass.HEAD, RankClass.LEADER):
                sheet.problem(row, "person", f"人员“{person.name}”（{person.code}）的人员类别为"
                                             f"“{person.get_rank_class_display()}”，只有主要负责人和班子成员可以分管科室")
            if not row.ok or person is None or department is None:
                continue
            start = key[3]
            charge = existing.get((person.pk, department.pk, start)) or Charge(start_date=start)
            charge.person, charge.department = person, department
            values = {k: row.values[k] for k in ("end_date",) if k in row.values}
            if self.save(sheet, row, charge, values, check=self.denied_for(person.unit, "person"),
                         key_col="department"):
                self.touched_units.add(person.unit_id)

    def groups(self, sheet: _Sheet) -> None:
        # First the groups themselves, one per (unit, kind), named by their first named row.
        names: dict[tuple, tuple[str, int]] = {}
        order: list[tuple] = []
        for row in sheet.rows:
            unit_code, kind = row.values.get("unit"), row.values.get("kind")
            if not unit_code or not kind:
                continue
            key = (unit_code, kind)
            if key not in names:
                names[key] = ("", row.number)
                order.append(key)
            name = row.values.get("group_name")
            if name:
                first, number = names[key]
                if not first:
                    names[key] = (name, row.number)
                elif name != first:
                    sheet.problem(row, "group_name", f"同一小组的名称不一致：第{number}行为“{first}”")
            if not row.values.get("person") and (
                row.values.get("start_date") or row.values.get("end_date")
                or row.values.get("role") not in (None, GroupRole.MEMBER)
            ):
                sheet.problem(row, "person", "填写了小组职务或日期，但人员编号为空")
        first_row = {}
        for row in sheet.rows:
            key = (row.values.get("unit"), row.values.get("kind"))
            if key in names and key not in first_row:
                first_row[key] = row
        groups: dict[tuple, OrgGroup | None] = {}
        for key in order:
            row = first_row[key]
            unit = self.unit(sheet, row)
            if unit is None:
                groups[key] = None
                continue
            group = OrgGroup.objects.filter(unit=unit, kind=key[1]).first()
            name = names[key][0]
            if group is None:
                group = OrgGroup(unit=unit, kind=key[1], name=name or dict(_labels(GroupKind))[key[1]])
                values = {"name": group.name}
            else:
                values = {"name": name} if name else {}
            ok = self.save(sheet, row, group, values, count_key=GROUPS_COUNT, check=self.denied_for(unit),
                           key_col="kind")
            groups[key] = group if ok else None
            if ok:
                self.touched_units.add(unit.pk)

        rows = self.duplicates(
            sheet,
            lambda r: (r.values.get("unit"), r.values.get("kind"), r.values.get("person"), r.values.get("start_date"))
            if r.values.get("person") else None,
            lambda r: f"小组“{r.values.get('unit')}/{r.values.get('kind')}”、人员编号“{r.values['person']}”、"
                      f"起始日期“{r.values.get('start_date') or '空'}”",
            incomplete=False,
        )
        self.load_people(sheet)
        existing = self.existing(GroupMembership, "group_id", {g.pk for g in groups.values() if g is not None},
                                 lambda m: (m.group_id, m.person_id, m.start_date))
        for row, key in rows:
            person = self.person(sheet, row)
            group = groups.get(key[:2])
            if group is None:
                if key[:2] not in groups:
                    self.unit(sheet, row)  # report the unit code, if that is what is wrong
                continue
            if not row.ok or person is None:
                continue
            membership = existing.get((group.pk, person.pk, key[3])) or GroupMembership(start_date=key[3])
            membership.group, membership.person = group, person
            values = {k: row.values[k] for k in ("role", "end_date") if k in row.values}
            if self.save(sheet, row, membership, values, check=self.denied_for(group.unit), key_col="person"):
                self.touched_units.add(group.unit_id)


def _sort_key(problem: Problem):
    order = {spec.name: i for i, spec in enumerate(SHEETS)}
    column = problem.column.split("（")[0]
    column_index = _column_index(column) if re.fullmatch(r"[A-Z]{1,3}", column) else 0
    return (order.get(problem.sheet, -1), problem.row or 0, column_index)


def import_workbook(fileobj, *, user=None, commit: bool = False) -> ImportReport:
    """Validate an organisation workbook and, with `commit`, write it.

    `fileobj` is a path, bytes or a binary file object (e.g. an UploadedFile).
    With `user`, only units that user may manage are created or changed (new
    top-level units: superusers only). Nothing is written unless the whole file
    is valid; then one summary audit entry is written as well."""
    report = ImportReport()
    with translation.override(LANGUAGE):
        wb = _open_workbook(fileobj, report)
        if wb is None:
            return report
        try:
            sheets = {spec.name: _read_sheet(wb, spec, report.problems) for spec in SHEETS}
        except Exception:  # a workbook that opened but cannot be read row by row
            report.problems.append(Problem("", None, "", "文件已损坏，无法读取其中的工作表"))
            return report
        finally:
            wb.close()
        importer = _Importer(report, user)
        with transaction.atomic():
            with acting(user=user, muted=not commit):
                importer.run(sheets)
            if report.problems or not commit:
                transaction.set_rollback(True)
            else:
                units = importer.touched_units
                record(
                    "import",
                    object_type="orgs.workbook",
                    object_repr=f"组织机构导入：{report.filename}" if report.filename else "组织机构导入",
                    changes={"counts": report.counts, "accounts_created": report.accounts_created},
                    unit_id=next(iter(units)) if len(units) == 1 else None,
                    user=user,
                )
                report.committed = True
        if report.problems:
            report.problems.sort(key=_sort_key)
            report.counts = ImportReport().counts  # nothing was or would be written
            report.accounts_created = []
        if report.committed and user is not None:
            forget(user)
    return report


# --------------------------------------------------------------------------- writing

_THIN = Side(style="thin", color="BFBFBF")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def _column_help(col: Column) -> str:
    parts = ["必填。" if col.required else "选填。"]
    if col.help:
        parts.append(col.help)
    allowed = _allowed(col)
    if allowed:
        parts.append("可选值：" + "、".join(allowed) + "。")
    if col.kind == "date":
        parts.append("日期，如 2024-01-01。")
    return "".join(parts)


def _write_guide(ws) -> None:
    ws.title = GUIDE_SHEET
    widths = {"A": 16, "B": 8, "C": 70, "D": 48}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(["组织机构导入模板"])
    ws["A1"].font = Font(bold=True, size=14)
    rules = [
        "1. 各工作表第 1 行为表头，请勿修改工作表名称和表头文字；列的顺序可以调整，多出的列会被忽略。",
        "2. 各表按编码关联：单位编码、人员编号全局唯一；科室编码、岗位编码在本单位内唯一。"
        "编码只能由字母、数字、“-”“_”“.”组成，且以字母或数字开头。",
        "3. 重复导入同一文件不会产生重复数据：编码已存在的记录会被更新；任职、分管、小组成员按"
        "“人员＋岗位/科室/小组＋起始日期”匹配。",
        "4. 导入不会删除任何数据。人员调岗时填写原任职的终止日期，再新增一行任职；"
        "撤销单位、科室、岗位时将“有效”填为“否”，人员离职时将“在职”填为“否”。",
        "5. 日期可写作 2024-01-01、2024/1/1 或 2024年1月1日，也可使用 Excel 日期格式。",
        "6. 带下拉列表的列请从列表中选择。选填列留空时取默认值（见下表），对已有记录同样如此，"
        "例如“简称”留空会清空原简称；只有“登录账号”和“小组名称”留空时保持原值。",
        "7. 系统先校验整个文件：有任何问题时不写入任何数据，并逐一列出问题所在的工作表、行和列。",
        "8. 登录账号：填写已有账号的用户名则关联该账号；账号不存在时新建一个没有密码的账号，"
        "须由管理员设置密码后才能登录。文件中不含、也不接受密码。留空不改变已关联的账号。",
        "9. 只能导入本人有权管理的单位的数据；新增顶级单位须由系统管理员导入。",
    ]
    for rule in rules:
        ws.append([rule])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(ws.max_row, 1).alignment = wrap
        ws.row_dimensions[ws.max_row].height = 30
    for spec in SHEETS:
        ws.append([])
        ws.append([f"工作表“{spec.name}”"])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
        ws.append([spec.help])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(ws.max_row, 1).alignment = wrap
        ws.append(["列名", "必填", "说明", "可选值 / 默认值"])
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for col in spec.columns:
            allowed = "、".join(_allowed(col))
            default = _default_label(col)
            extra = "；".join(p for p in (allowed, default and f"默认：{default}") if p)
            ws.append([col.header, YES if col.required else "", col.help or _kind_help(col), extra])
            for cell in ws[ws.max_row]:
                cell.alignment = wrap
    ws.sheet_view.showGridLines = False


def _kind_help(col: Column) -> str:
    return {"date": "日期，如 2024-01-01。", "choice": "从下拉列表中选择。", "bool": "是/否。"}.get(col.kind, "")


def _default_label(col: Column) -> str:
    if col.default is None or col.default == "":
        return ""
    if col.kind == "bool":
        return YES if col.default else NO
    if col.kind == "choice":
        return dict(_labels(col.choices)).get(col.default, "")
    return str(col.default)


def _write_sheet(wb: Workbook, spec: SheetSpec, rows: list[dict]) -> None:
    ws = wb.create_sheet(spec.name)
    for index, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(1, index, col.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(bottom=_THIN)
        comment = Comment(_column_help(col), "廉防")
        comment.width, comment.height = 260, 120
        cell.comment = comment
        dimension = ws.column_dimensions[letter]
        dimension.width = col.width
        if col.kind in ("code", "ref", "text"):
            dimension.number_format = "@"  # typed codes stay text ("001" keeps its zeros)
        elif col.kind == "date":
            dimension.number_format = "yyyy-mm-dd"
        allowed = _allowed(col)
        if allowed:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(allowed) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="无效的值",
                error=f"{col.header}应为：{'、'.join(allowed)}",
                showInputMessage=True,
                promptTitle=col.header,
                prompt="请从下拉列表中选择",
            )
            validation.add(f"{letter}2:{letter}1048576")
            ws.add_data_validation(validation)
    for values in rows:
        ws.append([values.get(col.key) for col in spec.columns])
        for index, col in enumerate(spec.columns, start=1):
            cell = ws.cell(ws.max_row, index)
            if col.kind == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif col.kind in ("code", "ref", "text"):
                cell.number_format = "@"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{max(ws.max_row, 1)}"
    ws.row_dimensions[1].height = 22


def _build(data: dict[str, list[dict]]) -> bytes:
    with translation.override(LANGUAGE):
        wb = Workbook()
        _write_guide(wb.active)
        for spec in SHEETS:
            _write_sheet(wb, spec, data.get(spec.name, []))
        wb.active = 0
        wb.properties.creator = "廉防"
        wb.properties.title = "组织机构"
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def build_template() -> bytes:
    """The empty workbook offered for download: headers, drop-downs and the 说明 sheet."""
    return _build({})


def _yes(value: bool) -> str:
    return YES if value else NO


def export_workbook(*, user=None, unit: Unit | None = None) -> bytes:
    """The organisation in the template's layout: everything the user may see
    (user None: everything), limited to `unit`'s subtree when given."""

    def scoped(queryset, unit_path: str):
        if unit is not None:
            queryset = queryset.filter(**{f"{unit_path}path__startswith": unit.path})
        return visible(user, queryset) if user is not None else queryset

    with translation.override(LANGUAGE):
        label = {name: dict(_labels(choices)) for name, choices in (
            ("unit", UnitKind), ("department", DepartmentKind), ("rank", RankClass), ("group", GroupKind),
            ("role", GroupRole),
        )}
        units = scoped(Unit.objects.select_related("parent"), "").order_by("path")
        departments = scoped(Department.objects.select_related("unit"), "unit__")
        posts = scoped(Post.objects.select_related("unit", "department"), "unit__")
        people = scoped(Person.objects.select_related("unit", "user"), "unit__")
        assignments = scoped(PostAssignment.objects.select_related("person", "post__unit"), "person__unit__")
        charges = scoped(Charge.objects.select_related("person", "department__unit"), "person__unit__")
        groups = scoped(OrgGroup.objects.select_related("unit"), "unit__")
        memberships = scoped(GroupMembership.objects.select_related("group__unit", "person"), "group__unit__")

        data = {
            UNITS.name: [
                {"code": u.code, "name": u.name, "short_name": u.short_name, "kind": label["unit"].get(u.kind, u.kind),
                 "parent": u.parent.code if u.parent_id else None, "sort_order": u.sort_order,
                 "is_active": _yes(u.is_active)}
                for u in units
            ],
            DEPARTMENTS.name: [
                {"unit": d.unit.code, "code": d.code, "name": d.name, "kind": label["department"].get(d.kind, d.kind),
                 "sort_order": d.sort_order, "duties": d.duties, "is_active": _yes(d.is_active)}
                for d in departments
            ],
            POSTS.name: [
                {"unit": p.unit.code, "code": p.code, "name": p.name,
                 "department": p.department.code if p.department_id else None, "duties": p.duties,
                 "sort_order": p.sort_order, "is_active": _yes(p.is_active)}
                for p in posts
            ],
            PEOPLE.name: [
                {"code": p.code, "name": p.name, "unit": p.unit.code, "title": p.title,
                 "rank_class": label["rank"].get(p.rank_class, p.rank_class), "phone": p.phone,
                 "username": p.user.get_username() if p.user_id else None, "is_active": _yes(p.is_active)}
                for p in people
            ],
            ASSIGNMENTS.name: [
                {"person": a.person.code, "unit": a.post.unit.code, "post": a.post.code, "start_date": a.start_date,
                 "end_date": a.end_date, "is_primary": _yes(a.is_primary)}
                for a in assignments.order_by("person__code", "start_date", "pk")
            ],
            CHARGES.name: [
                {"person": c.person.code, "unit": c.department.unit.code, "department": c.department.code,
                 "start_date": c.start_date, "end_date": c.end_date}
                for c in charges.order_by("person__code", "start_date", "pk")
            ],
        }
        rows = []
        with_members = set()
        for m in memberships.order_by("group__unit__path", "group__kind", "role", "person__code", "start_date"):
            with_members.add(m.group_id)
            rows.append({"unit": m.group.unit.code, "kind": label["group"].get(m.group.kind, m.group.kind),
                         "group_name": m.group.name, "person": m.person.code,
                         "role": label["role"].get(m.role, m.role), "start_date": m.start_date,
                         "end_date": m.end_date})
        for g in groups:
            if g.pk not in with_members:
                rows.append({"unit": g.unit.code, "kind": label["group"].get(g.kind, g.kind), "group_name": g.name})
        data[MEMBERSHIPS.name] = rows
    return _build(data)
