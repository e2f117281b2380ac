import copy

import pytest

from lianfang.risks.models import RatingModel, RiskCategory, RiskPoint
from lianfang.risks.rating import DEFAULT_INDICATOR, DEFAULT_MATRIX_5, ModelError, explain, rate
from lianfang.risks.services import active_model, apply_rating, rerate

SCORES = {"importance": 5, "discretion": 4, "probability": 4, "harm": 5, "attention": 3, "breadth": 3, "controls": 4}


def test_indicator_points_add_up_to_the_score_and_the_level():
    result = rate("indicator", DEFAULT_INDICATOR, SCORES)
    rows = result.explanation["factors"]
    assert sum(r["inherent_points"] for r in rows) == pytest.approx(result.inherent_score, abs=1e-3)
    assert sum(r["residual_points"] for r in rows) == pytest.approx(result.residual_score, abs=1e-3)
    # (5×20 + 4×15 + 4×20 + 5×20 + 3×10 + 3×5 + 5×10) / 100 = 4.35 before measures: 高
    assert result.inherent_score == pytest.approx(4.35) and result.inherent_level == "high"
    # Effective controls (4 of 5 → counts as 2): 4.35 − 0.3 = 4.05, still 高
    assert result.residual_score == pytest.approx(4.05)
    text = "\n".join(explain(result))
    assert "权力重要程度：评分 5" in text and "固有风险 4.35 分" in text and "结论：固有风险高" in text


def test_levels_follow_the_thresholds_not_rank():
    low = {k: 1 for k in SCORES} | {"controls": 5}
    assert rate("indicator", DEFAULT_INDICATOR, low).inherent_level == "low"
    middle = {k: 3 for k in SCORES}
    assert rate("indicator", DEFAULT_INDICATOR, middle).inherent_level == "medium"


def test_matrix_cells_and_residual_likelihood():
    result = rate("matrix", DEFAULT_MATRIX_5, {"likelihood": 4, "impact": 4, "controls": 2})
    assert (result.inherent_level, result.residual_level) == ("high", "medium")
    assert result.inherent_score == 16 and result.residual_score == 8
    assert "降低 2 级" in explain(result)[1]


@pytest.mark.parametrize("inputs, fragment", [
    ({**SCORES, "harm": 7}, "超出范围"),
    ({k: v for k, v in SCORES.items() if k != "harm"}, "危害程度"),
    ({**SCORES, "harm": "高"}, "数字"),
])
def test_bad_scores_are_explained(inputs, fragment):
    with pytest.raises(ModelError, match=fragment):
        rate("indicator", DEFAULT_INDICATOR, inputs)


def test_bad_models_are_refused():
    broken = copy.deepcopy(DEFAULT_INDICATOR)
    broken["thresholds"] = {"high": 2, "medium": 3}
    with pytest.raises(ModelError, match="阈值"):
        rate("indicator", broken, SCORES)
    with pytest.raises(ModelError, match="cells"):
        rate("matrix", {**DEFAULT_MATRIX_5, "cells": [["high"]]}, {"likelihood": 1, "impact": 1})


@pytest.mark.django_db
def test_changing_a_weight_rerates_and_lists_what_moved(demo_org):
    from lianfang.orgs.models import Unit

    unit = Unit.objects.get(code="JZ-QS-MAJ")
    model = active_model(unit)
    assert model.unit is None and model.kind == "indicator"
    category = RiskCategory.objects.first()
    # Two entries near the 中/高 line, one far below it.
    # Inherent (controls taken at worst): (5×20 + 3×15 + 2×20 + 3×20 + 3×10 + 3×5 + 5×10) / 100 = 3.40 → 中;
    # with the importance weight doubled to 40: 440 / 120 = 3.67 → 高. R2 (attention 2): 3.30 → 3.58, stays 中.
    near = {"importance": 5, "discretion": 3, "probability": 2, "harm": 3, "attention": 3, "breadth": 3, "controls": 3}
    far = {k: 1 for k in near}
    risks = []
    for code, inputs in (("R1", near), ("R2", {**near, "attention": 2}), ("R3", far)):
        risk = RiskPoint(unit=unit, year=2026, code=code, finding_level="unit", title=code, description="d",
                         category=category)
        apply_rating(risk, inputs, model)
        risk.save()
        risks.append(risk)
    assert [r.inherent_level for r in risks] == ["medium", "medium", "low"]
    definition = copy.deepcopy(model.definition)
    next(f for f in definition["factors"] if f["key"] == "importance")["weight"] = 40
    newer = RatingModel.objects.create(unit=unit, name="本局模型", kind="indicator", version=2, definition=definition)
    moves = rerate(RiskPoint.objects.filter(unit=unit), newer)  # dry run
    assert [(m.risk.code, m.before, m.after) for m in moves] == [("R1", "medium", "high")]
    assert RiskPoint.objects.get(code="R1").inherent_level == "medium"  # nothing written yet
    rerate(RiskPoint.objects.filter(unit=unit), newer, commit=True)
    assert RiskPoint.objects.get(code="R1").inherent_level == "high"
    assert RiskPoint.objects.get(code="R1").rating_model == newer
    assert active_model(unit) == newer


def test_an_imported_level_is_explained_as_imported():
    from lianfang.risks.rating import Rating

    lines = explain(Rating(None, "high", None, "high", {"kind": "imported", "level_text": "一级"}))
    assert lines == ["按原登记表导入：登记等级为“一级”，即高风险；未按评级模型打分，编辑时可按模型重新评定。"]
