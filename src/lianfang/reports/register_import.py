"""Import of the risk registers units already keep in Excel (DOMAIN.md §5, §13).

Units' registers differ in every detail, so the reader looks for meaning, not a
fixed layout (docs/registers.md lists the rules):

- any sheet of the workbook whose first 15 rows contain a header row — a row
  naming 风险点 or 表现形式 and at least two other known columns, by name or a
  common synonym; title rows above it, a two-row header ("防控措施" over
  前期预防 | 中期监控 | 后期处置) and a signature footer are understood;
- cells merged down (a department over its posts, a risk point over several
  measure rows) count for every row they cover;
- several measures in one cell are split on their numbering — 1、 1. （1） ①
  一是 一、 — or else on line breaks;
- levels as 高/中/低, 一级/二级/三级, A/B/C (or 1/2/3).

Each data row becomes a RiskPoint at the finding level the layout says (the
title or sheet name: 个人（岗位） / 内设机构（科室） / 单位 / 领导班子; else a
查找层级 column; else the row: a post → post level, a department → department
level, neither → unit level) with its level as given — imported registers carry
a level, not factor scores, so inherent_level = residual_level = that level and
explanation = {"kind": "imported", "level_text": …}. Measures become Measure rows
whose line (前期预防/中期监控/后期处置) and kind (教育/制度/监督/科技/权力制衡) are
guessed from keywords unless the column says the line.

Nothing is written unless `commit` is true; then every row that can be placed is
written, in one transaction, and the rows that cannot (unknown department or
post, missing level, missing risk text, a duplicate) are skipped and reported
with the sheet's own row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl.utils import get_column_letter

from lianfang.audit.context import acting
from lianfang.audit.services import record
from lianfang.core.xlsx import WorkbookError, open_xlsx
from lianfang.measures.models import Kind, Line, Measure
from lianfang.orgs.models import Department, Person, Post, PostAssignment, Unit
from lianfang.powers.workbook import Problem, _squash, _text
from lianfang.risks.models import (
    DiscoveryMethod,
    FindingLevel,
    Level,
    ReviewStatus,
    RiskCategory,
    RiskPoint,
)

from . import figures
from .registers import COLUMNS, STEP_MARK

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 15
CODE_PREFIX = "IMP"
DEFAULT_CATEGORY = "岗位职责"
_TRIM = " \t\r\n\u3000\xa0\ufeff"

# --------------------------------------------------------------------------- headers

# Column key -> the names units give it. The register's own header comes first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "序", "No", "NO."),
    "code": ("编号", "风险编号", "风险点编号", "风险点代码", "风险代码"),
    "finding_level": ("查找层级", "层级", "风险层级", "排查层级"),
    "department": ("科室", "部门", "股室", "内设机构", "处室", "所在科室", "所在部门", "所在股室", "科室名称", "部门名称",
                   "责任科室", "科室（部门）", "部门（科室）", "科（股）室", "科股室", "单位科室"),
    "post": ("岗位", "岗位名称", "工作岗位", "所在岗位", "风险岗位"),
    "post_title": ("职务", "职务（岗位）"),
    "person": ("姓名", "岗位人员", "人员", "班子成员", "填报人姓名"),
    "charge": ("分管工作", "分管范围", "分管科室", "分管"),
    "power": ("职权/环节", "职权", "涉及职权", "职权名称", "职权事项", "权力事项", "主要职责", "岗位职责", "工作职责",
              "职责", "环节", "风险环节", "业务环节", "职权/事项", "涉及事项", "三重一大事项", "权力运行环节", "工作事项",
              "职权（环节）", "岗位职权", "职权内容"),
    "title": ("风险点", "风险点名称", "廉政风险点", "风险点内容", "风险名称", "主要风险点", "风险内容", "存在的风险点",
              "廉政风险", "风险点描述"),
    "description": ("表现形式", "风险描述", "具体表现", "主要表现", "风险表现", "风险表现形式", "风险内容及表现形式",
                    "表现", "存在的风险及表现形式", "风险点表现形式", "具体表现形式", "主要表现形式"),
    "category": ("风险类别", "类别", "风险类型", "类型", "风险种类", "风险分类"),
    "level": ("风险等级", "等级", "级别", "风险级别", "评定等级", "风险程度", "等级评定"),
    "measures": ("防控措施", "防范措施", "预防措施", "风险防控措施", "防控措施及办法", "主要防控措施", "防范控制措施",
                 "措施", "廉政风险防控措施", "防控办法", "防范措施及办法"),
    "prevention": ("前期预防措施", "前期预防", "前期防控措施"),
    "monitoring": ("中期监控措施", "中期监控", "中期监督措施", "中期监督"),
    "disposal": ("后期处置措施", "后期处置", "后期处置办法"),
    "responsible": ("责任领导", "责任人", "监管责任人", "防控责任人", "监督责任人", "责任主体", "监管领导", "责任领导（分管领导）"),
    "discovery": ("查找方式", "查找途径", "发现方式", "风险来源", "查找方法", "来源"),
    "cause": ("产生原因", "原因", "成因", "风险成因", "原因分析"),
    "consequence": ("可能后果", "后果", "可能造成的后果", "危害后果"),
    "deadline": ("完成时限", "时限", "完成时间"),
    "rules": ("需制定（修订）的制度", "需制定修订的制度", "需建立的制度", "相关制度", "制度建设"),
    "note": ("备注", "说明"),
}
MULTI = {"measures", "prevention", "monitoring", "disposal", "description"}  # several columns are joined
LINE_OF_COLUMN = {"prevention": Line.PREVENTION, "monitoring": Line.MONITORING, "disposal": Line.DISPOSAL}


def _norm_header(value) -> str:
    text = _squash(_text(value)).replace("*", "").replace("＊", "").replace("／", "/")
    return text.rstrip("：:")


def _strip_paren(text: str) -> str:
    return re.sub(r"[(（][^)）]*[)）]$", "", text)


_LOOKUP: dict[str, str] = {}
for _key, _names in SYNONYMS.items():
    for _name in _names:
        _LOOKUP.setdefault(_norm_header(_name), _key)
for _col in COLUMNS.values():  # every header the exports write
    _LOOKUP.setdefault(_norm_header(_col.header), "responsible" if _col.key == "owner" else _col.key)


def header_key(value) -> str | None:
    """The column key a header cell names, or None ("风险等级（高/中/低）" → level)."""
    text = _norm_header(value)
    if not text:
        return None
    return _LOOKUP.get(text) or _LOOKUP.get(_strip_paren(text))


# --------------------------------------------------------------------------- values

_LEVELS = {
    "高": Level.HIGH, "一": Level.HIGH, "1": Level.HIGH, "A": Level.HIGH, "I": Level.HIGH, "Ⅰ": Level.HIGH,
    "中": Level.MEDIUM, "二": Level.MEDIUM, "2": Level.MEDIUM, "B": Level.MEDIUM, "II": Level.MEDIUM,
    "Ⅱ": Level.MEDIUM, "较高": Level.MEDIUM,
    "低": Level.LOW, "三": Level.LOW, "3": Level.LOW, "C": Level.LOW, "III": Level.LOW, "Ⅲ": Level.LOW,
    "较低": Level.LOW, "一般": Level.LOW,
}


def parse_level(value) -> str | None:
    """高/中/低, 一级/二级/三级, A/B/C, 1/2/3 (also "高风险", "A级", "高（一级）") → Level, else None."""
    text = _squash(_text(value)).upper().replace("Ａ", "A").replace("Ｂ", "B").replace("Ｃ", "C")
    if not text:
        return None
    text = re.sub(r"[(（][^)）]*[)）]$", "", text) or text
    for word in ("风险", "等级"):
        text = text.replace(word, "")
    if len(text) > 1 and text.endswith("级"):
        text = text[:-1]
    return _LEVELS.get(text)


_FINDING = (("领导班子", FindingLevel.LEADERSHIP), ("班子", FindingLevel.LEADERSHIP),
            ("内设机构", FindingLevel.DEPARTMENT), ("科室", FindingLevel.DEPARTMENT),
            ("部门", FindingLevel.DEPARTMENT), ("股室", FindingLevel.DEPARTMENT),
            ("个人", FindingLevel.POST), ("岗位", FindingLevel.POST), ("单位", FindingLevel.UNIT),
            ("本级", FindingLevel.UNIT))


def parse_finding_level(value) -> str | None:
    text = _squash(_text(value))
    for word, level in _FINDING:
        if word in text:
            return level
    return None


def level_from_title(text: str) -> str | None:
    """The finding level a title or sheet name states, if any."""
    t = _squash(text)
    if "领导班子" in t or "班子成员" in t:
        return FindingLevel.LEADERSHIP
    if any(w in t for w in ("内设机构", "科室廉政", "部门廉政", "股室廉政", "科室风险", "处室廉政", "科室（内设机构）")):
        return FindingLevel.DEPARTMENT
    if "单位廉政风险" in t or "单位风险" in t:
        return FindingLevel.UNIT
    if any(w in t for w in ("个人", "岗位廉政", "岗位风险")):
        return FindingLevel.POST
    return None


_CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return _CN[n - 1]
    return ("十" if n < 20 else _CN[n // 10 - 1] + "十") + (_CN[n % 10 - 1] if n % 10 else "")


_BOUNDARY = r"(?:^|(?<=[\s；;。，,、:：!！?？]))"
# Numbering styles: a function from n to the regex of marker n, and whether it needs a boundary before it.
_STYLES = (
    (lambda n: rf"{n}\s*[、.．:：)）](?!\d)", True),
    (lambda n: rf"[(（]\s*{n}\s*[)）]", False),
    (lambda n: chr(0x2460 + n - 1) if n <= 20 else "(?!)", False),
    (lambda n: rf"[(（]{_cn(n)}[)）]", False),
    (lambda n: rf"{_cn(n)}是", True),
    (lambda n: rf"{_cn(n)}[、.．]", True),
    (lambda n: rf"第{_cn(n)}[，,、:：]", True),
)
_BULLET = re.compile(r"^[\s•·●▪■◆\-—*]+")


def _markers(text: str, style, boundary: bool) -> list[tuple[int, int]]:
    found, pos = [], 0
    for n in range(1, 60):
        match = re.compile((_BOUNDARY if boundary else "") + style(n)).search(text, pos)
        if not match:
            break
        found.append((match.start(), match.end()))
        pos = match.end()
    return found


def _clean_measure(text: str) -> str:
    text = text.strip(_TRIM)
    return text.rstrip("；;，,、" + _TRIM).strip(_TRIM)


def split_measures(text: str) -> list[str]:
    """Measures written in one cell → a list: split on numbering 1、 1. （1） ① （一） 一是 一、
    第一，(consecutive, from 1), else on line breaks. Text before the first number, if any,
    is kept as a measure of its own."""
    text = _text(text)
    if not text:
        return []
    best: list[tuple[int, int]] = []
    for style, boundary in _STYLES:
        found = _markers(text, style, boundary)
        if len(found) > len(best) or (len(found) == len(best) and found and found[0][0] < best[0][0]):
            best = found
    if best:
        pieces = [text[: best[0][0]]] if best[0][0] else []
        for i, (_, end) in enumerate(best):
            stop = best[i + 1][0] if i + 1 < len(best) else len(text)
            pieces.append(text[end:stop])
    else:
        pieces = [_BULLET.sub("", line) for line in text.split("\n")]
    return [p for p in (_clean_measure(p) for p in pieces) if p and p.strip("：:。.")]


def _earliest(text: str, table: tuple[tuple[str, tuple[str, ...]], ...], default: str) -> str:
    best, where = default, len(text) + 1
    for value, words in table:
        for word in words:
            i = text.find(word)
            if 0 <= i < where:
                best, where = value, i
    return best


LINE_WORDS = (
    (Line.PREVENTION, ("教育", "学习", "培训", "承诺", "警示", "提醒", "宣传", "制定", "建立", "健全", "完善", "明确")),
    (Line.MONITORING, ("监督", "检查", "审核", "审查", "复核", "抽查", "巡查", "督查", "监控", "公开", "公示", "测评",
                       "评议", "备案", "审计", "跟踪", "核查", "报告")),
    (Line.DISPOSAL, ("问责", "处理", "追究", "处分", "查处", "纠正", "整改", "诫勉", "通报", "约谈", "责令", "移送",
                     "处置")),
)
KIND_WORDS = (
    (Kind.EDUCATION, ("教育", "学习", "培训", "警示", "承诺", "谈话", "提醒", "宣传")),
    (Kind.RULES, ("制度", "规定", "办法", "规范", "细则", "流程", "程序", "标准", "基准")),
    (Kind.SUPERVISION, ("监督", "检查", "审核", "审查", "抽查", "巡查", "督查", "公开", "公示", "测评", "评议", "审计",
                        "备案", "报告", "问责", "追究", "处理", "处分", "查处")),
    (Kind.TECHNOLOGY, ("电子", "信息化", "信息系统", "网上", "系统", "视频", "监控", "平台", "软件")),
    (Kind.CHECKS, ("分权", "分离", "分设", "轮岗", "交流", "集体", "回避", "制衡", "双人", "不相容", "会签", "限额")),
)
_RULE_RE = re.compile(r"(?:制定|修订|修改|完善|建立|出台|起草|健全)[^《。；;]{0,8}《([^》]{2,80})》")


def guess_line(text: str) -> str:
    """The line a measure belongs to, by its earliest keyword: 教育/学习… → 前期预防,
    监督/检查… → 中期监控, 问责/处理… → 后期处置; none → 前期预防."""
    return _earliest(text, LINE_WORDS, Line.PREVENTION)


def guess_kind(text: str) -> str:
    """教育 / 制度 / 监督 / 科技 / 权力制衡 by the earliest keyword; none → 制度."""
    return _earliest(text, KIND_WORDS, Kind.RULES)


def rule_name_of(text: str) -> str:
    match = _RULE_RE.search(text)
    return match.group(1)[:200] if match else ""


_CATEGORY_ALIASES = {"权力行使": "岗位职责", "岗位职权": "岗位职责", "履职": "岗位职责", "业务": "业务流程",
                     "流程": "业务流程", "制度": "制度机制", "机制": "制度机制", "外部": "外部环境", "环境": "外部环境",
                     "思想": "思想道德", "道德": "思想道德"}
_DISCOVERY_ALIASES = {"自查": "自己找", "自己查": "自己找", "自找": "自己找", "群众提": "群众帮", "群众评": "群众帮",
                      "群众": "群众帮", "领导点": "领导提", "领导评": "领导提", "相互查": "互相查", "互查": "互相查",
                      "相互帮": "互相查", "集中评": "专家评", "专家评估": "专家评", "组织评": "组织审",
                      "案例": "案例分析", "信访": "信访举报", "举报": "信访举报", "检查": "检查巡察", "巡察": "检查巡察"}


# --------------------------------------------------------------------------- report


@dataclass
class _New:
    """A department or post that --create-missing will create."""

    kind: str  # "department" | "post"
    name: str
    department: object = None  # for a post: Department | _New | None
    obj: object = None  # the created row, once committed

    @property
    def pk(self):
        return self.obj.pk if self.obj is not None else None

    def __str__(self):
        return self.name


@dataclass
class PlannedMeasure:
    content: str
    line: str
    kind: str
    rule_name: str = ""


@dataclass
class PlannedRisk:
    sheet: str
    row: int
    finding_level: str
    title: str
    description: str
    level: str
    level_text: str
    category: RiskCategory
    department: object = None  # Department | _New | None
    post: object = None  # Post | _New | None
    person: Person | None = None
    power: object = None
    step: object = None
    power_text: str = ""
    cause: str = ""
    consequence: str = ""
    responsible: Person | None = None
    responsible_body: str = ""
    discovery: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    code: str = ""

    def key(self) -> tuple:
        def ident(obj):
            return ("new", obj.name) if isinstance(obj, _New) else (obj.pk if obj is not None else None)

        return (self.finding_level, ident(self.department), ident(self.post), _squash(self.title),
                _squash(self.description))


@dataclass
class RegisterImport:
    unit: Unit
    year: int
    filename: str = ""
    problems: list[Problem] = field(default_factory=list)  # rows (or the file) not written
    warnings: list[Problem] = field(default_factory=list)  # written, with an assumption worth checking
    planned: list[PlannedRisk] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (sheet, row) not written
    sheets: list[dict] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    new_posts: list[str] = field(default_factory=list)
    committed: bool = False
    codes: list[str] = field(default_factory=list)

    @property
    def risk_points(self) -> int:
        return len(self.planned)

    @property
    def measures(self) -> int:
        return sum(len(p.measures) for p in self.planned)

    @property
    def file_ok(self) -> bool:
        """False when the file itself could not be read (no sheet, no header …)."""
        return not any(p.row is None and not p.sheet for p in self.problems)

    def as_dict(self) -> dict:
        def item(p: Problem) -> dict:
            return {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}

        return {
            "unit": self.unit.code, "year": self.year, "file": self.filename, "committed": self.committed,
            "risk_points": self.risk_points, "measures": self.measures,
            "problems": [item(p) for p in self.problems], "warnings": [item(p) for p in self.warnings],
            "skipped_rows": [{"sheet": s, "row": r} for s, r in self.skipped],
            "new_departments": self.new_departments, "new_posts": self.new_posts,
            "sheets": self.sheets, "codes": self.codes,
        }


# --------------------------------------------------------------------------- reading


class _FileError(Exception):
    pass


def _open(fileobj, report: RegisterImport):
    try:
        workbook, report.filename = open_xlsx(fileobj, max_bytes=MAX_BYTES)
    except WorkbookError as error:
        report.filename = error.filename or report.filename
        raise _FileError(str(error)) from None
    return workbook


@dataclass
class _Grid:
    rows: list[list]
    top_of: dict  # (row index, col index) -> row index of the top of its vertical merge (not for the top itself)
    wide: dict  # row index -> list of (first col, last col) of horizontal merges


def _grid(ws) -> _Grid:
    rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=min(ws.max_row, MAX_ROWS + 100), values_only=True)]
    top_of, wide = {}, {}
    for merged in ws.merged_cells.ranges:
        r0, c0 = merged.min_row - 1, merged.min_col - 1
        if r0 >= len(rows):
            continue
        if merged.max_col > merged.min_col:
            for r in range(r0, min(merged.max_row, len(rows))):
                wide.setdefault(r, []).append((c0, merged.max_col - 1))
        if merged.max_row > merged.min_row:
            # Merged down: every row it covers has the top cell's value (first column only:
            # a block merged across columns, like a footer, is not copied into each cell).
            value = rows[r0][c0] if c0 < len(rows[r0]) else None
            for r in range(r0 + 1, min(merged.max_row, len(rows))):
                if c0 < len(rows[r]):
                    rows[r][c0] = value
                    top_of[(r, c0)] = r0
    while rows and not any(_text(v) for v in rows[-1]):
        rows.pop()
    return _Grid(rows, top_of, wide)


@dataclass
class _Layout:
    header_index: int  # 0-based index of the (last) header row
    columns: dict  # key -> list of (col index, header text)
    level: str | None  # the finding level the title or sheet name states
    title_text: str

    def label(self, key: str) -> str:
        found = self.columns.get(key)
        if not found:
            return COLUMNS[key].header if key in COLUMNS else key
        i, text = found[0]
        return f"{get_column_letter(i + 1)}（{text}）"


def _find_layout(ws, grid: _Grid) -> _Layout | None:
    rows = grid.rows
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {i: header_key(v) for i, v in enumerate(values)}
        known = {k for k in keys.values() if k}
        if not (known & {"title", "description"}) or len(known) < 3:
            continue
        mapping = {i: k for i, k in keys.items() if k}
        texts = {i: _squash(_text(values[i])) for i in mapping}
        header_index = index
        # A second header row under a group header ("防控措施" over 前期预防 | 中期监控 | 后期处置).
        below = rows[index + 1] if index + 1 < len(rows) else []
        anchor = next(i for i, k in mapping.items() if k in ("title", "description"))
        anchor_below = _text(below[anchor]) if anchor < len(below) else ""
        if below and (not anchor_below or header_key(anchor_below) == mapping[anchor]):
            parent, extra, other = "", {}, 0
            for i in range(len(below)):
                if i < len(values) and _text(values[i]):
                    parent = _norm_header(values[i])
                child = _norm_header(below[i])
                if not child or (i in mapping and header_key(child) == mapping[i]):
                    continue
                key = header_key(parent + child) or header_key(child)
                if key:
                    extra[i] = (key, _squash(_text(below[i])))
                else:
                    other += 1  # a value, not a header: this is a data row
            if extra and not other:
                for i, (key, text) in extra.items():
                    mapping[i], texts[i] = key, text
                header_index = index + 1
        columns: dict[str, list] = {}
        for i in sorted(mapping):
            columns.setdefault(mapping[i], []).append((i, texts[i]))
        title_text = " ".join(_text(v) for r in rows[:index] for v in r if _text(v))
        level = level_from_title(title_text) or level_from_title(ws.title)
        return _Layout(header_index, columns, level, title_text)
    return None


_FOOTER_RE = re.compile(r"^(填表人|填报人|制表人?|审核人|审核|审查|确认|负责人|分管领导|主要负责人|科室负责人|单位负责人|"
                        r"领导小组|党组|签字|签名|日期|注|说明|备注|本人|盖章)[^，。]{0,14}[：:]")
_SIGN_RE = re.compile(r"签字|签名|盖章|年\s*月\s*日")
_ENUM_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])\s*")


# --------------------------------------------------------------------------- placing rows


class _Importer:
    def __init__(self, report: RegisterImport, *, create_missing: bool, finding_level: str | None, user):
        self.report = report
        self.unit = report.unit
        self.create_missing = create_missing
        self.forced_level = finding_level
        self.user = user
        unit = self.unit
        self.departments = list(Department.objects.filter(unit=unit).order_by("-is_active", "sort_order", "code"))
        self.posts = list(Post.objects.filter(unit=unit).select_related("department")
                          .order_by("-is_active", "sort_order", "code"))
        self.people = list(Person.objects.filter(unit=unit).order_by("-is_active", "code"))
        self.current_posts: dict[int, set[int]] = {}
        for person_id, post_id in PostAssignment.objects.current().filter(person__unit=unit).values_list(
                "person_id", "post_id"):
            self.current_posts.setdefault(person_id, set()).add(post_id)
        self.categories = list(RiskCategory.objects.order_by("-is_active", "sort_order", "code"))
        self.default_category = next((c for c in self.categories if c.name == DEFAULT_CATEGORY), None) or (
            self.categories[0] if self.categories else None)
        self.discovery = list(DiscoveryMethod.objects.order_by("-is_active", "sort_order"))
        self.new: dict[tuple, _New] = {}
        self.seen: dict[tuple, int] = {}
        self.existing: dict[tuple, str] = {}
        for risk in RiskPoint.objects.filter(unit=unit, year=report.year).only(
                "finding_level", "department_id", "post_id", "title", "description", "code"):
            key = (risk.finding_level, risk.department_id, risk.post_id, _squash(risk.title),
                   _squash(risk.description))
            self.existing.setdefault(key, risk.code)
        self._powers = None
        self._steps = None

    # -- messages

    def problem(self, sheet, row, column, message):
        self.report.problems.append(Problem(sheet, row, column, message))

    def warning(self, sheet, row, column, message):
        self.report.warnings.append(Problem(sheet, row, column, message))

    # -- lookups

    def department(self, text: str):
        wanted = _squash(text)
        for dept in self.departments:
            if dept.code == wanted or _squash(dept.name) == wanted:
                return dept
        return self.new.get(("department", wanted))

    def new_department(self, text: str) -> _New:
        key = ("department", _squash(text))
        if key not in self.new:
            self.new[key] = _New("department", " ".join(text.split())[:120])
            self.report.new_departments.append(self.new[key].name)
        return self.new[key]

    def post(self, text: str, department, person: Person | None, leadership: bool):
        """(post, error message). Matches a code, "科室/岗位", or a name (also without
        its bracketed part) narrowed by department, by who holds it and by leadership."""
        wanted = _squash(text).replace("／", "/")
        for post in self.posts:
            if post.code == wanted:
                return post, ""
        scope = self.posts
        if "/" in wanted:
            dept_text, _, wanted = wanted.rpartition("/")
            department = self.department(dept_text) or department
        matches = [p for p in scope if _squash(p.name) == wanted]
        if not matches:
            matches = [p for p in scope if _strip_paren(_squash(p.name)) == _strip_paren(wanted)]
        if isinstance(department, Department):
            matches = [p for p in matches if p.department_id == department.pk] or (
                [] if not leadership else [p for p in matches if p.department_id is None])
        elif isinstance(department, _New):
            matches = []
        if len(matches) > 1 and person is not None:
            held = self.current_posts.get(person.pk, set())
            matches = [p for p in matches if p.pk in held] or matches
        if len(matches) > 1 and leadership:
            matches = [p for p in matches if p.department_id is None] or matches
        if len(matches) > 1:
            active = [p for p in matches if p.is_active]
            matches = active if len(active) == 1 else matches
        if len(matches) == 1:
            return matches[0], ""
        pending = self.new.get(("post", _squash(str(department or "")), wanted))
        if pending is not None:
            return pending, ""
        if matches:
            where = "、".join(p.department.name if p.department_id else "领导班子" for p in matches)
            return None, f"本单位有多个名为“{text}”的岗位（{where}），请写作“科室名称/岗位名称”或填写岗位编码"
        where = f"科室“{department}”" if department is not None else f"本单位“{self.unit.name}”"
        return None, f"{where}没有岗位“{text}”"

    def new_post(self, text: str, department) -> _New:
        name = " ".join(text.replace("／", "/").rpartition("/")[2].split())[:120]
        key = ("post", _squash(str(department or "")), _squash(name))
        if key not in self.new:
            self.new[key] = _New("post", name, department)
            where = str(department) if department is not None else "领导班子"
            self.report.new_posts.append(f"{where}/{name}")
        return self.new[key]

    def person(self, text: str) -> tuple[Person | None, str]:
        name = _strip_paren(_squash(text))
        matches = [p for p in self.people if _squash(p.name) == name]
        active = [p for p in matches if p.is_active]
        matches = active or matches
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"本单位有多名人员名为“{text}”，未关联到具体人员"
        return None, f"人员“{text}”不在本单位人员名单中，未关联到具体人员"

    def category(self, text: str) -> tuple[RiskCategory | None, str]:
        wanted = _squash(text)
        if not wanted:
            return self.default_category, f"未填写风险类别，按“{DEFAULT_CATEGORY}”导入"
        candidates = [wanted, wanted.removesuffix("类"), wanted.removesuffix("风险"),
                      wanted.removesuffix("类").removesuffix("风险"), wanted.removesuffix("风险").removesuffix("方面")]
        for option in candidates:
            for cat in self.categories:
                if option in (_squash(cat.name), cat.code) or option.upper() == cat.code.upper():
                    return cat, ""
        for option in candidates:
            for alias, name in _CATEGORY_ALIASES.items():
                if option.startswith(alias):
                    cat = next((c for c in self.categories if c.name == name), None)
                    if cat is not None:
                        return cat, ""
        names = "、".join(c.name for c in self.categories if c.is_active)
        return self.default_category, f"风险类别“{text}”不在类别表（{names}）中，按“{DEFAULT_CATEGORY}”导入"

    def _load_powers(self):
        if self._powers is None:
            from lianfang.flows.models import Step
            from lianfang.powers.models import Power

            powers = Power.objects.filter(catalogue__unit=self.unit).select_related("catalogue").order_by(
                "-catalogue__year")
            year = self.report.year
            ranked = sorted(powers, key=lambda p: (p.catalogue.year != year, p.catalogue.year > year,
                                                   -p.catalogue.year))
            self._powers = {}
            for power in ranked:
                self._powers.setdefault(_squash(power.name), power)
            self._steps = {}
            for step in Step.objects.filter(flowchart__unit=self.unit).prefetch_related("flowchart__powers"):
                self._steps.setdefault(_squash(step.name), []).append(step)
        return self._powers, self._steps

    def power(self, text: str):
        """(power, step, message) from "职权名称（环节：环节名称）" or a power name."""
        powers, steps = self._load_powers()
        power_name, step_name = text, ""
        if STEP_MARK in text and text.endswith("）"):
            power_name, _, rest = text.partition(STEP_MARK)
            step_name = rest[:-1]
        elif text.startswith(STEP_MARK[1:]):
            power_name, step_name = "", text[len(STEP_MARK) - 1:]
        power = powers.get(_squash(power_name)) if power_name else None
        step = None
        if step_name:
            options = steps.get(_squash(step_name), [])
            if power is not None:
                options = [s for s in options if power in s.flowchart.powers.all()] or options
            step = options[0] if len(options) == 1 else None
        missing = []
        if power_name and power is None:
            missing.append(f"职权“{power_name}”不在本单位职权目录中")
        if step_name and step is None:
            missing.append(f"流程环节“{step_name}”未找到或不唯一")
        return power, step, ("，".join(missing) + "，原文保留在评级说明中，未关联") if missing else ""

    def discovery_methods(self, text: str) -> tuple[list, list[str]]:
        found, unknown = [], []
        for token in re.split(r"[、，,；;/\s]+", _text(text)):
            token = token.strip(_TRIM)
            if not token:
                continue
            name = _DISCOVERY_ALIASES.get(token, token)
            method = next((d for d in self.discovery if d.name == name or d.code == token), None)
            if method is None:
                unknown.append(token)
            elif method not in found:
                found.append(method)
        return found, unknown

    # -- sheets

    def run_sheet(self, ws) -> None:
        grid = _grid(ws)
        layout = _find_layout(ws, grid)
        if layout is None:
            return
        sheet = ws.title
        level = self.forced_level or layout.level
        self.report.sheets.append({"name": sheet, "header_row": layout.header_index + 1,
                                   "finding_level": level or "", "columns": {
                                       k: [get_column_letter(i + 1) for i, _ in v] for k, v in layout.columns.items()}})
        cols = layout.columns
        has_level_col = "level" in cols
        has_text_col = "title" in cols or "description" in cols
        if not has_level_col:
            self.problem(sheet, layout.header_index + 1, "", "未找到“风险等级”列（也识别：等级、级别、风险级别），本表各行均无法导入")
        if "category" not in cols:
            self.warning(sheet, layout.header_index + 1, "",
                         f"表中没有“风险类别”列，各行按“{DEFAULT_CATEGORY}”导入，请导入后核对")
        if len(grid.rows) - layout.header_index - 1 > MAX_ROWS:
            self.problem(sheet, None, "", f"行数过多：每个工作表最多 {MAX_ROWS} 行")
            return
        title_col = cols.get("title", cols.get("description"))[0][0] if has_text_col else None
        section_dept = None
        previous: PlannedRisk | None = None
        previous_top = None
        for index in range(layout.header_index + 1, len(grid.rows)):
            values = grid.rows[index]
            number = index + 1

            def cell(key, values=values):
                found = cols.get(key)
                if not found:
                    return ""
                if key in MULTI:
                    return "\n".join(t for t in (_text(values[i]) if i < len(values) else "" for i, _ in found) if t)
                i = found[0][0]
                return _text(values[i]) if i < len(values) else ""

            texts = [_text(v) for v in values]
            filled = [t for t in texts if t]
            if not filled:
                continue
            first = filled[0]
            if _FOOTER_RE.match(first) or (any(_SIGN_RE.search(t) for t in filled) and not cell("level")):
                continue  # signature footer or a note
            # A heading row across the table ("一、办公室"): a department for the rows below it.
            spans = grid.wide.get(index, [])
            if len(set(filled)) == 1 and any(hi - lo >= 2 for lo, hi in spans):
                heading = _ENUM_RE.sub("", first).strip(_TRIM)
                found = self.department(heading)
                section_dept = found if found is not None else section_dept
                continue
            content_keys = ("title", "description", "measures", "prevention", "monitoring", "disposal", "level")
            if not any(cell(k) for k in content_keys):
                continue  # e.g. only a department merged down, or only a number
            # A risk point merged down over several rows: the rows below add measures to it.
            top = grid.top_of.get((index, title_col)) if title_col is not None else None
            if top is not None and top == previous_top:
                if previous is not None:
                    self.continue_row(previous, cell, layout)
                else:
                    self.report.skipped.append((sheet, number))  # part of a row already reported
                continue
            previous = self.place(sheet, number, cell, layout, level, section_dept)
            previous_top = index
            if previous is None:
                self.report.skipped.append((sheet, number))

    def measures_of(self, cell) -> list[PlannedMeasure]:
        out = []
        for key in ("measures", "prevention", "monitoring", "disposal"):
            for content in split_measures(cell(key)):
                line = LINE_OF_COLUMN.get(key) or guess_line(content)
                out.append(PlannedMeasure(content, line, guess_kind(content), rule_name_of(content)))
        return out

    def continue_row(self, planned: PlannedRisk, cell, layout: _Layout) -> None:
        for measure in self.measures_of(cell):
            if all(m.content != measure.content for m in planned.measures):
                planned.measures.append(measure)
        description = cell("description")
        if description and "title" in layout.columns and description not in planned.description:
            planned.description = f"{planned.description}\n{description}".strip()

    def place(self, sheet: str, number: int, cell, layout: _Layout, sheet_level, section_dept) -> PlannedRisk | None:
        label = layout.label
        problems_before = len(self.report.problems)

        def fail(key, message):
            self.problem(sheet, number, label(key) if key else "", message)

        def warn(key, message):
            self.warning(sheet, number, label(key) if key else "", message)

        title, description = " ".join(cell("title").split()), cell("description")
        if not title and not description:
            fail("title" if "title" in layout.columns else "description", "缺少风险点（风险点和表现形式均为空），无法导入")
        if not title:
            title = re.split(r"[。；;\n]", description, maxsplit=1)[0][:60]
        if len(title) > 200:
            warn("title", "风险点超过 200 字，已截断；全文保留在表现形式中")
            description = description or title
            title = title[:200]
        description = description or title
        level_text = cell("level")
        level = parse_level(level_text)
        if "level" in layout.columns:
            if not level_text:
                fail("level", "缺少风险等级，应填 高/中/低、一级/二级/三级 或 A/B/C")
            elif level is None:
                fail("level", f"风险等级“{level_text}”无法识别，应为 高/中/低、一级/二级/三级 或 A/B/C")
        # Who: person, department, post.
        finding = sheet_level or parse_finding_level(cell("finding_level"))
        person = None
        person_text = cell("person")
        if person_text and not re.search(r"[、，,；;]", person_text):
            person, message = self.person(person_text)
            if message and finding == FindingLevel.LEADERSHIP:
                warn("person", message)
        post_key = "post" if cell("post") else "post_title"
        post_text = cell(post_key)
        dept_text = cell("department")
        if finding is None:
            if post_text:
                finding = FindingLevel.POST
            elif dept_text or section_dept is not None:
                finding = FindingLevel.DEPARTMENT
            else:
                finding = FindingLevel.UNIT
        department = None
        if dept_text:
            department = self.department(dept_text)
            if department is None:
                if finding == FindingLevel.UNIT or finding == FindingLevel.LEADERSHIP:
                    warn("department", f"本单位“{self.unit.name}”没有科室“{dept_text}”，未关联科室")
                elif self.create_missing:
                    department = self.new_department(dept_text)
                    warn("department", f"本单位没有科室“{dept_text}”，将新建该科室")
                else:
                    names = "、".join(d.name for d in self.departments if d.is_active) or "（本单位尚未设置科室）"
                    fail("department", f"本单位“{self.unit.name}”没有科室“{dept_text}”；本单位的科室有：{names}")
        elif section_dept is not None and finding in (FindingLevel.POST, FindingLevel.DEPARTMENT):
            department = section_dept
        post = None
        leadership = finding == FindingLevel.LEADERSHIP
        if post_text and finding in (FindingLevel.POST, FindingLevel.LEADERSHIP):
            if dept_text and department is None and not leadership:
                pass  # already reported: the department is unknown
            else:
                post, message = self.post(post_text, department, person, leadership)
                if post is None:
                    if self.create_missing and "多个" not in message:
                        post = self.new_post(post_text, None if leadership else department)
                        warn(post_key, f"{message}，将新建该岗位")
                    else:
                        fail(post_key, message)
        elif finding == FindingLevel.LEADERSHIP and person is not None:
            held = self.current_posts.get(person.pk, set())
            options = [p for p in self.posts if p.pk in held and p.department_id is None]
            post = options[0] if len(options) == 1 else None
        if finding == FindingLevel.POST and not post_text:
            fail("post", "个人（岗位）层级的风险点缺少岗位")
        if finding == FindingLevel.DEPARTMENT and department is None and not dept_text:
            fail("department", "科室（内设机构）层级的风险点缺少科室")
        if isinstance(post, Post):
            if post.department_id and department is None:
                department = post.department
            if person is None and leadership:
                # A leadership member's own risk: the one person holding that post.
                holders = [pid for pid, held in self.current_posts.items() if post.pk in held]
                person = next((p for p in self.people if p.pk == holders[0]), None) if len(holders) == 1 else None
        if finding == FindingLevel.DEPARTMENT:
            post = None
        if len(self.report.problems) > problems_before:
            return None
        category, message = self.category(cell("category"))
        if message and "category" in layout.columns:
            warn("category", message)
        if category is None:
            fail("category", "系统中没有任何风险类别，请先在系统管理中设置风险类别")
            return None
        planned = PlannedRisk(sheet, number, finding, title, description, level, level_text, category,
                              department=department, post=post, person=person)
        power_text = cell("power")
        if power_text:
            planned.power, planned.step, message = self.power(power_text)
            if message:
                planned.power_text = power_text
                warn("power", message)
        planned.cause, planned.consequence = cell("cause"), cell("consequence")
        responsible = cell("responsible")
        if responsible:
            found, _ = self.person(responsible)
            if found is not None:
                planned.responsible = found
            else:
                planned.responsible_body = responsible[:120]
        discovery = cell("discovery")
        if discovery:
            planned.discovery, unknown = self.discovery_methods(discovery)
            if unknown:
                warn("discovery", f"查找方式“{'、'.join(unknown)}”不在查找方式表中，未导入该项")
        planned.measures = self.measures_of(cell)
        if not planned.measures:
            warn("measures", "未填写防控措施：每个风险点都应有相应的防控措施")
        key = planned.key()
        if key in self.existing:
            fail("title", f"本单位{self.report.year}年度已有相同的风险点（编号 {self.existing[key]}），未重复导入")
            return None
        if key in self.seen:
            fail("title", f"与第{self.seen[key]}行的风险点相同，未重复导入")
            return None
        self.seen[key] = number
        self.report.planned.append(planned)
        return planned

    # -- writing

    def _next_codes(self, model, prefix: str, count: int) -> list[str]:
        used = set(model.objects.filter(unit=self.unit, code__startswith=prefix).values_list("code", flat=True))
        codes, n = [], 1
        while len(codes) < count:
            code = f"{prefix}{n:03d}"
            if code not in used:
                codes.append(code)
            n += 1
        return codes

    def commit(self) -> None:
        report = self.report
        news = list(self.new.values())
        depts = [n for n in news if n.kind == "department"]
        for new, code in zip(depts, self._next_codes(Department, f"{CODE_PREFIX}-D", len(depts)), strict=True):
            new.obj = Department.objects.create(unit=self.unit, code=code, name=new.name)
        posts = [n for n in news if n.kind == "post"]
        for new, code in zip(posts, self._next_codes(Post, f"{CODE_PREFIX}-P", len(posts)), strict=True):
            dept = new.department.obj if isinstance(new.department, _New) else new.department
            new.obj = Post.objects.create(unit=self.unit, department=dept, code=code, name=new.name)

        def real(obj):
            return obj.obj if isinstance(obj, _New) else obj

        prefix = f"{CODE_PREFIX}-{report.year}-"
        last = RiskPoint.objects.filter(unit=self.unit, year=report.year, code__startswith=prefix).aggregate(
            m=Max("code"))["m"]
        start = int(last[len(prefix):]) if last and last[len(prefix):].isdigit() else 0
        author = Person.objects.filter(user=self.user).first() if self.user is not None and getattr(
            self.user, "is_authenticated", False) else None
        from lianfang.risks.services import assign_responsibility

        risks = []
        for offset, item in enumerate(report.planned, start=1):
            item.code = f"{prefix}{start + offset:04d}"
            post = real(item.post)
            department = real(item.department) or (post.department if post is not None else None)
            explanation = {"kind": "imported", "level_text": item.level_text, "file": report.filename,
                           "sheet": item.sheet, "row": item.row}
            if item.power_text:
                explanation["power_text"] = item.power_text
            risk = RiskPoint(
                unit=self.unit, year=report.year, code=item.code, finding_level=item.finding_level, post=post,
                department=department, person=item.person, power=item.power, step=item.step, title=item.title,
                description=item.description, category=item.category, cause=item.cause,
                consequence=item.consequence, inherent_level=item.level, residual_level=item.level,
                explanation=explanation, responsible=item.responsible, responsible_body=item.responsible_body,
                author=author, status=ReviewStatus.DRAFT,
            )
            if item.responsible is None and not item.responsible_body:
                assign_responsibility(risk)  # tiered responsibility from the level
            risks.append(risk)
        RiskPoint.objects.bulk_create(risks, batch_size=500)
        if any(r.pk is None for r in risks):  # a backend that does not return ids
            by_code = dict(RiskPoint.objects.filter(unit=self.unit, year=report.year,
                                                    code__in=[r.code for r in risks]).values_list("code", "pk"))
            for risk in risks:
                risk.pk = risk.id = by_code[risk.code]
        measures, links = [], []
        through = RiskPoint.discovery.through
        for risk, item in zip(risks, report.planned, strict=True):
            for order, m in enumerate(item.measures, start=1):
                owner_text = "" if item.responsible is not None else item.responsible_body
                measures.append(Measure(risk=risk, content=m.content, line=m.line, kind=m.kind, rule_name=m.rule_name,
                                        owner=item.responsible, owner_text=owner_text, sort_order=order))
            links.extend(through(riskpoint_id=risk.pk, discoverymethod_id=d.pk) for d in item.discovery)
        Measure.objects.bulk_create(measures, batch_size=1000)
        through.objects.bulk_create(links, batch_size=1000)
        figures.mark_changed([(self.unit.pk, report.year)])  # bulk inserts send no model signals
        report.codes = [r.code for r in risks]


def import_register(fileobj, *, unit: Unit, year: int | None = None, user=None, create_missing: bool = False,
                    commit: bool = False, finding_level: str | None = None) -> RegisterImport:
    """Read a register workbook (path, bytes or file object) for `unit` and, with
    `commit`, write every row that can be placed (risk points as drafts, with their
    measures) in one transaction, skipping the rest. `year` defaults to the year in
    the sheet's title, else this year. `create_missing` creates unknown departments
    and posts in the unit instead of reporting them. `finding_level` forces the
    level for every sheet. One summary audit entry is written on commit."""
    report = RegisterImport(unit=unit, year=int(year) if year else timezone.localdate().year)
    try:
        wb = _open(fileobj, report)
    except _FileError as error:
        report.problems.append(Problem("", None, "", str(error)))
        return report
    try:
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not year:
            for ws in sheets:
                head = " ".join(_text(c) for row in ws.iter_rows(min_row=1, max_row=3, values_only=True) for c in row)
                match = re.search(r"((?:19|20)\d{2})\s*年", head)
                if match:
                    report.year = int(match.group(1))
                    break
        importer = _Importer(report, create_missing=create_missing, finding_level=finding_level, user=user)
        for ws in sheets:
            importer.run_sheet(ws)
    except Exception:  # a workbook that opened but cannot be read
        report.problems.append(Problem("", None, "", "文件已损坏，无法读取其中的工作表"))
        return report
    finally:
        wb.close()
    if not report.sheets:
        report.problems.append(Problem("", None, "", "未找到表头行：文件前 15 行中应有一行包含“风险点”或“表现形式”"
                                                      "以及“风险等级”“防控措施”等列"))
        return report
    if commit and report.planned:
        with transaction.atomic():
            with acting(user=user, muted=True):
                importer.commit()
            record("import", object_type="risks.register", object_id=f"{unit.code}/{report.year}",
                   object_repr=f"{unit.name}{report.year}年度廉政风险登记表：导入{report.filename}"[:200],
                   unit_id=unit.pk, user=user,
                   changes={"file": report.filename, "year": report.year, "risk_points": report.risk_points,
                            "measures": report.measures, "skipped": len(report.skipped),
                            "new_departments": report.new_departments, "new_posts": report.new_posts,
                            "codes": [report.codes[0], report.codes[-1]] if report.codes else []})
            report.committed = True
    return report

