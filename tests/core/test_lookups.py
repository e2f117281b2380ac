"""`any_in` (core.lookups) selects exactly what `in` selects, on every database."""

import pytest

from lianfang.measures.models import Measure
from lianfang.orgs.models import Unit
from lianfang.risks.models import RiskPoint
from tests.risks.test_views import make_risk


@pytest.mark.django_db
def test_any_in_matches_in_for_sets_lists_empty_and_exclude(demo_org):
    make_risk("SPK-SL", measures=2)
    make_risk("SPG-SL", unit_code="JZ-QS-SJJ", measures=1)
    units = list(Unit.objects.values_list("pk", flat=True))
    for ids in ([], [units[0]], set(units[:3]), frozenset(units), range(1, 5000, 7)):
        for qs, path in ((Unit.objects, "pk"), (RiskPoint.objects, "unit"), (Measure.objects, "risk__unit"),
                         (Measure.objects, "risk__department")):
            same = {f"{path}__in": list(ids)}
            new = {f"{path}__any_in": ids}
            assert set(qs.filter(**new).values_list("pk", flat=True)) == set(
                qs.filter(**same).values_list("pk", flat=True)), (path, ids)
            # exclude() keeps Django's NULL handling (risks without a department).
            assert set(qs.exclude(**new).values_list("pk", flat=True)) == set(
                qs.exclude(**same).values_list("pk", flat=True)), (path, ids)
