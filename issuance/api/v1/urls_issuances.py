"""/api/v1/issuances… routes."""

from django.urls import path

from .issuances import IssuanceDetailView, IssuanceListView, IssuanceResumeView

urlpatterns = [
    path("issuances", IssuanceListView.as_view(), name="api-issuance-list"),
    path("issuances/<uuid:pk>", IssuanceDetailView.as_view(), name="api-issuance-detail"),
    path("issuances/<uuid:pk>/resume", IssuanceResumeView.as_view(), name="api-issuance-resume"),
]
