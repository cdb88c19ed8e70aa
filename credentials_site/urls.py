"""URL wiring for the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from issuance.delivery.tracking_webhooks import tracking_webhook

from .oidc import ProviderCallbackView, ProviderSignInView
from .views import favicon, healthz, home

handler404 = "credentials_site.views.page_not_found"

admin.site.site_header = "Laurel"
admin.site.site_title = "Laurel"
admin.site.index_title = "Credentials"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff sign-in through the organisation's identity provider (docs/sign-in.md); 404 unless set up.
    path("sign-in/oidc/", ProviderSignInView.as_view(), name="oidc_authentication_init"),
    path("sign-in/oidc/callback/", ProviderCallbackView.as_view(), name="oidc_authentication_callback"),
    path("healthz", healthz, name="healthz"),
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    # The configured ESP's tracking webhook, served only with credentials to check (docs/security.md).
    path("anymail/<str:esp>/tracking/", tracking_webhook, name="anymail-tracking"),
    path("", include("issuance.urls")),
    path("", include("issuance.public.urls")),
    path("", include("issuance.learner_page.urls")),
    path("", include("issuance.wallets.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
