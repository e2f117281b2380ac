"""Rules about changing the organisation that views, imports and the admin share."""

from django.db import IntegrityError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _


class StillReferenced(Exception):
    """A delete was refused because other records still point at the object."""


def describe_references(protected) -> str:
    groups: dict[str, list[str]] = {}
    for obj in protected:
        groups.setdefault(str(obj._meta.verbose_name), []).append(str(obj))
    parts = []
    for label, names in groups.items():
        shown = "、".join(names[:3]) + (_("等") if len(names) > 3 else "")
        parts.append(_("%(count)d 条%(label)s（%(names)s）") % {"count": len(names), "label": label, "names": shown})
    return "；".join(parts)


def delete_refusing_references(obj) -> None:
    """Delete, or refuse with the reason: nothing is ever cascaded away."""
    try:
        obj.delete()
    except ProtectedError as exc:
        raise StillReferenced(
            _("不能删除“%(name)s”：仍被 %(refs)s 引用。请先调整或删除这些记录。")
            % {"name": obj, "refs": describe_references(exc.protected_objects)}
        ) from None


def explain_integrity_error(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return _("编码与已有记录重复，或引用的记录已不存在。")
    return _("数据未能保存，请检查后重试。")
