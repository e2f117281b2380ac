import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lianfang.audit.models import AuditEntry
from lianfang.orgs.models import Department, Unit
from lianfang.reports import registers
from lianfang.reports.registers import FORMS, HEADER_ROW, build_catalogue_pdf, build_register
from lianfang.risks.models import ReviewStatus, RiskPoint

from . import UNIT, make_risks

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(demo_org):
    make_risks()
    return Unit.objects.get(code=UNIT)


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.mark.parametrize("kind", registers.KINDS)
def test_every_register_has_title_header_footer_and_print_setup(unit, kind):
    form = FORMS[kind]
    ws = _sheet(build_register(kind, unit=unit, year=2026, confirmed_only=False))
    ncols = len(form.columns)
    # Title: merged across the table, naming unit, year and form.
    assert ws["A1"].value == f"{unit.name}2026年度{form.name}"
    assert f"A1:{get_column_letter(ncols)}1" in {str(r) for r in ws.merged_cells.ranges}
    meta = " ".join(str(v) for row in _rows(ws)[1:3] for v in row if v)
    for word in ("填报单位", unit.name, "年度：2026", "填表人", "填表日期", "审核人", "审核日期"):
        assert word in meta
    headers = [ws.cell(HEADER_ROW, c).value for c in range(1, ncols + 1)]
    assert headers == [registers.COLUMNS[k].header for k in form.columns]
    assert ws.cell(HEADER_ROW, 1).border.left.style == "thin"
    # Data, then the signature footer below it.
    count = RiskPoint.objects.filter(unit=unit, year=2026, **(
        {"finding_level": form.level} if form.level else {})).count()
    first = HEADER_ROW + 1
    assert [ws.cell(first + i, 1).value for i in range(count)] == list(range(1, count + 1))
    footer = [str(v) for row in _rows(ws)[first + count - 1:] for v in row if v]
    assert footer[0].startswith(form.signatures[0])
    assert any("年" in v and "月" in v and "日" in v for v in footer)
    # Printing: A4 landscape, one page wide, the header row repeated, frozen below it.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"A{first}"
    assert ws.page_margins.left == pytest.approx(0.4)
    assert ws.print_area and "&P" in ws.oddFooter.center.text
    assert ws.cell(first, ncols).alignment.wrap_text


def test_measures_are_numbered_in_one_cell_and_by_line_in_the_measures_table(unit):
    ws = _sheet(build_register("post", unit=unit, year=2026))
    col = FORMS["post"].columns.index("measures") + 1
    titles = {ws.cell(r, FORMS["post"].columns.index("title") + 1).value: r for r in range(5, 8)}
    cell = ws.cell(titles["办公用品采购不规范"], col).value
    assert cell.splitlines() == ["1、严格执行政府采购制度，建立《办公用品采购管理办法》", "2、采购结果每季度公示，接受监督检查",
                                 "3、发现违规严肃追究责任"]
    ws = _sheet(build_register("post_measures", unit=unit, year=2026))
    header = [c.value for c in ws[HEADER_ROW]]
    row = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[header.index("风险点")] == "办公用品采购不规范")
    assert row[header.index("前期预防措施")] == "1、严格执行政府采购制度，建立《办公用品采购管理办法》"
    assert row[header.index("后期处置措施")] == "1、发现违规严肃追究责任"
    assert row[header.index("责任人")] == "王建国"


def test_departments_are_merged_down_and_the_post_holder_is_named(unit):
    ws = _sheet(build_register("post", unit=unit, year=2026))
    assert ws["B5"].value == "办公室" and "B5:B6" in {str(r) for r in ws.merged_cells.ranges}
    names = {ws.cell(r, 3).value: ws.cell(r, 4).value for r in range(5, 8)}
    assert names["后勤采购岗"] == "孙倩"


