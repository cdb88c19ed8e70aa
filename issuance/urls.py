"""The issuance app's URLs: the versioned API and its OpenAPI schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api.v1.urls import staff_urlpatterns

urlpatterns = [
    path("api/v1/", include(staff_urlpatterns)),
    path("api/v1/", include(("issuance.api.v1.urls", "api-v1"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the page needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
