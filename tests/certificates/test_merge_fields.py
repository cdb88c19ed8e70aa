"""Merge fields: dates where the organisation is, numbers in its format, a QR code of the URL."""

import base64
import io
from datetime import date, datetime, timezone

import pytest
import qrcode
import qrcode.constants
from PIL import Image

from courses.defaults import DEFAULT_CERTIFICATES, organization_install_default_templates
from courses.models import CertificateTemplate
from courses.templating.certificate_fields import FIELD_SPEC
from issuance.certificates.merge_fields import certificate_merge_fields
from issuance.certificates.samples import sample_context
from tests.factories.courses import OrganizationFactory


def test_it_formats_dates_in_the_organisations_language_and_time_zone():
    # 23:30 UTC on 20 Nov is already 21 Nov in Tokyo.
    fields = sample_context(
        "Ana Lima", completed_at=datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc), locale="pt-BR", timezone="Asia/Tokyo"
    )
    assert fields["completion_date"] == "21 de novembro de 2026"


def test_it_leaves_the_expiry_date_empty_for_a_credential_that_never_expires():
    assert sample_context("Ana Lima", expires_at=None)["expiry_date"] == ""


def test_it_accepts_plain_dates_and_refuses_naive_datetimes():
    assert sample_context("Ana Lima", completed_at=date(2026, 1, 5), locale="de")["completion_date"] == "5. Januar 2026"
    with pytest.raises(ValueError, match="no time zone"):
        sample_context("Ana Lima", completed_at=datetime(2026, 1, 5, 12, 0))


def test_it_formats_the_score_in_the_organisations_number_format():
    assert sample_context("Ana Lima", score=92.5, locale="de")["score"] == "92,5"
    assert sample_context("Ana Lima", score=None)["score"] == ""


def test_it_refuses_an_unknown_locale_and_a_colour_that_is_not_hex():
    with pytest.raises(ValueError, match="'xx-YY' is not a locale"):
        sample_context("Ana Lima", locale="xx-YY")
    with pytest.raises(ValueError, match="primary_color"):
        sample_context("Ana Lima", primary_color="red; } @import url(x)")


def test_it_cleans_names_of_control_characters_and_normalises_them():
    assert sample_context("  Jose\u0301\x00  Nun\u0303ez\n")["learner_name"] == "José Nuñez"


def test_it_makes_the_qr_code_a_png_of_the_verification_url():
    fields = sample_context("Ana Lima")
    prefix = "data:image/png;base64,"
    assert fields["qr_code"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(fields["qr_code"][len(prefix):])))
    assert image.format == "PNG" and image.width == image.height
    # Each module is a 4-pixel square, dark where the code of the URL has a dark module, quiet zone included.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=4)
    code.add_data(fields["verification_url"])
    matrix = code.get_matrix()
    assert image.width == 4 * len(matrix)
    pixels = image.convert("L")
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            corners = {pixels.getpixel((4 * x + dx, 4 * y + dy)) for dx in (0, 3) for dy in (0, 3)}
            assert corners == ({0} if dark else {255}), (x, y)
    other = sample_context("Ana Lima", verification_url="https://credentials.example.org/c/other")
    assert other["qr_code"] != fields["qr_code"]


def test_it_documents_every_field_it_fills_in():
    fields = certificate_merge_fields(
        learner_name="Ana", course_title="C", credential_id="1", verification_url="https://x.example/c/1",
        organization_name="O", completed_at=date(2026, 1, 1), issued_at=date(2026, 1, 1),
    )
    assert set(fields) <= set(FIELD_SPEC)  # the documented fields, and the older names kept as aliases of them


@pytest.mark.django_db
def test_it_installs_both_default_certificates_into_an_organisation():
    organization = OrganizationFactory()
    organization_install_default_templates(organization=organization)
    installed = {t.name: (t.page_size, t.orientation) for t in CertificateTemplate.objects.filter(organization=organization)}
    assert installed == {
        "Classic (A4 landscape)": ("A4", "landscape"),
        "Modern (US Letter landscape)": ("letter", "landscape"),
    }
    assert set(installed) == set(DEFAULT_CERTIFICATES)
