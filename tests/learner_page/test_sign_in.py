"""Signing in to /me: one emailed link, single use, expiring, the same answer for any address, and hourly limits."""

from datetime import timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from courses.access.secret_digest import secret_hash
from issuance.learner_page import sign_in as sign_in_module
from issuance.learner_page.sign_in import sign_in_redeem
from issuance.models import LearnerSignIn, OutboxMessage

from .conftest import ANN, CLIENT, ask, deliver_pending, sign_in, sign_in_link


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_it_emails_a_single_use_link_that_opens_the_page(world, smtp, client):
    sign_in(client, smtp, ANN)
    page = client.get(reverse("learner-page"))
    assert page.status_code == 200
    assert b"First Aid" in page.content and b"Forklift Safety" in page.content
    link = sign_in_link(smtp, ANN)
    again = client.post("/" + link.split("/", 3)[3])
    assert again.status_code == 410
    assert b"expired or was already used" in again.content


def test_it_stores_only_the_hash_of_the_link_token(world, smtp, client):
    ask(client, ANN)
    deliver_pending()
    token = _token(sign_in_link(smtp, ANN))
    row = LearnerSignIn.objects.get()
    assert row.token_hash == secret_hash(token)
    assert token not in str(LearnerSignIn.objects.values().get())


def test_a_get_of_the_link_does_not_spend_it(world, smtp, client):
    """Mail scanners open links: only the page's button signs in."""
    ask(client, ANN)
    deliver_pending()
    link = sign_in_link(smtp, ANN)
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302


def test_the_link_expires_after_the_configured_minutes(world, smtp, client, settings):
    ask(client, ANN)
    deliver_pending()
    row = LearnerSignIn.objects.get()
    assert row.expires_at - row.processed_at == timedelta(minutes=30)
    token = _token(sign_in_link(smtp, ANN))
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch.object(sign_in_module.timezone, "now", return_value=later):
        assert sign_in_redeem(token=token) is None
    assert sign_in_redeem(token=token) == ANN  # still good within its 30 minutes

    settings.LAUREL_ME_LINK_MINUTES = 1
    ask(client, ANN)
    deliver_pending()
    newest = LearnerSignIn.objects.order_by("-pk").first()
    assert newest.expires_at - newest.processed_at == timedelta(minutes=1)
    token = _token(sign_in_link(smtp, ANN))
    with mock.patch.object(sign_in_module.timezone, "now", return_value=timezone.now() + timedelta(seconds=61)):
        assert sign_in_redeem(token=token) is None
    response = client.post(reverse("learner-sign-in", args=[token]))
    assert response.status_code == 302  # a minute has not passed for real


def test_it_answers_the_same_whether_or_not_the_address_is_known(world, smtp, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as known_work:
        known = ask(client, ANN)
    with django_capture_on_commit_callbacks() as unknown_work:
        unknown = ask(client, "nobody@learners.example")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert set(known.headers.items()) == set(unknown.headers.items())
    # The same work in the request: one row and one queued task each; only the worker looks the address up.
    assert len(known_work) == len(unknown_work) == 1
    assert LearnerSignIn.objects.count() == 2
    deliver_pending()
    assert len([m for m in smtp.to(ANN) if "sign-in link" in m["Subject"]]) == 1
    assert smtp.to("nobody@learners.example") == []
    unknown_row = LearnerSignIn.objects.get(token_hash="")
    assert unknown_row.address == ""  # forgotten once looked up
    assert not OutboxMessage.objects.filter(recipient="nobody@learners.example").exists()


def test_it_refuses_an_address_that_is_not_one(world, client):
    response = ask(client, "not-an-address")
    assert response.status_code == 400
    assert b"like name@example.org" in response.content
    assert LearnerSignIn.objects.count() == 0


def test_it_allows_five_requests_an_hour_per_address(world, client):
    for number in range(5):
        assert ask(client, ANN, client_address=f"203.0.113.{number}").status_code == 200
    refused = ask(client, ANN, client_address="203.0.113.99")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3000
    # An unknown address is limited exactly alike.
    for number in range(5):
        assert ask(client, "nobody@learners.example", client_address=f"203.0.113.{number}").status_code == 200
    assert ask(client, "nobody@learners.example", client_address="203.0.113.99").status_code == 429
    # An hour later the address may ask again.
    LearnerSignIn.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert ask(client, ANN).status_code == 200


def test_it_allows_thirty_requests_an_hour_per_client_address(world, client):
    for number in range(30):
        assert ask(client, f"person{number}@learners.example").status_code == 200
    assert ask(client, "person99@learners.example").status_code == 429
    assert ask(client, "person99@learners.example", client_address="192.0.2.1").status_code == 200
    assert not LearnerSignIn.objects.filter(address_digest__contains="@").exists()
    assert CLIENT not in str(list(LearnerSignIn.objects.values("client_digest")))


def test_no_address_appears_in_a_url(world, smtp, client):
    ask(client, ANN)
    deliver_pending()
    assert ANN not in sign_in_link(smtp, ANN)
    assert "ann" not in reverse("learner-page")


def test_the_session_expires(world, smtp, client, settings):
    sign_in(client, smtp, ANN)
    assert client.get(reverse("learner-page")).status_code == 200
    session = client.session
    session["laurel_me"]["until"] = 0
    session.save()
    page = client.get(reverse("learner-page"))
    assert b"See all your credentials" in page.content and b"First Aid" not in page.content
    hide = client.post(reverse("learner-hide", args=[world.ann_first_aid.pk]), {"hidden": "1"})
    assert hide.status_code == 403


def test_signing_out_ends_the_session(world, smtp, client):
    sign_in(client, smtp, ANN)
    client.post(reverse("learner-sign-out"))
    assert b"First Aid" not in client.get(reverse("learner-page")).content


def test_the_sign_in_is_audited_without_the_address(world, smtp, client):
    from audit.models import AuditRecord

    sign_in(client, smtp, ANN)
    records = AuditRecord.objects.filter(actor_kind="learner")
    assert {record.organization_id for record in records} == {world.org.pk, world.other_org.pk}
    assert all(ANN not in record.detail for record in records)
