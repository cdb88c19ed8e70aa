"""A signed webhook in, a badge out that Digital Bazaar's verifier accepts from our live server, then sees revoked."""

import requests

from issuance.models import Credential, Issuance
from issuance.revocation import credential_revoke, credential_suspend
from tests.factories.issuance import SourceFactory
from tests.intake.conftest import Sender, generic_event, task_queue  # noqa: F401 (task_queue is a fixture)

from .conftest import drive


def test_it_issues_from_a_signed_webhook_a_badge_the_independent_verifier_accepts_then_sees_revoked(
    live_server, settings, first_aid, academy, smtp, task_queue, verify, admin_user  # noqa: F811
):
    # Our DID document and status list are served by this server, on loopback.
    settings.LAUREL_BASE_URL = base = f"http://127.0.0.1:{live_server.thread.port}"
    source = SourceFactory(organization=academy, slug="demo")
    event = generic_event(course={"id": "FA-1", "title": "First Aid at Work"}, score=91)

    reply = Sender(base, source).post(event, message_id="msg_badge_e2e")
    assert reply.status_code == 202, reply.text
    assert task_queue.run() == 1
    issuance = drive(Issuance.objects.get(event__external_id="msg_badge_e2e"))
    credential = Credential.objects.get(issuance=issuance)
    served = requests.get(f"{base}/credentials/{credential.pk}.json", timeout=10)

    assert issuance.state == Issuance.State.SYNCED
    assert served.headers["Content-Type"].startswith("application/vc+ld+json")
    badge = served.json()
    assert badge["issuer"]["id"] == f"did:web:127.0.0.1%3A{live_server.thread.port}:issuers:harbour"
    before = verify(badge, fetch_local=True)
    assert before == {"accepted": True, "signatureVerified": True,
                      "statuses": [{"purpose": "revocation", "set": False}], "errors": []}

    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)
    after = verify(badge, fetch_local=True)

    assert after["signatureVerified"] and not after["accepted"]
    assert after["statuses"] == [{"purpose": "revocation", "set": True}]


def test_it_still_accepts_a_suspended_credential_whose_suspension_only_the_page_shows(
    live_server, settings, issue, verify, admin_user
):
    # OB 3.0 allows one credentialStatus: the credential carries revocation only (ADR 0004).
    settings.LAUREL_BASE_URL = base = f"http://127.0.0.1:{live_server.thread.port}"
    credential = issue()
    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)

    result = verify(credential.badge, fetch_local=True)
    page = requests.get(f"{base}/credentials/{credential.pk}", timeout=10).text

    assert result["accepted"]
    assert "Suspended" in page and "Under review." in page
