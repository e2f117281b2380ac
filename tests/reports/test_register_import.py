import io
import json

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from lianfang.audit.models import AuditEntry
from lianfang.measures.models import Line, Measure
from lianfang.orgs.models import Department, Post, Unit
from lianfang.reports.register_import import (
    guess_kind,
    guess_line,
    header_key,
    import_register,
    parse_level,
    split_measures,
)
from lianfang.reports.registers import FORMS, build_register
from lianfang.risks.management.commands.risks import Command
from lianfang.risks.models import FindingLevel, ReviewStatus, RiskPoint

from . import UNIT, make_risks, snapshot

# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize("text, expected", [
    ("1、严格执行采购制度；2、定期公示采购结果。3、对违规行为严肃问责",
     ["严格执行采购制度", "定期公示采购结果。", "对违规行为严肃问责"]),
    ("1.建立台账\n2.每月检查", ["建立台账", "每月检查"]),
    ("（1）集体研究（2）公开结果", ["集体研究", "公开结果"]),
    ("①开展保密教育②加强检查", ["开展保密教育", "加强检查"]),
    ("一是建立用车登记制度；二是加强监督检查；三是违规必究", ["建立用车登记制度", "加强监督检查", "违规必究"]),
    ("一、明确标准\n二、分级审批", ["明确标准", "分级审批"]),
    ("采购金额1.5万元以上须集体研究", ["采购金额1.5万元以上须集体研究"]),
    ("按第1、2条执行，实行双人复核", ["按第1、2条执行，实行双人复核"]),
    ("加强教育\n定期轮岗", ["加强教育", "定期轮岗"]),
    ("", []),
])
def test_split_measures(text, expected):
    assert split_measures(text) == expected


@pytest.mark.parametrize("text, level", [
    ("高", "high"), ("一级", "high"), ("A", "high"), ("A级", "high"), ("高风险", "high"), ("1", "high"),
    ("中", "medium"), ("二级", "medium"), ("B", "medium"), ("Ⅱ级", "medium"),
    ("低", "low"), ("三级", "low"), ("c", "low"), ("高（一级）", "high"), ("很高", None), ("", None),
])
def test_parse_level(text, level):
    assert parse_level(text) == level


def test_headers_and_guesses():
    assert header_key("风险点名称") == "title" and header_key("廉政风险点") == "title"
    assert header_key("风险描述") == "description" and header_key(" 具体表现 ") == "description"
    assert header_key("风险等级（高/中/低）") == "level" and header_key("级别") == "level"
    assert header_key("防范措施") == "measures" and header_key("预防措施") == "measures"
    assert header_key("股室") == "department" and header_key("内设机构") == "department"
    assert header_key("岗位名称") == "post" and header_key("风险类型") == "category"
    assert header_key("责任人") == "responsible" and header_key("责任领导") == "responsible"
    assert guess_line("开展廉政教育") == Line.PREVENTION and guess_line("每季度监督检查") == Line.MONITORING
    assert guess_line("违规的严肃问责") == Line.DISPOSAL and guess_line("双人经办") == Line.PREVENTION
    assert guess_kind("开展警示教育") == "education" and guess_kind("推行网上审批系统") == "technology"
    assert guess_kind("岗位定期轮岗交流") == "checks" and guess_kind("严格执行采购规定") == "rules"


# ------------------------------------------------------------------ a messy real-world register


