"""The organisation workbook: template, export → import round trips, re-imports,
error reporting cell by cell, bad files, permissions and the console command."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from lianfang.audit.models import AuditEntry
from lianfang.orgs import workbook
from lianfang.orgs.models import (
    Charge,
    Department,
    DepartmentKind,
    GroupKind,
    GroupMembership,
    GroupRole,
    OrgGroup,
    Person,
    Post,
    PostAssignment,
    RankClass,
    Unit,
    UnitKind,
)
from lianfang.orgs.workbook import SHEETS, build_template, export_workbook, import_workbook

D = dt.date
DOCS = Path(__file__).resolve().parents[2] / "docs" / "org-workbook.md"


# --------------------------------------------------------------------------- fixtures and helpers


def make_org():
    """SZ (city) ─ SZ-A (bureau) ─ SZ-A-1 (centre); SZ ─ SZ-B (company)."""
    User = get_user_model()
    sz = Unit.objects.create(code="SZ", name="示范市人民政府", short_name="示范市")
    a = Unit.objects.create(code="SZ-A", name="示范市甲局", short_name="甲局", parent=sz, sort_order=1)
    Unit.objects.create(code="SZ-A-1", name="甲局服务中心", kind=UnitKind.PUBLIC_INSTITUTION, parent=a)
    b = Unit.objects.create(code="SZ-B", name="示范市乙公司", kind=UnitKind.STATE_ENTERPRISE, parent=sz,
                            sort_order=2, is_active=False)
    a_bgs = Department.objects.create(unit=a, code="BGS", name="办公室", kind=DepartmentKind.GENERAL, sort_order=1)
    a_spk = Department.objects.create(unit=a, code="SPK", name="审批科", duties="行政审批", sort_order=2)
    b_bgs = Department.objects.create(unit=b, code="BGS", name="综合部", kind=DepartmentKind.GENERAL)
    posts = {
        "L-JZ": Post.objects.create(unit=a, code="L-JZ", name="局长"),
        "L-FJZ": Post.objects.create(unit=a, code="L-FJZ", name="副局长", sort_order=1),
        "BGS-ZR": Post.objects.create(unit=a, code="BGS-ZR", name="办公室主任", department=a_bgs),
        "SPK-KY": Post.objects.create(unit=a, code="SPK-KY", name="审批岗", department=a_spk, duties="受理、审查"),
        "B-JL": Post.objects.create(unit=b, code="L-JL", name="总经理"),
        "B-ZR": Post.objects.create(unit=b, code="BGS-ZR", name="综合部主任", department=b_bgs, is_active=False),
    }
    people = {
        "A001": Person.objects.create(unit=a, code="A001", name="王建国", title="局长", rank_class=RankClass.HEAD,
                                      phone="0571-1234567", user=User.objects.create_user("wangjz", password="x-1234567")),
        "A002": Person.objects.create(unit=a, code="A002", name="李志强", title="副局长", rank_class=RankClass.LEADER),
        "A003": Person.objects.create(unit=a, code="A003", name="张海燕", title="办公室主任",
                                      rank_class=RankClass.DEPT_HEAD),
        "A004": Person.objects.create(unit=a, code="A004", name="赵鹏", title="科员", rank_class=RankClass.STAFF,
                                      user=User.objects.create_user("zhaop", password="x-1234567")),
        "B001": Person.objects.create(unit=b, code="B001", name="孙倩", rank_class=RankClass.HEAD, is_active=False),
        "S001": Person.objects.create(unit=sz, code="S001", name="韩立峰", rank_class=RankClass.LEADER),
    }
    PostAssignment.objects.create(person=people["A001"], post=posts["L-JZ"], start_date=D(2024, 1, 1))
    PostAssignment.objects.create(person=people["A002"], post=posts["L-FJZ"], start_date=D(2022, 1, 1),
                                  end_date=D(2023, 12, 31))
    PostAssignment.objects.create(person=people["A002"], post=posts["L-FJZ"], start_date=D(2024, 1, 1))
    PostAssignment.objects.create(person=people["A003"], post=posts["BGS-ZR"])
    PostAssignment.objects.create(person=people["A004"], post=posts["SPK-KY"], start_date=D(2024, 3, 1))
    PostAssignment.objects.create(person=people["A004"], post=posts["BGS-ZR"], start_date=D(2024, 3, 1),
                                  is_primary=False)
    PostAssignment.objects.create(person=people["B001"], post=posts["B-JL"], start_date=D(2020, 5, 1))
    Charge.objects.create(person=people["A002"], department=a_spk, start_date=D(2024, 1, 1))
    Charge.objects.create(person=people["A001"], department=a_bgs)
    steering = OrgGroup.objects.create(unit=a, kind=GroupKind.STEERING, name="甲局廉政风险防控工作领导小组")
    office = OrgGroup.objects.create(unit=a, kind=GroupKind.STEERING_OFFICE, name="领导小组办公室", note="设在办公室")
    coordination = OrgGroup.objects.create(unit=sz, kind=GroupKind.COORDINATION, name="市指导协调小组")
    OrgGroup.objects.create(unit=b, kind=GroupKind.PARTY, name="乙公司党委")  # no members yet
    GroupMembership.objects.create(group=steering, person=people["A001"], role=GroupRole.LEAD, start_date=D(2024, 1, 1))
    GroupMembership.objects.create(group=steering, person=people["A002"], role=GroupRole.DEPUTY)
    GroupMembership.objects.create(group=office, person=people["A003"], role=GroupRole.DIRECTOR)
    GroupMembership.objects.create(group=office, person=people["A004"], start_date=D(2024, 3, 1))
    GroupMembership.objects.create(group=coordination, person=people["S001"], role=GroupRole.LEAD)
    GroupMembership.objects.create(group=coordination, person=people["A001"], end_date=D(2024, 12, 31))


def snapshot() -> dict:
    """The whole organisation as sets of code-keyed tuples."""
    return {
        "units": {(u.code, u.name, u.short_name, u.kind, u.parent.code if u.parent else None, u.sort_order,
                   u.is_active) for u in Unit.objects.select_related("parent")},
        "departments": {(d.unit.code, d.code, d.name, d.kind, d.sort_order, d.duties, d.is_active)
                        for d in Department.objects.select_related("unit")},
        "posts": {(p.unit.code, p.code, p.name, p.department.code if p.department else None, p.duties, p.sort_order,
                   p.is_active) for p in Post.objects.select_related("unit", "department")},
        "people": {(p.code, p.name, p.unit.code, p.title, p.rank_class, p.phone,
                    p.user.username if p.user else None, p.is_active)
                   for p in Person.objects.select_related("unit", "user")},
        "assignments": {(a.person.code, a.post.unit.code, a.post.code, a.start_date, a.end_date, a.is_primary)
                        for a in PostAssignment.objects.select_related("person", "post__unit")},
        "charges": {(c.person.code, c.department.unit.code, c.department.code, c.start_date, c.end_date)
                    for c in Charge.objects.select_related("person", "department__unit")},
        "groups": {(g.unit.code, g.kind, g.name) for g in OrgGroup.objects.select_related("unit")},
        "memberships": {(m.group.unit.code, m.group.kind, m.person.code, m.role, m.start_date, m.end_date)
                        for m in GroupMembership.objects.select_related("group__unit", "person")},
    }


def wipe():
    for model in (GroupMembership, OrgGroup, Charge, PostAssignment, Person, Post, Department):
        model.objects.all().delete()
    for unit in Unit.objects.order_by("-depth"):
        unit.delete()
    get_user_model().objects.filter(is_superuser=False).delete()


def xlsx(sheets: dict[str, list[list]] | None = None, *, drop=(), headers: dict[str, list] | None = None) -> bytes:
    """A workbook in the template's layout with the given data rows (from row 2)."""
    wb = Workbook()
    wb.active.title = "说明"
    for spec in SHEETS:
        if spec.name in drop:
            continue
        ws = wb.create_sheet(spec.name)
        ws.append((headers or {}).get(spec.name, spec.headers))
        for row in (sheets or {}).get(spec.name, []):
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def edit(data: bytes, changes: dict[str, dict[str, object]]) -> bytes:
    """Change cells ({"单位": {"B3": "新名称"}}) of a workbook."""
    wb = load_workbook(io.BytesIO(data))
    for sheet, cells in changes.items():
        for ref, value in cells.items():
            wb[sheet][ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row_of(data: bytes, sheet: str, **match) -> int:
    """The sheet row number of the first row whose columns (by header) match."""
    ws = load_workbook(io.BytesIO(data))[sheet]
    headers = [c.value for c in ws[1]]
    for number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        record = dict(zip(headers, values, strict=False))
        if all(record.get(k) == v for k, v in match.items()):
            return number
    raise AssertionError(f"no row {match} in {sheet}")


def where(report) -> set[tuple]:
    return {(p.sheet, p.row, p.column.split("（")[0]) for p in report.problems}


def created(report) -> dict[str, int]:
    return {sheet: counts["created"] for sheet, counts in report.counts.items() if counts["created"]}


def fresh(username):
    User = get_user_model()
    return User.objects.get(pk=User.objects.get(username=username).pk)


ORG_COUNTS = {"单位": 4, "内设机构": 3, "岗位": 6, "人员": 6, "任职": 7, "分管": 2, "小组成员": 6, "小组": 4}


# --------------------------------------------------------------------------- template


@pytest.mark.django_db
def test_template_layout_and_empty_import():
    data = build_template()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["说明", *[s.name for s in SHEETS]]
    guide = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for spec in SHEETS:
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == spec.headers
        assert ws.freeze_panes == "A2"
        assert ws.max_row == 1
        assert all(ws.column_dimensions[chr(65 + i)].width >= 8 for i in range(len(spec.headers)))
        assert all(c.comment is not None for c in ws[1])
        assert f"工作表“{spec.name}”" in guide
        for col in spec.columns:
            assert col.header in guide
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in wb["单位"].data_validations.dataValidation}
    assert lists["D"] == '"党政机关,事业单位,国有企业,乡镇街道"'
    assert lists["G"] == '"是,否"'
    people = {dv.formula1 for dv in wb["人员"].data_validations.dataValidation}
    assert '"主要负责人,班子成员,科室负责人,一般工作人员"' in people
    groups = {dv.formula1 for dv in wb["小组成员"].data_validations.dataValidation}
    assert '"组长,副组长,主任,成员"' in groups
    assert any("上级指导协调小组" in f for f in groups)

    before = AuditEntry.objects.count()
    report = import_workbook(io.BytesIO(data), commit=True)
    assert report.ok, report.problems
    assert created(report) == {}
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.filter(action="import").count() == 1  # an empty import is still recorded
    assert AuditEntry.objects.count() == before + 1


