"""Names shared by the BPMN import and export: namespaces, element kinds, Chinese
default names and the Lianfang extension-field codec."""

from __future__ import annotations

import json
import re
from typing import Any

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
LF_NS = "https://lianfang.org/schema/bpmn/1.0"

# BPMN activity element -> step "kind"
ACTIVITY_KINDS = {
    "task": "task",
    "userTask": "user_task",
    "manualTask": "manual_task",
    "serviceTask": "service_task",
    "scriptTask": "script_task",
    "businessRuleTask": "business_rule_task",
    "sendTask": "send_task",
    "receiveTask": "receive_task",
    "subProcess": "subprocess",
    "transaction": "transaction",
    "adHocSubProcess": "ad_hoc_subprocess",
    "callActivity": "call_activity",
}
KIND_ELEMENTS = {kind: tag for tag, kind in ACTIVITY_KINDS.items()}
EVENT_KINDS = {"intermediateCatchEvent": "catch_event", "intermediateThrowEvent": "throw_event"}
KIND_ELEMENTS.update({kind: tag for tag, kind in EVENT_KINDS.items()})
GATEWAYS = {
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
    "gateway",
}

# eventDefinition element -> event_trigger
EVENT_TRIGGERS = {
    "timerEventDefinition": "timer",
    "messageEventDefinition": "message",
    "signalEventDefinition": "signal",
    "conditionalEventDefinition": "conditional",
    "escalationEventDefinition": "escalation",
    "errorEventDefinition": "error",
    "compensateEventDefinition": "compensate",
    "cancelEventDefinition": "cancel",
    "linkEventDefinition": "link",
    "terminateEventDefinition": "terminate",
}
TRIGGER_DEFINITIONS = {v: k for k, v in EVENT_TRIGGERS.items()}

ACTIVITY_NAMES = {
    "task": "任务",
    "userTask": "用户任务",
    "manualTask": "人工任务",
    "serviceTask": "服务任务",
    "scriptTask": "脚本任务",
    "businessRuleTask": "业务规则任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "subProcess": "子流程",
    "transaction": "事务子流程",
    "adHocSubProcess": "自由子流程",
    "callActivity": "调用活动",
}
TRIGGER_NAMES = {
    "timer": "定时事件",
    "message": "消息事件",
    "signal": "信号事件",
    "conditional": "条件事件",
    "escalation": "升级事件",
    "error": "错误事件",
    "compensate": "补偿事件",
    "cancel": "取消事件",
    "link": "链接事件",
    "terminate": "终止事件",
    "multiple": "多重事件",
}
EVENT_NAMES = {
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件",
    "boundaryEvent": "边界事件",
}
GATEWAY_NAMES = {
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关",
    "gateway": "网关",
}
# elements that have no place in a flowchart: reported (counted) in the warnings
IGNORED_NAMES = {
    "dataObject": "数据对象",
    "dataObjectReference": "数据对象引用",
    "dataStoreReference": "数据存储",
    "dataStore": "数据存储定义",
    "message": "消息定义",
    "messageFlow": "消息流",
    "textAnnotation": "文本注释",
    "association": "关联",
    "dataInputAssociation": "数据输入关联",
    "dataOutputAssociation": "数据输出关联",
    "group": "分组",
    "conversation": "会话",
    "subConversation": "子会话",
    "callConversation": "调用会话",
    "conversationLink": "会话连线",
    "choreography": "编排",
    "choreographyTask": "编排任务",
    "subChoreography": "子编排",
    "callChoreography": "调用编排",
    "globalTask": "全局任务",
    "globalUserTask": "全局用户任务",
    "globalManualTask": "全局人工任务",
    "globalScriptTask": "全局脚本任务",
    "globalBusinessRuleTask": "全局业务规则任务",
    "relationship": "关系",
}
# elements ignored silently: they are not drawn and carry nothing a flowchart needs
SILENT = {
    "extensionElements",
    "documentation",
    "incoming",
    "outgoing",
    "ioSpecification",
    "property",
    "laneSet",
    "itemDefinition",
    "resource",
    "interface",
    "import",
    "category",
    "signal",
    "error",
    "escalation",
    "correlationProperty",
    "partnerRole",
    "partnerEntity",
    "endPoint",
    "extension",
    "auditing",
    "monitoring",
    "performer",
    "potentialOwner",
    "humanPerformer",
    "resourceRole",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
}


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def in_bpmn(tag: Any) -> bool:
    return isinstance(tag, str) and tag.startswith("{" + BPMN_NS + "}")


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def safe_code(text: str, limit: int = 64) -> str:
    """A code from an element id: letters, digits, "_", "." and "-" only."""
    return _UNSAFE.sub("_", text or "").strip("_")[:limit]


def encode_field(value: Any) -> tuple[str, str | None]:
    """(type, text) for an extension field value; the reverse of decode_field."""
    if value is None:
        return "null", None
    if isinstance(value, bool):
        return "boolean", "true" if value else "false"
    if isinstance(value, int | float):
        return "number", json.dumps(value)
    if isinstance(value, str):
        return "string", value
    return "json", json.dumps(value, ensure_ascii=False)


def decode_field(kind: str | None, text: str | None) -> Any:
    text = text or ""
    if kind == "null":
        return None
    if kind == "boolean":
        return text.strip() == "true"
    if kind in ("number", "json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
