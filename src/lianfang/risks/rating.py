"""Rating risk points by a configurable model that explains every result.

Two kinds of model (DOMAIN.md §6; seed 000 §四(二)3; seed 004 §(四)):

indicator  Factors, each scored on a scale with a weight; the weighted mean is
           compared with thresholds. A factor marked `mitigating` (the
           effectiveness of existing controls) lowers the score: it is taken at
           its worst for the inherent rating and as scored for the residual one.
matrix     Likelihood × impact (3×3 or 5×5); each cell maps to a level. Effective
           controls lower the likelihood by the scored number of steps for the
           residual rating.

Everything here is plain Python over the model's JSON definition, so a rating
can be recomputed, compared and explained anywhere.
"""

from dataclasses import dataclass, field

LEVELS = ("high", "medium", "low")
LEVEL_NAMES = {"high": "高", "medium": "中", "low": "低"}


class ModelError(ValueError):
    """A model definition or a set of inputs that cannot be used (Chinese message)."""


@dataclass(frozen=True)
class Rating:
    inherent_score: float
    inherent_level: str
    residual_score: float
    residual_level: str
    explanation: dict = field(default_factory=dict)


# The default indicator model. Factors and their order follow the sources: the
# importance of the power and where it sits (三重一大, enforcement, approval,
# penalty, goods), the size of discretion, the probability of turning into
# corruption, the harm, social attention, breadth, and the effectiveness of the
# controls already in place (seed 004 "评定高风险等级的考虑因素"; seed 000
# "根据权力的重要程度、自由裁量权的大小、腐败现象发生的概率及危害程度"). Weights
# favour probability and harm, which the sources name as the basis of the level
# ("确定风险级别的依据是其对应的腐败行为发生的概率和危害程度").
DEFAULT_INDICATOR = {
    "scale": [1, 5],
    "factors": [
        {"key": "importance", "name": "权力重要程度", "weight": 20,
         "guide": {"5": "三重一大、执法、审批、处罚、物资管理等重要权力", "3": "一般性审批、检查、管理权", "1": "基本不掌握人财物和执法权"}},
        {"key": "discretion", "name": "自由裁量权大小", "weight": 15,
         "guide": {"5": "裁量幅度大、缺少基准", "3": "有裁量基准但幅度较宽", "1": "羁束行为，无裁量空间"}},
        {"key": "probability", "name": "发生概率", "weight": 20,
         "guide": {"5": "经常发生或近年发生过类似案件", "3": "有可能发生", "1": "很少发生"}},
        {"key": "harm", "name": "危害程度", "weight": 20,
         "guide": {"5": "可能触犯法律、构成犯罪", "3": "可能违反党纪政纪", "1": "造成不良社会影响"}},
        {"key": "attention", "name": "社会关注度", "weight": 10,
         "guide": {"5": "群众和舆论高度关注", "3": "有一定关注", "1": "关注度低"}},
        {"key": "breadth", "name": "涉及面", "weight": 5,
         "guide": {"5": "涉及面广、对象多", "3": "涉及部分对象", "1": "涉及面窄"}},
        {"key": "controls", "name": "现有防控措施有效性", "weight": 10, "mitigating": True,
         "guide": {"5": "措施完备、运行有效", "3": "有措施但不完善", "1": "缺少措施"}},
    ],
    # Weighted mean on the 1–5 scale: ≥ 3.6 高, ≥ 2.6 中, otherwise 低.
    "thresholds": {"high": 3.6, "medium": 2.6},
}

DEFAULT_MATRIX_5 = {
    "likelihood": ["极少", "偶尔", "可能", "较多", "频繁"],
    "impact": ["轻微", "较小", "中等", "严重", "特别严重"],
    # cells[likelihood - 1][impact - 1]
    "cells": [
        ["low", "low", "low", "medium", "medium"],
        ["low", "low", "medium", "medium", "high"],
        ["low", "medium", "medium", "high", "high"],
        ["medium", "medium", "high", "high", "high"],
        ["medium", "high", "high", "high", "high"],
    ],
}

DEFAULT_MATRIX_3 = {
    "likelihood": ["较小", "较高", "高"],
    "impact": ["不良影响", "违纪违规", "违法犯罪"],
    "cells": [["low", "low", "medium"], ["low", "medium", "high"], ["medium", "high", "high"]],
}


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"{what}应为数字")
    return float(value)


def parse_model(kind: str, definition: dict) -> dict:
    """Check a definition; return it unchanged or raise ModelError naming the problem."""
    if not isinstance(definition, dict):
        raise ModelError("模型定义应为对象")
    if kind == "indicator":
        scale = definition.get("scale", [1, 5])
        if not (isinstance(scale, list) and len(scale) == 2 and scale[0] < scale[1]):
            raise ModelError("评分区间 scale 应为 [最低分, 最高分]")
        factors = definition.get("factors")
        if not isinstance(factors, list) or not factors:
            raise ModelError("指标模型至少需要一个因素")
        keys = set()
        for factor in factors:
            key = factor.get("key") if isinstance(factor, dict) else None
            if not key or key in keys:
                raise ModelError(f"因素编码缺失或重复：{key}")
            keys.add(key)
            if _number(factor.get("weight"), f"因素“{factor.get('name', key)}”的权重") <= 0:
                raise ModelError(f"因素“{factor.get('name', key)}”的权重须大于 0")
        thresholds = definition.get("thresholds") or {}
        high = _number(thresholds.get("high"), "高等级阈值")
        medium = _number(thresholds.get("medium"), "中等级阈值")
        if not scale[0] <= medium < high <= scale[1]:
            raise ModelError("阈值须满足：最低分 ≤ 中等级阈值 < 高等级阈值 ≤ 最高分")
        return definition
    if kind == "matrix":
        likelihood, impact, cells = definition.get("likelihood"), definition.get("impact"), definition.get("cells")
        if not (isinstance(likelihood, list) and isinstance(impact, list) and len(likelihood) in (3, 4, 5)
                and len(impact) == len(likelihood)):
            raise ModelError("矩阵模型的可能性与影响须各有 3–5 级且级数相同")
        if not (isinstance(cells, list) and len(cells) == len(likelihood)
                and all(isinstance(r, list) and len(r) == len(impact) for r in cells)):
            raise ModelError("矩阵单元格 cells 的行列数须与可能性、影响的级数一致")
        for row in cells:
            for cell in row:
                if cell not in LEVELS:
                    raise ModelError(f"矩阵单元格的等级“{cell}”无效，应为 high、medium 或 low")
        return definition
    raise ModelError(f"未知的模型类型“{kind}”")


