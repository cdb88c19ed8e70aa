"""An OB 2.0 badge image baked by another site: its hosted assertion, badge class and issuer are fetched through the
outgoing-request guard and checked as OB 2.0 hosted verification says, and every failure is answered in words."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from issuance.openbadges.ob2 import png_bake
from stand_ins.ob2_host import HostedBadges

URL = "/api/v1/verify"


def _baked(assertion) -> bytes:
    """A badge image with `assertion` (its URL, or its JSON) baked in by Laurel's own baking code."""
    image = io.BytesIO()
    Image.new("RGB", (120, 120), "#1f3a5f").save(image, format="PNG")
    return png_bake(png=image.getvalue(), assertion=assertion)


def _verify(client, png: bytes, **form) -> dict:
    answer = client.post(URL, data={"file": SimpleUploadedFile("badge.png", png), **form})
    assert answer.status_code == 200, answer.content
    return answer.json()


def _page(client, png: bytes, **extra) -> str:
    response = client.post("/verify", data={"file": SimpleUploadedFile("badge.png", png), **extra.pop("form", {})},
                           **extra)
    assert response.status_code == 200, response.content
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def host(settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True  # the host is on 127.0.0.1, as tests must be
    with HostedBadges() as host:
        yield host


@pytest.fixture
def badge(host):
    return host.badge_class("fa", "First Aid")


def _types(problems: list) -> list:
    return [problem["type"] for problem in problems]


def test_it_fetches_another_sites_assertion_badge_class_and_issuer_and_says_valid(client, host, badge, db):
    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z",
                               expires="2099-02-03T04:05:06Z")

    body = _verify(client, _baked(assertion))

    assert body["verified"] is True and body["status"] == "valid", body
    assert body["credential_id"] == assertion and body["errors"] == []
    assert body["checks"] == ["hostedAssertion", "recipient", "expiration"]
    assert [r["path"] for r in host.calls("GET")] == ["/public/assertions/a1", "/public/badges/fa", "/public/issuers/harbour"]


def test_the_page_says_the_issuers_site_confirms_it_for_the_email_typed(client, host, badge, db):
    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")

    page = _page(client, _baked(assertion), form={"email": "Ann@Learners.example"})

    for words in ("The issuer's site confirms this badge", f"Issued by Harbour Training ({host.url}/public/issuers/harbour)",
                  f"the badge was fetched from {host.url.removeprefix('http://')}", "For Ann@Learners.example",
                  "Achievement First Aid", "Issued 3 February 2025", "Valid until no end date", "Status now Valid"):
        assert words in page, words


def test_it_says_the_badge_was_not_issued_to_the_email_typed(client, host, badge, db):
    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")

    body = _verify(client, _baked(assertion), email="eve@learners.example")

    assert body["verified"] is False and _types(body["errors"]) == ["recipient_mismatch"]
    assert body["errors"][0]["detail"] == "The badge's recipient is not eve@learners.example."


def test_it_reads_a_revoked_assertion_as_revoked_with_the_issuers_reason(client, host, badge, db):
    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.revoke("a1", "Awarded in error.")

    body = _verify(client, _baked(assertion))

    assert body["verified"] is False and body["status"] == "revoked"
    assert body["errors"] == [{"type": "revoked", "title": "Revoked", "detail": "Awarded in error."}]
    assert "This credential could not be verified Revoked: Awarded in error." in _page(client, _baked(assertion))


def test_a_revoked_badge_still_shows_its_name_and_issuer_with_the_reason(client, host, badge, db):
    served = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.revoke("a1", "Awarded in error.", gone=False)
    gone = host.assertion("a2", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    baked_gone = dict(host.documents["/public/assertions/a2"])  # the PNG carries the assertion; its site a tombstone
    host.revoke("a2", "Awarded in error.")

    pages = [_page(client, _baked(served)), _page(client, _baked(baked_gone))]

    for page in pages:
        for words in ("This credential could not be verified", f"Issued by Harbour Training ({host.url}/public/issuers/harbour)",
                      "Achievement First Aid", "Issued 3 February 2025", "Status now Revoked: Awarded in error."):
            assert words in page, words
    assert _verify(client, _baked(gone))["status"] == "revoked"


def test_a_revoked_badge_whose_badge_class_cannot_be_fetched_still_reads_revoked(client, host, badge, db):
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.revoke("a1", "Awarded in error.", gone=False)
    del host.documents["/public/badges/fa"]

    body = _verify(client, _baked(url))

    assert body["verified"] is False and body["status"] == "revoked"
    assert body["errors"] == [{"type": "revoked", "title": "Revoked", "detail": "Awarded in error."}]
    assert "Revoked: Awarded in error." in _page(client, _baked(url))


def test_it_reads_an_assertion_past_its_expires_as_expired(client, host, badge, db):
    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2020-02-03T04:05:06Z",
                               expires="2021-02-03T04:05:06Z")

    body = _verify(client, _baked(assertion))

    assert body["verified"] is False and body["status"] == "expired"
    assert _types(body["errors"]) == ["expired"]


