"""Public URLs: no login, nothing a verifier does not need."""

from django.urls import path

from . import certificates

urlpatterns = [
    path("credentials/<uuid:credential_id>.pdf", certificates.credential_pdf, name="credential-pdf"),
]