def messy_register(path):
    """Two title rows (merged), synonym headers, the department merged down, measures
    numbered in one cell, levels written three ways, blank rows, a signature footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "青山县煤矿安全监督管理局"
    ws.merge_cells("A1:J1")
    ws["A2"] = "2025年度岗位廉政风险排查登记表"
    ws.merge_cells("A2:J2")
    ws.append(["序号", "股室", "岗位名称", "姓名", "廉政风险点", "具体表现", "风险类型", "级别", "防范措施", "责任人"])
    ws.append([1, "办公室", "后勤采购岗", "孙倩", "采购不规范", "化整为零规避采购程序", "岗位职责", "一级",
               "1、严格执行采购制度；2、定期公示采购结果。3、对违规行为严肃问责", "王建国"])
    ws.append([2, None, "文秘档案岗", "赵鹏", "泄露涉密信息", "违规复制、泄露文件", "思想道德风险", "B",
               "①开展保密教育②加强检查"])
    ws.append([3, None, "后勤采购岗", "孙倩", "公车私用", "节假日私用公车", "权力行使", "低",
               "一是建立用车登记制度；二是加强监督检查"])
    ws.merge_cells("B4:B6")
    ws.append([])
    ws.append([4, "财务股", "出纳岗", "", "挪用公款", "坐收坐支", "岗位职责", "一级", "1、日清月结"])  # row 8
    ws.append([5, "行政审批科", "许可受理岗", "林芳", "受理不公", "对申请人区别对待", "业务流程", None,
               "1、一次性告知"])  # row 9
    ws.append([6, "行政审批科", "许可审查岗", "", "", "", "业务流程", "中", "1、双人审查"])  # row 10
    ws.append([7, "安全监察科", "现场督查岗", "", "检查走过场", "检查不深入", "业务流程", "高", "1、执法记录仪"])  # row 11
    ws.append([])
    ws.append(["填表人：　　　　审核人：　　　　日期：　　年　　月　　日"])  # row 13
    ws.merge_cells("A13:J13")
    ws.append(["注：本表一式两份，报局纪检组备案。"])
    wb.save(path)
    return path


@pytest.fixture
def unit(demo_org):
    return Unit.objects.get(code=UNIT)


@pytest.fixture
def messy(tmp_path):
    return messy_register(tmp_path / "messy.xlsx")


def _rows_with_problems(report):
    return sorted({p.row for p in report.problems})


@pytest.mark.django_db
def test_messy_register_is_read_as_units_write_it(unit, messy):
    report = import_register(messy, unit=unit)
    assert report.year == 2025  # from the title
    assert report.sheets[0]["header_row"] == 3 and report.sheets[0]["finding_level"] == FindingLevel.POST
    assert (report.risk_points, report.measures) == (3, 7)
    by_title = {p.title: p for p in report.planned}
    assert [p.row for p in report.planned] == [4, 5, 6]
    buy, leak, car = by_title["采购不规范"], by_title["泄露涉密信息"], by_title["公车私用"]
    assert (buy.level, leak.level, car.level) == ("high", "medium", "low")
    assert (buy.level_text, leak.level_text, car.level_text) == ("一级", "B", "低")
    assert all(p.department.name == "办公室" for p in (buy, leak, car))  # merged down
    assert (buy.post.code, leak.post.code, car.post.code) == ("BGS-HQ", "BGS-WS", "BGS-HQ")
    assert [m.content for m in buy.measures] == ["严格执行采购制度", "定期公示采购结果。", "对违规行为严肃问责"]
    assert [m.line for m in buy.measures] == [Line.PREVENTION, Line.MONITORING, Line.DISPOSAL]
    assert [m.content for m in car.measures] == ["建立用车登记制度", "加强监督检查"]
    assert (buy.category.name, leak.category.name, car.category.name) == ("岗位职责", "思想道德", "岗位职责")
    assert buy.responsible.name == "王建国" and buy.person.name == "孙倩"
    # Unplaceable rows, by the sheet's own row and column; blank rows and the footer are no problem.
    problems = {(p.row, p.column.split("（")[0]): p.message for p in report.problems}
    assert set(problems) == {(8, "B"), (9, "H"), (10, "E"), (11, "C")}
    assert "没有科室“财务股”" in problems[(8, "B")]
    assert "缺少风险等级" in problems[(9, "H")]
    assert "缺少风险点" in problems[(10, "E")]
    assert "没有岗位“现场督查岗”" in problems[(11, "C")]
    assert [r for _, r in report.skipped] == [8, 9, 10, 11]
    assert not RiskPoint.objects.filter(unit=unit).exists()  # nothing written without commit


@pytest.mark.django_db
def test_commit_writes_what_can_be_placed_and_skips_the_rest(unit, messy, user_named):
    head = user_named("juzhang")
    report = import_register(messy, unit=unit, commit=True, user=head)
    assert report.committed
    risks = list(RiskPoint.objects.filter(unit=unit, year=2025).order_by("code"))
    assert [r.code for r in risks] == ["IMP-2025-0001", "IMP-2025-0002", "IMP-2025-0003"]
    first = risks[0]
    assert first.status == ReviewStatus.DRAFT and first.finding_level == FindingLevel.POST
    assert (first.inherent_level, first.residual_level) == ("high", "high")
    assert first.explanation["kind"] == "imported" and first.explanation["level_text"] == "一级"
    assert first.author.name == "王建国"
    assert Measure.objects.filter(risk__unit=unit).count() == 7
    assert risks[1].responsible is not None  # none given: tiered responsibility filled it in
    entry = AuditEntry.objects.filter(action="import").order_by("-seq").first()
    assert entry.changes["risk_points"] == 3 and entry.changes["skipped"] == 4
    # Importing the same file again writes nothing twice; the codes continue.
    again = import_register(messy, unit=unit)
    assert again.risk_points == 0 and all("已有相同的风险点" in p.message for p in again.problems if p.row in (4, 5, 6))


@pytest.mark.django_db
def test_create_missing_creates_departments_and_posts(unit, messy):
    report = import_register(messy, unit=unit, create_missing=True)
    assert report.new_departments == ["财务股"]
    assert sorted(report.new_posts) == ["安全监察科/现场督查岗", "财务股/出纳岗"]
    assert report.risk_points == 5 and _rows_with_problems(report) == [9, 10]
    assert not Department.objects.filter(unit=unit, name="财务股").exists()
    import_register(messy, unit=unit, create_missing=True, commit=True)
    dept = Department.objects.get(unit=unit, name="财务股")
    assert dept.code.startswith("IMP-D")
    post = Post.objects.get(unit=unit, name="出纳岗", department=dept)
    assert RiskPoint.objects.get(unit=unit, title="挪用公款").post == post
    assert Post.objects.get(unit=unit, name="现场督查岗").department.code == "AJK"


# ------------------------------------------------------------------ round trip


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["post", "leadership", "department", "unit", "catalogue"])
def test_export_then_import_reproduces_the_risk_points(unit, kind):
    make_risks(status=ReviewStatus.APPROVED)
    data = build_register(kind, unit=unit, year=2026)
    report = import_register(data, unit=unit, year=2027, commit=True)
    assert not report.problems and not report.warnings
    level = FORMS[kind].level
    expected = {row for row in snapshot(unit, 2026) if level is None or row[0] == level}
    assert expected and snapshot(unit, 2027) == expected
    old = {r.title: r for r in RiskPoint.objects.filter(unit=unit, year=2026).prefetch_related("discovery")}
    for risk in RiskPoint.objects.filter(unit=unit, year=2027).prefetch_related("discovery"):
        assert risk.responsible_id == old[risk.title].responsible_id
        if "discovery" in FORMS[kind].columns:
            assert {d.name for d in risk.discovery.all()} == {d.name for d in old[risk.title].discovery.all()}
        assert risk.person_id == old[risk.title].person_id or kind == "post"


@pytest.mark.django_db
def test_measures_table_keeps_the_lines(unit):
    make_risks()
    report = import_register(build_register("post_measures", unit=unit, year=2026), unit=unit, year=2027)
    buy = next(p for p in report.planned if p.title == "办公用品采购不规范")
    assert [(m.content, m.line) for m in buy.measures] == [
        ("严格执行政府采购制度，建立《办公用品采购管理办法》", Line.PREVENTION),
        ("采购结果每季度公示，接受监督检查", Line.MONITORING), ("发现违规严肃追究责任", Line.DISPOSAL)]
    assert buy.measures[0].rule_name == "办公用品采购管理办法"


@pytest.mark.django_db
def test_two_row_header_and_risk_merged_over_measure_rows(unit, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["内设机构廉政风险防控措施表"])
    ws.append(["科室", "风险点", "风险等级", "防控措施", None, None])
    ws.append([None, None, None, "前期预防", "中期监控", "后期处置"])
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:F2"):
        ws.merge_cells(cells)
    ws.append(["安全监察科", "执法检查走过场", "A", "制定检查计划", "随机抽查", "通报批评"])
    ws.append([None, None, None, "开展执法培训", None, None])
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    ws.merge_cells("C4:C5")
    path = tmp_path / "two-row.xlsx"
    wb.save(path)
    report = import_register(path, unit=unit, year=2026)
    assert report.sheets[0]["header_row"] == 3 and report.risk_points == 1 and not report.problems
    risk = report.planned[0]
    assert risk.finding_level == FindingLevel.DEPARTMENT and risk.department.code == "AJK"
    assert [(m.content, m.line) for m in risk.measures] == [
        ("制定检查计划", Line.PREVENTION), ("随机抽查", Line.MONITORING), ("通报批评", Line.DISPOSAL),
        ("开展执法培训", Line.PREVENTION)]


# ------------------------------------------------------------------ command line


def _last_json(out: io.StringIO) -> dict:
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
def test_command_reports_without_writing_and_commits_with_commit(unit, messy):
    out = io.StringIO()
    call_command("risks", "import", str(messy), "--unit", UNIT, "--json", stdout=out)
    result = _last_json(out)
    assert (result["risk_points"], result["measures"]) == (3, 7) and not result["committed"]
    assert [(p["row"], p["column"][0]) for p in result["problems"]] == [(8, "B"), (9, "H"), (10, "E"), (11, "C")]
    assert all(p["message"] for p in result["problems"])
    assert not RiskPoint.objects.filter(unit=unit).exists()
    out = io.StringIO()
    call_command("risks", "import", str(messy), "--unit", UNIT, "--year", "2026", "--commit", "--json",
                 "--create-missing", stdout=out)
    result = _last_json(out)
    assert result["committed"] and result["risk_points"] == 5 and result["measures"] == 9
    assert RiskPoint.objects.filter(unit=unit, year=2026).count() == 5
    assert "已导入 5 个风险点" in out.getvalue()


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """run_from_argv closes every connection when it ends, which on PostgreSQL
    would close the test's own transaction under the next query."""
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)


