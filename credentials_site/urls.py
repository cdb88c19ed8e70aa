"""URL wiring for the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import healthz

handler404 = "credentials_site.views.page_not_found"

admin.site.site_header = "Laurel"
admin.site.site_title = "Laurel"
admin.site.index_title = "Credentials"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("issuance.api.v1.urls_issuances")),
    path("anymail/", include("anymail.urls")),  # ESP tracking webhooks, basic auth ANYMAIL_WEBHOOK_SECRET
    path("", include("issuance.urls")),
    path("", include("issuance.public.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