def test_it_refuses_an_assertion_hosted_on_another_host_than_its_issuers(client, host, db):
    with HostedBadges() as issuer_host:  # the issuer lives elsewhere and names no allowedOrigins: its own host only
        badge = host.badge_class("fa", "First Aid", issuer=issuer_host.issuer("harbour", "Harbour Training"))
        assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")

        body = _verify(client, _baked(assertion))

        page = _page(client, _baked(assertion))

    assert body["verified"] is False and _types(body["errors"]) == ["outside_issuer_scope"]
    assert body["errors"][0]["detail"] == (f"The assertion is at {host.url.removeprefix('http://')}, but its issuer allows "
                                           f"assertions only from {issuer_host.url.removeprefix('http://')}.")
    assert "Status now Unknown: the issuer's site did not confirm the badge (below)" in page
    assert "The badge is not hosted where its issuer says: The assertion is at" in page


def test_it_follows_the_issuers_allowed_origins_and_starts_with(client, host, db):
    with HostedBadges() as issuer_host:
        allowed = issuer_host.issuer("harbour", "Harbour Training", verification={
            "type": "VerificationObject", "allowedOrigins": [host.url.removeprefix("http://")],
            "startsWith": f"{host.url}/public/assertions/"})
        badge = host.badge_class("fa", "First Aid", issuer=allowed)
        good = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
        host.documents["/elsewhere/a2"] = {**host.documents["/public/assertions/a1"], "id": f"{host.url}/elsewhere/a2"}

        good_body, stray_body = _verify(client, _baked(good)), _verify(client, _baked(f"{host.url}/elsewhere/a2"))

    assert good_body["verified"] is True
    assert _types(stray_body["errors"]) == ["outside_issuer_scope"]
    assert "does not start with" in stray_body["errors"][0]["detail"]


def test_it_refuses_a_baked_assertion_that_differs_from_the_hosted_one(client, host, badge, db):
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    baked = {**host.documents["/public/assertions/a1"], "recipient": {"type": "email", "hashed": False,
                                                                      "identity": "eve@learners.example"}}

    body = _verify(client, _baked(baked))

    assert body["verified"] is False and _types(body["errors"]) == ["assertion_changed"]
    assert body["errors"][0]["detail"] == f"What differs from the assertion at {url}: recipient."


def test_it_says_the_issuers_site_could_not_be_reached_when_it_is_down(client, settings, db):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    with HostedBadges() as gone:
        url = gone.assertion("a1", email="ann@learners.example", badge=f"{gone.url}/public/badges/fa", issued_on="2025-02-03")
    # the host has stopped: nothing listens on its port any more

    body = _verify(client, _baked(url))

    assert body["verified"] is False and body["status"] == "unknown"
    assert body["errors"][0]["type"] == "host_unreachable"
    assert body["errors"][0]["detail"].startswith("Nothing answered at 127.0.0.1:")


@pytest.mark.parametrize("slow_path", ["/public/assertions/a1", "/public/issuers/harbour"])
def test_it_says_a_slow_site_did_not_answer_in_time_never_valid(client, host, badge, settings, slow_path, db):
    settings.LAUREL_VERIFY_FETCH_TIMEOUT = 2  # seconds; the site answers after 4
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.slow[slow_path] = 4
    what = {"/public/assertions/a1": "the assertion", "/public/issuers/harbour": "the issuer's profile"}[slow_path]

    body = _verify(client, _baked(url))
    page = _page(client, _baked(url))

    assert body["verified"] is False and body["status"] == "unknown", body
    assert _types(body["errors"]) == ["host_timeout"]
    assert body["errors"][0]["detail"] == (f"{host.url.removeprefix('http://')} did not answer in full within 2 seconds for "
                                           f"{what} ({host.url}{slow_path}); try again later.")
    assert "This credential could not be verified The issuer&#x27;s site did not answer: " in page
    assert f"did not answer in full within 2 seconds for {what.replace(chr(39), '&#x27;')}" in page
    assert "Status now Valid" not in page


def test_it_stops_waiting_for_a_site_that_sends_its_answer_a_byte_at_a_time(client, host, badge, settings, db):
    settings.LAUREL_VERIFY_FETCH_TIMEOUT = 2  # each byte comes within it; the whole answer would take minutes
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.drips["/public/badges/fa"] = 0.25

    body = _verify(client, _baked(url))

    assert body["verified"] is False and body["status"] == "unknown", body
    assert _types(body["errors"]) == ["host_timeout"]
    assert "did not answer in full within 2 seconds for the badge class" in body["errors"][0]["detail"]


def test_it_stops_reading_a_huge_answer(client, host, badge, db):
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.pages[("GET", "/public/assertions/a1")] = (200, b'{"padding": "' + b"x" * (5 * 1024 * 1024) + b'"}',
                                                    {"content-type": "application/ld+json"})

    body = _verify(client, _baked(url))

    assert _types(body["errors"]) == ["answer_too_large"] and body["status"] == "unknown"
    assert "answered more than 64 KiB for the assertion" in body["errors"][0]["detail"]


