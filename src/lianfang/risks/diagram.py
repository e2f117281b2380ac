"""Risk points drawn on their flowchart steps (the hook flows.hooks offers)."""

from .models import LEVEL_ORDER


def risk_points_on_steps(flowchart) -> dict[str, list[dict]]:
    from .models import RiskPoint

    names = {"high": "高", "medium": "中", "low": "低"}
    out: dict[str, list[dict]] = {}
    rows = (RiskPoint.objects.filter(step__flowchart=flowchart)
            .values("code", "title", "inherent_level", "residual_level", "step__code"))
    for row in sorted(rows, key=lambda r: -LEVEL_ORDER.get(r["residual_level"] or r["inherent_level"], 0)):
        level = row["residual_level"] or row["inherent_level"]
        out.setdefault(row["step__code"], []).append(
            {"code": row["code"], "title": row["title"], "level": names.get(level, "低")}
        )
    return out