def test_docs_describe_every_sheet_column_and_choice():
    text = DOCS.read_text(encoding="utf-8")
    for spec in SHEETS:
        assert f"## {spec.name}" in text or f"### {spec.name}" in text, spec.name
        for col in spec.columns:
            assert col.header in text
            for label in workbook._allowed(col):
                assert label in text, label


# --------------------------------------------------------------------------- round trips


@pytest.mark.django_db
def test_export_then_import_into_empty_db_reproduces_the_org():
    make_org()
    before = snapshot()
    data = export_workbook()
    wipe()
    assert Unit.objects.count() == 0 and get_user_model().objects.count() == 0

    dry = import_workbook(io.BytesIO(data))
    assert dry.ok, dry.problems
    assert not dry.committed and Unit.objects.count() == 0  # validation writes nothing
    assert created(dry) == {**ORG_COUNTS, "登录账号": 2}

    report = import_workbook(io.BytesIO(data), commit=True)
    assert report.ok, report.problems
    assert report.committed
    assert created(report) == {**ORG_COUNTS, "登录账号": 2}
    assert sorted(report.accounts_created) == ["wangjz", "zhaop"]
    assert snapshot() == before
    for user in get_user_model().objects.all():
        assert not user.has_usable_password()  # never a password from a file
    # The tree is rebuilt, not just the codes.
    assert Unit.objects.get(code="SZ-A-1").path.startswith(Unit.objects.get(code="SZ-A").path)
    assert Unit.objects.get(code="SZ-A-1").depth == 2
    # Exporting again gives the same rows.
    again = load_workbook(io.BytesIO(export_workbook()))
    first = load_workbook(io.BytesIO(data))
    for spec in SHEETS:
        assert list(again[spec.name].iter_rows(values_only=True)) == list(first[spec.name].iter_rows(values_only=True))


