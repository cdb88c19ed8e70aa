"""The learner's page: credentials issued by the real pipeline to two learners, one of them by two organisations,
with email over a real SMTP server on 127.0.0.1."""

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.learner_page.sign_in import sign_in_link_send
from issuance.models import Credential, LearnerSignIn
from stand_ins.smtp import body
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401 (fixtures)

ANN = "ann@learners.example"
BOB = "bob@learners.example"
CLIENT = "198.51.100.7"


@dataclass
class World:
    org: object
    other_org: object
    ann_first_aid: Credential
    ann_forklift: Credential
    bob_first_aid: Credential


def _course(organization, *, code: str, title: str):
    ruleset = RuleSetFactory(organization=organization, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=organization, name=title, validity_amount=24, validity_unit="months")
    return CourseFactory(organization=organization, code=code, title=title, achievement=achievement, ruleset=ruleset)


def _issue(course, *, email: str, name: str) -> Credential:
    issuance = drive(complete(course, email=email, name=name, score=91))
    assert issuance.state == "synced", (issuance.state, issuance.error)
    return Credential.objects.select_related("issuance__organization", "achievement", "learner").get(issuance=issuance)


@pytest.fixture
def world(org, course, smtp, settings):  # noqa: F811
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    other = organization_with_templates(name="Northwind Training", slug="northwind")
    forklift = _course(other, code="FL-1", title="Forklift Safety")
    return World(
        org=org, other_org=other,
        ann_first_aid=_issue(course, email=ANN, name="Ann Lee"),
        ann_forklift=_issue(forklift, email=ANN, name="Ann Lee"),
        bob_first_aid=_issue(course, email=BOB, name="Bob Stone"),
    )


def ask(client, address: str, *, client_address: str = CLIENT):
    return client.post(reverse("learner-page"), {"email": address}, REMOTE_ADDR=client_address)


def deliver_pending() -> None:
    """What the worker does with each queued request (the task, called as the cluster calls it)."""
    for pk in LearnerSignIn.objects.filter(processed_at__isnull=True).values_list("pk", flat=True):
        sign_in_link_send(request_id=pk)


def sign_in_link(smtp, address: str) -> str:
    messages = [m for m in smtp.to(address) if "sign-in link" in m["Subject"]]
    assert messages, f"no sign-in email to {address}"
    return re.search(r"(http\S+/me/sign-in/[A-Za-z0-9_-]+)", body(messages[-1], "plain"))[1]


def sign_in(client, smtp, address: str):
    assert ask(client, address).status_code == 200
    deliver_pending()
    link = sign_in_link(smtp, address)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302, response.content[:300]
    return response
