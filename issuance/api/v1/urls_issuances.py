"""/api/v1/issuances… and /api/v1/credentials… routes."""

from django.urls import path

from .credentials import CredentialDetailView, CredentialRevokeView, CredentialSuspendView, CredentialUnsuspendView
from .issuances import IssuanceDetailView, IssuanceListView, IssuanceResumeView

urlpatterns = [
    path("issuances", IssuanceListView.as_view(), name="api-issuance-list"),
    path("issuances/<uuid:pk>", IssuanceDetailView.as_view(), name="api-issuance-detail"),
    path("issuances/<uuid:pk>/resume", IssuanceResumeView.as_view(), name="api-issuance-resume"),
    path("credentials/<uuid:pk>", CredentialDetailView.as_view(), name="api-credential-detail"),
    path("credentials/<uuid:pk>/revoke", CredentialRevokeView.as_view(), name="api-credential-revoke"),
    path("credentials/<uuid:pk>/suspend", CredentialSuspendView.as_view(), name="api-credential-suspend"),
    path("credentials/<uuid:pk>/unsuspend", CredentialUnsuspendView.as_view(), name="api-credential-unsuspend"),
]