@pytest.mark.django_db
def test_demo_org_round_trips(demo_org):
    before = snapshot()
    data = export_workbook()
    wipe()
    report = import_workbook(data, commit=True)
    assert report.ok, report.problems[:5]
    assert snapshot() == before


@pytest.mark.django_db
def test_reimport_updates_and_does_not_duplicate():
    make_org()
    data = export_workbook()
    totals = {m: m.objects.count() for m in (Unit, Department, Post, Person, PostAssignment, Charge, OrgGroup,
                                            GroupMembership)}
    report = import_workbook(data, commit=True)
    assert report.ok, report.problems
    assert created(report) == {}
    assert all(c["updated"] == 0 for c in report.counts.values())
    assert report.counts["任职"]["unchanged"] == 7

    unit_row = row_of(data, "单位", 单位编码="SZ-A")
    ended_row = row_of(data, "任职", 人员编号="A004", 岗位编码="SPK-KY")
    changed = edit(data, {
        "单位": {f"B{unit_row}": "示范市甲局（新）"},
        "任职": {f"E{ended_row}": "2025/6/30"},
    })
    report = import_workbook(changed, commit=True)
    assert report.ok, report.problems
    assert report.counts["单位"] == {"created": 0, "updated": 1, "unchanged": 3}
    assert report.counts["任职"] == {"created": 0, "updated": 1, "unchanged": 6}
    assert {m: m.objects.count() for m in totals} == totals
    assert Unit.objects.get(code="SZ-A").name == "示范市甲局（新）"
    assert PostAssignment.objects.get(person__code="A004", post__code="SPK-KY").end_date == D(2025, 6, 30)
    # The group's note, which the workbook does not carry, is kept.
    assert OrgGroup.objects.get(kind=GroupKind.STEERING_OFFICE).note == "设在办公室"


