"""The certificate is a PDF/A-3b file carrying its signed Open Badges 3.0 credential as credential.json.

Conformance is checked by pikepdf's PDF/A validator (`pikepdf.pdfa.validate_written`, an allowlist
validator built on the veraPDF rule catalogue; veraPDF itself is not in the package registries
Laurel installs from), and the structure once more by reading it with pikepdf.
"""

import io
import json
import zlib

import pikepdf
import pikepdf.pdfa
import pytest

from issuance.certificates.pdfa import CertificateFileError, certificate_credential_read, certificate_pdfa
from issuance.certificates.samples import SAMPLE_CREDENTIAL, SAMPLE_NAMES
from issuance.models import Credential, Issuance
from issuance.openbadges.issuer import organization_public_key
from issuance.openbadges.sign import credential_verify
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)

from .conftest import pdf_text, render_default


def _stored_pdf(credential: Credential) -> bytes:
    with credential.pdf.open("rb") as stored:
        return stored.read()


def _assert_pdfa_3b_carrying(pdf: bytes, badge: dict) -> None:
    report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b")
    assert report.passed, report.findings
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert not document.is_encrypted
        [intent] = document.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1 and intent.OutputConditionIdentifier == "sRGB"
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile, embedded
        meta = document.open_metadata()
        assert meta.pdfa_status == "3B"
        assert meta["dc:identifier"] == badge["id"]
        assert meta["dc:publisher"] == {badge["issuer"]["id"]}  # an XMP bag
        [spec] = document.Root.AF
        assert spec.AFRelationship == pikepdf.Name.Data and spec.UF == "credential.json"
        embedded = spec.EF.F
        assert embedded.Subtype == pikepdf.Name("/application/vc+ld+json")
        assert json.loads(embedded.read_bytes()) == badge
        assert document.attachments["credential.json"].obj.objgen == spec.objgen
        tags = []
        for page in document.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                assert "/FontFile2" in descendant.FontDescriptor, font.BaseFont  # embedded
                tags.append(str(font.BaseFont).lstrip("/").split("+")[0])
        assert len(tags) == len(set(tags)) and all(len(tag) == 6 for tag in tags), tags  # distinct subset tags


@pytest.fixture
def credential(smtp, course):  # noqa: F811
    issuance = drive(complete(course, score=92, name="Nguyễn Thị Minh Khai"))
    assert issuance.state == Issuance.State.SYNCED, issuance.error
    return Credential.objects.get(pk=issuance.credential.pk)


def test_it_issues_a_pdfa_3b_certificate_carrying_the_signed_credential(credential):
    pdf = _stored_pdf(credential)

    _assert_pdfa_3b_carrying(pdf, credential.badge)
    carried = certificate_credential_read(pdf)
    assert carried == credential.badge
    method = carried["proof"][0]["verificationMethod"]
    key = organization_public_key(organization=credential.issuance.organization, verification_method=method)
    assert credential_verify(credential=carried, public_key=key).verified
    assert "Nguyễn Thị Minh Khai" in pdf_text(pdf)


def test_it_signs_the_credential_before_rendering_the_certificate_that_carries_it(smtp, course):  # noqa: F811
    issuance = drive(complete(course, score=92), limit=2)  # decide, then render

    assert issuance.state == Issuance.State.RENDERED
    credential = Credential.objects.get(issuance=issuance)
    assert credential.badge and certificate_credential_read(_stored_pdf(credential)) == credential.badge
    assert "Open Badges 3.0 credential signed with" in issuance.audit_records.get(to_state="rendered").detail


def test_it_renders_again_an_issuance_rendered_before_the_credential_was_inside(smtp, course):  # noqa: F811
    issuance = drive(complete(course, score=92), limit=2)
    credential = Credential.objects.get(issuance=issuance)
    old_pdf = render_default("Ann Lee")  # a certificate as rendered before: no credential inside
    credential.pdf.save(f"{credential.pk}.pdf", io.BytesIO(old_pdf), save=False)
    Credential.objects.filter(pk=credential.pk).update(badge=None, pdf=credential.pdf.name)

    issuance = drive(issuance)

    credential.refresh_from_db()
    assert issuance.state == Issuance.State.SYNCED, issuance.error
    pdf = _stored_pdf(credential)
    assert certificate_credential_read(pdf) == credential.badge
    assert credential.pdf_sha256 and "certificate rendered again with it inside" in issuance.audit_records.get(to_state="badged").detail


@pytest.mark.parametrize("key", ["latin", "arabic", "hebrew", "chinese", "japanese", "korean", "cyrillic", "greek"])
def test_it_keeps_the_learners_name_selectable_in_every_script(key):
    name = SAMPLE_NAMES[key]

    pdf = certificate_pdfa(render_default(name), credential=SAMPLE_CREDENTIAL)

    assert name in pdf_text(pdf)
    assert pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b").passed


def test_it_reads_no_credential_from_a_pdf_that_carries_none():
    assert certificate_credential_read(render_default("Ann Lee")) is None


def _pdf(pages: int = 1, *, credential: bytes | None = None, compressed: bool = True) -> bytes:
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page()
    if credential is not None:
        spec = pikepdf.AttachedFileSpec(document, b"", filename="credential.json", relationship=pikepdf.Name.Data)
        stream = spec.get_file().obj
        if compressed:
            stream.write(zlib.compress(credential, 9), filter=pikepdf.Name.FlateDecode, type_check=False)
        else:
            stream.write(credential)
        document.attachments["credential.json"] = spec
        document.Root.AF = pikepdf.Array([spec.obj])
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def test_it_refuses_hostile_files_with_a_reason():
    bomb = _pdf(credential=b"[" + b" " * 20_000_000 + b"]")  # 20 MB of JSON in a 20 KB stream
    cases = {
        "is 9,000,000 bytes": b"%PDF-1.7\n" + b"0" * 8_999_991,
        "not a PDF": b"GIF89a not a certificate",
        "could not be read": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        "10000 pages": _pdf(10_000),
        "inflates past 1024 KiB": bomb,
        "not JSON": _pdf(credential=b"[" * 100_000 + b"]" * 100_000),
        "not a JSON object": _pdf(credential=b'["a list"]', compressed=False),
    }
    for reason, pdf in cases.items():
        with pytest.raises(CertificateFileError, match=reason):
            certificate_credential_read(pdf)


def test_it_refuses_an_encrypted_pdf():
    document = pikepdf.open(io.BytesIO(_pdf(credential=b"{}")))
    output = io.BytesIO()
    document.save(output, encryption=pikepdf.Encryption(owner="o", user="u"))

    with pytest.raises(CertificateFileError, match="encrypted"):
        certificate_credential_read(output.getvalue())
