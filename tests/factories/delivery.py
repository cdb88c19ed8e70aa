"""Factories for delivery tests: a learner, an issuance at the deliver step, and its credential with a PDF."""

from datetime import datetime, timezone

import factory
from django.core.files.base import ContentFile

from issuance.models import Issuance
from tests.factories import issuance as base

# A real, one-page PDF (what xhtml2pdf writes is bigger but no different to a mail transport).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class LearnerFactory(base.LearnerFactory):
    name = "Ana Lima"
    email = factory.Sequence(lambda n: f"learner{n}@example.org")


class IssuanceFactory(base.IssuanceFactory):
    """An issuance waiting at the deliver step."""

    learner = factory.SubFactory(LearnerFactory, organization=factory.SelfAttribute("..organization"))
    completion = factory.LazyAttribute(lambda o: {"email": o.learner.email, "name": o.learner_name, "score": 92})
    state = Issuance.State.BADGED


class CredentialFactory(base.CredentialFactory):
    """A credential with its PDF and badge, issued on a fixed day so emails read the same every run."""

    issuance = factory.SubFactory(IssuanceFactory)
    issued_at = datetime(2026, 3, 14, 10, 0, tzinfo=timezone.utc)
    valid_until = datetime(2029, 3, 14, 10, 0, tzinfo=timezone.utc)
    pdf = factory.LazyFunction(lambda: ContentFile(MINIMAL_PDF, name="certificate.pdf"))
    badge = factory.LazyFunction(lambda: {"type": ["VerifiableCredential", "OpenBadgeCredential"]})