@pytest.mark.django_db
def test_tolerant_input_units_in_any_order_numbers_spaces_dates_blank_rows():
    Unit.objects.create(code="9000", name="上级")
    data = xlsx({
        "单位": [
            [1002, "下级单位", None, "事业单位", " 1001 ", None, None],  # child before its parent
            [None, None, None, None, None, None, None],
            [" 1001 ", "  中间单位 ", "中间", " 乡镇街道", 9000.0, 3, "Y"],
        ],
        "内设机构": [["1001", 1, "一科", "业务科室", None, None, None]],
        "岗位": [["1001", "101", "一科科员", 1, None, None, None], ["1001", "L1", "镇长", None, None, None, None]],
        "人员": [
            ["0001", "甲", 1001, "镇长", "主要负责人", 13800138000, None, None],
            ["0002", "乙", 1001, None, "一般工作人员", None, None, "否"],
        ],
        "任职": [
            ["0001", "1001", "L1", dt.datetime(2024, 1, 1), "2024年12月31日", None],
            ["0002", "1001", "101", "2024/1/1", None, "否"],
            ["0002", "1001", "101", "20230101", 45291, None],
        ],
        "分管": [["0001", "1001", "1", "2024-01-01", None]],
        "小组成员": [
            ["1001", "领导小组", None, "0001", "组长", None, None],
            ["1001", "领导小组", "中间单位领导小组", "0002", None, None, None],
        ],
    }, headers={"单位": ["单位编码*", "单位名称（必填）", " 简称 ", "单位性质", "上级单位编码", "排序", "有效"]})
    report = import_workbook(data, commit=True)
    assert report.ok, [str(p) for p in report.problems]
    middle = Unit.objects.get(code="1001")
    assert (middle.name, middle.short_name, middle.kind, middle.parent.code, middle.sort_order) == (
        "中间单位", "中间", UnitKind.TOWNSHIP, "9000", 3)
    assert Unit.objects.get(code="1002").parent == middle
    assert Post.objects.get(code="101").department.code == "1"
    head = Person.objects.get(code="0001")
    assert (head.phone, head.unit.code) == ("13800138000", "1001")
    assert Person.objects.get(code="0002").is_active is False
    assert set(PostAssignment.objects.values_list("start_date", "end_date", "is_primary")) == {
        (D(2024, 1, 1), D(2024, 12, 31), True), (D(2024, 1, 1), None, False), (D(2023, 1, 1), D(2023, 12, 31), True)}
    group = OrgGroup.objects.get()
    assert (group.kind, group.name) == (GroupKind.STEERING, "中间单位领导小组")
    assert set(group.memberships.values_list("person__code", "role")) == {("0001", "lead"), ("0002", "member")}


