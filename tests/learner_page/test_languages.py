"""/me speaks the visitor's language (it gathers credentials that may be in several), and its two emails speak the
language of the learner's most recent credential, as every other email Laurel sends them does."""

from django.urls import reverse

from issuance.models import Issuance
from stand_ins.smtp import body

from .conftest import ANN, ask, deliver_pending, sign_in


def test_the_signed_in_page_reads_french_when_the_browser_asks_for_french(world, smtp, client):
    sign_in(client, smtp, ANN)
    response = client.get(reverse("learner-page"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert response["Content-Language"] == "fr" and "Accept-Language" in response["Vary"]
    assert '<html lang="fr"' in page
    for words in ("Vos certificats", "Se déconnecter", "1 certificat<",
                  "Tous les certificats délivrés ici à", "Vous seul pouvez voir cette page.",
                  "M’envoyer une copie de mes données par e-mail", "Signaler un nom erroné"):
        assert words in page, words
    for english in ("Your credentials", "Sign out", "Only you can see this page", "Report a wrong name"):
        assert english not in page, english
    assert "First Aid" in page and "Forklift Safety" in page  # what staff named stays as named


def test_the_door_and_its_answers_follow_the_browser(world, client):
    german = client.get(reverse("learner-page"), HTTP_ACCEPT_LANGUAGE="de")
    assert german["Content-Language"] == "de" and "Anmeldelink per E-Mail senden" in german.content.decode()
    japanese = client.post(reverse("learner-page"), {"email": "not an address"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.status_code == 400 and "メールアドレスを入力してください" in japanese.content.decode()
    assert "Email me a sign-in link" in client.get(reverse("learner-page")).content.decode()  # no preference: English


def test_the_sign_in_email_is_in_the_language_of_the_learners_latest_credential(world, smtp, client):
    Issuance.objects.filter(learner__email=ANN).update(language="es")
    assert ask(client, ANN).status_code == 200
    deliver_pending()
    message = smtp.to(ANN)[-1]
    assert message["Subject"] == "Su enlace de acceso a sus credenciales"
    text = body(message, "plain")
    assert "Hola, Ann Lee:" in text and "El enlace funciona una sola vez" in text and "/me/sign-in/" in text
    assert "The link works once" not in text
