"""The demo organisation, after seed 000 (a county coal-safety bureau's plan)."""

import datetime as dt

from django.contrib.auth import get_user_model

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

DEMO_PASSWORD = "lianfang-demo"
START = dt.date(2024, 1, 1)

UNITS = [
    # code, name, short name, kind, parent code
    ("JZ", "江州市人民政府", "江州市", UnitKind.PARTY_GOVERNMENT, None),
    ("JZ-QS", "青山县人民政府", "青山县", UnitKind.PARTY_GOVERNMENT, "JZ"),
    ("JZ-QS-MAJ", "青山县煤矿安全监督管理局", "县煤监局", UnitKind.PARTY_GOVERNMENT, "JZ-QS"),
    ("JZ-QS-MAJ-ZX", "青山县煤矿安全技术服务中心", "技术服务中心", UnitKind.PUBLIC_INSTITUTION, "JZ-QS-MAJ"),
    ("JZ-QS-SJJ", "青山县市场监督管理局", "县市场监管局", UnitKind.PARTY_GOVERNMENT, "JZ-QS"),
    ("JZ-QS-DG", "青山县东关镇人民政府", "东关镇", UnitKind.TOWNSHIP, "JZ-QS"),
    ("JZ-QS-TZ", "青山县城市建设投资有限公司", "县城投公司", UnitKind.STATE_ENTERPRISE, "JZ-QS"),
]

DEPARTMENTS = {
    "JZ": [("JW", "市纪委监委党风政风监督室", DepartmentKind.DISCIPLINE)],
    "JZ-QS": [("JW", "县纪委监委党风政风监督室", DepartmentKind.DISCIPLINE), ("FZB", "县司法局法制科", DepartmentKind.LEGAL)],
    "JZ-QS-MAJ": [
        ("BGS", "办公室", DepartmentKind.GENERAL),
        ("FGK", "法规事故处理科", DepartmentKind.LEGAL),
        ("AJK", "安全监察科", DepartmentKind.BUSINESS),
        ("SPK", "行政审批科", DepartmentKind.BUSINESS),
        ("CWK", "财务科", DepartmentKind.GENERAL),
        ("RSK", "人事科", DepartmentKind.GENERAL),
    ],
    "JZ-QS-MAJ-ZX": [("JSK", "技术检测部", DepartmentKind.BUSINESS), ("ZHB", "综合部", DepartmentKind.GENERAL)],
    "JZ-QS-SJJ": [
        ("BGS", "办公室", DepartmentKind.GENERAL),
        ("FGK", "法规股", DepartmentKind.LEGAL),
        ("SPG", "行政审批股", DepartmentKind.BUSINESS),
        ("SPAQ", "食品安全监管股", DepartmentKind.BUSINESS),
        ("TSSB", "特种设备安全监察股", DepartmentKind.BUSINESS),
        ("CWG", "财务股", DepartmentKind.GENERAL),
    ],
    "JZ-QS-DG": [("DZB", "党政综合办公室", DepartmentKind.GENERAL), ("CZS", "财政所", DepartmentKind.BUSINESS)],
    "JZ-QS-TZ": [("ZHB", "综合管理部", DepartmentKind.GENERAL), ("GCB", "工程管理部", DepartmentKind.BUSINESS),
                 ("CWB", "财务部", DepartmentKind.GENERAL)],
}