@pytest.mark.django_db
def test_units_can_be_rearranged_in_one_file_and_dated_rows_keep_history():
    a = Unit.objects.create(code="A", name="甲")
    b = Unit.objects.create(code="B", name="乙", parent=a)
    Unit.objects.create(code="C", name="丙", parent=b)
    # A moves below C (today below A) in the row before B leaves A: order in the file does not matter.
    data = xlsx({"单位": [["A", "甲", None, "党政机关", "C", None, None],
                          ["B", "乙", None, "党政机关", None, None, None]]})
    report = import_workbook(data, commit=True)
    assert report.ok, report.problems
    units = {u.code: u for u in Unit.objects.all()}
    assert (units["B"].parent, units["C"].parent.code, units["A"].parent.code) == (None, "B", "C")
    for unit in units.values():
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert (unit.path, unit.depth) == (expected, expected.count("/") - 2)

    # A cycle through a unit that is not in the file is found too.
    report = import_workbook(xlsx({"单位": [["B", "乙", None, "党政机关", "A", None, None]]}))
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "E（上级单位编码）")
    assert problem.message == "上级单位形成循环：B → A → C → B"

    # A different start date is another period in the post, not a change to the first.
    Post.objects.create(unit=units["A"], code="P", name="岗位")
    Person.objects.create(unit=units["A"], code="X", name="某人")
    first = xlsx({"任职": [["X", "A", "P", "2023-01-01", "2023-12-31", None]]})
    second = xlsx({"任职": [["X", "A", "P", "2024-01-01", None, None]]})
    assert import_workbook(first, commit=True).ok
    report = import_workbook(second, commit=True)
    assert report.counts["任职"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert list(PostAssignment.objects.order_by("start_date").values_list("start_date", "end_date")) == [
        (D(2023, 1, 1), D(2023, 12, 31)), (D(2024, 1, 1), None)]


# --------------------------------------------------------------------------- problems


@pytest.mark.django_db
def test_every_planted_error_is_reported_where_it_is_and_nothing_is_written():
    make_org()
    User = get_user_model()
    before = snapshot()
    counts = (AuditEntry.objects.count(), User.objects.count())
    data = xlsx({
        "单位": [
            ["X1", "新单位", None, "党政机关", "SZ", 1, "是"],  # 2: valid
            ["X2", None, None, "科级", "NOPE", "abc", "也许"],  # 3: B D E F G
            ["X1", "重复", None, "党政机关", None, None, None],  # 4: A duplicate
            ["C1", "循环一", None, "党政机关", "C2", None, None],  # 5: E cycle
            ["C2", "循环二", None, "党政机关", "C1", None, None],  # 6: E cycle
            ["bad code!", "格式", None, "党政机关", None, None, None],  # 7: A format
            ["SZ-B", "乙公司", None, "国有企业", "SZ-B", None, None],  # 8: E own parent
        ],
        "内设机构": [
            ["NOPE", "D1", "科室", "业务科室", None, None, None],  # 2: A
            ["SZ-A", "D2", "科室二", "处室", None, None, None],  # 3: D
            ["X1", "D3", "新单位的科室", None, None, None, None],  # 4: valid, in the new unit
        ],
        "岗位": [
            ["SZ-B", "P9", "岗位", "SPK", None, None, None],  # 2: D another unit's department
            ["SZ-A", "P8", "岗位", "NODEPT", None, None, None],  # 3: D no such department
        ],
        "人员": [
            ["N001", "新人", "SZ-A", "科员", "科员", None, None, None],  # 2: E
            ["N002", None, "SZ-A", None, "一般工作人员", None, None, None],  # 3: B
            ["A004", "赵鹏", "SZ-A", "科员", "一般工作人员", None, "wangjz", None],  # 4: G taken
            ["N003", "某人", "SZ-A", None, "一般工作人员", None, "bad name!", None],  # 5: G invalid username
        ],
        "任职": [
            ["A004", "SZ-B", "BGS-ZR", "2024-13-01", None, None],  # 2: B other unit, D date
            ["A001", "SZ-A", "NOPOST", "2024-01-01", None, None],  # 3: C
            ["A003", "SZ-A", "BGS-ZR", "2024-01-01", "2023-01-01", None],  # 4: E ends before it starts
            ["A001", "SZ-A", "L-JZ", "2024/1/1", None, "不知道"],  # 5: F
            ["A001", "SZ-A", "L-JZ", "2024年1月1日", None, None],  # 6: A duplicate of row 5
        ],
        "分管": [
            ["A004", "SZ-A", "BGS", None, None],  # 2: A not a leader
            ["A002", "SZ-A", "NODEPT", None, None],  # 3: C
            ["A002", "SZ-B", "BGS", None, None],  # 4: B another unit
        ],
        "小组成员": [
            ["SZ-A", "什么组", None, "A001", "组长", None, None],  # 2: B
            ["SZ-A", "纪检组", None, "B001", "成员", None, None],  # 3: D not the unit's person
            ["SZ-A", "领导小组", None, "A001", "大组长", None, None],  # 4: E
            ["SZ-A", "领导小组", "别的名字", "A002", None, None, None],  # 5: valid: renames the group
            ["SZ-A", "领导小组", "又一个名字", "A003", None, None, None],  # 6: C differs from row 5
        ],
    })
    report = import_workbook(data, commit=True)
    assert not report.ok and not report.committed
    expected = {
        ("单位", 3, "B"), ("单位", 3, "D"), ("单位", 3, "E"), ("单位", 3, "F"), ("单位", 3, "G"),
        ("单位", 4, "A"), ("单位", 5, "E"), ("单位", 6, "E"), ("单位", 7, "A"), ("单位", 8, "E"),
        ("内设机构", 2, "A"), ("内设机构", 3, "D"),
        ("岗位", 2, "D"), ("岗位", 3, "D"),
        ("人员", 2, "E"), ("人员", 3, "B"), ("人员", 4, "G"), ("人员", 5, "G"),
        ("任职", 2, "B"), ("任职", 2, "D"), ("任职", 3, "C"), ("任职", 4, "E"), ("任职", 5, "F"), ("任职", 6, "A"),
        ("分管", 2, "A"), ("分管", 3, "C"), ("分管", 4, "B"),
        ("小组成员", 2, "B"), ("小组成员", 3, "D"), ("小组成员", 4, "E"), ("小组成员", 6, "C"),
    }
    assert where(report) == expected, sorted(where(report) ^ expected)
    messages = {(p.sheet, p.row, p.column): p.message for p in report.problems}
    assert messages[("人员", 2, "E（人员类别）")] == (
        "人员类别“科员”无效，应为：主要负责人、班子成员、科室负责人、一般工作人员")
    assert messages[("单位", 3, "E（上级单位编码）")] == "上级单位编码“NOPE”不存在"
    assert messages[("内设机构", 2, "A（单位编码）")] == "单位编码“NOPE”不存在"
    assert messages[("单位", 3, "B（单位名称）")] == "单位名称不能为空"
    assert "日期格式无效" in messages[("任职", 2, "D（起始日期）")]
    assert "与第2行重复" in messages[("单位", 4, "A（单位编码）")]
    assert "循环" in messages[("单位", 5, "E（上级单位编码）")]
    assert "属于其他单位" in messages[("岗位", 2, "D（科室编码）")] or "不属于" in messages[("岗位", 2, "D（科室编码）")]
    assert "只能任本单位的岗位" in messages[("任职", 2, "B（单位编码）")]
    assert "只有主要负责人和班子成员可以分管科室" in messages[("分管", 2, "A（人员编号）")]
    assert "已关联人员“王建国”" in messages[("人员", 4, "G（登录账号）")]
    assert "终止日期不能早于起始日期" in messages[("任职", 4, "E（终止日期）")]
    assert "本单位人员" in messages[("小组成员", 3, "D（人员编号）")]
    # Problems come sheet by sheet, row by row.
    order = [s.name for s in SHEETS]
    keys = [(order.index(p.sheet), p.row) for p in report.problems]
    assert keys == sorted(keys)
    assert created(report) == {}  # nothing was written, so nothing is counted
    assert snapshot() == before
    assert (AuditEntry.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"hello, this is a csv\n1,2,3\n", "不是 Excel 工作簿"),
        (b"", "文件是空的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        ("zip", "已损坏"),
        (b"PK\x03\x04 truncated", "已损坏"),
    ],
)
def test_files_that_are_not_workbooks(content, expected):
    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        content = buffer.getvalue()
    report = import_workbook(io.BytesIO(content), commit=True)
    assert not report.ok
    [problem] = report.problems
    assert problem.sheet == "" and problem.row is None
    assert expected in problem.message


