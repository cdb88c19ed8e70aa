"""The learner's wallet page: reached only through the learner's own link, both offers as QR codes and links."""

import re

import requests
from django.contrib.auth.models import User

from issuance.models import WalletOffer

from .lcw_client import deep_link_claim


def test_the_email_offers_the_wallet_in_both_parts(learner):
    assert "Add to your wallet" in learner.email_html
    assert learner.wallet_url in learner.email_text


def test_it_shows_both_offers_only_through_the_learners_link(learner, base):
    page = learner.wallet_page()
    public = requests.get(f"{base}/credentials/{learner.credential.pk}", timeout=10).text
    guessed = requests.get(f"{base}/credentials/{learner.credential.pk}/wallet/not-the-key", timeout=10)

    assert page.count('src="data:image/png;base64,') == 2
    assert "Learner Credential Wallet" in page and "OpenID4VCI" in page
    assert learner.links(page)["lcw_app"].startswith("dccrequest://request?")
    assert "/wallet/" not in public
    assert guessed.status_code == 404
    response = requests.get(learner.wallet_url, timeout=10)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_it_shows_the_claim_and_offers_new_codes_for_another_wallet(learner, holder):
    deep_link_claim(request=learner.lcw_request(), holder=holder)

    page = learner.wallet_page()

    assert "Already in your wallet" in page and holder.did[:30] in page
    assert "Make new wallet codes" in page


def test_staff_make_a_new_wallet_link_from_the_credential_admin(learner, client):
    client.force_login(User.objects.create_superuser("root", password="x"))

    reply = client.post("/admin/issuance/credential/", {"action": "make_wallet_link",
                                                        "_selected_action": [learner.credential.pk]}, follow=True)

    url = re.search(r'Wallet link for [^:]+: <a href="([^"]+)"', reply.content.decode())[1]
    assert WalletOffer.objects.filter(credential=learner.credential, created_by="staff: root").count() == 2
    assert requests.get(url, timeout=10).status_code == 200
    detail = client.get(f"/admin/issuance/credential/{learner.credential.pk}/change/").content.decode()
    assert "Wallet offers" in detail and "staff: root" in detail