def test_one_department_and_one_post(unit):
    office = Department.objects.get(unit=unit, code="BGS")
    ws = _sheet(build_register("post", unit=unit, year=2026, department=office))
    assert [ws.cell(r, 2).value for r in (5, 6)] == ["办公室", None] and ws.cell(7, 1).value != 3
    assert "科室：办公室" in str(ws["A2"].value) + str(ws.cell(2, 5).value)
    post = office.posts.get(code="BGS-HQ")
    ws = _sheet(build_register("post", unit=unit, year=2026, post=post))
    assert ws["A3"].value == "填表人：孙倩"
    assert ws.cell(5, 6).value == "办公用品采购不规范" and ws.cell(6, 1).value is None


def test_only_what_the_user_may_see(unit, user_named):
    staff = user_named("keyuan")  # 许可受理岗: none of the demo risks
    ws = _sheet(build_register("post", unit=unit, year=2026, user=staff))
    assert ws.cell(5, 1).value == "（无）"
    head = user_named("juzhang")
    ws = _sheet(build_register("post", unit=unit, year=2026, user=head))
    assert [ws.cell(r, 1).value for r in (5, 6, 7)] == [1, 2, 3]


def test_catalogue_lists_confirmed_risks_of_every_level(unit):
    RiskPoint.objects.filter(code__in=["R-001", "R-004", "R-005", "R-006"]).update(status=ReviewStatus.APPROVED)
    ws = _sheet(build_register("catalogue", unit=unit, year=2026))
    header = [c.value for c in ws[HEADER_ROW]]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert [r[header.index("编号")] for r in rows] == ["R-005", "R-006", "R-004", "R-001"]
    assert [r[header.index("查找层级")] for r in rows] == ["单位", "领导班子", "科室（内设机构）", "个人（岗位）"]


def test_exports_are_recorded(unit, user_named):
    head = user_named("juzhang")
    before = AuditEntry.objects.filter(action="export").count()
    build_register("unit", unit=unit, year=2026, user=head)
    entry = AuditEntry.objects.filter(action="export").order_by("-seq").first()
    assert AuditEntry.objects.filter(action="export").count() == before + 1
    assert entry.object_type == "reports.register" and entry.unit_id == unit.pk and entry.actor_id == head.pk
    assert entry.changes["kind"] == "unit" and entry.changes["rows"] == 1


def test_catalogue_pdf(unit):
    RiskPoint.objects.filter(unit=unit).update(status=ReviewStatus.APPROVED)
    data = build_catalogue_pdf(unit=unit, year=2026)
    assert data.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", changes__format="pdf").exists()


def test_unknown_kind_is_refused(unit):
    with pytest.raises(registers.RegisterError, match="未知的登记表类型"):
        build_register("nope", unit=unit, year=2026)


def test_command_line_export(unit, tmp_path):
    out = tmp_path / "post.xlsx"
    call_command("risks", "export", "--unit", UNIT, "--kind", "post", "--year", "2026", "--out", str(out),
                 stdout=io.StringIO())
    assert load_workbook(out).active.cell(5, 6).value
    pdf = tmp_path / "catalogue.pdf"
    call_command("risks", "export", "--unit", UNIT, "--kind", "catalogue", "--format", "pdf", "--out", str(pdf),
                 stdout=io.StringIO())
    assert pdf.read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ screens


def test_registers_page_offers_every_form(unit, client_for):
    client = client_for("juzhang")
    response = client.get("/reports/registers/", {"unit": unit.pk, "year": 2026})
    assert response.status_code == 200
    text = response.content.decode()
    for form in FORMS.values():
        assert f"/reports/registers/download/{form.key}/" in text
    response = client.get("/reports/registers/download/post/", {"unit": unit.pk, "year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == registers.XLSX_CONTENT_TYPE
    assert _sheet(response.content).cell(5, 1).value == 1


def test_registers_page_hides_other_units(unit, client_for):
    other = Unit.objects.get(code="JZ-QS-SJJ")
    client = client_for("keyuan")
    assert client.get("/reports/registers/download/post/", {"unit": other.pk, "year": 2026}).status_code == 404