# unit, person code, name, title, rank, post code, post name, department code (None = leadership), login
PEOPLE = [
    ("JZ", "P0001", "韩立峰", "市纪委副书记", RankClass.LEADER, "L-SJW", "市纪委副书记", None, "shijiwei"),
    ("JZ", "P0002", "许文静", "监督室主任", RankClass.DEPT_HEAD, "JW-ZR", "监督室主任", "JW", None),
    ("JZ-QS", "P0101", "郑国华", "县纪委书记", RankClass.LEADER, "L-XJW", "县纪委书记", None, "xianjiwei"),
    ("JZ-QS", "P0102", "宋晓燕", "监督室主任", RankClass.DEPT_HEAD, "JW-ZR", "监督室主任", "JW", None),
    ("JZ-QS", "P0103", "唐浩", "监督室干部", RankClass.STAFF, "JW-GB", "监督检查岗", "JW", None),
    ("JZ-QS", "P0104", "梁雪梅", "法制科科长", RankClass.DEPT_HEAD, "FZ-KZ", "法制审核岗", "FZB", None),
    # 青山县煤矿安全监督管理局
    ("JZ-QS-MAJ", "P1001", "王建国", "局长、党组书记", RankClass.HEAD, "L-JZ", "局长", None, "juzhang"),
    ("JZ-QS-MAJ", "P1002", "李志强", "副局长", RankClass.LEADER, "L-FJZ1", "副局长（分管安全监察、行政审批）", None, "fuju"),
    ("JZ-QS-MAJ", "P1003", "张海燕", "副局长", RankClass.LEADER, "L-FJZ2", "副局长（分管法规、财务）", None, None),
    ("JZ-QS-MAJ", "P1004", "刘德明", "纪检组长", RankClass.LEADER, "L-JJZ", "纪检组长", None, "jijian"),
    ("JZ-QS-MAJ", "P1005", "陈永刚", "总工程师", RankClass.LEADER, "L-ZGC", "总工程师", None, None),
    ("JZ-QS-MAJ", "P1011", "杨丽", "办公室主任", RankClass.DEPT_HEAD, "BGS-ZR", "办公室主任", "BGS", "lianban"),
    ("JZ-QS-MAJ", "P1012", "赵鹏", "科员", RankClass.STAFF, "BGS-WS", "文秘档案岗", "BGS", None),
    ("JZ-QS-MAJ", "P1013", "孙倩", "科员", RankClass.STAFF, "BGS-HQ", "后勤采购岗", "BGS", None),
    ("JZ-QS-MAJ", "P1021", "周文斌", "法规事故处理科科长", RankClass.DEPT_HEAD, "FGK-KZ", "法规科科长", "FGK", None),
    ("JZ-QS-MAJ", "P1022", "吴敏", "科员", RankClass.STAFF, "FGK-CF", "行政处罚岗", "FGK", None),
    ("JZ-QS-MAJ", "P1023", "徐磊", "科员", RankClass.STAFF, "FGK-SG", "事故调查岗", "FGK", None),
    ("JZ-QS-MAJ", "P1031", "马俊", "安全监察科科长", RankClass.DEPT_HEAD, "AJK-KZ", "安全监察科科长", "AJK", None),
    ("JZ-QS-MAJ", "P1032", "朱晓东", "监察员", RankClass.STAFF, "AJK-JC1", "现场监察岗（一）", "AJK", None),
    ("JZ-QS-MAJ", "P1033", "胡斌", "监察员", RankClass.STAFF, "AJK-JC2", "现场监察岗（二）", "AJK", None),
    ("JZ-QS-MAJ", "P1034", "郭静", "监察员", RankClass.STAFF, "AJK-YH", "隐患排查治理岗", "AJK", None),
    ("JZ-QS-MAJ", "P1041", "何晓明", "行政审批科科长", RankClass.DEPT_HEAD, "SPK-KZ", "行政审批科科长", "SPK", "kezhang"),
    ("JZ-QS-MAJ", "P1042", "林芳", "科员", RankClass.STAFF, "SPK-SL", "许可受理岗", "SPK", "keyuan"),
    ("JZ-QS-MAJ", "P1043", "罗刚", "科员", RankClass.STAFF, "SPK-SC", "许可审查岗", "SPK", None),
    ("JZ-QS-MAJ", "P1044", "高峰", "科员", RankClass.STAFF, "SPK-PX", "安全培训考核岗", "SPK", None),
    ("JZ-QS-MAJ", "P1051", "谢红", "财务科科长", RankClass.DEPT_HEAD, "CWK-KZ", "财务科科长", "CWK", None),
    ("JZ-QS-MAJ", "P1052", "黄晓丽", "会计", RankClass.STAFF, "CWK-KJ", "会计岗", "CWK", None),
    ("JZ-QS-MAJ", "P1053", "曹颖", "出纳", RankClass.STAFF, "CWK-CN", "出纳岗", "CWK", None),
    ("JZ-QS-MAJ", "P1061", "邓立新", "人事科科长", RankClass.DEPT_HEAD, "RSK-KZ", "人事科科长", "RSK", None),
    ("JZ-QS-MAJ", "P1062", "冯雅琴", "科员", RankClass.STAFF, "RSK-RS", "干部人事岗", "RSK", None),
    # 技术服务中心（下属事业单位）
    ("JZ-QS-MAJ-ZX", "P1101", "彭涛", "中心主任", RankClass.HEAD, "L-ZR", "中心主任", None, None),
    ("JZ-QS-MAJ-ZX", "P1102", "曾凡", "副主任", RankClass.LEADER, "L-FZR", "副主任", None, None),
    ("JZ-QS-MAJ-ZX", "P1111", "蒋伟", "检测部部长", RankClass.DEPT_HEAD, "JSK-BZ", "检测部部长", "JSK", None),
    ("JZ-QS-MAJ-ZX", "P1112", "沈丽", "检测员", RankClass.STAFF, "JSK-JC", "设备检测检验岗", "JSK", None),
    ("JZ-QS-MAJ-ZX", "P1121", "韦强", "综合部部长", RankClass.DEPT_HEAD, "ZHB-BZ", "综合部部长", "ZHB", None),
    # 青山县市场监督管理局
    ("JZ-QS-SJJ", "P2001", "袁振华", "局长、党组书记", RankClass.HEAD, "L-JZ", "局长", None, None),
    ("JZ-QS-SJJ", "P2002", "邹丽娟", "副局长", RankClass.LEADER, "L-FJZ1", "副局长（分管审批、食品）", None, None),
    ("JZ-QS-SJJ", "P2003", "石磊", "副局长", RankClass.LEADER, "L-FJZ2", "副局长（分管特种设备、法规）", None, None),
    ("JZ-QS-SJJ", "P2004", "田丰", "纪检组长", RankClass.LEADER, "L-JJZ", "纪检组长", None, None),
    ("JZ-QS-SJJ", "P2011", "方琳", "办公室主任", RankClass.DEPT_HEAD, "BGS-ZR", "办公室主任", "BGS", None),
    ("JZ-QS-SJJ", "P2012", "潘越", "科员", RankClass.STAFF, "BGS-ZH", "综合文秘岗", "BGS", None),
    ("JZ-QS-SJJ", "P2021", "钟伟", "法规股股长", RankClass.DEPT_HEAD, "FGK-GZ", "法规股股长", "FGK", None),
    ("JZ-QS-SJJ", "P2022", "汪洋", "科员", RankClass.STAFF, "FGK-CF", "案件审核岗", "FGK", None),
    ("JZ-QS-SJJ", "P2031", "任佳", "审批股股长", RankClass.DEPT_HEAD, "SPG-GZ", "审批股股长", "SPG", None),
    ("JZ-QS-SJJ", "P2032", "姜涛", "科员", RankClass.STAFF, "SPG-SL", "登记注册受理岗", "SPG", "shichang"),
    ("JZ-QS-SJJ", "P2033", "范晓", "科员", RankClass.STAFF, "SPG-XK", "食品经营许可岗", "SPG", None),
    ("JZ-QS-SJJ", "P2041", "陆明", "食品安全监管股股长", RankClass.DEPT_HEAD, "SPAQ-GZ", "食品安全监管股股长", "SPAQ", None),
    ("JZ-QS-SJJ", "P2042", "金鑫", "执法人员", RankClass.STAFF, "SPAQ-JC", "食品抽检岗", "SPAQ", None),
    ("JZ-QS-SJJ", "P2051", "魏东", "特种设备股股长", RankClass.DEPT_HEAD, "TSSB-GZ", "特种设备股股长", "TSSB", None),
    ("JZ-QS-SJJ", "P2052", "秦岭", "执法人员", RankClass.STAFF, "TSSB-JC", "特种设备检查岗", "TSSB", None),
    ("JZ-QS-SJJ", "P2061", "尹红梅", "财务股股长", RankClass.DEPT_HEAD, "CWG-GZ", "财务股股长", "CWG", None),
    ("JZ-QS-SJJ", "P2062", "阎妍", "会计", RankClass.STAFF, "CWG-KJ", "会计出纳岗", "CWG", None),
    # 东关镇、县城投公司
    ("JZ-QS-DG", "P3001", "贺军", "镇长", RankClass.HEAD, "L-ZZ", "镇长", None, None),
    ("JZ-QS-DG", "P3011", "龚兰", "财政所所长", RankClass.DEPT_HEAD, "CZS-SZ", "财政所所长", "CZS", None),
    ("JZ-QS-TZ", "P4001", "严志远", "董事长、总经理", RankClass.HEAD, "L-DSZ", "董事长", None, None),
    ("JZ-QS-TZ", "P4011", "卢静", "工程管理部经理", RankClass.DEPT_HEAD, "GCB-JL", "工程管理部经理", "GCB", None),
]

