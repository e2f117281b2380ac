"""The catalogue screens over HTTP, as the demo roles see them."""

import datetime as dt

import pytest
from django.urls import reverse

from lianfang.audit.models import AuditEntry
from lianfang.flows.models import Flowchart
from lianfang.orgs.models import Department, Post, Unit
from lianfang.powers import services
from lianfang.powers.models import Catalogue, CatalogueStatus, Power, PowerCategory

from .test_services import add_power

D = dt.date


@pytest.fixture
def units(demo_org):
    return Unit.objects.get(code="JZ-QS-MAJ"), Unit.objects.get(code="JZ-QS-SJJ")


@pytest.fixture
def drafting(units):
    cat = Catalogue.objects.create(unit=units[0], year=2030)
    add_power(cat, "XK-001", "煤矿建设项目安全设施设计审查", "XZXK", "SPK", ["SPK-SC", "SPK-KZ"], 20, 15)
    add_power(cat, "CF-001", "煤矿安全违法行为行政处罚", "XZCF", "FGK", ["FGK-CF"], 60,
              bases=[("安全生产法", "第九十七条"), ("行政处罚法", "第五十七条")])
    add_power(cat, "ZD-001", "重大事项决策", "ZDJC", None, ["L-JZ", "L-FJZ1"])
    return cat


@pytest.fixture
def published(units, user_named):
    """A 2029 catalogue taken along the whole path."""
    cat = Catalogue.objects.create(unit=units[0], year=2029)
    add_power(cat, "XK-001", "煤矿建设项目安全设施设计审查", "XZXK", "SPK", ["SPK-SC"], 20, 18)
    office = user_named("lianban")
    services.submit_department_list(cat, Department.objects.get(unit=units[0], code="SPK"), office)
    services.consolidate(cat, office)
    services.record_decision(cat, office, D(2026, 2, 5), "局党组会议（2026年第2次）")
    services.mark_filed(cat, office, "县委编办、县司法局", D(2026, 2, 13))
    services.publish(cat, office, D(2026, 2, 27))
    cat.refresh_from_db()
    return cat


@pytest.fixture
def peer_catalogue(units):
    cat = Catalogue.objects.create(unit=units[1], year=2030)
    add_power(cat, "XK-001", "食品经营许可", "XZXK", "SPG", ["SPG-XK"], 10, 8, bases=[("食品安全法", "第三十五条")])
    return cat


