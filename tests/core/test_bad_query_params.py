"""Hand-edited or stale links are normal input: a list or dashboard page given
a huge, negative, non-ASCII or malformed number answers with a page (or a 404
for a unit the user may not see), never a server error — on PostgreSQL an
out-of-range integer reaching the database would otherwise raise."""

import pytest
from django.urls import reverse

from lianfang.orgs.models import Unit
from tests.risks.test_views import make_risk

PAGES = ["home", "home_quality", "orgs:tree", "powers:index", "flows:index", "risks:index", "risks:measures",
         "risks:carry_over", "risks:create", "risks:rating_model", "reviews:inbox", "reports:dashboard",
         "reports:quality", "reports:registers", "notifications:list", "audit:list", "monitoring:index"]
KEYS = ["unit", "year", "page", "department", "category", "owner", "post", "power", "catalogue", "status",
        "level", "line", "kind", "rule", "from", "to", "due_from", "due_to", "q", "copy", "flowchart", "person",
        "quarter", "case", "tab"]
BAD = ["99999999999999999999999", "-1", "0", "²", "１２", "1e5", "3.5", "2026-13-40", "%00", "\x00", "' OR 1=1 --",
       "x" * 3000]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "keyuan", "lianban"])
def test_list_pages_answer_bad_parameters_without_a_server_error(client_for, username):
    client = client_for(username)
    for name in PAGES:
        url = reverse(name)
        for value in BAD:
            response = client.get(url, {key: value for key in KEYS})
            assert response.status_code in (200, 302, 403, 404), (name, value, response.status_code)
            for key in ("unit", "year", "page"):
                response = client.get(url, {key: value})
                assert response.status_code in (200, 302, 403, 404), (name, key, value, response.status_code)


@pytest.mark.django_db
def test_another_units_id_in_the_risk_list_filter_shows_nothing_of_that_unit(client_for):
    peer = Unit.objects.get(code="JZ-QS-SJJ")
    make_risk("SPG-SL", unit_code="JZ-QS-SJJ", code="PEER-1", title="他局的风险点")
    make_risk("SPK-SL", code="MINE-1")
    client = client_for("lianban")  # the MAJ bureau's steering office: sees its bureau whole
    html = client.get(reverse("risks:index"), {"unit": peer.pk}).content.decode()
    assert "PEER-1" not in html and "他局的风险点" not in html and "MINE-1" not in html
    assert "PEER-1" not in client.get(reverse("risks:measures"), {"q": "PEER"}).content.decode()
    assert client.get(reverse("reports:dashboard"), {"unit": peer.pk}).status_code == 404
    assert "MINE-1" in client.get(reverse("risks:index")).content.decode()
