"""GET /api/v1/learners/{email}/clr: the signed CLR 2.0 record, for those who may view the organisation's learners only."""

import pytest
from rest_framework.test import APIClient

from courses.access.api_keys import api_key_create
from courses.access.user_tokens import user_token_create
from issuance.models import Issuance
from issuance.openbadges.issuer import organization_badge_verify
from issuance.revocation import credential_revoke
from tests.factories.courses import StaffUserFactory, member
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive, org, smtp  # noqa: F401 (fixtures)
from tests.programmes.conftest import courses, make_programme  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ANN = "ann@learners.example"


@pytest.fixture
def earned(smtp, courses, make_programme):  # noqa: F811
    programme = make_programme()
    constituents = {code: drive(complete(courses[code], email=ANN)).credential for code in ("FA-101", "FS-101", "MH-101")}
    [issuance] = Issuance.objects.filter(course=programme.course)
    return programme, constituents, drive(issuance).credential


def as_key(organization, role="viewer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, name='Registry', role=role)[1]}")
    return client


def as_user(organization, role) -> APIClient:
    user = StaffUserFactory(username=f"user-{organization.slug}-{role or 'none'}", is_superuser=False)
    if role:
        member(user, organization, role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=user)[1]}")
    return client


def path(email=ANN, **query):
    return f"/api/v1/learners/{email}/clr?" + "&".join(f"{k}={v}" for k, v in query.items())


def embedded(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["credentialSubject"]["verifiableCredential"]}


def test_a_viewer_key_gets_the_signed_record_of_a_programme_or_of_everything(earned, org):  # noqa: F811
    programme, constituents, programme_credential = earned
    client = as_key(org)

    response = client.get(path(organisation="harbour", programme="WSO"))

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    record = response.json()
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert organization_badge_verify(organization=org, badge=record)
    assert embedded(response) == {c.badge["id"] for c in [*constituents.values(), programme_credential]}
    assert embedded(client.get(path(email="Ann@Learners.Example", organisation="harbour"))) == embedded(response)


def test_another_organisations_key_and_roles_that_may_not_view_learners_get_404(earned, org):  # noqa: F811
    elsewhere = organization_with_templates(name="Quay College", slug="quay")
    refused = [as_key(elsewhere), as_key(elsewhere, role="operator"), as_user(elsewhere, "owner"),
               as_user(org, "editor"), as_user(org, "facilitator"), as_user(org, None)]
    for client in refused:
        for query in ({"organisation": "harbour"}, {"organisation": "harbour", "programme": "WSO"}):
            response = client.get(path(**query))
            assert response.status_code == 404, (query, response.content)
            assert "credentialSubject" not in response.content.decode()
    for role in ("viewer", "operator", "owner"):
        assert as_user(org, role).get(path(organisation="harbour")).status_code == 200, role


def test_it_answers_what_is_wrong_with_the_question(earned, org):  # noqa: F811
    programme, constituents, programme_credential = earned
    client = as_key(org)

    missing = client.get(path())
    assert missing.status_code == 400 and "organisation" in missing.json()
    assert client.get(path(organisation="harbour", programme="NOPE")).status_code == 404
    assert client.get(path(email="nobody@learners.example", organisation="harbour")).status_code == 404
    assert client.get(path(organisation="quay")).status_code == 404
    assert client.get(path(email="ann%00@learners.example", organisation="harbour")).status_code == 404
    assert client.get(path(organisation="harbour", programme="W%00SO")).status_code == 400


def test_a_record_asked_for_after_a_revocation_leaves_it_out(earned, org, admin_user):  # noqa: F811
    programme, constituents, programme_credential = earned
    client = as_key(org)
    before = embedded(client.get(path(organisation="harbour", programme="WSO")))

    credential_revoke(credential=constituents["FA-101"], reason="Certificate withdrawn.", actor=admin_user)

    after = embedded(client.get(path(organisation="harbour", programme="WSO")))
    assert after == before - {constituents["FA-101"].badge["id"]}
    for credential in [*constituents.values(), programme_credential]:
        credential.refresh_from_db()
        if credential.status != "revoked":
            credential_revoke(credential=credential, reason="Course withdrawn.", actor=admin_user)
    empty = client.get(path(organisation="harbour", programme="WSO"))
    assert empty.status_code == 404 and "holds no active or expired credential" in empty.json()["detail"]
