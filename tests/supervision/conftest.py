"""Shared fixtures: a small flow model with branches, a loop, clock stops and every rule switched on."""

from __future__ import annotations

import copy

import pytest

FLOWS = [
    {
        "power_code": "P1",
        "power_codes": ["P1", "P1B"],
        "flowchart_code": "F-LIC",
        "name": "建设工程规划许可",
        "steps": [
            {"code": "ACC", "name": "受理", "post": "窗口", "limit_hours": None},
            {"code": "REV", "name": "审查", "post": "科员", "limit_hours": None, "limit_workdays": 5},
            {"code": "SUP", "name": "补正", "post": "科员", "limit_hours": None, "clock_stop": True},
            {"code": "EXP", "name": "专家评审", "post": "专家", "limit_hours": None, "clock_stop": True},
            {"code": "DEC", "name": "决定", "post": "科长", "limit_hours": None, "limit_workdays": 3,
             "decision": True, "min_hours": 2},
            {"code": "REJ", "name": "不予许可", "post": "科长", "limit_hours": 72, "decision": True},
            {"code": "DLV", "name": "送达", "post": "窗口", "limit_hours": 48, "kind": "end"},
        ],
        "start": ["ACC"],
        "end": ["DLV", "REJ"],
        "transitions": [["ACC", "REV"], ["REV", "SUP"], ["SUP", "REV"], ["REV", "EXP"], ["EXP", "DEC"],
                        ["REV", "DEC"], ["REV", "REJ"], ["DEC", "DLV"]],
        "case_limit_hours": None,
        "case_limit_workdays": 10,
        "incompatible_steps": [["REV", "DEC"], ["ACC", "DLV"]],
        "discretion": [{"step": "DEC", "attribute": "amount", "min": 1000, "max": 50000},
                       {"step": "REJ", "attribute": "penalty", "min": None, "max": 200}],
        "params": {"concentration_min_cases": 2, "concentration_share": 0.6, "concentration_lift": 1.5,
                   "split_threshold": 50000, "split_margin": 0.1, "split_window_days": 20,
                   "concentration_period": "month", "repeat_window_days": 30},
        "future_extension": {"ignored": True},
    },
    {
        "power_code": "P2",
        "name": "政府采购审批",
        "steps": [
            {"code": "REQ", "name": "申请", "post": "经办", "limit_hours": 24},
            {"code": "CHK", "name": "审核", "post": "财务", "limit_hours": 48, "min_hours": 1},
            {"code": "APP", "name": "审批", "post": "领导", "limit_hours": 24, "decision": True},
            {"code": "PAY", "name": "支付", "post": "出纳", "limit_hours": None},
        ],
        "start": ["REQ"],
        "end": ["PAY"],
        "transitions": [["REQ", "CHK"], ["CHK", "APP"], ["APP", "PAY"]],
        "case_limit_hours": 120,
        "incompatible_steps": [["REQ", "APP"], ["CHK", "PAY"]],
        "discretion": [],
        "params": {"split_threshold": 100000, "split_margin": 0.2, "split_window_days": 10,
                   "split_min_count": 2, "split_red_count": 3, "concentration_min_cases": 2,
                   "concentration_lift": 1.2, "concentration_share": 0.5},
    },
]


@pytest.fixture
def flows():
    return copy.deepcopy(FLOWS)
