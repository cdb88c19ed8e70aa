"""Every role × every staff API endpoint: allowed exactly when the admin allows the same thing.

The expected table is written out below (what each role is for); each case also asks the admin the
same question as that user, so the API and the admin cannot drift apart.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from issuance.models import CompletionEvent
from tests.factories.courses import StaffUserFactory, member
from tests.factories.issuance import CredentialFactory, SourceFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    # name: (method, API path, how the admin offers the same thing)
    "list events": ("get", "/api/v1/events/", ("page", "admin:issuance_completionevent_changelist", None)),
    "read an event": ("get", "/api/v1/events/{event}/", ("page", "admin:issuance_completionevent_change", "event")),
    "list issuances": ("get", "/api/v1/issuances", ("page", "admin:issuance_issuance_changelist", None)),
    "read an issuance": ("get", "/api/v1/issuances/{issuance}", ("page", "admin:issuance_issuance_change", "issuance")),
    "resume an issuance": ("post", "/api/v1/issuances/{issuance}/resume", ("action", "admin:issuance_issuance_changelist", "resume_selected")),
    "revoke a credential": ("post", "/api/v1/credentials/{credential}/revoke", ("action", "admin:issuance_credential_changelist", "revoke_selected")),
    "suspend a credential": ("post", "/api/v1/credentials/{credential}/suspend", ("action", "admin:issuance_credential_changelist", "suspend_selected")),
    "restore a credential": ("post", "/api/v1/credentials/{credential}/unsuspend", ("action", "admin:issuance_credential_changelist", "unsuspend_selected")),
}
EVERYTHING = set(ENDPOINTS)
ROLES = {
    # persona: (staff?, superuser?, role in the objects' organisation, endpoints it may use)
    "superuser": (True, True, None, EVERYTHING),
    "owner": (True, False, "owner", EVERYTHING),
    "catalogue editor": (True, False, "editor", set()),
    "credential operator": (True, False, "operator", EVERYTHING),
    "viewer": (True, False, "viewer", {"list events", "read an event", "list issuances", "read an issuance"}),
    "facilitator": (True, False, "facilitator", set()),
    "staff without a role": (True, False, None, set()),
    "operator who is not staff": (False, False, "operator", set()),
}
CASES = [(role, endpoint) for role in ROLES for endpoint in ENDPOINTS]


@pytest.fixture
def objects():
    credential = CredentialFactory()  # active: revoke and suspend succeed, restore answers 409
    source = SourceFactory(organization=credential.issuance.organization)
    event = CompletionEvent.objects.create(source=source, external_id="evt-1", body=b"{}")
    return {"credential": credential.pk, "issuance": credential.issuance.pk, "event": event.pk,
            "organization": credential.issuance.organization}


def persona(role: str, organization=None):
    staff, superuser, membership_role, _ = ROLES[role]
    user = StaffUserFactory(username=role.replace(" ", "-"), is_staff=staff, is_superuser=superuser)
    if membership_role and organization is not None:
        member(user, organization, membership_role)
    return user


def api_allows(user, method, path, objects) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=user)[1]}")
    body = {"reason": "Checking who may do this."} if method == "post" else None
    response = getattr(client, method)(path.format(**objects), body, format="json" if body else None)
    assert response.status_code < 500, response.content
    return response.status_code not in (401, 403, 404)  # 404: not an object of the user's organisations


def admin_allows(user, admin_way, objects) -> bool:
    from django.test import Client

    kind, url_name, argument = admin_way
    client = Client()
    client.force_login(user)
    if kind == "page":
        response = client.get(reverse(url_name, args=[objects[argument]] if argument else []))
        return response.status_code == 200
    response = client.get(reverse(url_name))
    return response.status_code == 200 and f'value="{argument}"' in response.content.decode()


@pytest.mark.parametrize("role, endpoint", CASES, ids=[f"{r}-{e}" for r, e in CASES])
def test_it_lets_each_role_use_exactly_the_endpoints_the_admin_lets_it_use(role, endpoint, objects):
    user = persona(role, objects["organization"])
    method, path, admin_way = ENDPOINTS[endpoint]
    expected = endpoint in ROLES[role][3]

    assert admin_allows(user, admin_way, objects) is expected, "the admin does not match the role table"
    assert api_allows(user, method, path, objects) is expected


def test_it_refuses_a_list_to_a_role_without_view_permission_with_403(objects):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=persona('catalogue editor', objects['organization']))[1]}")

    response = client.get("/api/v1/issuances")

    assert response.status_code == 403
    assert "permission" in response.json()["detail"]
