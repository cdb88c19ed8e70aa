"""The credential email's links are gathered by delivery and passed in: composing the email only reads and renders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issuance.delivery.sending import credential_email_compose, credential_email_links
from issuance.email.messages import credential_email_draft
from issuance.models import WalletOffer
from tests.factories.issuance import CredentialFactory

pytestmark = pytest.mark.django_db

SIGNED = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}


def test_it_drafts_the_credential_email_without_writing_a_row():
    credential = CredentialFactory(badge=SIGNED)

    with CaptureQueriesContext(connection) as queries:
        draft = credential_email_draft(issuance=credential.issuance, credential=credential,
                                       wallet_url="https://laurel.example/credentials/1/wallet/abc", platform_links=[])

    writes = [query["sql"] for query in queries.captured_queries if query["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert not WalletOffer.objects.exists()
    assert "https://laurel.example/credentials/1/wallet/abc" in draft.text_body


def test_it_gathers_the_learners_wallet_page_once_the_badge_is_signed():
    credential = CredentialFactory(badge=SIGNED)

    links = credential_email_links(credential=credential)

    assert WalletOffer.objects.filter(credential=credential, created_by="the credential email").count() == 2
    assert f"/credentials/{credential.pk}/wallet/" in links["wallet_url"]
    assert links["platform_links"] == []


def test_it_offers_no_wallet_page_before_the_badge_is_signed():
    credential = CredentialFactory(badge=None)

    draft = credential_email_compose(issuance=credential.issuance, credential=credential)

    assert not WalletOffer.objects.exists()
    assert "/wallet/" not in draft.text_body
