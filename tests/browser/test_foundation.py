"""The foundation as a person meets it in a browser: log in, read the home page,
walk the organisation tree. Screenshots land in test-results/screenshots/."""

import pytest

from .conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from lianfang.demo import orgs

    orgs.load()


def test_office_sees_its_unit_figures_and_tree(demo, login, live_server):
    page = login("lianban")
    assert page.locator("[data-figure=departments]").inner_text() == "6"
    assert "领导小组办公室" in page.inner_text("main")
    shoot(page, "home-lianban")
    page.click("text=组织机构")
    page.wait_for_selector("[data-department=SPK]")
    assert "许可受理岗" in page.inner_text("[data-department=SPK]")
    assert "林芳" in page.inner_text("[data-department=SPK]")
    shoot(page, "orgs-lianban")


def test_county_group_walks_the_tree_with_htmx(demo, login, live_server):
    page = login("xianjiwei")
    page.goto(f"{live_server.url}/orgs/")
    tree = page.inner_text(".lf-tree-wrap")
    assert "青山县煤矿安全监督管理局" in tree and "青山县市场监督管理局" in tree and "江州市人民政府" not in tree
    page.click(".lf-tree a:has-text('青山县市场监督管理局')")
    page.wait_for_selector("h2[data-unit-code='JZ-QS-SJJ']")
    assert "unit=" in page.url  # htmx pushed the selection into the address bar
    assert "食品安全监管股" in page.inner_text("#lf-unit")
    shoot(page, "orgs-county")


def test_wrong_password_shows_a_chinese_error(demo, page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "keyuan")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text(".alert-danger")