# Who is in charge of which department (分管), by unit.
CHARGES = {
    "JZ-QS-MAJ": {"P1001": ["BGS", "RSK"], "P1002": ["AJK", "SPK"], "P1003": ["FGK", "CWK"]},
    "JZ-QS-SJJ": {"P2001": ["BGS", "CWG"], "P2002": ["SPG", "SPAQ"], "P2003": ["TSSB", "FGK"]},
    "JZ-QS-MAJ-ZX": {"P1102": ["JSK", "ZHB"]},
}

# unit, kind, name, [(person code, role)]
GROUPS = [
    ("JZ", GroupKind.COORDINATION, "江州市廉政风险防控工作指导协调小组", [("P0001", GroupRole.LEAD), ("P0002", GroupRole.MEMBER)]),
    ("JZ-QS", GroupKind.COORDINATION, "青山县廉政风险防控工作指导协调小组",
     [("P0101", GroupRole.LEAD), ("P0102", GroupRole.DEPUTY), ("P0103", GroupRole.MEMBER)]),
    ("JZ-QS-MAJ", GroupKind.STEERING, "县煤监局廉政风险防控工作领导小组",
     [("P1001", GroupRole.LEAD), ("P1004", GroupRole.DEPUTY), ("P1002", GroupRole.MEMBER), ("P1003", GroupRole.MEMBER),
      ("P1005", GroupRole.MEMBER), ("P1011", GroupRole.MEMBER)]),
    ("JZ-QS-MAJ", GroupKind.STEERING_OFFICE, "县煤监局廉政风险防控工作领导小组办公室",
     [("P1011", GroupRole.DIRECTOR), ("P1012", GroupRole.MEMBER)]),
    ("JZ-QS-MAJ", GroupKind.DISCIPLINE, "县纪委监委驻县煤监局纪检组", [("P1004", GroupRole.LEAD)]),
    ("JZ-QS-MAJ", GroupKind.PARTY, "县煤监局党组",
     [("P1001", GroupRole.LEAD), ("P1002", GroupRole.MEMBER), ("P1003", GroupRole.MEMBER), ("P1004", GroupRole.MEMBER)]),
    ("JZ-QS-SJJ", GroupKind.STEERING, "县市场监管局廉政风险防控工作领导小组",
     [("P2001", GroupRole.LEAD), ("P2004", GroupRole.DEPUTY), ("P2002", GroupRole.MEMBER), ("P2003", GroupRole.MEMBER)]),
    ("JZ-QS-SJJ", GroupKind.STEERING_OFFICE, "县市场监管局廉政风险防控工作领导小组办公室", [("P2011", GroupRole.DIRECTOR)]),
    ("JZ-QS-SJJ", GroupKind.DISCIPLINE, "县纪委监委驻县市场监管局纪检组", [("P2004", GroupRole.LEAD)]),
    ("JZ-QS-SJJ", GroupKind.PARTY, "县市场监管局党组", [("P2001", GroupRole.LEAD), ("P2002", GroupRole.MEMBER)]),
]

