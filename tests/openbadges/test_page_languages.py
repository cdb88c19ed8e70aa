"""The public pages speak the learner's language: a link to one credential opens in the credential's language
whatever the visitor's browser asks for; the verify page, tied to no credential, follows Accept-Language."""

from django.template.defaultfilters import date as date_filter
from django.utils import translation

from issuance.wallets.offers import wallet_link_create
from issuance.wallets.addresses import wallet_page_url


def _french_credential(issue, first_aid):
    first_aid.language = "fr"
    first_aid.save()
    return issue()


def test_a_credential_link_opens_in_the_credentials_language_whatever_the_browser_asks(client, issue, first_aid):
    credential = _french_credential(issue, first_aid)
    response = client.get(f"/credentials/{credential.pk}", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in page
    assert "Certificat valable" in page and "Signature vérifiée" in page and "Harbour Academy certifie que" in page
    with translation.override("fr"):
        assert date_filter(credential.issued_at, "j F Y") in page  # the month in French
    assert "Valid credential" not in page and "Gültig" not in page


def test_an_arabic_credential_page_reads_right_to_left(client, issue, first_aid):
    first_aid.language = "ar"
    first_aid.save()
    credential = issue()
    page = client.get(f"/credentials/{credential.pk}").content.decode()
    assert '<html lang="ar" dir="rtl">' in page and "شهادة صالحة" in page


def test_the_status_label_follows_the_page_language(client, issue, first_aid):
    from issuance.revocation import credential_revoke  # noqa: PLC0415

    credential = _french_credential(issue, first_aid)
    credential_revoke(credential=credential, reason="Délivré par erreur.")
    page = client.get(f"/credentials/{credential.pk}").content.decode()
    assert "<strong>Révoqué</strong>" in page and "Harbour Academy a révoqué ce certificat : Délivré par erreur." in page


def test_the_verify_page_follows_the_visitors_accept_language(client, db):
    french = client.get("/verify", HTTP_ACCEPT_LANGUAGE="fr-CH, fr;q=0.9, en;q=0.8")
    assert french["Content-Language"] == "fr" and "Accept-Language" in french["Vary"]
    assert "Vérifier un certificat" in french.content.decode() and '<html lang="fr"' in french.content.decode()
    japanese = client.get("/verify", {"code": "nope"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.status_code == 404 and "「nope」は証明書コードではありません" in japanese.content.decode()
    assert '<html lang="en"' in client.get("/verify").content.decode()  # no preference: English


def test_the_learners_wallet_page_is_in_the_credentials_language(client, issue, first_aid):
    credential = _french_credential(issue, first_aid)
    key = wallet_link_create(credential=credential, created_by="test")
    path = wallet_page_url(credential_id=credential.pk, key=key).split("://", 1)[1].partition("/")[2]
    response = client.get("/" + path, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response["Content-Language"] == "fr" and '<html lang="fr"' in page
    assert "Ajouter First Aid at Work à votre portefeuille" in page


def test_the_wallet_pages_states_are_in_the_credentials_language(client, issue, first_aid):
    from issuance.revocation import credential_revoke  # noqa: PLC0415

    credential = _french_credential(issue, first_aid)
    key = wallet_link_create(credential=credential, created_by="test")
    path = "/" + wallet_page_url(credential_id=credential.pk, key=key).split("://", 1)[1].partition("/")[2]
    open_page = client.get(path).content.decode()
    assert "Votre portefeuille numérique" in open_page and "La page publique de votre certificat :" in open_page
    assert "Les versions récentes lisent aussi le lien d’interaction" in open_page
    credential_revoke(credential=credential, reason="Délivré par erreur.")
    page = client.get(path).content.decode()
    assert page.count("Ce certificat est révoqué : il ne peut plus être ajouté à un portefeuille.") == 2
    assert "can no longer be added" not in page and "Your digital wallet" not in page


def test_a_wallet_address_that_shows_nothing_says_so_in_the_visitors_language(client, issue, first_aid):
    credential = _french_credential(issue, first_aid)
    response = client.get(f"/credentials/{credential.pk}/wallet/not-the-key", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")
    page = response.content.decode()
    assert response.status_code == 404 and response["Content-Language"] == "ja" and '<html lang="ja"' in page
    assert "このアドレスにウォレットページはありません。" in page and "ウォレットページが見つかりません" in page
    assert "No wallet page" not in page and response["Cache-Control"] == "no-store"


def test_a_wallet_link_that_can_no_longer_make_offers_says_so_in_the_credentials_language(client, issue, first_aid):
    from issuance.revocation import credential_revoke  # noqa: PLC0415

    credential = _french_credential(issue, first_aid)
    key = wallet_link_create(credential=credential, created_by="test")
    credential_revoke(credential=credential, reason="Délivré par erreur.")
    response = client.post(f"/credentials/{credential.pk}/wallet/{key}/new", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 404 and response["Content-Language"] == "fr"
    assert "Ce lien de portefeuille ne peut plus créer de nouvelles offres : le certificat n’est plus valide" in page
    assert "Page de portefeuille introuvable" in page and "Voir mes certificats" in page


def test_the_credential_page_names_the_achievement_in_the_learners_language_where_staff_wrote_it(client, issue, first_aid):
    from courses.models import AchievementText  # noqa: PLC0415

    AchievementText.objects.create(achievement=first_aid.achievement, language="fr", name="Secourisme au travail",
                                   description="Reconnaît les gestes de premiers secours au travail.")
    credential = _french_credential(issue, first_aid)
    page = client.get(f"/credentials/{credential.pk}").content.decode()
    assert "<title>Secourisme au travail — Ann Lee | Harbour Academy</title>" in page
    assert '<meta property="og:title" content="Secourisme au travail — Ann Lee">' in page
    assert "Reconnaît les gestes de premiers secours" in page and "First Aid at Work —" not in page
    assert "Recognises the skills" not in page  # staff's own description, in English