def test_it_says_an_answer_that_is_not_json_is_not_an_open_badges_document(client, host, badge, db):
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.pages[("GET", "/public/badges/fa")] = (200, b"<html><body>Log in</body></html>", {"content-type": "text/html"})

    body = _verify(client, _baked(url))

    assert _types(body["errors"]) == ["answer_not_json"]
    assert body["errors"][0]["detail"] == f"{badge} did not answer JSON for the badge class."


def test_it_fetches_nothing_the_guard_refuses(client, host, badge, settings, db):
    url = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False

    body = _verify(client, _baked(url))

    assert _types(body["errors"]) == ["host_not_allowed"] and host.requests == []


def test_it_verifies_a_signed_assertion_with_the_key_its_issuer_lists(client, host, badge, db):
    private_key, key_url = host.signing_key()
    signed = host.signed_assertion("0b7e", private_key=private_key, key_url=key_url, email="ann@learners.example",
                                   badge=badge, issued_on="2025-02-03T04:05:06Z")

    body = _verify(client, _baked(signed), email="ann@learners.example")
    page = _page(client, _baked(signed))

    assert body["verified"] is True and body["status"] == "valid", body
    assert body["credential_id"] == "urn:uuid:0b7e" and body["checks"] == ["proof", "credentialStatus", "recipient", "expiration"]
    assert "The signature is genuine" in page and f"its key was read from {key_url}" in page


def test_it_says_a_signature_made_with_another_key_does_not_verify(client, host, badge, db):
    _, key_url = host.signing_key()
    forger, _ = host.signing_key("k2", listed=False)
    signed = host.signed_assertion("0b7e", private_key=forger, key_url=key_url, email="ann@learners.example",
                                   badge=badge, issued_on="2025-02-03T04:05:06Z")

    body = _verify(client, _baked(signed))

    assert body["verified"] is False and _types(body["errors"]) == ["invalid_signature"]
    assert body["errors"][0]["detail"] == f"The badge's signature does not verify with its issuer's key {key_url}."


def test_it_refuses_a_key_its_issuer_does_not_list(client, host, badge, db):
    private_key, key_url = host.signing_key("k2", listed=False)
    signed = host.signed_assertion("0b7e", private_key=private_key, key_url=key_url, email="ann@learners.example",
                                   badge=badge, issued_on="2025-02-03T04:05:06Z")

    body = _verify(client, _baked(signed))

    assert body["verified"] is False and _types(body["errors"]) == ["issuer_key_unavailable"]


def test_it_reads_a_signed_assertion_on_its_issuers_revocation_list_as_revoked(client, host, badge, db):
    private_key, key_url = host.signing_key()
    signed = host.signed_assertion("0b7e", private_key=private_key, key_url=key_url, email="ann@learners.example",
                                   badge=badge, issued_on="2025-02-03T04:05:06Z")
    host.revocation_list({"urn:uuid:0b7e": "Awarded in error."})

    body = _verify(client, _baked(signed))

    assert body["status"] == "revoked" and body["errors"][0]["detail"] == "Awarded in error."


def test_it_says_a_badge_that_only_claims_to_be_signed_carries_no_signature(client, host, badge, db):
    baked = {
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "urn:uuid:0b7e", "badge": badge,
        "recipient": {"type": "email", "hashed": False, "identity": "ann@learners.example"},
        "issuedOn": "2025-02-03T04:05:06Z", "verification": {"type": "SignedBadge"}}

    body = _verify(client, _baked(baked))

    assert body["verified"] is False and _types(body["errors"]) == ["no_proof"]


def test_what_went_wrong_reads_in_the_visitors_language(client, settings, db):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    with HostedBadges() as gone:
        url = gone.assertion("a1", email="ann@learners.example", badge=f"{gone.url}/public/badges/fa", issued_on="2025-02-03")

    page = _page(client, _baked(url), HTTP_ACCEPT_LANGUAGE="de")

    assert "Die Website des Ausstellers war nicht erreichbar" in page


def test_an_assertion_dropped_as_json_is_checked_as_its_baked_copy_would_be(client, host, badge, db):
    import json  # noqa: PLC0415

    assertion = host.assertion("a1", email="ann@learners.example", badge=badge, issued_on="2025-02-03T04:05:06Z")
    document = json.dumps(host.documents["/public/assertions/a1"]).encode()

    answer = client.post(URL, data={"file": SimpleUploadedFile("assertion.json", document), "email": "ann@learners.example"})

    body = answer.json()
    assert answer.status_code == 200 and body["verified"] is True and body["status"] == "valid", body
    assert body["credential_id"] == assertion and body["checks"][:2] == ["hostedAssertion", "recipient"]
    assert [r["path"] for r in host.calls("GET")][0] == "/public/assertions/a1"