@pytest.mark.django_db
@pytest.mark.parametrize("args, reason", [
    (["--unit", "NOPE"], "单位编码“NOPE”不存在"),
    (["--unit", UNIT, "--year", "abc"], "年度“abc”无效"),
])
def test_command_refuses_bad_arguments_with_one_chinese_line(unit, messy, capsys, args, reason):
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["lianfang", "risks", "import", str(messy), *args])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err == err.splitlines()[0] and reason in err and "Traceback" not in err and "CommandError" not in err


@pytest.mark.django_db
@pytest.mark.parametrize("content, reason", [
    (b"not a workbook", "不是 Excel 工作簿"),
    (b"PK\x03\x04broken", "已损坏"),
])
def test_command_refuses_unreadable_files(unit, tmp_path, capsys, content, reason):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["lianfang", "risks", "import", str(path), "--unit", UNIT])
    assert exit_info.value.code == 1 and reason in capsys.readouterr().err
    with pytest.raises(SystemExit):
        Command().run_from_argv(["lianfang", "risks", "import", str(tmp_path / "missing.xlsx"), "--unit", UNIT])
    assert "不存在" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_workbook_without_a_register_is_refused(unit, tmp_path, capsys):
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    path = tmp_path / "other.xlsx"
    wb.save(path)
    with pytest.raises(SystemExit):
        Command().run_from_argv(["lianfang", "risks", "import", str(path), "--unit", UNIT])
    assert "未找到表头行" in capsys.readouterr().err


# ------------------------------------------------------------------ screen


@pytest.mark.django_db
def test_import_screen_reports_then_writes_after_accepting(unit, messy, client_for, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client = client_for("juzhang")
    assert client.get("/reports/registers/import/").status_code == 200
    with messy.open("rb") as fh:
        response = client.post("/reports/registers/import/", {"unit": unit.pk, "file": fh})
    text = response.content.decode()
    assert response.status_code == 200 and "lf-import-problems" in text and "没有科室“财务股”" in text
    assert not RiskPoint.objects.filter(unit=unit).exists()
    token = response.context["token"]
    response = client.post("/reports/registers/import/", {"token": token, "commit": "1"})
    assert response.status_code == 302
    assert RiskPoint.objects.filter(unit=unit, year=2025).count() == 3


@pytest.mark.django_db
def test_import_screen_is_for_those_who_edit_the_unit(unit, client_for):
    assert client_for("keyuan").get("/reports/registers/import/").status_code == 403
