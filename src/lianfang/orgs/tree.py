"""The organisation tree as the user may see it, built from one query."""

from dataclasses import dataclass, field

from lianfang.access.policy import visible

from .models import Unit


@dataclass
class Node:
    unit: Unit
    children: list["Node"] = field(default_factory=list)


def visible_tree(user) -> list[Node]:
    units = list(visible(user, Unit.objects.all()).order_by("path"))
    nodes = {u.pk: Node(u) for u in units}
    roots = []
    for unit in sorted(units, key=lambda u: (u.depth, u.sort_order, u.code)):
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(nodes[unit.pk])
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.unit.sort_order, n.unit.code))
    return roots
