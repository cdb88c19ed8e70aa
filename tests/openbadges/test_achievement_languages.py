"""The Open Badges credential names the achievement in the learner's language, and lists its other editions."""

from decimal import Decimal

import requests
from django.utils import timezone

from courses.models import AchievementText
from issuance.completions import Completion
from issuance.models import Credential
from issuance.pipeline import issuance_start

from .conftest import drive


def _issue_in(course, language: str, email: str = "claire@learners.example") -> Credential:
    completion = Completion(course_id=course.pk, email=email, name="Claire Dubois", completed_at=timezone.now(),
                            score=Decimal(92), language=language)
    issuance = drive(issuance_start(completion=completion))
    assert issuance.state == "synced", (issuance.state, issuance.error)
    return Credential.objects.get(issuance=issuance)


def _translate(achievement):
    AchievementText.objects.create(achievement=achievement, language="fr", name="Secourisme au travail",
                                   description="Reconnaît les compétences pour porter secours au travail.")
    AchievementText.objects.create(achievement=achievement, language="pt-BR", name="Primeiros socorros no trabalho",
                                   description="Reconhece as habilidades de prestar primeiros socorros.")


def test_a_french_learner_reads_the_french_name_and_the_badge_still_validates_and_verifies(
    live_server, settings, first_aid, smtp, schema_validator, verify
):
    settings.LAUREL_BASE_URL = base = f"http://127.0.0.1:{live_server.thread.port}"
    _translate(first_aid.achievement)

    badge = _issue_in(first_aid, "fr-CA").badge
    achievement = badge["credentialSubject"]["achievement"]

    assert achievement["name"] == "Secourisme au travail"
    assert achievement["description"] == "Reconnaît les compétences pour porter secours au travail."
    assert achievement["inLanguage"] == "fr"
    assert badge["name"] == "Secourisme au travail"
    assert achievement["related"] == [{"id": f"{base}/ob2/badges/{first_aid.achievement.pk}?lang=pt-BR",
                                       "type": ["Related"], "inLanguage": "pt-BR"}]
    assert list(schema_validator.iter_errors(badge)) == []
    assert verify(badge, fetch_local=True)["accepted"] is True
    # The other edition its `related` names answers with its own words.
    edition = requests.get(achievement["related"][0]["id"], timeout=10).json()
    assert (edition["id"], edition["name"]) == (achievement["related"][0]["id"], "Primeiros socorros no trabalho")


def test_a_language_without_its_own_text_gets_staffs_words_and_the_editions_that_exist(first_aid, smtp, schema_validator,
                                                                                       settings, client):
    _translate(first_aid.achievement)

    achievement = _issue_in(first_aid, "de").badge["credentialSubject"]["achievement"]

    assert achievement["name"] == "First Aid at Work"
    assert achievement["description"] == "Recognises the skills to give first aid at work."
    assert "inLanguage" not in achievement  # staff's own words: Laurel does not know their language
    assert [edition["inLanguage"] for edition in achievement["related"]] == ["fr", "pt-BR"]
    assert client.get(f"/ob2/badges/{first_aid.achievement.pk}?lang=de").status_code == 404


def test_an_achievement_with_no_other_language_is_issued_as_before(first_aid, smtp, schema_validator):
    badge = _issue_in(first_aid, "fr").badge
    achievement = badge["credentialSubject"]["achievement"]

    assert achievement["name"] == "First Aid at Work"
    assert "related" not in achievement and "inLanguage" not in achievement
    assert list(schema_validator.iter_errors(badge)) == []