def _score(inputs: dict, key: str, low: float, high: float, name: str) -> float:
    value = inputs.get(key)
    if value is None or value == "":
        raise ModelError(f"缺少“{name}”的评分")
    number = _number(value, f"“{name}”的评分")
    if not low <= number <= high:
        raise ModelError(f"“{name}”的评分 {value} 超出范围 {low:g}–{high:g}")
    return number


def _indicator_level(score: float, thresholds: dict) -> str:
    if score >= thresholds["high"]:
        return "high"
    if score >= thresholds["medium"]:
        return "medium"
    return "low"


def rate_indicator(definition: dict, inputs: dict) -> Rating:
    low, high = definition.get("scale", [1, 5])
    factors = definition["factors"]
    total_weight = sum(f["weight"] for f in factors)
    rows, inherent, residual = [], 0.0, 0.0
    for factor in factors:
        given = _score(inputs, factor["key"], low, high, factor["name"])
        share = factor["weight"] / total_weight
        if factor.get("mitigating"):
            # Effective controls lower the risk: score as "how bad", worst case before measures.
            used_inherent, used_residual = high, low + high - given
        else:
            used_inherent = used_residual = given
        inherent += share * used_inherent
        residual += share * used_residual
        rows.append({
            "key": factor["key"], "name": factor["name"], "weight": factor["weight"], "given": given,
            "mitigating": bool(factor.get("mitigating")),
            "inherent_points": round(share * used_inherent, 4), "residual_points": round(share * used_residual, 4),
        })
    inherent, residual = round(inherent, 4), round(residual, 4)
    thresholds = definition["thresholds"]
    return Rating(
        inherent, _indicator_level(inherent, thresholds), residual, _indicator_level(residual, thresholds),
        {"kind": "indicator", "scale": [low, high], "factors": rows, "total_weight": total_weight,
         "thresholds": thresholds},
    )


def rate_matrix(definition: dict, inputs: dict) -> Rating:
    size = len(definition["likelihood"])
    likelihood = int(_score(inputs, "likelihood", 1, size, "可能性"))
    impact = int(_score(inputs, "impact", 1, size, "影响程度"))
    reduction = int(_score(inputs, "controls", 0, size - 1, "防控措施降低可能性的级数")) if inputs.get(
        "controls") not in (None, "") else 0
    after = max(1, likelihood - reduction)
    cells = definition["cells"]
    return Rating(
        float(likelihood * impact), cells[likelihood - 1][impact - 1], float(after * impact), cells[after - 1][impact - 1],
        {"kind": "matrix", "likelihood": likelihood, "likelihood_name": definition["likelihood"][likelihood - 1],
         "impact": impact, "impact_name": definition["impact"][impact - 1], "reduction": reduction,
         "residual_likelihood": after, "residual_likelihood_name": definition["likelihood"][after - 1]},
    )


def rate(kind: str, definition: dict, inputs: dict) -> Rating:
    parse_model(kind, definition)
    if not isinstance(inputs, dict):
        raise ModelError("评分应为对象")
    return rate_indicator(definition, inputs) if kind == "indicator" else rate_matrix(definition, inputs)


def explain(rating: Rating) -> list[str]:
    """The explanation as sentences for the detail page (the numbers add up)."""
    e = rating.explanation
    if e.get("kind") == "imported":
        return [f"按原登记表导入：登记等级为“{e.get('level_text', '')}”，即{LEVEL_NAMES.get(rating.inherent_level, '')}风险；"
                "未按评级模型打分，编辑时可按模型重新评定。"]
    if e.get("kind") == "indicator":
        lines = [
            f"{row['name']}：评分 {row['given']:g}，权重 {row['weight']:g}/{e['total_weight']:g}，"
            f"计 {row['inherent_points']:.2f} 分" + (
                f"（按最不利计；采取措施后计 {row['residual_points']:.2f} 分）" if row["mitigating"] else "")
            for row in e["factors"]
        ]
        t = e["thresholds"]
        lines.append(f"合计：固有风险 {rating.inherent_score:.2f} 分，剩余风险 {rating.residual_score:.2f} 分；"
                     f"≥{t['high']:g} 为高，≥{t['medium']:g} 为中，其余为低。")
        lines.append(f"结论：固有风险{LEVEL_NAMES[rating.inherent_level]}，剩余风险{LEVEL_NAMES[rating.residual_level]}。")
        return lines
    return [
        f"可能性：{e['likelihood']}级（{e['likelihood_name']}）；影响程度：{e['impact']}级（{e['impact_name']}）；"
        f"矩阵对应{LEVEL_NAMES[rating.inherent_level]}风险。",
        f"防控措施使可能性降低 {e['reduction']} 级，降至 {e['residual_likelihood']}级（{e['residual_likelihood_name']}），"
        f"剩余风险为{LEVEL_NAMES[rating.residual_level]}。",
    ]
