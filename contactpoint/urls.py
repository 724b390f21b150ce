from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import token_views, views

# The admin signs in through allauth, so rate limits and the second factor apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Contact Point administration")
admin.site.site_title = _("Contact Point")
admin.site.index_title = _("Work area")

handler404 = "contactpoint.views.not_found"
handler500 = "contactpoint.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("contactpoint.api_urls")),
    path("api-tokens/", token_views.token_list, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_tokens_revoke"),
    path("", include("needs.urls")),
    path("", include("stakeholders.urls")),
    path("", include("matching.urls")),
    path("", include("vademecum.urls")),
    path("", include("monitoring.urls")),
]
