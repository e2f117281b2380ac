"""How each model hangs off the organisation, so that one policy can scope it.

A model registers the lookup paths to its unit and, for records kept per
department or post, to those. `kind` says how visible it is:

- "org":    the structure itself (departments, posts, people). Everyone in a unit
            sees their own unit's structure; oversight roles see it too.
- "record": the programme's data (powers, risk points, measures, ...). Staff see
            their posts' records, department heads their department's, leaders
            the departments in their charge, the head and oversight the whole unit.
- "shared": unit-wide reference data (the power catalogue, flowcharts): seen like
            the structure by everyone in the unit, changed like records.
- "oversight": supervision data naming officials (engine findings, case events,
            alerts): the unit head, the office, the discipline group and the
            higher-level groups see and handle them.
- "audit":  the trail. Only oversight roles, and each user's own entries.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ScopePaths:
    unit: str
    department: str | None = None
    post: str | None = None
    kind: str = "record"
    # For the audit trail: the field holding the acting user's id.
    actor: str | None = None


_registry: dict[type, ScopePaths] = {}


def register(model, *, unit: str, department: str | None = None, post: str | None = None,
             kind: str = "record", actor: str | None = None) -> None:
    _registry[model] = ScopePaths(unit=unit, department=department, post=post, kind=kind, actor=actor)


def paths_for(model) -> ScopePaths:
    model = getattr(model, "_meta", None) and model._meta.concrete_model or model
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model!r} is not registered with lianfang.access") from None


def is_registered(model) -> bool:
    return model._meta.concrete_model in _registry


def _id_via(obj, path: str | None) -> int | None:
    """Follow a registered lookup path on an instance to an id, without a query
    when the path is a local foreign key or id column."""
    if path is None:
        return None
    if path == "pk":
        return obj.pk
    parts = path.split("__")
    value = obj
    for part in parts[:-1]:
        value = getattr(value, part, None)
        if value is None:
            return None
    last = parts[-1]
    if hasattr(value, f"{last}_id"):
        return getattr(value, f"{last}_id")
    target = getattr(value, last, None)
    return getattr(target, "pk", target)


def unit_id_of(obj) -> int | None:
    """The id of the unit an object belongs to (None for unregistered objects)."""
    paths = _registry.get(obj._meta.concrete_model)
    return _id_via(obj, paths.unit) if paths else None


def department_id_of(obj) -> int | None:
    paths = _registry.get(obj._meta.concrete_model)
    return _id_via(obj, paths.department) if paths else None


def post_id_of(obj) -> int | None:
    paths = _registry.get(obj._meta.concrete_model)
    return _id_via(obj, paths.post) if paths else None
