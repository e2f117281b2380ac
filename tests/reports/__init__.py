"""Shared helpers for the register tests: a small set of risk points at every
finding level in the demo 县煤监局 (JZ-QS-MAJ)."""

from lianfang.measures.models import Kind, Line, Measure
from lianfang.orgs.models import Department, Person, Post, Unit
from lianfang.risks.models import DiscoveryMethod, FindingLevel, ReviewStatus, RiskCategory, RiskPoint

UNIT = "JZ-QS-MAJ"

# (finding level, department code, post code, person code, title, description, category, level, measures)
RISKS = [
    (FindingLevel.POST, "BGS", "BGS-HQ", None, "办公用品采购不规范", "化整为零规避政府采购；\n收受供应商回扣",
     "岗位职责", "high", [("严格执行政府采购制度，建立《办公用品采购管理办法》", Line.PREVENTION),
                          ("采购结果每季度公示，接受监督检查", Line.MONITORING),
                          ("发现违规严肃追究责任", Line.DISPOSAL)]),
    (FindingLevel.POST, "BGS", "BGS-WS", None, "泄露涉密文件", "违规查阅、复制或泄露文件资料", "思想道德", "low",
     [("开展保密教育", Line.PREVENTION)]),
    (FindingLevel.POST, "FGK", "FGK-CF", None, "处罚裁量不公", "对同类违法行为处罚畸轻畸重，或接受吃请后减轻处罚",
     "业务流程", "medium", [("执行行政处罚裁量基准", Line.PREVENTION), ("案件集体审议", Line.MONITORING)]),
    (FindingLevel.DEPARTMENT, "AJK", None, None, "执法检查走过场", "检查计划随意变更，对重大隐患不依法处理",
     "制度机制", "high", [("检查计划报局务会审定", Line.PREVENTION), ("推行执法记录仪全程记录", Line.MONITORING)]),
    (FindingLevel.UNIT, None, None, None, "“三重一大”决策不民主", "主要负责人个人决定重大事项，不经集体研究",
     "制度机制", "high", [("严格执行“三重一大”集体决策制度", Line.PREVENTION)]),
    (FindingLevel.LEADERSHIP, None, "L-FJZ1", "P1002", "干预行政审批", "为亲友经营的煤矿说情打招呼", "外部环境",
     "high", [("签订廉政承诺书", Line.PREVENTION), ("领导干部插手干预重大事项记录报告", Line.MONITORING)]),
]


def make_risks(year: int = 2026, status: str = ReviewStatus.DRAFT) -> list[RiskPoint]:
    unit = Unit.objects.get(code=UNIT)
    found = DiscoveryMethod.objects.filter(name__in=["自己找", "领导提"])
    created = []
    for number, (level, dept, post, person, title, description, category, grade, measures) in enumerate(RISKS, 1):
        risk = RiskPoint.objects.create(
            unit=unit, year=year, code=f"R-{number:03d}", finding_level=level,
            department=Department.objects.get(unit=unit, code=dept) if dept else None,
            post=Post.objects.get(unit=unit, code=post) if post else None,
            person=Person.objects.get(code=person) if person else None,
            title=title, description=description, category=RiskCategory.objects.get(name=category),
            inherent_level=grade, residual_level=grade, status=status,
            responsible=Person.objects.get(code="P1001"),
        )
        risk.discovery.set(found)
        Measure.objects.bulk_create([Measure(risk=risk, content=content, line=line, kind=Kind.RULES, sort_order=i)
                                     for i, (content, line) in enumerate(measures)])
        created.append(risk)
    return created


def snapshot(unit, year) -> set:
    """What a round trip must keep, per risk point."""
    rows = set()
    for risk in RiskPoint.objects.filter(unit=unit, year=year).select_related(
            "department", "post", "category").prefetch_related("measures"):
        rows.add((risk.finding_level, risk.department.name if risk.department else None,
                  risk.post.code if risk.post else None, risk.title, risk.description, risk.level,
                  risk.category.name, tuple(m.content for m in risk.measures.all())))
    return rows
