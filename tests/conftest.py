import pytest
from django.contrib.auth import get_user_model

from lianfang.demo.orgs import DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real password hashing costs half a second per demo login; tests need none of it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_org(db):
    from lianfang.demo import orgs

    orgs.load()
    return orgs


@pytest.fixture
def user_named(demo_org):
    def get(username):
        user = get_user_model().objects.get(username=username)
        return get_user_model().objects.get(pk=user.pk)  # a fresh object: no cached scope

    return get


@pytest.fixture
def client_for(client, demo_org):
    def login(username):
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return login
