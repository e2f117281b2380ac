"""The 职权目录 workbook: template, export → import round trips, re-imports, messy
files, error reporting cell by cell, frozen catalogues, permissions and the
`lianfang powers` console command."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from lianfang.audit.models import AuditEntry
from lianfang.orgs.models import Department, Person, Post, PostAssignment, RankClass, Unit
from lianfang.powers import workbook
from lianfang.powers.models import Catalogue, CatalogueStatus, LegalBasis, Power, PublicForm
from lianfang.powers.workbook import COLUMNS, build_template, export_catalogue, import_catalogue

from .test_checks import make_unit

HEADERS = [c.header for c in COLUMNS]


def snapshot(catalogue):
    """What the file carries of each power, comparable across units."""
    out = {}
    for p in catalogue.powers.select_related("category", "department").prefetch_related("posts", "legal_bases"):
        out[p.code] = {
            "name": p.name, "category": p.category.code, "content": p.content,
            "department": p.department.code if p.department_id else None,
            "posts": sorted(x.code for x in p.posts.all()),
            "bases": [(b.law, b.article, b.text) for b in p.legal_bases.all()],
            "conditions": p.conditions, "statutory": p.statutory_limit_days, "promised": p.promised_limit_days,
            "channels": p.supervision_channels, "public_form": p.public_form, "external": p.external, "note": p.note,
        }
    return out


def rich_unit(code="T-MAJ"):
    """The clean fixture unit plus a power with everything filled in, same-named posts and several bases."""
    org = make_unit(code)
    Post.objects.create(unit=org.unit, code="SPK-FZ", name="科长", department=org.spk)
    Post.objects.create(unit=org.unit, code="ZFK-FZ", name="科长", department=org.zfk)
    org.permit.content = "对新建、改建、扩建煤矿建设项目的安全设施设计进行审查"
    org.permit.conditions = "1. 申请书；\n2. 设计文件。"
    org.permit.supervision_channels = "监督电话：0000-1234567"
    org.permit.note = "网上可办"
    org.permit.public_form = PublicForm.BOTH
    org.permit.save()
    org.permit.posts.add(Post.objects.get(unit=org.unit, code="SPK-FZ"))
    LegalBasis.objects.create(power=org.permit, law="煤矿安全规程", article="第七条",
                              text="煤矿建设项目的安全设施设计应当经审查。\n未经审查不得施工。", sort_order=2)
    LegalBasis.objects.create(power=org.permit, law="行政许可法", sort_order=3)
    internal = Power.objects.create(catalogue=org.catalogue, code="NB-001", name="干部选拔任用", category=org.cat["RSRM"],
                                    external=False, public_form=PublicForm.INTERNAL, sort_order=5)
    internal.posts.set([org.posts["L-JZ"], Post.objects.get(unit=org.unit, code="ZFK-FZ")])
    LegalBasis.objects.create(power=internal, law="党政领导干部选拔任用工作条例", article="第三条")
    return org


def twin_unit(code="T-NEW"):
    """An empty unit with the same departments and posts as `make_unit`'s."""
    unit = Unit.objects.create(code=code, name="测试县新设单位")
    spk = Department.objects.create(unit=unit, code="SPK", name="审批科")
    zfk = Department.objects.create(unit=unit, code="ZFK", name="执法科")
    for post_code, name, dept in [("L-JZ", "局长", None), ("L-FJZ", "副局长", None), ("SPK-KZ", "审批科科长", spk),
                                  ("SPK-KY", "审批岗", spk), ("ZFK-KY", "执法岗", zfk), ("SPK-FZ", "科长", spk),
                                  ("ZFK-FZ", "科长", zfk)]:
        Post.objects.create(unit=unit, code=post_code, name=name, department=dept)
    return unit


