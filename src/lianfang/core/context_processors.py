from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from lianfang.access.policy import scope_for

# The modules of the platform, in the order of the annual cycle. A module that
# is not built yet shows in the menu as "建设中" so users see the whole programme.
MODULES = [
    ("home", _("首页"), "bi-house", "home"),
    ("orgs", _("组织机构"), "bi-diagram-3", "orgs:tree"),
    ("powers", _("职权目录"), "bi-journal-text", "powers:index"),
    ("flows", _("权力运行流程图"), "bi-bezier2", "flows:index"),
    ("risks", _("廉政风险点"), "bi-exclamation-triangle", "risks:index"),
    ("measures", _("防控措施"), "bi-shield-check", "risks:measures"),
    ("reviews", _("审核"), "bi-check2-square", "reviews:inbox"),
    ("portal", _("公示与举报"), "bi-megaphone", None),
    ("monitoring", _("电子监察"), "bi-activity", "monitoring:index"),
    ("alerts", _("预警处置"), "bi-bell", None),
    ("assessments", _("考核评估"), "bi-clipboard-data", None),
    ("reports", _("统计分析"), "bi-bar-chart", "reports:dashboard"),
    ("registers", _("登记表"), "bi-file-earmark-spreadsheet", "reports:registers"),
    ("audit", _("审计日志"), "bi-clock-history", "audit:list"),
]


def navigation(request):
    items = []
    match = getattr(request, "resolver_match", None)
    view_name = getattr(match, "view_name", "") or ""
    # The most specific item wins: an exact view (防控措施 is a page of the risks
    # app), else the item of the view's app.
    exact = any(url == view_name for *_, url in MODULES)
    app = getattr(match, "app_name", "") or ("home" if getattr(request, "path", "") == "/" else "")
    keyed = any(key == app for key, *_ in MODULES)
    scope = scope_for(getattr(request, "user", None))
    for key, label, icon, url_name in MODULES:
        if key == "audit" and not (scope.superuser or scope.oversight_units):
            continue
        try:
            url = reverse(url_name) if url_name else None
        except NoReverseMatch:
            url = None
        if exact:
            active = url_name == view_name
        else:
            active = key == app if keyed else (url_name or "").split(":")[0] == app
        items.append({"key": key, "label": label, "icon": icon, "url": url, "active": active})
    return {"nav_items": items, "user_scope": scope}
