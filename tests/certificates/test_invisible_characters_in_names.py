"""A learner's name with a zero-width or bidirectional control character is refused alike at every entry: intake,
a staff member's correction when regenerating a certificate (the service and the admin action), and the learner's
admin page, each with the same message naming the character."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from courses.templating.learner_text import LearnerNameError
from issuance.intake.validation import name_normalize
from issuance.lifecycle.regenerate import credential_certificate_regenerate
from issuance.sources.base import CandidateCompletion
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)

HIDDEN = {"zero-width space": "Ana\u200bLima", "right-to-left override": "Ana \u202eamiL"}
NAMED = {"zero-width space": "U+200B (ZERO WIDTH SPACE)", "right-to-left override": "U+202E (RIGHT-TO-LEFT OVERRIDE)"}


@pytest.fixture
def credential(smtp, course):  # noqa: F811
    return drive(complete(course, score=92, name="Ana Lima")).credential


def intake_refusal(name: str) -> str:
    _, error = name_normalize(CandidateCompletion(name=name))
    return error


@pytest.mark.parametrize("kind", HIDDEN)
def test_it_refuses_the_name_at_intake_naming_the_character(kind, db):
    assert NAMED[kind] in intake_refusal(HIDDEN[kind])


@pytest.mark.parametrize("kind", HIDDEN)
def test_it_refuses_a_corrected_name_in_the_regenerate_service_as_intake_does(kind, credential, admin_user):
    old_hash = credential.pdf_sha256

    with pytest.raises(LearnerNameError) as refused:
        credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Typo", learner_name=HIDDEN[kind])

    assert str(refused.value) == intake_refusal(HIDDEN[kind])
    credential.refresh_from_db()
    assert credential.issuance.learner_name == "Ana Lima" and credential.pdf_sha256 == old_hash


@pytest.mark.parametrize("kind", HIDDEN)
def test_it_refuses_a_corrected_name_in_the_admins_regenerate_form(kind, admin_client, credential):
    response = admin_client.post(reverse("admin:issuance_credential_changelist"), {
        "action": "regenerate_certificates", helpers.ACTION_CHECKBOX_NAME: [credential.pk], "confirm": "yes",
        "reason": "Typo", "learner_name": HIDDEN[kind],
    })

    assert NAMED[kind] in response.content.decode()
    credential.refresh_from_db()
    assert credential.issuance.learner_name == "Ana Lima"


@pytest.mark.parametrize("kind", HIDDEN)
def test_it_refuses_the_name_on_the_learners_admin_page(kind, admin_client, credential):
    learner = credential.learner
    url = reverse("admin:issuance_learner_change", args=[learner.pk])

    response = admin_client.post(url, {
        "organization": learner.organization_id, "email": learner.email, "name": HIDDEN[kind],
        **{f"{prefix}-{field}": value for prefix in ("issuances", "credentials")
           for field, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))},
    })

    assert response.status_code == 200 and NAMED[kind] in response.content.decode()
    learner.refresh_from_db()
    assert learner.name == "Ana Lima"


def test_it_keeps_a_clean_corrected_name_with_its_spaces_tidied(credential, admin_user):
    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Typo", learner_name="  Ana   Lyma ")

    credential.refresh_from_db()
    assert credential.issuance.learner_name == "Ana Lyma"
