"""The learner record (CLR 2.0) where people fetch it: the learner on their page (/me), staff on the learner's history."""

import json

from django.contrib.auth import get_user_model
from django.urls import reverse

from issuance.models import Issuance, Learner
from issuance.openbadges.issuer import organization_badge_verify
from issuance.revocation import credential_revoke
from tests.factories.courses import AchievementFactory, CourseFactory, member
from tests.factories.issuance import organization_with_templates
from tests.learner_page.conftest import sign_in
from tests.pipeline.conftest import complete, drive

ANN = "ann@learners.example"


def earn(courses, make_programme):
    programme = make_programme(ordered=True)
    held = [drive(complete(courses[code], email=ANN)).credential for code in ("FA-101", "FS-101", "MH-101")]
    [issuance] = Issuance.objects.filter(course=programme.course)
    return programme, [*held, drive(issuance).credential]


def download(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment; filename=\"learner-record-")
    return json.loads(response.content)


def embedded(record: dict) -> set[str]:
    return {c["id"] for c in record["credentialSubject"]["verifiableCredential"]}


def test_a_learner_downloads_their_record_of_a_programme_or_of_an_organisation(smtp, client, org, courses, make_programme):
    programme, held = earn(courses, make_programme)
    sign_in(client, smtp, ANN)

    page = client.get(reverse("learner-page")).content.decode()
    for_programme = download(client.get(reverse("learner-record"), {"organisation": "harbour", "programme": "WSO"}))
    for_all = download(client.get(reverse("learner-record"), {"organisation": "harbour"}))

    assert f'href="{reverse("learner-record")}?organisation=harbour&amp;programme=WSO" download>Learner record (CLR)</a>' in page
    assert f'href="{reverse("learner-record")}?organisation=harbour" download>Learner record (CLR)</a>' in page
    assert embedded(for_programme) == embedded(for_all) == {c.badge["id"] for c in held}
    assert for_programme["name"] == "Workplace Safety Officer: learner record of Ann Lee"
    assert organization_badge_verify(organization=org, badge=for_programme)


def test_a_learner_gets_nothing_from_an_organisation_that_issued_them_nothing(smtp, client, org, courses, make_programme):
    earn(courses, make_programme)
    elsewhere = organization_with_templates(name="Quay College", slug="quay")
    drive(complete(CourseFactory(organization=elsewhere, code="Q-1",
                                 achievement=AchievementFactory(organization=elsewhere, name="Quay")), email="bob@learners.example"))
    sign_in(client, smtp, ANN)

    assert client.get(reverse("learner-record"), {"organisation": "quay"}).status_code == 404
    assert client.get(reverse("learner-record"), {"organisation": "harbour", "programme": "NOPE"}).status_code == 404
    client.post(reverse("learner-sign-out"))
    assert client.get(reverse("learner-record"), {"organisation": "harbour"}).status_code == 403


def test_staff_generate_the_record_from_the_learners_history_and_it_follows_revocations(smtp, client, org, courses,
                                                                                      make_programme, admin_user):
    programme, held = earn(courses, make_programme)
    learner = Learner.objects.get(email=ANN)
    viewer = get_user_model().objects.create_user("viewer", "viewer@harbour.example", "correct horse battery staple", is_staff=True)
    member(viewer, org, "viewer")
    client.force_login(viewer)

    history = client.get(reverse("admin:issuance_learner_change", args=[learner.pk])).content.decode()
    all_url = reverse("admin:issuance_learner_clr", args=[learner.pk])
    assert f'href="{all_url}"' in history and f'href="{all_url}?programme={programme.pk}" download>CLR 2.0 (JSON)</a>' in history
    assert embedded(download(client.get(all_url, {"programme": programme.pk}))) == {c.badge["id"] for c in held}

    credential_revoke(credential=held[1], reason="Assessment found to be copied.", actor=admin_user)
    assert embedded(download(client.get(all_url))) == {c.badge["id"] for c in held} - {held[1].badge["id"]}


def test_staff_of_another_organisation_get_404(smtp, client, org, courses, make_programme):
    earn(courses, make_programme)
    learner = Learner.objects.get(email=ANN)
    elsewhere = organization_with_templates(name="Quay College", slug="quay")
    owner = get_user_model().objects.create_user("quay-owner", "owner@quay.example", "correct horse battery staple", is_staff=True)
    member(owner, elsewhere, "owner")
    client.force_login(owner)

    assert client.get(reverse("admin:issuance_learner_clr", args=[learner.pk])).status_code == 404
