"""The public verification page: every status shown correctly and at once, never the email, fast and shareable."""

import re
from datetime import timedelta

from django.utils import timezone

from issuance.credentials import credential_public_code
from issuance.models import Credential
from issuance.revocation import credential_revoke, credential_suspend, credential_unsuspend


def _page(client, credential) -> str:
    response = client.get(f"/credentials/{credential.pk}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    return response.content.decode()


def _status(page: str) -> str:
    return re.search(r'class="status status--(\w+)"', page).group(1)


def test_it_shows_a_valid_credential_with_everything_a_verifier_needs(client, issue):
    credential = issue(name="Ann <b>Lee</b>", email="ann.lee@learners.example")

    page = _page(client, credential)

    assert _status(page) == "valid" and "Valid credential" in page
    assert "Ann &lt;b&gt;Lee&lt;/b&gt;" in page  # learner text is escaped, never markup
    for fact in ("First Aid at Work", "Harbour Academy", "Signature verified", credential.pdf_sha256,
                 credential_public_code(credential_id=credential.pk), "92%", "Add to LinkedIn",
                 f"/credentials/{credential.pk}/linkedin", f"/credentials/{credential.pk}.pdf",
                 f"/credentials/{credential.pk}.json", f"/credentials/{credential.pk}/badge.png"):
        assert fact in page, fact
    assert f"{credential.issued_at:%-d %B %Y}" in page
    assert "ann.lee" not in page.lower() and "learners.example" not in page


def test_it_carries_open_graph_tags_that_preview_the_badge(client, issue, settings):
    credential = issue()

    page = _page(client, credential)

    assert '<meta property="og:title" content="First Aid at Work — Ann Lee">' in page
    assert f'<meta property="og:image" content="{settings.LAUREL_BASE_URL}/credentials/{credential.pk}/badge.png">' in page
    assert 'property="og:description"' in page and 'property="og:url"' in page


def test_it_shows_revoked_with_the_reason_the_moment_it_is_revoked(client, issue, admin_user):
    credential = issue()
    assert _status(_page(client, credential)) == "valid"  # the page's facts are now cached

    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)

    page = _page(client, credential)
    assert _status(page) == "revoked"
    assert "Assessment found to be copied." in page
    assert "Add to LinkedIn" not in page
    assert "<dt>Status now</dt><dd>No longer valid: revoked</dd>" in page
    assert "Valid until" not in page  # not even as a label: the walk-through read it as a promise


def test_it_shows_suspended_and_then_valid_again(client, issue, admin_user):
    credential = issue()
    credential_suspend(credential=credential, reason="Awaiting the practical re-check.", actor=admin_user)
    page = _page(client, credential)
    assert _status(page) == "suspended" and "Awaiting the practical re-check." in page

    credential_unsuspend(credential=credential, reason="Review passed.", actor=admin_user)

    assert _status(_page(client, credential)) == "valid"


def test_it_shows_expired_once_the_validity_has_run_out(client, issue):
    credential = issue()
    Credential.objects.filter(pk=credential.pk).update(valid_until=timezone.now() - timedelta(days=1))

    page = _page(client, credential)

    assert _status(page) == "expired" and "This credential was valid until" in page


def test_it_shows_superseded_for_a_credential_a_newer_one_replaced(client, issue):
    credential = issue()
    Credential.objects.filter(pk=credential.pk).update(status=Credential.Status.SUPERSEDED)

    page = _page(client, credential)
    assert _status(page) == "superseded" and "a newer credential replaced this one" in page


def test_it_serves_a_warm_page_from_cache_with_one_query_for_the_live_status(client, issue, django_assert_max_num_queries):
    credential = issue()
    _page(client, credential)

    with django_assert_max_num_queries(1):  # the live status; the facts are in this process already
        page = _page(client, credential)
    assert "Valid credential" in page


def test_it_finds_a_credential_by_the_code_printed_on_the_certificate(client, issue):
    credential = issue()
    code = credential_public_code(credential_id=credential.pk)

    response = client.get("/verify", {"code": code.lower().replace("-", " ")})

    assert response.status_code == 302 and response["Location"] == f"/credentials/{credential.pk}"


def test_it_says_clearly_when_a_code_matches_nothing(client, db):
    unknown = client.get("/verify", {"code": "0000-0000-0000-0000"})
    malformed = client.get("/verify", {"code": "<script>x</script>"})

    assert unknown.status_code == 404 and "No credential has the code 0000-0000-0000-0000" in unknown.content.decode()
    assert malformed.status_code == 404 and "is not a credential code" in malformed.content.decode()
    assert "<script>x</script>" not in malformed.content.decode()
    assert client.get("/verify").status_code == 200


def test_it_answers_404_for_an_unknown_credential(client, db):
    response = client.get("/credentials/0b0ad0e5-9d8e-4d6c-9c39-5a3c1b2f6a11")

    assert response.status_code == 404 and "No credential exists at this address" in response.content.decode()


def test_it_says_a_credential_is_still_being_issued_until_it_is_signed(client, smtp, first_aid):
    from .conftest import complete, drive

    issuance = drive(complete(first_aid, score=90), limit=1)  # decided: the credential exists, unsigned
    credential = Credential.objects.get(issuance=issuance)

    page = _page(client, credential)
    assert _status(page) == "pending" and "Being issued" in page and "Add to LinkedIn" not in page

    drive(issuance)
    assert _status(_page(client, credential)) == "valid"


def test_it_shows_a_corrected_name_and_new_fingerprint_at_once_after_a_certificate_is_regenerated(client, issue, admin_user):
    from issuance.lifecycle.regenerate import credential_certificate_regenerate

    credential = issue(name="Ann Le")
    assert "Ann Le<" in _page(client, credential)  # cached

    stored = credential_certificate_regenerate(credential=credential, actor_user=admin_user,
                                               reason="Name misspelt", learner_name="Ann Lee")

    page = _page(client, credential)
    assert "Ann Lee<" in page and stored.sha256 in page and stored.previous_sha256 not in page


def test_it_renders_a_page_once_a_minute_per_status_and_still_shows_a_change_at_once(client, issue, admin_user):
    credential = issue()
    first = client.get(f"/credentials/{credential.pk}")
    again = client.get(f"/credentials/{credential.pk}")
    assert [t.name for t in first.templates][:1] == ["laurel/public/credential.html"]
    assert again.templates == []  # the same bytes from this process's rendered pages
    assert again.content == first.content

    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)

    changed = client.get(f"/credentials/{credential.pk}")
    assert [t.name for t in changed.templates][:1] == ["laurel/public/credential.html"]
    assert _status(changed.content.decode()) == "suspended"