@pytest.mark.django_db
def test_missing_sheet_and_missing_or_repeated_header():
    people_headers = [h if h != "姓名" else "名字" for h in workbook.PEOPLE.headers]
    data = xlsx({"单位": [["U1", "单位一", None, "党政机关", None, None, None]]}, drop=("分管",),
                headers={"人员": people_headers, "岗位": [*workbook.POSTS.headers, "岗位名称"]})
    report = import_workbook(data, commit=True)
    assert {(p.sheet, p.row, p.column) for p in report.problems} == {
        ("分管", None, ""), ("人员", 1, "姓名"), ("岗位", 1, "H（岗位名称）")}
    messages = [p.message for p in report.problems]
    assert "缺少工作表“分管”，请使用系统提供的模板" in messages
    assert "缺少必填列“姓名”" in messages
    assert Unit.objects.count() == 0

    # Optional columns may be left out altogether; a sheet with no header at all is reported.
    wb = load_workbook(io.BytesIO(xlsx()))
    wb["单位"].delete_cols(3)  # 简称
    wb["任职"].delete_rows(1)
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_workbook(buffer.getvalue())
    assert [(p.sheet, p.row) for p in report.problems] == [("任职", 1)]
    assert "未找到表头行" in report.problems[0].message


# --------------------------------------------------------------------------- permissions


