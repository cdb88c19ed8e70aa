"""LinkedIn's add-to-profile link carries exactly the certification's fields."""

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from issuance.linkedin import linkedin_add_to_profile_url

ISSUED = datetime(2026, 3, 14, tzinfo=timezone.utc)
EXPIRES = datetime(2029, 11, 30, tzinfo=timezone.utc)
CERT_URL = "https://credentials.example.org/credentials/3f1c9a52-0c1e-4b7e-9a56-2d1f0e7b8c90"


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_it_fills_every_certification_field_in_linkedins_order():
    url = linkedin_add_to_profile_url(
        name="First Aid at Work", organization_name="Northwind Safety & Care", issued_at=ISSUED, expires_at=EXPIRES,
        cert_url=CERT_URL, cert_id="3f1c9a52-0c1e-4b7e-9a56-2d1f0e7b8c90",
    )

    assert url.startswith("https://www.linkedin.com/profile/add?")
    assert params(url) == [
        ("startTask", "CERTIFICATION_NAME"), ("name", "First Aid at Work"),
        ("organizationName", "Northwind Safety & Care"), ("issueYear", "2026"), ("issueMonth", "3"),
        ("expirationYear", "2029"), ("expirationMonth", "11"), ("certUrl", CERT_URL),
        ("certId", "3f1c9a52-0c1e-4b7e-9a56-2d1f0e7b8c90"),
    ]
    assert "certUrl=https%3A%2F%2Fcredentials.example.org%2Fcredentials%2F" in url
    assert "organizationName=Northwind+Safety+%26+Care" in url


def test_it_leaves_out_the_expiry_of_a_credential_that_never_expires():
    url = linkedin_add_to_profile_url(name="CPR", organization_name="Acme", issued_at=ISSUED, cert_url=CERT_URL, cert_id="42")

    assert not {"expirationYear", "expirationMonth"} & {key for key, _ in params(url)}


def test_it_prefers_the_linkedin_organization_id_and_sends_only_one():
    url = linkedin_add_to_profile_url(name="CPR", organization_name="Acme", organization_id="1337", issued_at=ISSUED,
                                      cert_url=CERT_URL, cert_id="42")

    keys = [key for key, _ in params(url)]
    assert ("organizationId", "1337") in params(url) and "organizationName" not in keys


def test_it_encodes_names_in_any_script():
    url = linkedin_add_to_profile_url(name="Primeiros Socorros — 応急手当 & إسعافات", organization_name="Ação", issued_at=ISSUED,
                                      cert_url=CERT_URL, cert_id="42")

    assert dict(params(url))["name"] == "Primeiros Socorros — 応急手当 & إسعافات"
    assert " " not in url
    assert urlsplit(url).query.count("&") == len(params(url)) - 1  # the "&" in the name is encoded


def test_it_refuses_a_certification_without_an_issuer():
    with pytest.raises(ValueError, match="organisation"):
        linkedin_add_to_profile_url(name="CPR", issued_at=ISSUED, cert_url=CERT_URL, cert_id="42")
