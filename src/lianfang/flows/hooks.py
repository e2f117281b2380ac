"""Extension points other modules plug into, so flows does not import them.

The risk-point module registers a provider that returns, for a flowchart, the
risk points sitting on each step; the diagram, the exports and BPMN show them."""

from collections.abc import Callable

RiskProvider = Callable[[object], dict[str, list[dict]]]
_risk_providers: list[RiskProvider] = []


def register_risk_provider(provider: RiskProvider) -> None:
    if provider not in _risk_providers:
        _risk_providers.append(provider)


def risk_points_by_step(flowchart) -> dict[str, list[dict]]:
    """{step_code: [{"code", "title", "level"}]} from every registered provider."""
    merged: dict[str, list[dict]] = {}
    for provider in _risk_providers:
        for code, points in provider(flowchart).items():
            merged.setdefault(code, []).extend(points)
    return merged
