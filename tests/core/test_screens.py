"""The screens, over HTTP, for every demo role: what each may open, what each
gets refused, and what the pages say."""

import pytest
from django.urls import reverse

from lianfang.audit.models import AuditEntry
from lianfang.orgs.models import Department, Person, Post, Unit

from ..access import matrix

ROLES = sorted(set(matrix.ORG_VIEW) - {"nobody"})


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_unit_and_person_pages_follow_the_matrix(client_for, username):
    client = client_for(username)
    for unit in Unit.objects.all():
        status = client.get(reverse("orgs:unit", args=[unit.pk])).status_code
        assert status == (200 if unit.code in matrix.ORG_VIEW[username] else 404), (username, unit.code)
    for person in Person.objects.select_related("unit"):
        status = client.get(reverse("orgs:person", args=[person.pk])).status_code
        assert status == (200 if person.unit.code in matrix.ORG_VIEW[username] else 404), (username, person.code)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_the_tree_lists_exactly_the_visible_units(client_for, username):
    html = client_for(username).get(reverse("orgs:tree")).content.decode()
    for unit in Unit.objects.all():
        link = f'hx-get="/orgs/unit/{unit.pk}/"'
        assert (link in html) == (unit.code in matrix.ORG_VIEW[username]), (username, unit.code)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_the_audit_screen_is_for_oversight_only(client_for, username):
    status = client_for(username).get(reverse("audit:list")).status_code
    assert status == (200 if matrix.AUDIT_VIEW[username] else 403)


@pytest.mark.django_db
def test_home_figures_are_those_of_the_users_scope(client_for):
    response = client_for("keyuan").get("/")
    figures = response.context["figures"]
    maj = Unit.objects.get(code="JZ-QS-MAJ")
    assert figures["units"] == 1
    assert figures["departments"] == Department.objects.filter(unit=maj).count() == 6
    assert figures["people"] == Person.objects.filter(unit=maj).count()
    county = client_for("xianjiwei").get("/").context["figures"]
    assert county["units"] == 6 and county["people"] > figures["people"]


@pytest.mark.django_db
def test_a_peer_cannot_edit_or_delete_by_guessing_urls(client_for):
    client = client_for("shichang")
    department = Department.objects.get(unit__code="JZ-QS-MAJ", code="SPK")
    assert client.get(reverse("orgs:department_edit", args=[department.pk])).status_code == 404
    assert client.post(reverse("orgs:department_delete", args=[department.pk])).status_code == 404
    assert Department.objects.filter(pk=department.pk).exists()


@pytest.mark.django_db
def test_staff_may_look_but_not_change_the_structure(client_for):
    client = client_for("keyuan")
    department = Department.objects.get(unit__code="JZ-QS-MAJ", code="SPK")
    response = client.post(reverse("orgs:department_edit", args=[department.pk]), {"code": "X", "name": "改名"})
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    department.refresh_from_db()
    assert department.name == "行政审批科"


@pytest.mark.django_db
def test_deleting_a_post_still_held_is_refused_with_the_reason(client_for):
    client = client_for("lianban")
    post = Post.objects.get(unit__code="JZ-QS-MAJ", code="SPK-SL")
    response = client.post(reverse("orgs:post_delete", args=[post.pk]), follow=True)
    text = response.content.decode()
    assert "不能删除“许可受理岗”" in text and "任职" in text and "林芳" in text
    assert Post.objects.filter(pk=post.pk).exists()


@pytest.mark.django_db
def test_deleting_a_unit_with_departments_is_refused(client_for):
    client = client_for("admin")
    unit = Unit.objects.get(code="JZ-QS-SJJ")
    text = client.post(reverse("orgs:unit_delete", args=[unit.pk]), follow=True).content.decode()
    assert "不能删除“青山县市场监督管理局”" in text
    assert Unit.objects.filter(pk=unit.pk).exists()


@pytest.mark.django_db
def test_an_unused_post_can_be_deleted_and_the_delete_is_audited(client_for):
    client = client_for("lianban")
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    post = Post.objects.create(unit=unit, code="TMP", name="临时岗")
    client.post(reverse("orgs:post_delete", args=[post.pk]))
    assert not Post.objects.filter(pk=post.pk).exists()
    entry = AuditEntry.objects.filter(action="delete", object_type="orgs.post").latest("seq")
    assert entry.object_repr == "临时岗" and entry.actor_label.startswith("杨丽")


@pytest.mark.django_db
def test_form_errors_are_explained_in_chinese_and_nothing_is_saved(client_for):
    client = client_for("lianban")
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    response = client.post(reverse("orgs:department_new", args=[unit.pk]), {"code": "SPK", "name": "", "kind": "business"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in text or "此字段为必填项" in text
    response = client.post(reverse("orgs:department_new", args=[unit.pk]),
                           {"code": "坏 编码", "name": "新科", "kind": "business", "sort_order": 0})
    assert "编码只能由字母、数字" in response.content.decode()
    assert not Department.objects.filter(name="新科").exists()


@pytest.mark.django_db
def test_a_duplicate_code_is_refused_with_a_reason(client_for):
    client = client_for("lianban")
    unit = Unit.objects.get(code="JZ-QS-MAJ")
    response = client.post(reverse("orgs:department_new", args=[unit.pk]),
                           {"code": "SPK", "name": "重复", "kind": "business", "sort_order": 0})
    assert "已存在" in response.content.decode()
    assert not Department.objects.filter(name="重复").exists()


@pytest.mark.django_db
def test_error_pages_are_chinese_and_leak_nothing(client_for, settings):
    settings.DEBUG = False
    response = client_for("keyuan").get("/orgs/unit/999999/")
    text = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in text
    assert "Traceback" not in text and "DoesNotExist" not in text and "No Unit" not in text


@pytest.mark.django_db
def test_the_english_ui_is_one_click_away(client_for):
    client = client_for("keyuan")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get("/").content.decode()
    assert "Organisation" in text and "Workbench" in text


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, demo_org):
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_org_workbook_downloads_and_uploads_through_the_screens(client_for):
    client = client_for("lianban")
    template = client.get(reverse("orgs:workbook_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    exported = client.get(reverse("orgs:workbook_export"))
    assert exported.content[:2] == b"PK"
    assert AuditEntry.objects.filter(action="export", actor_label__startswith="杨丽").exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("org.xlsx", exported.content)
    response = client.post(reverse("orgs:workbook_import"), {"file": upload, "commit": "0"})
    assert "校验通过" in response.content.decode()
    bad = SimpleUploadedFile("org.xlsx", b"not a workbook")
    response = client.post(reverse("orgs:workbook_import"), {"file": bad, "commit": "1"})
    assert "未写入任何数据" in response.content.decode()


@pytest.mark.django_db
def test_staff_cannot_open_the_org_import(client_for):
    assert client_for("keyuan").get(reverse("orgs:workbook_import")).status_code == 403


@pytest.mark.django_db
def test_chinese_is_the_default_whatever_the_browser_asks(client_for):
    client = client_for("keyuan")
    text = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in text and "Workbench" not in text