def workbook_bytes(rows, *, title_rows=(), sheet="职权目录"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in title_rows:
        ws.append(row)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def problems(report):
    return [(p.row, p.column.split("（")[0], p.message) for p in report.problems]


# --------------------------------------------------------------------------- template and export


@pytest.mark.django_db
def test_template_layout():
    wb = load_workbook(io.BytesIO(build_template()))
    assert wb.sheetnames == ["职权目录", "填写说明", "选项"]
    ws = wb["职权目录"]
    assert "年度职权目录" in ws["A1"].value
    assert [c.value for c in ws[3]] == HEADERS
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.print_title_rows == "$3:$3"
    assert wb["选项"].sheet_state == "hidden"
    lists = {str(dv.sqref).split(":")[0][:1]: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    letters = {c.header: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    assert set(lists) == {letters["职权类别"], letters["公开形式"], letters["内部/外部"]}
    options = wb["选项"]
    assert "行政许可" in [c.value for c in options["A"]] and "重大事项决策" in [c.value for c in options["A"]]
    guide = [c.value for c in wb["填写说明"]["A"] if c.value]
    assert all(h in guide for h in HEADERS)
    report = import_catalogue(build_template(), unit=Unit.objects.create(code="T-E", name="空"), year=2026)
    assert [p.message for p in report.problems] == ["文件中没有任何职权（表头以下没有数据行）"]


@pytest.mark.django_db
def test_export_layout():
    org = rich_unit()
    wb = load_workbook(io.BytesIO(export_catalogue(org.catalogue)))
    ws = wb["职权目录"]
    assert ws["A1"].value == "测试县煤矿安全监督管理局2026年度职权目录"
    assert "单位：测试县煤矿安全监督管理局" in ws["A2"].value and "年度：2026" in ws["A2"].value
    assert any("制表日期" in str(c.value) for c in ws[2] if c.value)
    assert [c.value for c in ws[3]] == HEADERS
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    permit = rows["XK-001"]
    assert permit[0] == 1 and permit[3] == "行政许可" and permit[5] == "审批科"
    assert permit[6] == "审批科/科长、审批岗、审批科科长"
    assert permit[7].split("\n")[0] == "《安全生产法》第六十二条：……"
    assert "《行政许可法》" in permit[7].split("\n")
    assert permit[9:11] == (20, 15) and permit[12] == "网站及办事大厅" and permit[13] == "外部"
    assert rows["NB-001"][13] == "内部" and rows["NB-001"][6] == "局长、执法科/科长"
    assert ws.page_setup.orientation == "landscape"


# --------------------------------------------------------------------------- round trips


@pytest.mark.django_db
def test_export_import_round_trip_into_an_empty_unit_and_a_new_year():
    org = rich_unit()
    data = export_catalogue(org.catalogue)
    expected = snapshot(org.catalogue)
    assert len(expected) == 4

    unit = twin_unit()
    report = import_catalogue(data, unit=unit, year=2027, commit=True)
    assert report.ok, report.problems
    assert report.committed and report.catalogue_created
    assert report.counts == {"created": 4, "updated": 0, "unchanged": 0}
    catalogue = Catalogue.objects.get(unit=unit, year=2027)
    assert snapshot(catalogue) == expected
    assert [p.code for p in catalogue.powers.order_by("sort_order")] == ["XK-001", "CF-001", "ZD-001", "NB-001"]

    # The same unit's next year: linked to last year's catalogue and powers.
    report = import_catalogue(data, unit=org.unit, year=2027, commit=True)
    assert report.ok and report.counts["created"] == 4
    new = Catalogue.objects.get(unit=org.unit, year=2027)
    assert new.based_on == org.catalogue
    assert snapshot(new) == expected
    assert new.powers.get(code="XK-001").previous == org.permit


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating():
    org = rich_unit()
    data = export_catalogue(org.catalogue)
    before = AuditEntry.objects.count()
    report = import_catalogue(data, unit=org.unit, year=2026, commit=True)
    assert report.ok and report.counts == {"created": 0, "updated": 0, "unchanged": 4}
    assert AuditEntry.objects.count() == before + 1

    wb = load_workbook(io.BytesIO(data))
    ws = wb["职权目录"]
    for row in ws.iter_rows(min_row=4):
        if row[1].value == "XK-001":
            row[2].value = "煤矿建设项目安全设施设计审查（含变更）"
            row[6].value = "审批岗"
            row[7].value = "《安全生产法》第三十一条：新条文"
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = import_catalogue(buffer.getvalue(), unit=org.unit, year=2026)
    assert preview.ok and not preview.committed and preview.counts == {"created": 0, "updated": 1, "unchanged": 3}
    assert Power.objects.get(pk=org.permit.pk).name == "煤矿建设项目安全设施设计审查"

    report = import_catalogue(buffer.getvalue(), unit=org.unit, year=2026, commit=True)
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 3}
    assert Power.objects.filter(catalogue=org.catalogue).count() == 4
    permit = Power.objects.get(pk=org.permit.pk)
    assert permit.name == "煤矿建设项目安全设施设计审查（含变更）"
    assert [p.code for p in permit.posts.all()] == ["SPK-KY"]
    assert [(b.law, b.article, b.text) for b in permit.legal_bases.all()] == [("安全生产法", "第三十一条", "新条文")]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "import" and entry.object_type == "powers.catalogue"
    assert entry.changes["updated"] == ["XK-001"] and entry.changes["counts"]["unchanged"] == 3
    assert AuditEntry.objects.count() == before + 2  # one summary entry per committed import, nothing else


@pytest.mark.django_db
def test_messy_file_imports():
    org = make_unit()
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["测试县煤矿安全监督管理局职权目录（2026年）"])
    ws.merge_cells("A1:J1")
    ws.append([])
    ws.append(["填报单位（盖章）：", None, None, None, "填报日期：2026年3月"])
    ws.append([" 序 号", "职权编码*", "事项名称", "权力类别", "承办 科室", "责任岗位", "设定依据", "实施依据",
               "法定时限(工作日)", "承诺期限", "公开方式", "职权性质", "自加的列"])
    ws.append(["一、行政许可"])
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=13)
    ws.append([1, 1001, " 煤矿 建设项目审查 ", "行政许可", "审批科", "审批岗；审批科科长", "《安全生产法》第三十条",
               "1.《煤矿安全规程》第七条：条文一\n2.《行政许可法》第四十二条", "20个工作日", 15.0, "网站", "外部职权",
               "忽略"])
    ws.append([2, "XK-2", "煤矿安全设施竣工验收", None, "SPK", "SPK-KY\nSPK-KZ", "安全生产法第三十一条", None,
               "即办", None, None, None])
    ws.merge_cells("D6:D7")  # 类别 merged over two rows
    ws.append([])
    ws.append([None, None, None, None, None, None, None, None, None, None, None, None, None])
    ws.append(["二、内部事项"])
    ws.append([3, "ZD-1", "重大事项集体决策", "ZDJC", None, "局长、副局长", "《中国共产党党组工作条例》", None, "/",
               None, None, None])
    ws.append(["注：本表由办公室汇总。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    unit = twin_unit()
    Post.objects.filter(unit=unit, code="SPK-FZ").delete()
    report = import_catalogue(buffer.getvalue(), unit=unit, year=2026, commit=True)
    assert report.ok, [str(p) for p in report.problems]
    assert report.counts["created"] == 3
    got = snapshot(Catalogue.objects.get(unit=unit, year=2026))
    assert got["1001"] == {
        "name": "煤矿 建设项目审查", "category": "XZXK", "content": "", "department": "SPK",
        "posts": ["SPK-KY", "SPK-KZ"],
        "bases": [("安全生产法", "第三十条", ""), ("煤矿安全规程", "第七条", "条文一"), ("行政许可法", "第四十二条", "")],
        "conditions": "", "statutory": 20, "promised": 15, "channels": "", "public_form": PublicForm.WEBSITE,
        "external": True, "note": "",
    }
    assert got["XK-2"]["category"] == "XZXK" and got["XK-2"]["statutory"] == 0
    assert got["XK-2"]["bases"] == [("安全生产法", "第三十一条", "")]
    assert got["ZD-1"]["statutory"] is None and got["ZD-1"]["external"] is False
    assert got["ZD-1"]["public_form"] == PublicForm.INTERNAL and got["ZD-1"]["posts"] == ["L-FJZ", "L-JZ"]
    del org


@pytest.mark.django_db
def test_two_row_header_with_grouped_limits():
    org = make_unit()
    wb = Workbook()
    ws = wb.active
    ws.append(["职权编码", "职权名称", "职权类别", "承办岗位", "办理期限", None, "法律依据"])
    ws.append([None, None, None, None, "法定", "承诺", None])
    ws.merge_cells("E1:F1")
    for col in "ABCDG":
        ws.merge_cells(f"{col}1:{col}2")
    ws.append(["XK-9", "某项审批", "行政许可", "审批岗", 20, 10, "《安全生产法》"])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_catalogue(buffer.getvalue(), unit=org.unit, year=2026, commit=True)
    assert report.ok, [str(p) for p in report.problems]
    power = Power.objects.get(catalogue=org.catalogue, code="XK-9")
    assert (power.statutory_limit_days, power.promised_limit_days) == (20, 10)


@pytest.mark.django_db
def test_errors_are_reported_per_cell_and_nothing_is_written():
    org = make_unit()
    other = Unit.objects.create(code="T-OUT", name="外单位")
    Post.objects.create(unit=other, code="OUT-1", name="外单位岗位")
    Department.objects.create(unit=other, code="OUT-D", name="外单位科室")
    Post.objects.create(unit=org.unit, code="SPK-FZ", name="科长", department=org.spk)
    Post.objects.create(unit=org.unit, code="ZFK-FZ", name="科长", department=org.zfk)
    rows = [
        HEADERS,
        [1, "A-1", "正常的职权", "行政许可", "审批科", "审批岗", "《安全生产法》", 20, 10, None, None, None, "外部"],
        [2, "A-2", "类别不对", "行政审批", "审批科", "审批岗", "《安全生产法》"],
        [3, "A-3", "科室不存在", "行政许可", "财务科", "审批岗"],
        [4, "A-4", "外单位科室", "行政许可", "外单位科室", "外单位岗位"],
        [5, "A-1", "编码重复", "行政许可", None, "审批岗"],
        [6, None, "缺编码", "行政许可"],
        [7, "A-7", None, "行政许可"],
        [8, "A-8", "时限不是数字", "行政许可", None, "不存在的岗位", None, "二十天", "abc"],
        [9, "A-9", "承诺超过法定", "行政许可", None, "审批岗", None, 10, 15],
        [10, "A 10", "编码格式不对", "行政许可"],
        [11, "A-11", "公开形式和内外部不对", "行政许可", None, "科长", None, None, None, None, "报纸", "半外部"],
    ]
    # Reorder the row values into the template's column order.
    order = ["seq", "code", "name", "category", "department", "posts", "legal", "statutory", "promised", "channels",
             "public_form", "external", "note"]
    keys = [c.key for c in COLUMNS]
    table = [HEADERS]
    for raw in rows[1:]:
        values = dict(zip(order, raw, strict=False))
        table.append([values.get(k) for k in keys])
    data = workbook_bytes(table, title_rows=[["某单位2026年度职权目录"], []])
    letter = {c.key: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    report = import_catalogue(data, unit=org.unit, year=2027, commit=True)
    got = problems(report)
    expected_cells = [
        (5, letter["category"], "行政审批"),
        (6, letter["department"], "财务科"),
        (7, letter["department"], "外单位"),
        (7, letter["posts"], "外单位"),
        (8, letter["code"], "第4行重复"),
        (9, letter["code"], "不能为空"),
        (10, letter["name"], "不能为空"),
        (11, letter["posts"], "不存在的岗位"),
        (11, letter["statutory"], "二十天"),
        (11, letter["promised"], "abc"),
        (12, letter["promised"], "不能超过法定时限"),
        (13, letter["code"], "格式无效"),
        (14, letter["posts"], "多个名为“科长”"),
        (14, letter["public_form"], "报纸"),
        (14, letter["external"], "半外部"),
    ]
    assert len(got) == len(expected_cells), "\n".join(map(str, report.problems))
    for (row, col, message), (exp_row, exp_col, fragment) in zip(got, expected_cells, strict=True):
        assert (row, col) == (exp_row, exp_col) and fragment in message, (row, col, message)
    assert "应为：行政许可、行政处罚" in got[0][2]
    assert all(p.sheet == "职权目录" for p in report.problems)
    assert not report.committed and report.counts == {"created": 0, "updated": 0, "unchanged": 0}
    assert not Catalogue.objects.filter(unit=org.unit, year=2027).exists()
    assert not Power.objects.filter(code="A-1").exists()


@pytest.mark.django_db
def test_published_catalogue_is_refused():
    org = make_unit()
    data = export_catalogue(org.catalogue)
    Catalogue.objects.filter(pk=org.catalogue.pk).update(status=CatalogueStatus.PUBLISHED)
    report = import_catalogue(data, unit=org.unit, year=2026, commit=True)
    assert not report.ok and "已公布" in report.problems[0].message
    assert not report.committed


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "空的"),
    (b"hello, world", "不是 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"PK\x03\x04broken", "已损坏"),
])
def test_bad_files_give_a_clear_problem(content, fragment):
    unit = Unit.objects.create(code="T-X", name="某单位")
    report = import_catalogue(content, unit=unit, year=2026, commit=True)
    assert len(report.problems) == 1 and fragment in report.problems[0].message
    assert not Catalogue.objects.exists()


@pytest.mark.django_db
def test_file_without_a_header_row():
    unit = Unit.objects.create(code="T-X", name="某单位")
    report = import_catalogue(workbook_bytes([["姓名", "电话"], ["张三", "123"]]), unit=unit, year=2026)
    assert "未找到表头行" in report.problems[0].message


def test_legal_basis_lines():
    parse = workbook.parse_legal_bases
    assert parse("《安全生产法》第六十二条：条文\n接着的条文\n《消防法》第十五条") == [
        ("安全生产法", "第六十二条", "条文\n接着的条文"), ("消防法", "第十五条", ""),
    ]
    assert parse("（一）《行政许可法》\n2、《安全生产法》第三条第二款: 文字") == [
        ("行政许可法", "", ""), ("安全生产法", "第三条第二款", "文字"),
    ]
    assert parse("安全生产法第六十二条\n消防法第十五条") == [("安全生产法", "第六十二条", ""), ("消防法", "第十五条", "")]
    text = "第一句。\n《引用》在行首"
    line = workbook.format_legal_basis("某法", "第一条", text)
    assert parse(line) == [("某法", "第一条", "第一句。 《引用》在行首")]


# --------------------------------------------------------------------------- permissions


def _login(org, rank, post_code, username):
    user = get_user_model().objects.create_user(username, password="x-1234567")
    person = Person.objects.create(unit=org.unit, code=f"P-{username}", name=username, rank_class=rank, user=user)
    PostAssignment.objects.create(person=person, post=org.posts[post_code])
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_permissions():
    org = make_unit()
    data = export_catalogue(org.catalogue)
    head = _login(org, RankClass.HEAD, "L-JZ", "head")
    assert import_catalogue(data, unit=org.unit, year=2027, user=head, commit=True).ok

    # A department head may change their own department's powers only, and not open a new year.
    dept_head = _login(org, RankClass.DEPT_HEAD, "SPK-KZ", "spk")
    assert "无权新建" in import_catalogue(data, unit=org.unit, year=2028, user=dept_head).problems[0].message
    assert import_catalogue(data, unit=org.unit, year=2026, user=dept_head).ok  # nothing changes
    wb = load_workbook(io.BytesIO(data))
    ws = wb["职权目录"]
    for row in ws.iter_rows(min_row=4):
        row[4].value = (row[4].value or "") + "（修订）"  # 职权内容 of every row
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_catalogue(buffer.getvalue(), unit=org.unit, year=2026, user=dept_head)
    assert [(p.row, p.message[:6]) for p in report.problems] == [(5, "无权修改职权"), (6, "无权修改职权")]

    outsider_unit = Unit.objects.create(code="T-OUT", name="外单位")
    outsider = get_user_model().objects.create_user("out", password="x-1234567")
    Person.objects.create(unit=outsider_unit, code="P-OUT", name="外人", rank_class=RankClass.HEAD, user=outsider)
    report = import_catalogue(data, unit=org.unit, year=2026, user=outsider)
    assert "无权" in report.problems[0].message
    with pytest.raises(workbook.PermissionDenied):
        export_catalogue(org.catalogue, user=outsider)
    export_catalogue(org.catalogue, user=head)


# --------------------------------------------------------------------------- console


@pytest.mark.django_db
def test_command(tmp_path, capsys):
    org = make_unit()
    out = io.StringIO()
    call_command("powers", "check", "--json", stdout=out)
    text = out.getvalue()
    assert "测试县煤矿安全监督管理局（T-MAJ）：未发现问题" in text
    result = json.loads(text.strip().splitlines()[-1])
    assert result == {"units": [{"unit": "T-MAJ", "findings": []}]}

    org.penalty.legal_bases.all().delete()
    out = io.StringIO()
    call_command("powers", "check", "--unit", "T-MAJ", "--json", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert [f["code"] for f in result["units"][0]["findings"]] == ["power_no_legal_basis"]
    assert "[错误] 职权“CF-001" in out.getvalue()

    with pytest.raises(CommandError, match="单位编码“NOPE”不存在"):
        call_command("powers", "check", "--unit", "NOPE", stdout=io.StringIO())

    template = tmp_path / "template.xlsx"
    call_command("powers", "template", "--out", str(template), stdout=io.StringIO())
    assert load_workbook(template).sheetnames[0] == "职权目录"
    exported = tmp_path / "export.xlsx"
    call_command("powers", "export", "--unit", "T-MAJ", "--out", str(exported), stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有2030年度"):
        call_command("powers", "export", "--unit", "T-MAJ", "--year", "2030", "--out", str(exported))

    out = io.StringIO()
    call_command("powers", "import", str(exported), "--unit", "T-MAJ", "--year", "2027", "--json", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["ok"] and not result["committed"] and result["counts"]["created"] == 3
    assert not Catalogue.objects.filter(unit=org.unit, year=2027).exists()
    call_command("powers", "import", str(exported), "--unit", "T-MAJ", "--year", "2027", "--commit",
                 stdout=io.StringIO())
    assert Catalogue.objects.get(unit=org.unit, year=2027).powers.count() == 3

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("powers", "import", str(bad), "--unit", "T-MAJ", "--year", "2027", "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["ok"] is False
    with pytest.raises(CommandError, match="年度"):
        call_command("powers", "import", str(bad), "--unit", "T-MAJ", "--year", "明年")


@pytest.mark.django_db
def test_file_order_becomes_catalogue_order():
    org = make_unit()
    keys = [c.key for c in COLUMNS]

    def row(code, name):
        values = {"code": code, "name": name, "category": "行政许可", "posts": "审批岗", "legal": "《安全生产法》"}
        return [values.get(k) for k in keys]

    # Appending at the end keeps the existing numbers.
    data = load_workbook(io.BytesIO(export_catalogue(org.catalogue)))
    ws = data["职权目录"]
    ws.append(row("XK-100", "新增的职权"))
    buffer = io.BytesIO()
    data.save(buffer)
    report = import_catalogue(buffer.getvalue(), unit=org.unit, year=2026, commit=True)
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 3}
    assert list(org.catalogue.powers.order_by("sort_order").values_list("code", "sort_order")) == [
        ("XK-001", 1), ("CF-001", 2), ("ZD-001", 3), ("XK-100", 4),
    ]
    # A new first row renumbers in file order.
    table = [HEADERS, row("XK-000", "最前面的职权")]
    table += [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    report = import_catalogue(workbook_bytes(table), unit=org.unit, year=2026, commit=True)
    assert report.ok and report.counts["created"] == 1
    assert list(org.catalogue.powers.order_by("sort_order").values_list("code", flat=True)) == [
        "XK-000", "XK-001", "CF-001", "ZD-001", "XK-100",
    ]
