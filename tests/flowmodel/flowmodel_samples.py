"""Realistic sample flowcharts (权力运行流程图) used by the tests."""

import copy


def _step(code, name, post, limit_hours=None, **extra):
    return {"code": code, "name": name, "post": post, "limit_hours": limit_hours, **extra}


MINE_LICENCE = {
    "flowchart_code": "XK-MK-001",
    "power_code": "QL-XK-0012",
    "power_codes": ["QL-XK-0012", "QL-XK-0013"],
    "name": "煤矿安全生产许可证核发",
    "note": "依据《安全生产许可证条例》第七条",
    "source": "煤矿安全生产许可证核发.json",
    "case_limit_hours": None,
    "case_limit_workdays": 45,
    "params": {"法定时限": "45个工作日", "收费": False},
    "steps": [
        _step(
            "S1",
            "受理",
            "窗口受理员",
            24,
            limit_workdays=1,
            supervision_point=True,
            description="核对申请材料是否齐全、符合法定形式",
            risk_points=[{"code": "R1", "title": "对材料不全的申请违规受理", "level": "中"}],
        ),
        _step(
            "S2",
            "审查",
            "审查科员",
            240,
            limit_workdays=10,
            decides="材料是否符合条件",
            risk_points=[
                {"code": "R2", "title": "审查把关不严", "level": "高"},
                {"code": "R3", "title": "故意拖延", "level": "低"},
            ],
        ),
        _step("S3", "现场核查", "审查科员", 120, limit_workdays=5, clock_stop=False, min_hours=8),
        _step("S4", "集体研究", "分管领导", 48, decision=True, supervision_point=True),
        _step(
            "S5",
            "决定",
            "局长",
            24,
            decision=True,
            decides="是否核发许可证",
            discretion_point=True,
            kind="user_task",
            custom_tag={"any": ["value", 1]},
        ),
        _step("S6", "送达", "窗口受理员", 72, limit_workdays=3),
        _step("S7", "退回补正", "窗口受理员", None, clock_stop=True),
    ],
    "start": ["S1"],
    "end": ["S6", "S5"],
    "transitions": [
        ["S1", "S2"],
        ["S2", "S7"],
        ["S7", "S1"],
        ["S2", "S3"],
        ["S3", "S4"],
        ["S4", "S5"],
        ["S5", "S6"],
    ],
    "transition_labels": [
        {"from": "S2", "to": "S7", "label": "材料不全"},
        {"from": "S2", "to": "S3", "label": "材料齐全"},
        {"from": "S5", "to": "S6", "label": "准予许可"},
    ],
    "incompatible_steps": [["S2", "S5"]],
    "discretion": [],
}

ADMIN_PENALTY = {
    "flowchart_code": "CF-AQ-003",
    "power_code": "QL-CF-0301",
    "name": "安全生产违法行为行政处罚",
    "case_limit_hours": 2160,
    "steps": [
        _step("LA", "立案", "执法人员", 168, supervision_point=True),
        _step("DC", "调查取证", "执法人员", 720, description="两名以上执法人员出示证件，\n制作现场检查笔录"),
        _step(
            "SH",
            "法制审核",
            "法制审核员",
            120,
            risk_points=[{"code": "F1", "title": "审核走过场", "level": "中"}],
        ),
        _step("GZ", "告知陈述申辩权利", "执法人员", 72),
        _step("TZ", "听证", "听证主持人", 240, kind="subprocess"),
        _step("JD", "作出处罚决定", "分管领导", 72, discretion_point=True, decision=True),
        _step("ZX", "执行", "执法人员", None),
        _step("JA", "结案归档", None, 48),
    ],
    "start": ["LA"],
    "end": ["JA"],
    "transitions": [
        ["LA", "DC"],
        ["DC", "SH"],
        ["SH", "DC"],
        ["SH", "GZ"],
        ["GZ", "TZ"],
        ["GZ", "JD"],
        ["TZ", "JD"],
        ["JD", "ZX"],
        ["ZX", "JA"],
        ["JD", "JA"],
    ],
    "transition_labels": [
        {"from": "SH", "to": "DC", "label": "退回补充调查"},
        {"from": "GZ", "to": "TZ", "label": "当事人申请听证"},
        {"from": "GZ", "to": "JD", "label": "放弃听证"},
        {"from": "JD", "to": "JA", "label": "不予处罚"},
    ],
    "incompatible_steps": [["DC", "SH"], ["SH", "JD"]],
    "discretion": [
        {"step": "JD", "attribute": "罚款金额", "min": 10000, "max": 200000, "unit": "元"},
        {"step": "JD", "attribute": "暂扣期限（月）", "min": 1, "max": 6},
    ],
}

# no posts at all, two start steps, a timer event step, a self loop and Latin codes with odd characters
PROCUREMENT = {
    "flowchart_code": "CG 2024/7",
    "power_code": None,
    "name": "政府采购项目验收（含非常长的名称用于测试自动换行与宽度估算 Acceptance check）",
    "case_limit_hours": None,
    "steps": [
        _step("申请", "采购人提出验收申请", None),
        _step("auto-start", "系统定时发起验收", None, kind="catch_event", event_trigger="timer"),
        _step("ys.1", "组织验收小组现场验收并出具验收报告", None, 120),
        _step("ys.2", "整改复验", None, 240),
        _step("gd", "归档", None, 8.5),
    ],
    "start": ["申请", "auto-start"],
    "end": ["gd"],
    "transitions": [
        ["申请", "ys.1"],
        ["auto-start", "ys.1"],
        ["ys.1", "ys.2"],
        ["ys.2", "ys.2"],
        ["ys.2", "ys.1"],
        ["ys.1", "gd"],
    ],
    "incompatible_steps": [],
    "discretion": [],
}

SAMPLES = {"mine_licence": MINE_LICENCE, "admin_penalty": ADMIN_PENALTY, "procurement": PROCUREMENT}


def sample(name):
    return copy.deepcopy(SAMPLES[name])
