"""Quality checks on a unit's risk points and measures: what inspections find
(seed 003 篇1 "存在的问题"; seed 004 "查找廉政风险点应注意防止几种倾向").

`check_unit(unit, year)` returns a list of `Finding`s; `summary(units, year)`
counts them for the home page. docs/quality-checks.md documents every rule,
its thresholds and why. The checks, by code:

- rank_rating       levels that simply follow rank (an exact permutation test);
- risk_no_level     risk points without a level (等级标识不完整);
- risk_no_measure   risk points without any measure;
- measure_no_owner  measures with neither a responsible person nor a body;
- measure_no_deadline measures without a deadline;
- measure_vague     vague or boilerplate measures (a scored heuristic);
- duplicate_text    near-identical risk texts across posts or units (拿来主义);
- post_no_risk      posts that handle powers but have no risk point that year;
- leader_power_no_risk  三重一大 powers of leadership posts with no risk point;
- work_gap          work gaps (勤政问题) written up as integrity risks.

Every query is narrowed with `visible(user, …)` when a user is given. A run
costs a fixed handful of queries however many units and rows it covers.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass
from itertools import product

import numpy as np
from django.db.models import Q

from lianfang.access.policy import scope_for, visible
from lianfang.measures.models import Measure
from lianfang.orgs.models import Post, PostAssignment, RankClass, Unit
from lianfang.powers.models import Catalogue, Power

from .models import Level, RiskPoint

ERROR, WARNING = "error", "warning"

RANK_RATING = "rank_rating"
RISK_NO_LEVEL = "risk_no_level"
RISK_NO_MEASURE = "risk_no_measure"
MEASURE_NO_OWNER = "measure_no_owner"
MEASURE_NO_DEADLINE = "measure_no_deadline"
MEASURE_VAGUE = "measure_vague"
DUPLICATE_TEXT = "duplicate_text"
POST_NO_RISK = "post_no_risk"
LEADER_POWER_NO_RISK = "leader_power_no_risk"
WORK_GAP = "work_gap"

# In the order the quality page shows them.
TITLES = {
    RANK_RATING: "风险等级简单按职务高低划定",
    RISK_NO_LEVEL: "风险点未评定等级",
    RISK_NO_MEASURE: "风险点没有防控措施",
    MEASURE_NO_OWNER: "防控措施未明确责任人或责任主体",
    MEASURE_NO_DEADLINE: "防控措施未明确完成时限",
    MEASURE_VAGUE: "防控措施过于笼统",
    DUPLICATE_TEXT: "风险点内容雷同（拿来主义）",
    POST_NO_RISK: "承担职权的岗位没有风险点",
    LEADER_POWER_NO_RISK: "领导班子“三重一大”职权没有风险点",
    WORK_GAP: "以勤政问题代替廉政风险",
}
CHECKS = tuple(TITLES)

RISK, MEASURE, POST, POWER, UNIT = "risks.riskpoint", "measures.measure", "orgs.post", "powers.power", "orgs.unit"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str  # Chinese, for people
    object_type: str  # app_label.model
    object_id: int | None
    object_label: str
    risk_id: int | None = None  # for measures: the risk point they belong to (the page links there)

    @property
    def title(self) -> str:
        return TITLES.get(self.code, self.code)

    def as_dict(self) -> dict:
        return {**asdict(self), "title": self.title}

    def __str__(self) -> str:
        mark = "错误" if self.severity == ERROR else "提示"
        return f"[{mark}] {self.message}"


# --------------------------------------------------------------------------- text helpers

# Everything that is not a letter, digit or CJK character is dropped before
# comparing texts: punctuation and spacing do not make a copied text original.
_NOISE = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def normalize(text: str) -> str:
    return _NOISE.sub("", (text or "").lower())


def shingles(text: str, sizes: tuple[int, ...] = (2, 3)) -> frozenset[str]:
    """Character n-gram shingles of a normalized text (2- and 3-grams: Chinese
    words are mostly one to three characters, so they work without a tokenizer)."""
    norm = normalize(text)
    out = set()
    for k in sizes:
        out.update(norm[i:i + k] for i in range(len(norm) - k + 1))
    if not out and norm:
        out.add(norm)
    return frozenset(out)


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


DUPLICATE_THRESHOLD = 0.8
DUPLICATE_MIN_CHARS = 12  # shorter texts (a bare title such as 违规受理) legitimately recur


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


# MinHash signatures: LSH_BANDS bands of LSH_ROWS values. Two texts become a
# candidate pair when all values of one band agree, which happens with
# probability 1 − (1 − J⁴)¹⁰: 99.6 % at J = 0.8, 99.99 % at J = 0.9, 7.8 % at
# J = 0.3 and 0.03 % at J = 0.1. Candidates are then verified exactly.
LSH_BANDS, LSH_ROWS = 10, 4
# A candidate is compared exactly only when at least (threshold − LSH_MARGIN) of
# its 40 MinHash values agree (≥ 24 of 40 at 0.8): at J = 0.8 the count is
# Binomial(40, 0.8), mean 32, and falls below 24 with probability ≈ 0.1 %.
LSH_MARGIN = 0.2
LSH_SEED = 20260501


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64 that spreads every input bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def minhash_signatures(norms: list[str], bands: int = LSH_BANDS, rows: int = LSH_ROWS) -> np.ndarray:
    """(len(norms), bands·rows) MinHash values over the 2- and 3-character
    shingles of normalized texts (each at least 3 characters), vectorized: one
    array of all shingles, one min-reduction per hash function."""
    n, k = len(norms), bands * rows
    lengths = np.fromiter((len(t) for t in norms), dtype=np.int64, count=n)
    codes = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    ok2 = owner[:-1] == owner[1:]
    ok3 = owner[:-2] == owner[2:]
    # A shingle as one integer: 21 bits per character (all of Unicode).
    g2 = (codes[:-1] << np.uint64(21)) | codes[1:]
    g3 = (codes[:-2] << np.uint64(42)) | (codes[1:-1] << np.uint64(21)) | codes[2:]
    values = np.concatenate((g2[ok2], g3[ok3]))
    ids = np.concatenate((owner[:-1][ok2], owner[:-2][ok3]))
    order = np.argsort(ids, kind="stable")
    values, ids = _mix(values[order]), ids[order]
    starts = np.searchsorted(ids, np.arange(n, dtype=np.int64))
    rng = np.random.default_rng(LSH_SEED)
    a = rng.integers(1, 1 << 62, size=k, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 62, size=k, dtype=np.uint64)
    signatures = np.empty((n, k), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            h = values * a[i] + b[i]  # an odd multiplier and an offset: a permutation of uint64
            signatures[:, i] = np.minimum.reduceat(h ^ (h >> np.uint64(29)), starts)
    return signatures


def near_duplicate_groups(docs: Iterable[tuple[Hashable, str]], threshold: float = DUPLICATE_THRESHOLD,
                          focus: set | None = None, min_chars: int = DUPLICATE_MIN_CHARS) -> list[list]:
    """Groups of keys whose texts are near-duplicates: Jaccard similarity of
    their 2–3-character shingle sets ≥ `threshold`, joined transitively.

    No quadratic blow-up: identical normalized texts are grouped by hashing;
    distinct texts get MinHash signatures (vectorized with numpy) and are
    bucketed by locality-sensitive hashing (LSH_BANDS bands of LSH_ROWS values);
    only texts sharing a bucket are compared, exactly, and a pair already in one
    group is not compared again. The seed is fixed, so results are repeatable.

    With `focus`, only groups that contain a focus key are returned, and only
    buckets holding a focus text are looked at (checking one unit against a scope)."""
    by_text: dict[str, list] = defaultdict(list)
    for key, text in docs:
        norm = normalize(text)
        if len(norm) >= max(min_chars, 3):
            by_text[norm].append(key)
    uf = _UnionFind()
    for keys in by_text.values():
        for other in keys[1:]:
            uf.union(keys[0], other)
    texts = list(by_text)
    if len(texts) > 1:
        focus_text = None if focus is None else np.fromiter(
            (any(k in focus for k in by_text[t]) for t in texts), dtype=bool, count=len(texts))
        signatures = minhash_signatures(texts)
        min_matches = int(signatures.shape[1] * max(0.0, threshold - LSH_MARGIN))
        sets: dict[int, frozenset] = {}

        def shingle_set(i):
            if i not in sets:
                sets[i] = shingles(texts[i])
            return sets[i]

        for band in range(LSH_BANDS):
            part = signatures[:, band * LSH_ROWS:(band + 1) * LSH_ROWS]
            with np.errstate(over="ignore"):
                key = part[:, 0].copy()
                for col in range(1, LSH_ROWS):
                    key = _mix(key ^ part[:, col])
            order = np.argsort(key, kind="stable")
            ordered = key[order]
            same = ordered[1:] == ordered[:-1]
            # Buckets of two or more: runs of equal keys.
            edges = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)))
            for start, stop in zip(edges[::2].tolist(), (edges[1::2] + 1).tolist(), strict=True):
                bucket = order[start:stop]
                if focus_text is not None and not focus_text[bucket].any():
                    continue
                members = bucket.tolist()
                sub = signatures[bucket]
                for pos in range(1, len(members)):
                    i = members[pos]
                    # The share of equal MinHash values estimates the Jaccard similarity:
                    # pairs clearly below the threshold are not compared exactly.
                    close = np.flatnonzero((sub[:pos] == sub[pos]).sum(axis=1) >= min_matches)
                    for idx in close.tolist():
                        j = members[idx]
                        if focus_text is not None and not (focus_text[i] or focus_text[j]):
                            continue
                        a, b = by_text[texts[i]][0], by_text[texts[j]][0]
                        if uf.find(a) == uf.find(b):
                            continue
                        if jaccard(shingle_set(i), shingle_set(j)) >= threshold:
                            uf.union(a, b)
    groups: dict = defaultdict(list)
    for keys in by_text.values():
        for key in keys:
            groups[uf.find(key)].append(key)
    result = [g for g in groups.values() if len(g) > 1]
    if focus is not None:
        result = [g for g in result if any(k in focus for k in g)]
    return result


# Vague measures: stock phrases that say nothing about who does what by when.
STOCK_PHRASES = (
    "加强学习", "提高认识", "严格执行", "加强监督", "进一步加强", "加强管理", "加强教育", "加强廉政教育",
    "提高警惕", "增强意识", "强化意识", "提高意识", "自觉遵守", "认真落实", "切实加强", "高度重视",
    "廉洁自律", "筑牢防线", "警钟长鸣", "常抓不懈", "严格要求", "加大力度", "不断完善", "进一步完善",
    "进一步规范", "提高思想认识", "增强廉洁意识", "严于律己", "防微杜渐", "加强自律",
)
# Signs of a concrete measure: a named rule, a number with a unit, a frequency,
# an actor or a mechanism that can be checked.
_CONCRETE = (
    re.compile(r"《[^》]{2,}》"),
    re.compile(r"[0-9０-９一二三四五六七八九十百两]+\s*(个工作日|工作日|日内|天|小时|次|%|％|人|名|万元|元|个月|周)"),
    re.compile(r"每(日|天|周|月|季度|季|半年|年)|月底前|年底前|季度末|限时|即时|当日|当天"),
    re.compile(r"负责|牵头|纪检|领导小组|分管领导|科室负责人|主要负责人|办公室|财务科|人事科|审计"),
    re.compile(r"集体研究|集体决策|双人|两人以上|回避|轮岗|交流|公示|公开|台账|登记|备案|留痕|监控|录像|记录仪|"
               r"电子监察|系统|抽查|复核|会签|审批表|清单|承诺书|述职述廉|函询|约谈|听证|招标|比选|评审"),
)
VAGUE_THRESHOLD = 2


def vagueness(content: str, rule_name: str = "") -> tuple[int, list[str]]:
    """(score, stock phrases found). Score = 2 per stock phrase, +2 for a very
    short text (< 12 characters) or +1 for a short one (< 20), −2 per kind of
    concrete sign (a named rule, a number with a unit, a frequency, an actor, a
    checkable mechanism; a `rule_name` on the measure counts as a named rule).
    A measure scoring ≥ VAGUE_THRESHOLD is flagged."""
    norm = normalize(content)
    # Overlapping phrases count separately on purpose: "进一步加强监督" is two signals.
    found = [p for p in STOCK_PHRASES if p in norm]
    score = 2 * len(found)
    if len(norm) < 12:
        score += 2
    elif len(norm) < 20:
        score += 1
    concrete = sum(1 for rx in _CONCRETE if rx.search(content or ""))
    if rule_name.strip() and not _CONCRETE[0].search(content or ""):
        concrete += 1
    score -= 2 * concrete
    return score, found


# Work gaps (勤政问题) vs integrity risks (廉政风险), seed 004 "区分勤政风险和廉政风险".
WORK_GAP_TERMS = (
    "工作效率不高", "效率不高", "效率低", "业务能力不足", "业务能力不强", "业务不熟", "业务水平不高", "能力不足",
    "服务态度", "态度生硬", "态度不好", "工作不够细致", "不够细致", "不细致", "工作不扎实", "责任心不强",
    "责任意识不强", "积极性不高", "主动性不强", "创新意识不强", "学习不够", "学习不深入", "办事拖拉",
    "工作拖拉", "作风不实", "作风漂浮", "敷衍了事", "精力不足", "经验不足", "知识更新", "纪律松散",
    "迟到早退", "考勤",
)
INTEGRITY_TERMS = (
    "利益", "好处", "收受", "索要", "索取", "贿", "回扣", "红包", "礼金", "礼品", "宴请", "吃请", "吃拿卡要",
    "优亲厚友", "权钱交易", "以权谋私", "谋取", "谋私", "私利", "徇私", "舞弊", "泄露", "泄密", "违规", "违纪",
    "违法", "滥用职权", "暗箱", "串通", "围标", "套取", "挪用", "侵占", "贪污", "虚报", "冒领", "截留", "包庇",
    "袒护", "说情", "打招呼", "人情", "关系户", "亲友", "亲属", "特定关系人", "不正当", "放宽", "降低标准",
    "弄虚作假", "假公济私", "公款", "报销", "兼职取酬", "插手", "干预", "刁难", "选择性执法", "随意",
)


def work_gap_terms(text: str) -> list[str]:
    """The work-gap terms of a risk text that has no integrity element, else []."""
    norm = normalize(text)
    if any(t in norm for t in INTEGRITY_TERMS):
        return []
    found = [t for t in WORK_GAP_TERMS if t in norm]
    return [t for t in found if not any(t != o and t in o for o in found)]


# Rank rating: an exact permutation test of "the level is a function of rank".
RANK_MIN_ENTRIES = 6
RANK_ALPHA = 0.05
RANK_NAMES = dict(RankClass.choices)
LEVEL_NAMES = {Level.HIGH: "高", Level.MEDIUM: "中", Level.LOW: "低"}


def pure_rank_pvalue(table: dict[str, Counter]) -> float | None:
    """For a rank → level-counts table in which every rank has a single level,
    the probability that ratings independent of rank (levels shuffled among the
    entries, margins fixed) would line up that purely: the number of maps from
    rank groups to levels that reproduce the level totals, over the number of
    distinct arrangements n! / Π c_j!. None when some rank has mixed levels."""
    if any(len(levels) != 1 for levels in table.values()):
        return None
    sizes = [sum(c.values()) for c in table.values()]
    totals = Counter()
    for c in table.values():
        totals.update(c)
    levels = list(totals)
    n = sum(sizes)
    arrangements = math.factorial(n)
    for c in totals.values():
        arrangements //= math.factorial(c)
    maps = 0
    for choice in product(range(len(levels)), repeat=len(sizes)):
        got = Counter()
        for size, j in zip(sizes, choice, strict=True):
            got[levels[j]] += size
        maps += got == totals
    return maps / arrangements


def rank_test(rows: list[tuple[str, str]]) -> tuple[float, dict[str, Counter]] | None:
    """(p, table) when the levels of (rank, level) rows follow rank with no
    exception and p < RANK_ALPHA; None otherwise. Needs ≥ RANK_MIN_ENTRIES rows,
    two ranks with ≥ 2 entries each and two different levels."""
    if len(rows) < RANK_MIN_ENTRIES:
        return None
    table: dict[str, Counter] = defaultdict(Counter)
    for rank, level in rows:
        table[rank][level] += 1
    if sum(1 for c in table.values() if sum(c.values()) >= 2) < 2:
        return None
    if len({lv for c in table.values() for lv in c}) < 2:
        return None
    p = pure_rank_pvalue(table)
    if p is None or p >= RANK_ALPHA:
        return None
    return p, table


# --------------------------------------------------------------------------- the run


def _narrow(user, qs):
    return visible(user, qs) if user is not None else qs


def record_posts(user, posts):
    """The posts (of a Post queryset) whose records — risk points — the user sees:
    those of their whole units, of their departments, and their own posts."""
    scope = scope_for(user)
    if scope.superuser:
        return posts
    return visible(user, posts).filter(
        Q(unit_id__in=scope.full_units) | Q(department_id__in=scope.departments) | Q(pk__in=scope.posts))


def _risk_label(row) -> str:
    return f"{row['code']} {row['title']}"


def _short(text: str, n: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


class _Run:
    def __init__(self, units: list[Unit], year: int, user=None, peers=None, duplicates: bool = True):
        self.units = units
        self.unit_ids = [u.pk for u in units]
        self.names = {u.pk: u.name for u in units}
        self.year = year
        self.user = user
        self.peers = peers
        self.with_duplicates = duplicates
        self.findings: dict[int, list[Finding]] = {u.pk: [] for u in units}

    def add(self, unit_id, code, severity, message, object_type, object_id, label, risk_id=None):
        self.findings[unit_id].append(Finding(code, severity, message, object_type, object_id, label, risk_id))

    def run(self) -> dict[int, list[Finding]]:
        risks = list(
            _narrow(self.user, RiskPoint.objects.filter(unit_id__in=self.unit_ids, year=self.year))
            .order_by("unit_id", "code")
            .values("pk", "unit_id", "code", "title", "description", "cause", "post_id", "post__name", "person_id",
                    "power_id", "inherent_level", "person__rank_class", "author__rank_class")
        )
        measures = list(
            _narrow(self.user, Measure.objects.filter(risk__unit_id__in=self.unit_ids, risk__year=self.year))
            .order_by("risk__unit_id", "risk__code", "sort_order", "pk")
            .values("pk", "risk_id", "risk__unit_id", "risk__code", "content", "owner_id", "owner_text", "deadline",
                    "rule_name")
        )
        self.rank_rating(risks)
        self.levels_and_measures(risks, measures)
        self.measures(measures)
        self.work_gaps(risks)
        if self.with_duplicates:
            self.duplicates(risks)
        self.coverage(risks)
        for unit_id in self.findings:
            order = {c: i for i, c in enumerate(CHECKS)}
            self.findings[unit_id].sort(key=lambda f: order.get(f.code, 99))
        return self.findings

    # -- rating by rank
    def rank_rating(self, risks):
        rows = defaultdict(list)
        for r in risks:
            rank = r["person__rank_class"] or r["author__rank_class"]
            if rank and r["inherent_level"]:
                rows[r["unit_id"]].append((rank, r["inherent_level"]))
        for unit_id, pairs in rows.items():
            found = rank_test(pairs)
            severity = ERROR
            if found is None:
                # Leaders all 高 and staff all 低 while department heads vary (seed 003 篇1:
                # "统一地将党组成员廉政风险划分为一级；基层职员廉政风险全部归为三级").
                ends = [(k, lv) for k, lv in pairs if k != RankClass.DEPT_HEAD]
                found = rank_test(ends)
                if found is None or RankClass.STAFF not in found[1] or not (
                        {RankClass.HEAD, RankClass.LEADER} & set(found[1])):
                    continue
                severity = WARNING
            p, table = found
            parts = "；".join(
                f"{RANK_NAMES.get(rank, rank)} {sum(c.values())} 条全部为{LEVEL_NAMES.get(next(iter(c)), '?')}"
                for rank, c in sorted(table.items(), key=lambda kv: list(RANK_NAMES).index(kv[0])
                                      if kv[0] in RANK_NAMES else 9)
            )
            scope = "" if severity == ERROR else "（不计科室负责人）"
            self.add(unit_id, RANK_RATING, severity,
                     f"{self.year}年度风险点的固有风险等级与人员职级一一对应{scope}：{parts}。若评级与职级无关，"
                     f"出现这种排列的概率仅为 {p:.2%}。请按权力重要程度、自由裁量、发生概率和危害程度等因素重新评定，"
                     f"不要以职务高低定等级。",
                     UNIT, unit_id, self.names[unit_id])

    # -- levels and measures of risk points
    def levels_and_measures(self, risks, measures):
        with_measure = {m["risk_id"] for m in measures}
        for r in risks:
            label = _risk_label(r)
            if not r["inherent_level"]:
                self.add(r["unit_id"], RISK_NO_LEVEL, WARNING, f"风险点“{label}”尚未评定风险等级。",
                         RISK, r["pk"], label)
            if r["pk"] not in with_measure:
                self.add(r["unit_id"], RISK_NO_MEASURE, ERROR,
                         f"风险点“{label}”没有防控措施，每个风险点都应有对应的防控措施。", RISK, r["pk"], label)

    def measures(self, measures):
        for m in measures:
            unit_id, risk_id = m["risk__unit_id"], m["risk_id"]
            label = f"{m['risk__code']} · {_short(m['content'], 30)}"
            if not m["owner_id"] and not m["owner_text"].strip():
                self.add(unit_id, MEASURE_NO_OWNER, ERROR,
                         f"风险点 {m['risk__code']} 的措施“{_short(m['content'])}”没有明确责任人或责任主体。",
                         MEASURE, m["pk"], label, risk_id)
            if m["deadline"] is None:
                self.add(unit_id, MEASURE_NO_DEADLINE, WARNING,
                         f"风险点 {m['risk__code']} 的措施“{_short(m['content'])}”没有明确完成时限。",
                         MEASURE, m["pk"], label, risk_id)
            score, found = vagueness(m["content"], m["rule_name"])
            if score >= VAGUE_THRESHOLD:
                why = f"套话“{'、'.join(found)}”" if found else "内容过短"
                self.add(unit_id, MEASURE_VAGUE, WARNING,
                         f"风险点 {m['risk__code']} 的措施“{_short(m['content'])}”过于笼统（{why}，未写明具体制度、"
                         f"责任人、时限或可检查的做法；笼统度 {score} 分）。", MEASURE, m["pk"], label, risk_id)

    # -- work gaps
    def work_gaps(self, risks):
        for r in risks:
            terms = work_gap_terms(f"{r['title']} {r['description']} {r['cause']}")
            if terms:
                label = _risk_label(r)
                self.add(r["unit_id"], WORK_GAP, WARNING,
                         f"风险点“{label}”写的是“{'、'.join(terms[:3])}”等勤政问题，没有涉及利益输送、收受好处、"
                         f"违规操作等廉政因素。廉政风险是权力行使中发生腐败的可能性，请改写或移出风险点目录。",
                         RISK, r["pk"], label)

    # -- copied texts
    def duplicates(self, risks):
        own = {r["pk"]: r for r in risks}
        if self.peers is not None:
            corpus_rows = list(
                self.peers.filter(year=self.year).values("pk", "unit_id", "unit__name", "code", "title", "description",
                                                         "post__name")
            )
            corpus = {r["pk"]: r for r in corpus_rows}
            for pk, r in own.items():
                corpus.setdefault(pk, {**r, "unit__name": self.names[r["unit_id"]]})
        else:
            corpus = {pk: {**r, "unit__name": self.names[r["unit_id"]]} for pk, r in own.items()}
        docs = [(pk, f"{r['title']}。{r['description']}") for pk, r in corpus.items()]
        for group in near_duplicate_groups(docs, focus=set(own)):
            group.sort(key=lambda pk: (corpus[pk]["unit_id"] not in self.findings, corpus[pk]["unit_id"],
                                       corpus[pk]["code"]))
            mine = [pk for pk in group if pk in own]
            for pk in mine:
                r = corpus[pk]
                others = [corpus[o] for o in group if o != pk]

                def where(o, r=r):
                    place = o["unit__name"] if o["unit_id"] != r["unit_id"] else "本单位"
                    post = f"·{o['post__name']}" if o.get("post__name") else ""
                    return f"{place}{post} {o['code']}"

                listed = "、".join(where(o) for o in others[:5]) + (f" 等 {len(others)} 条" if len(others) > 5 else "")
                cross = any(o["unit_id"] != r["unit_id"] for o in others)
                label = _risk_label(r)
                self.add(r["unit_id"], DUPLICATE_TEXT, WARNING,
                         f"风险点“{label}”的内容与{'其他单位' if cross else '本单位其他岗位'}的风险点几乎相同"
                         f"（{listed}）。风险点应结合本岗位、本单位的职权和流程查找，防止照搬照抄。",
                         RISK, pk, label)

    # -- coverage of posts and 三重一大 powers
    def coverage(self, risks):
        catalogues: dict[int, int] = {}
        for unit_id, pk in _narrow(self.user, Catalogue.objects.filter(
                unit_id__in=self.unit_ids, year__lte=self.year)).order_by("unit_id", "-year").values_list("unit_id", "pk"):
            catalogues.setdefault(unit_id, pk)  # the year's catalogue, else the newest before it
        if not catalogues:
            return
        through = Power.posts.through
        links = list(
            through.objects.filter(power__catalogue_id__in=catalogues.values(), post__is_active=True)
            .order_by("power__unit_id", "post__sort_order", "post__code", "power__sort_order", "power__code")
            .values("power_id", "power__code", "power__name", "power__unit_id", "power__category__three_important",
                    "post_id", "post__name", "post__department_id")
        )
        if self.user is not None:
            # Only posts whose records the user sees: a staff member sees the structure of
            # the whole unit but the risk points of their own posts only, so a colleague's
            # post would otherwise look uncovered.
            seen_posts = set(record_posts(self.user, Post.objects.filter(pk__in={x["post_id"] for x in links}))
                             .values_list("pk", flat=True))
            links = [x for x in links if x["post_id"] in seen_posts]
        posts_with_risk = {r["post_id"] for r in risks if r["post_id"]}
        powers_with_risk = {r["power_id"] for r in risks if r["power_id"]}
        people_with_risk = {r["person_id"] for r in risks if r["person_id"]}

        powers_of_post: dict[int, list] = defaultdict(list)
        for x in links:
            # A leadership post's 三重一大 powers are reported by the next check, more precisely.
            if not (x["power__category__three_important"] and x["post__department_id"] is None):
                powers_of_post[x["post_id"]].append(x)
        for post_id, held in powers_of_post.items():
            if post_id in posts_with_risk:
                continue
            first = held[0]
            names = "、".join(f"{x['power__code']} {x['power__name']}" for x in held[:3])
            more = f" 等 {len(held)} 项" if len(held) > 3 else ""
            self.add(first["power__unit_id"], POST_NO_RISK, ERROR,
                     f"岗位“{first['post__name']}”承担职权（{names}{more}），但{self.year}年度没有查找任何风险点。"
                     f"一线岗位和领导岗位的职权都应查找风险。", POST, post_id, first["post__name"])

        leader_links = [x for x in links if x["power__category__three_important"] and x["post__department_id"] is None]
        if not leader_links:
            return
        holders: dict[int, set[int]] = defaultdict(set)
        for post_id, person_id in PostAssignment.objects.current().filter(
                post_id__in={x["post_id"] for x in leader_links}).values_list("post_id", "person_id"):
            holders[post_id].add(person_id)
        for x in leader_links:
            if x["power_id"] in powers_with_risk:
                continue
            label = f"{x['power__code']} {x['power__name']}"
            post_covered = x["post_id"] in posts_with_risk or bool(holders[x["post_id"]] & people_with_risk)
            if post_covered:
                self.add(x["power__unit_id"], LEADER_POWER_NO_RISK, WARNING,
                         f"领导岗位“{x['post__name']}”有风险点，但没有一条关联其“三重一大”职权“{label}”。"
                         f"请围绕该事项的决策、执行环节查找风险。", POWER, x["power_id"], label)
            else:
                self.add(x["power__unit_id"], LEADER_POWER_NO_RISK, ERROR,
                         f"领导岗位“{x['post__name']}”行使“三重一大”职权“{label}”，但{self.year}年度没有关联该职权"
                         f"或该岗位的风险点（领导干部在采购等环节的职权常被遗漏）。", POWER, x["power_id"], label)


def check_unit(unit: Unit, year: int, *, user=None, peers=None) -> list[Finding]:
    """Findings for one unit's risk points and measures of one year.

    With `user`, every query is narrowed to what the user may see, and copied
    texts are looked for across all risk points of that year the user may see;
    `peers` (a RiskPoint queryset) overrides that comparison set. Without
    either, texts are compared within the unit only."""
    if peers is None and user is not None:
        peers = visible(user, RiskPoint.objects.all())
    return _Run([unit], year, user, peers).run()[unit.pk]


def check_units(units: Iterable[Unit], year: int, *, user=None, duplicates: bool = True) -> dict[int, list[Finding]]:
    """Findings for several units at once (unit id → findings), in a fixed number
    of queries; copied texts are compared across these units (skipped with
    duplicates=False: the one check whose cost grows faster than the rows)."""
    units = list(units)
    peers = _narrow(user, RiskPoint.objects.filter(unit__in=units))
    return _Run(units, year, user, peers, duplicates).run()


def summary(units: Iterable[Unit], year: int, *, user=None, duplicates: bool = True) -> dict:
    """Counts for the home page: findings by check, errors, warnings, and how
    many of the units have any finding. For a scope of thousands of units pass
    duplicates=False (see docs/performance.md)."""
    results = check_units(units, year, user=user, duplicates=duplicates)
    by_code = Counter(f.code for found in results.values() for f in found)
    severities = Counter(f.severity for found in results.values() for f in found)
    return {
        "year": year,
        "units": len(results),
        "units_with_findings": sum(1 for found in results.values() if found),
        "findings": sum(by_code.values()),
        "errors": severities[ERROR],
        "warnings": severities[WARNING],
        "by_check": [{"code": code, "title": TITLES[code], "count": by_code.get(code, 0)} for code in CHECKS],
    }