# One login per role, printed by `lianfang demo`.
LOGINS = [
    ("admin", "系统管理员", None),
    ("keyuan", "一般工作人员（县煤监局行政审批科 许可受理岗）", "P1042"),
    ("kezhang", "科室负责人（县煤监局行政审批科科长）", "P1041"),
    ("fuju", "分管领导（县煤监局副局长）", "P1002"),
    ("juzhang", "主要负责人（县煤监局局长）", "P1001"),
    ("lianban", "领导小组办公室（县煤监局办公室主任）", "P1011"),
    ("jijian", "纪检组（县煤监局纪检组长）", "P1004"),
    ("xianjiwei", "上级指导协调小组（县纪委书记）", "P0101"),
    ("shijiwei", "市级指导协调小组（市纪委副书记）", "P0001"),
    ("shichang", "另一单位的一般工作人员（县市场监管局）", "P2032"),
]


def load() -> dict:
    users = get_user_model()
    units: dict[str, Unit] = {}
    for order, (code, name, short, kind, parent) in enumerate(UNITS):
        units[code], _ = Unit.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "kind": kind,
                                 "parent": units.get(parent), "sort_order": order},
        )
    departments = {}
    for unit_code, rows in DEPARTMENTS.items():
        for order, (code, name, kind) in enumerate(rows):
            departments[unit_code, code], _ = Department.objects.update_or_create(
                unit=units[unit_code], code=code, defaults={"name": name, "kind": kind, "sort_order": order},
            )
    people = {}
    for order, (unit_code, code, name, title, rank, post_code, post_name, dept_code, login) in enumerate(PEOPLE):
        unit = units[unit_code]
        post, _ = Post.objects.update_or_create(
            unit=unit, code=post_code,
            defaults={"name": post_name, "department": departments.get((unit_code, dept_code)), "sort_order": order},
        )
        user = None
        if login:
            user, created = users.objects.get_or_create(username=login)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        person, _ = Person.objects.update_or_create(
            code=code, defaults={"unit": unit, "name": name, "title": title, "rank_class": rank, "user": user},
        )
        people[code] = person
        PostAssignment.objects.get_or_create(person=person, post=post, start_date=START)
    for unit_code, charges in CHARGES.items():
        for person_code, dept_codes in charges.items():
            for dept_code in dept_codes:
                Charge.objects.get_or_create(
                    person=people[person_code], department=departments[unit_code, dept_code], start_date=START
                )
    for unit_code, kind, name, members in GROUPS:
        group, _ = OrgGroup.objects.update_or_create(unit=units[unit_code], kind=kind, defaults={"name": name})
        for person_code, role in members:
            GroupMembership.objects.get_or_create(
                group=group, person=people[person_code], start_date=START, defaults={"role": role}
            )
    _history(people, departments)
    admin, created = users.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    return {"units": len(units), "people": len(people)}


def _history(people, departments):
    """One person changed posts: 罗刚 was at 许可受理岗 in 2023 before moving to
    审查岗, so the history screen has something to show."""
    post = Post.objects.get(unit__code="JZ-QS-MAJ", code="SPK-SL")
    PostAssignment.objects.get_or_create(
        person=people["P1043"], post=post, start_date=dt.date(2022, 3, 1), defaults={"end_date": dt.date(2023, 12, 31)}
    )
