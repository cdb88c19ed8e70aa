"""Fixtures for verifying presented files: credentials issued by the real pipeline, their PDFs carrying the
signed badge as `credential.json` (embedded by the certificate renderer), and a
did:web host on 127.0.0.1 for another issuer."""

import io

import pikepdf
import pytest
from django.core.cache import cache

from stand_ins.did_web import DidWebHost
from tests.openbadges.conftest import Issuer, academy, first_aid, issue, issuer  # noqa: F401 (fixtures)
from tests.pipeline.conftest import smtp  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def fresh_rate_counts(db):
    """Each test starts a new count of checks per address (the count lives in the shared cache)."""
    from issuance import shared_counts

    cache.clear()
    shared_counts._reserves.clear()
    yield
    shared_counts._reserves.clear()


def pdf_with_credential(pdf: bytes, credential: dict | bytes) -> bytes:
    """The PDF with `credential` embedded as credential.json instead: a file made by someone other than Laurel."""
    import json

    data = credential if isinstance(credential, bytes) else json.dumps(credential).encode()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        spec = pikepdf.AttachedFileSpec(document, data, mime_type="application/vc+ld+json",
                                        filename="credential.json", relationship=pikepdf.Name.Data)
        document.attachments["credential.json"] = spec
        document.Root.AF = pikepdf.Array([document.attachments["credential.json"].obj])
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


@pytest.fixture
def issued_pdf(issue):
    """Issue a credential through the real pipeline; returns (credential, its stored PDF), which carries the signed badge."""

    def run(**kwargs):
        credential = issue(**kwargs)
        with credential.pdf.open("rb") as handle:
            return credential, handle.read()

    return run


@pytest.fixture
def did_host(settings, tmp_path):
    host = DidWebHost().start()
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True  # the stand-in is on 127.0.0.1
    settings.LAUREL_OUTBOUND_CA_BUNDLE = host.ca_bundle(tmp_path / "ca.pem")
    yield host
    host.stop()


@pytest.fixture
def other_issuer(did_host) -> Issuer:
    issuer = Issuer(did_host.base_url, slug="northwind")
    did_host.publish(path="/issuers/northwind/did.json", document=issuer.did_document())
    return issuer