def power_data(unit, **overrides):
    spk = Department.objects.get(unit=unit, code="SPK")
    data = {
        "code": "XK-009", "name": "煤矿安全生产标准化三级等级确认",
        "category": PowerCategory.objects.get(code="XZQR").pk, "content": "对申请三级等级的煤矿组织考核。",
        "department": spk.pk, "posts": [Post.objects.get(unit=unit, code="SPK-SC").pk],
        "conditions": "已完成自评。", "statutory_limit_days": "20", "promised_limit_days": "15",
        "supervision_channels": "监督电话：0000-1234567", "public_form": "both", "external": "on", "note": "",
        "sort_order": "90",
        "bases-TOTAL_FORMS": "1", "bases-INITIAL_FORMS": "0", "bases-MIN_NUM_FORMS": "0", "bases-MAX_NUM_FORMS": "1000",
        "bases-0-law": "《安全生产法》", "bases-0-article": "第四条", "bases-0-text": "", "bases-0-sort_order": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_index_lists_the_users_catalogues_only(client_for, drafting, peer_catalogue):
    html = client_for("keyuan").get(reverse("powers:index")).content.decode()
    assert "青山县煤矿安全监督管理局" in html and "2030 年度" in html and "科室清理中" in html
    assert "青山县市场监督管理局" not in html
    county = client_for("xianjiwei").get(reverse("powers:index")).content.decode()
    assert "青山县煤矿安全监督管理局" in county and "青山县市场监督管理局" in county


@pytest.mark.django_db
def test_a_peer_gets_404_on_another_units_catalogue_and_powers(client_for, drafting):
    client = client_for("shichang")
    power = drafting.powers.get(code="XK-001")
    for url in (reverse("powers:catalogue", args=[drafting.pk]), reverse("powers:diff", args=[drafting.pk]),
                reverse("powers:pdf", args=[drafting.pk]), reverse("powers:power", args=[power.pk]),
                reverse("powers:power_edit", args=[power.pk]), reverse("powers:power_new", args=[drafting.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("powers:power_delete", args=[power.pk])).status_code == 404
    assert client.post(reverse("powers:action", args=[drafting.pk, "consolidate"])).status_code == 404
    assert Power.objects.filter(pk=power.pk).exists()


@pytest.mark.django_db
def test_catalogue_page_shows_powers_filters_and_status(client_for, drafting):
    client = client_for("keyuan")
    url = reverse("powers:catalogue", args=[drafting.pk])
    html = client.get(url).content.decode()
    for text in ("煤矿建设项目安全设施设计审查", "煤矿安全违法行为行政处罚", "重大事项决策", "三重一大", "单位领导班子",
                 "科室清理", "法制科室已汇总", "已集体研究", "已备案", "已公布", "各科室清单提交情况"):
        assert text in html, text
    assert "新增职权" not in html and "法制科室汇总</button>" not in html  # staff: no buttons
    xzcf = PowerCategory.objects.get(code="XZCF").pk

    def rows(params):
        html = client.get(url, params).content.decode()
        return {code for code in ("XK-001", "CF-001", "ZD-001") if f'data-power="{code}"' in html}

    assert rows({}) == {"XK-001", "CF-001", "ZD-001"}
    assert rows({"category": xzcf}) == {"CF-001"}
    assert rows({"q": "行政处罚法"}) == {"CF-001"}  # searches the legal bases too
    assert rows({"q": "设计审查"}) == {"XK-001"}
    assert rows({"department": "none"}) == {"ZD-001"}
    spk = Department.objects.get(unit=drafting.unit, code="SPK")
    assert rows({"department": spk.pk}) == {"XK-001"}


@pytest.mark.django_db
def test_pagination(client_for, drafting):
    for n in range(30):
        add_power(drafting, f"QT-{n:03d}", f"测试职权{n:03d}", "QTXZ", "AJK", ["AJK-JC1"])
    client = client_for("lianban")
    url = reverse("powers:catalogue", args=[drafting.pk])
    first = client.get(url).content.decode()
    assert "第 1–25 项，共 33 项" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "第 26–33 项，共 33 项" in second


@pytest.mark.django_db
def test_staff_cannot_edit(client_for, drafting):
    client = client_for("keyuan")
    power = drafting.powers.get(code="XK-001")
    assert client.get(reverse("powers:power_edit", args=[power.pk])).status_code == 403
    response = client.post(reverse("powers:power_edit", args=[power.pk]), power_data(drafting.unit, code="XK-001"))
    assert response.status_code == 403
    assert client.get(reverse("powers:power_new", args=[drafting.pk])).status_code == 403
    assert client.post(reverse("powers:power_delete", args=[power.pk])).status_code == 403
    power.refresh_from_db()
    assert power.name == "煤矿建设项目安全设施设计审查"
    client.post(reverse("powers:action", args=[drafting.pk, "consolidate"]), {})
    assert Catalogue.objects.get(pk=drafting.pk).status == CatalogueStatus.DRAFTING


@pytest.mark.django_db
def test_department_head_edits_own_department_only(client_for, drafting):
    client = client_for("kezhang")
    own, other = drafting.powers.get(code="XK-001"), drafting.powers.get(code="CF-001")
    assert client.get(reverse("powers:power_edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("powers:power_edit", args=[other.pk])).status_code == 403
    # Only his own department is offered for a new power.
    html = client.get(reverse("powers:power_new", args=[drafting.pk])).content.decode()
    assert "行政审批科" in html and '>法规事故处理科<' not in html


@pytest.mark.django_db
def test_the_office_creates_and_edits_a_power(client_for, drafting):
    client = client_for("lianban")
    response = client.post(reverse("powers:power_new", args=[drafting.pk]), power_data(drafting.unit))
    assert response.status_code == 302
    power = Power.objects.get(catalogue=drafting, code="XK-009")
    assert response["Location"] == reverse("powers:power", args=[power.pk])
    assert power.unit_id == drafting.unit_id and power.category.code == "XZQR"
    assert list(power.legal_bases.values_list("law", "article")) == [("安全生产法", "第四条")]
    assert list(power.posts.values_list("code", flat=True)) == ["SPK-SC"]
    assert AuditEntry.objects.filter(object_type="powers.power", object_id=str(power.pk), action="create").exists()

    html = client.get(reverse("powers:power", args=[power.pk])).content.decode()
    for text in ("煤矿安全生产标准化三级等级确认", "《安全生产法》第四条", "许可审查岗", "已完成自评。", "20 个工作日",
                 "尚未关联流程图", "编辑"):
        assert text in html, text

    data = power_data(drafting.unit, name="煤矿安全生产标准化等级确认", promised_limit_days="10", **{
        "bases-TOTAL_FORMS": "2", "bases-INITIAL_FORMS": "1",
        "bases-0-id": str(power.legal_bases.get().pk), "bases-0-power": str(power.pk),
        "bases-1-law": "煤矿安全生产标准化管理体系考核定级办法（试行）", "bases-1-article": "第五条",
        "bases-1-text": "", "bases-1-sort_order": "1",
    })
    response = client.post(reverse("powers:power_edit", args=[power.pk]), data)
    assert response.status_code == 302
    power.refresh_from_db()
    assert power.name == "煤矿安全生产标准化等级确认" and power.promised_limit_days == 10
    assert power.legal_bases.count() == 2


@pytest.mark.django_db
def test_validation_errors_are_in_chinese(client_for, drafting):
    client = client_for("lianban")
    leadership = Post.objects.get(unit=drafting.unit, code="L-JZ")
    peer_post = Post.objects.get(unit__code="JZ-QS-SJJ", code="SPG-XK")
    data = power_data(drafting.unit, code="XK-001", name="重大事项决策", promised_limit_days="30",
                      posts=[leadership.pk, peer_post.pk], **{"bases-0-law": ""})
    response = client.post(reverse("powers:power_new", args=[drafting.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("本目录已有编码为“XK-001”的职权", "本目录已有同名职权", "承诺时限不能长于法定时限",
                 "请修改以下标红的内容后再保存", "选择一个有效的选项"):
        assert text in html, text
    data = power_data(drafting.unit, **{"bases-0-law": "", "bases-0-article": ""})
    html = client.post(reverse("powers:power_new", args=[drafting.pk]), data).content.decode()
    assert "每项职权至少应有一条法律依据" in html
    assert not Power.objects.filter(catalogue=drafting, code="XK-009").exists()


@pytest.mark.django_db
def test_a_published_power_is_read_only(client_for, published):
    client = client_for("lianban")
    power = published.powers.get()
    html = client.get(reverse("powers:power", args=[power.pk])).content.decode()
    assert "只读" in html and "已公布的职权目录不能修改" in html
    assert f'href="{reverse("powers:power_edit", args=[power.pk])}"' not in html
    response = client.get(reverse("powers:power_edit", args=[power.pk]), follow=True)
    assert "已公布的职权目录不能修改" in response.content.decode()
    response = client.post(reverse("powers:power_edit", args=[power.pk]),
                           power_data(published.unit, code="XK-001", name="改名"))
    assert response.status_code == 302
    power.refresh_from_db()
    assert power.name == "煤矿建设项目安全设施设计审查"
    client.post(reverse("powers:power_delete", args=[power.pk]))
    assert Power.objects.filter(pk=power.pk).exists()
    response = client.post(reverse("powers:power_new", args=[published.pk]), power_data(published.unit))
    assert response.status_code == 302 and not published.powers.filter(code="XK-009").exists()
    html = client.get(reverse("powers:catalogue", args=[published.pk])).content.decode()
    assert "新增职权" not in html and "生成下一年度目录" in html and "局党组会议（2026年第2次）" in html


@pytest.mark.django_db
def test_delete_refused_with_reason_when_a_flowchart_links_the_power(client_for, drafting):
    client = client_for("lianban")
    power = drafting.powers.get(code="XK-001")
    Flowchart.objects.create(unit=drafting.unit, code="LC-XK-001", name="设计审查流程").powers.add(power)
    html = client.get(reverse("powers:power", args=[power.pk])).content.decode()
    assert "设计审查流程" in html and "请先在流程图中解除关联" in html
    response = client.post(reverse("powers:power_delete", args=[power.pk]), follow=True)
    assert "请先在流程图中解除关联" in response.content.decode()
    assert Power.objects.filter(pk=power.pk).exists()
    other = drafting.powers.get(code="CF-001")
    response = client.post(reverse("powers:power_delete", args=[other.pk]))
    assert response.status_code == 302 and not Power.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_workflow_buttons_drive_the_path(client_for, drafting):
    kezhang = client_for("kezhang")
    html = kezhang.get(reverse("powers:catalogue", args=[drafting.pk])).content.decode()
    assert "提交科室清单" in html and "登记集体研究决定" not in html
    spk = Department.objects.get(unit=drafting.unit, code="SPK")
    kezhang.post(reverse("powers:action", args=[drafting.pk, "submit"]), {"submit-department": spk.pk})
    client = client_for("lianban")
    url = reverse("powers:action", args=[drafting.pk, "consolidate"])
    response = client.post(url, {"consolidate-note": ""}, follow=True)
    assert "以下科室尚未提交职权清单：法规事故处理科" in response.content.decode()
    fgk = Department.objects.get(unit=drafting.unit, code="FGK")
    client.post(reverse("powers:action", args=[drafting.pk, "submit"]), {"submit-department": fgk.pk})
    client.post(url, {"consolidate-note": "汇总完毕"})
    assert Catalogue.objects.get(pk=drafting.pk).status == CatalogueStatus.CONSOLIDATED
    response = client.post(reverse("powers:action", args=[drafting.pk, "decide"]),
                           {"decide-date": "", "decide-meeting": "局党组会议"}, follow=True)
    assert "未能办理" in response.content.decode()
    client.post(reverse("powers:action", args=[drafting.pk, "decide"]),
                {"decide-date": "2026-02-05", "decide-meeting": "局党组会议（2026年第2次）"})
    client.post(reverse("powers:action", args=[drafting.pk, "file"]),
                {"file-filed_with": "县委编办、县司法局、县政务公开办", "file-date": "2026-02-13"})
    response = client.post(reverse("powers:action", args=[drafting.pk, "publish"]), {"publish-date": "2026-02-27"},
                           follow=True)
    html = response.content.decode()
    assert "职权目录已公布" in html and "已公布" in html
    assert Catalogue.objects.get(pk=drafting.pk).status == CatalogueStatus.PUBLISHED
    response = client.post(reverse("powers:action", args=[drafting.pk, "next_year"]), {"next_year-year": "2031"})
    new = Catalogue.objects.get(unit=drafting.unit, year=2031)
    assert response["Location"] == reverse("powers:catalogue", args=[new.pk])
    assert new.powers.count() == 3


@pytest.mark.django_db
def test_diff_page(client_for, published, user_named):
    new = services.start_next_year(published, user_named("lianban"))
    power = new.powers.get()
    power.promised_limit_days = 15
    power.save()
    add_power(new, "JC-004", "煤矿生产安全事故应急预案备案", "QTXZ", "AJK", ["AJK-YH"], 5, 3)
    html = client_for("keyuan").get(reverse("powers:diff", args=[new.pk])).content.decode()
    for text in ("新增职权", "煤矿生产安全事故应急预案备案", "变更的职权", "承诺时限（工作日）", ">18<", ">15<"):
        assert text in html, text
    assert "与 2029 年度对比" in client_for("keyuan").get(reverse("powers:catalogue", args=[new.pk])).content.decode()


@pytest.mark.django_db
def test_pdf_is_a_pdf_and_is_recorded(client_for, published):
    client = client_for("keyuan")
    response = client.get(reverse("powers:pdf", args=[published.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", object_type="powers.catalogue",
                                     object_id=str(published.pk), actor_label__contains="keyuan").exists()


@pytest.mark.django_db
def test_pdf_template_has_the_catalogue_columns(published):
    from django.template.loader import render_to_string

    html = render_to_string("pdf/catalogue.html", {"catalogue": published, "powers": published.powers.all(),
                                                   "today": D(2026, 3, 1)})
    for text in ("青山县煤矿安全监督管理局2029年度职权目录", "职权编码", "职权名称", "职权类别", "职权内容", "行使主体",
                 "法律依据", "办理条件", "办理期限", "监督渠道", "公开形式", "内/外部", "备注", "制表日期",
                 "2026年3月1日", "《安全生产法》第六十二条", "法定 20", "承诺 18"):
        assert text in html, text


@pytest.mark.django_db
def test_new_catalogue_only_for_the_office(client_for, units):
    assert "新建年度目录" not in client_for("kezhang").get(reverse("powers:index")).content.decode()
    client = client_for("lianban")
    assert "新建年度目录" in client.get(reverse("powers:index")).content.decode()
    response = client.post(reverse("powers:catalogue_new"), {"unit": units[0].pk, "year": "2035"})
    cat = Catalogue.objects.get(unit=units[0], year=2035)
    assert response["Location"] == reverse("powers:catalogue", args=[cat.pk])
    client.post(reverse("powers:catalogue_new"), {"unit": units[1].pk, "year": "2035"})  # a peer unit
    assert not Catalogue.objects.filter(unit=units[1], year=2035).exists()


@pytest.mark.django_db
def test_excel_import_checks_first_and_writes_only_on_confirm(client_for, drafting):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianfang.powers.workbook import export_catalogue

    client = client_for("lianban")
    # A post name with "、" inside brackets survives the workbook's list of posts.
    drafting.powers.get(code="ZD-001").posts.set(Post.objects.filter(unit=drafting.unit, code__in=["L-JZ", "L-FJZ1"]))
    data = export_catalogue(drafting)
    assert client.get(reverse("powers:export", args=[drafting.pk])).content[:2] == b"PK"
    drafting.powers.get(code="ZD-001").delete()
    url = reverse("powers:import", args=[drafting.pk])
    response = client.post(url, {"commit": "0", "file": SimpleUploadedFile("目录.xlsx", data)})
    html = response.content.decode()
    assert "校验通过，尚未写入" in html and "确认导入" in html
    assert not drafting.powers.filter(code="ZD-001").exists()
    token = response.context["token"]
    response = client.post(url, {"commit": "1", "token": token})
    assert response.status_code == 302
    assert set(drafting.powers.get(code="ZD-001").posts.values_list("code", flat=True)) == {"L-JZ", "L-FJZ1"}
    bad = client.post(url, {"commit": "0", "file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert "未写入任何数据" in bad.content.decode()
    assert client_for("keyuan").get(url).status_code == 403
