"""Power-operation flowcharts (权力运行流程图): interchange format, BPMN 2.0 import/export,
automatic layout and SVG drawing.  Plain Python over plain dicts; no Django here.
"""

from .bpmn_export import export_bpmn
from .bpmn_import import BpmnError, ImportResult, import_bpmn
from .layout import Layout, layout
from .schema import FlowModelError, load_json, to_json, validate_flowchart, validate_flowcharts
from .svg import render_svg

__all__ = [
    "BpmnError",
    "FlowModelError",
    "ImportResult",
    "Layout",
    "export_bpmn",
    "import_bpmn",
    "layout",
    "load_json",
    "render_svg",
    "to_json",
    "validate_flowchart",
    "validate_flowcharts",
]