@pytest.mark.django_db
def test_scoped_user_may_only_change_the_units_they_manage():
    make_org()
    zhaop = fresh("zhaop")  # in SZ-A's steering-group office: manages SZ-A only
    before = snapshot()
    data = xlsx({
        "单位": [
            ["SZ-A", "甲局改名", "甲局", "党政机关", "SZ", 1, "是"],  # 2: allowed
            ["SZ-B", "乙公司改名", None, "国有企业", "SZ", 2, "否"],  # 3: not theirs
            ["TOP", "新顶级单位", None, "党政机关", None, None, None],  # 4: superusers only
            ["SZ-A-2", "甲局新下属", None, "事业单位", "SZ-A", None, None],  # 5: under SZ-A: allowed
            ["SZ-X", "市里新单位", None, "事业单位", "SZ", None, None],  # 6: under SZ: not theirs
        ],
        "内设机构": [
            ["SZ-B", "NEW", "新部门", None, None, None, None],  # 2: not theirs
            ["SZ-A-2", "ZHB", "综合部", None, None, None, None],  # 3: in their new unit
            ["SZ-B", "BGS", "综合部", "综合科室", 0, None, "是"],  # 4: unchanged: no permission needed
        ],
        "人员": [["B001", "孙倩", "SZ-A", None, "主要负责人", None, None, "否"]],  # 2: moves out of SZ-B
    })
    report = import_workbook(data, user=zhaop, commit=True)
    assert where(report) == {("单位", 3, "A"), ("单位", 4, "A"), ("单位", 6, "E"), ("内设机构", 2, "A"),
                             ("人员", 2, "C")}, [str(p) for p in report.problems]
    assert "只有系统管理员可以新增顶级单位" in str(report.problems[1])
    assert snapshot() == before

    allowed = xlsx({
        "单位": [["SZ-A", "甲局改名", "甲局", "党政机关", "SZ", 1, "是"],
                 ["SZ-A-2", "甲局新下属", None, "事业单位", "SZ-A", None, None]],
        "内设机构": [["SZ-A-2", "ZHB", "综合部", None, None, None, None]],
    })
    report = import_workbook(allowed, user=zhaop, commit=True)
    assert report.ok, report.problems
    assert Unit.objects.get(code="SZ-A").name == "甲局改名"
    assert Department.objects.get(unit__code="SZ-A-2").name == "综合部"
    entry = AuditEntry.objects.filter(action="import").get()
    assert entry.actor_id == zhaop.pk
    assert entry.changes["counts"]["单位"]["created"] == 1
    # The per-object entries name the importer too.
    assert AuditEntry.objects.filter(action="update", object_repr="甲局改名").get().actor_id == zhaop.pk


