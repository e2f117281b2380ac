from django.contrib import admin
from django.urls import include, path

from lianfang.core import views as core_views

admin.site.site_header = "廉政风险防控管理平台 · 系统管理"
admin.site.site_title = "廉防系统管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("home/quality/", core_views.home_quality, name="home_quality"),
    path("accounts/", include("lianfang.core.auth_urls")),
    path("orgs/", include("lianfang.orgs.urls")),
    path("powers/", include("lianfang.powers.urls")),
    path("flows/", include("lianfang.flows.urls")),
    path("risks/", include("lianfang.risks.urls")),
    path("reviews/", include("lianfang.reviews.urls")),
    path("reports/", include("lianfang.reports.urls")),
    path("notifications/", include("lianfang.notifications.urls")),
    path("audit/", include("lianfang.audit.urls")),
    path("api/", include("lianfang.monitoring.urls")),
    path("supervision/", include("lianfang.monitoring.web_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = "lianfang.core.views.error_403"
handler404 = "lianfang.core.views.error_404"
handler500 = "lianfang.core.views.error_500"
