import pytest
from django.urls import reverse

from lianfang.audit.models import AuditEntry
from lianfang.demo.orgs import DEMO_PASSWORD


def post_login(client, username, password, ip="10.1.2.3"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_and_failure_are_recorded_with_address(client, demo_org):
    post_login(client, "keyuan", "wrong")
    response = post_login(client, "keyuan", DEMO_PASSWORD)
    assert response.status_code == 302
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.object_repr == "keyuan" and failed.ip == "10.1.2.3"
    login = AuditEntry.objects.get(action="login")
    assert login.actor_label.startswith("林芳") and login.ip == "10.1.2.3"


@pytest.mark.django_db
def test_wrong_logins_are_throttled_even_with_the_right_password(client, demo_org, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = post_login(client, "keyuan", "wrong")
        assert "用户名或密码不正确" in response.content.decode()
    response = post_login(client, "keyuan", DEMO_PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    # Another account from another address is not affected.
    assert post_login(client, "kezhang", DEMO_PASSWORD, ip="10.9.9.9").status_code == 302


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_throttled(client, demo_org, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for name in ("a", "b", "c"):
        post_login(client, name, "wrong", ip="10.7.7.7")
    assert "登录失败次数过多" in post_login(client, "juzhang", DEMO_PASSWORD, ip="10.7.7.7").content.decode()