@pytest.mark.django_db
def test_export_is_limited_to_what_the_user_sees_and_reimports_cleanly():
    make_org()
    zhaop = fresh("zhaop")
    data = export_workbook(user=zhaop)
    wb = load_workbook(io.BytesIO(data))
    assert [r[0] for r in wb["单位"].iter_rows(min_row=2, values_only=True)] == ["SZ-A"]
    assert {r[2] for r in wb["人员"].iter_rows(min_row=2, values_only=True)} == {"SZ-A"}
    assert {r[0] for r in wb["小组成员"].iter_rows(min_row=2, values_only=True)} == {"SZ-A"}
    report = import_workbook(data, user=zhaop)
    assert report.ok, report.problems
    assert all(c["created"] == c["updated"] == 0 for c in report.counts.values())

    # A subtree export, and nobody's export.
    subtree = load_workbook(io.BytesIO(export_workbook(unit=Unit.objects.get(code="SZ-A"))))
    assert [r[0] for r in subtree["单位"].iter_rows(min_row=2, values_only=True)] == ["SZ-A", "SZ-A-1"]
    stranger = get_user_model().objects.create_user("stranger", password="x-1234567")
    empty = load_workbook(io.BytesIO(export_workbook(user=stranger)))
    assert all(empty[s.name].max_row == 1 for s in SHEETS)


# --------------------------------------------------------------------------- audit and the command


@pytest.mark.django_db
def test_committed_import_writes_one_summary_entry_and_a_dry_run_none():
    before = AuditEntry.objects.count()
    data = xlsx({"单位": [["U1", "单位一", None, "党政机关", None, None, None]]})
    assert import_workbook(data).ok
    assert AuditEntry.objects.count() == before
    report = import_workbook(io.BytesIO(data), commit=True)
    assert report.ok
    summary = AuditEntry.objects.filter(action="import", object_type="orgs.workbook").get()
    assert summary.changes["counts"]["单位"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert summary.unit_id == Unit.objects.get(code="U1").pk
    assert AuditEntry.objects.filter(action="create", object_type="orgs.unit").count() == 1


@pytest.mark.django_db
def test_command_template_import_export(tmp_path):
    template = tmp_path / "template.xlsx"
    call_command("orgs", "template", "--out", str(template), stdout=io.StringIO())
    assert load_workbook(template).sheetnames[0] == "说明"

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx({"单位": [["U1", "单位一", None, "党政机关", None, None, None]]}))
    out = io.StringIO()
    call_command("orgs", "import", str(good), "--json", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["ok"] is True and result["problems"] == []
    assert result["counts"]["单位"]["created"] == 1
    assert "校验通过" in out.getvalue()
    assert Unit.objects.count() == 0

    out = io.StringIO()
    call_command("orgs", "import", str(good), "--commit", "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["ok"] is True
    assert Unit.objects.filter(code="U1").exists()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx({"单位": [["U2", "单位二", None, "科级", None, None, None]]}))
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("orgs", "import", str(bad), "--commit", "--json", stdout=out)
    assert raised.value.returncode == 1
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["ok"] is False
    assert result["problems"] == [{"sheet": "单位", "row": 2, "column": "D（单位性质）",
                                   "message": "单位性质“科级”无效，应为：党政机关、事业单位、国有企业、乡镇街道"}]
    assert "【单位】 第2行 D（单位性质）" in out.getvalue()

    not_xlsx = tmp_path / "notes.txt"
    not_xlsx.write_text("hello")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("orgs", "import", str(not_xlsx), "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["problems"][0]["message"].startswith("文件不是")

    exported = tmp_path / "export.xlsx"
    call_command("orgs", "export", "--unit", "U1", "--out", str(exported), stdout=io.StringIO())
    assert [r[0] for r in load_workbook(exported)["单位"].iter_rows(min_row=2, values_only=True)] == ["U1"]
    with pytest.raises(CommandError, match="不存在"):
        call_command("orgs", "export", "--unit", "NOPE", "--out", str(exported), stdout=io.StringIO())
