"""Two organisations on one installation: for each role of B, nothing of A, and B's own as the role allows.

The pages are not listed by hand: every URL of every registered ModelAdmin (its object pages, its
list, its custom pages) and every path of the OpenAPI schema is asked, so a new admin page or API
endpoint is in the matrix the day it is added (and fails it until it is scoped). Every row of A is
snapshotted before B's staff probe and compared after, so no action, POST or API call changed
anything of A either.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from courses.access.api_keys import api_key_create
from courses.access.user_tokens import user_token_create
from courses.models import Membership
from courses.models.api_keys import KEY_ROLES
from courses.access.tenancy import organization_path, role_grants
from tests.factories.courses import StaffUserFactory, member
from tests.tenancy_world import organization_world

pytestmark = pytest.mark.django_db

ROLES = [role for role, _ in Membership.Role.choices]
OURS = ("courses", "issuance", "audit")
A_MARK = re.compile("aardvark", re.IGNORECASE)  # every name, slug, email and code of organisation A carries it
SIZE = {"requests": 0}


@pytest.fixture
def worlds(db):
    return organization_world("aardvark"), organization_world("beaver")


def staff_of(world, role):
    user = StaffUserFactory(username=f"{role}@beaver.example", email=f"{role}@beaver.example", is_superuser=False)
    member(user, world["organization"], role)
    if role == "facilitator":
        Membership.objects.get(user=user).courses.add(world["course"])
    return user


def laurel_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in OURS]


def _org_rows(model, organization):
    """The pks of `model`'s rows that belong to `organization`."""
    custom = getattr(model, "organization_scope", None)
    if custom is not None:
        return custom(model._default_manager.all(), [organization.pk]).values("pk")
    return model._default_manager.filter(**{f"{organization_path(model)}__in": [organization.pk]}).values("pk")


def snapshot(world) -> dict:
    """Every row of the organisation in every model of ours, as plain values."""
    state = {}
    for model in {m for m, _ in laurel_admins()} | {Membership}:
        if organization_path(model) is None and getattr(model, "organization_scope", None) is None:
            continue
        state[model._meta.label] = sorted((str(row.pk), repr(sorted(model_to_dict(row).items(), key=str)))
                                          for row in model._default_manager.filter(pk__in=_org_rows(model, world["organization"])))
    return state


def object_urls(model, model_admin, obj):
    """(name, url) for every URL of this admin that names one object, for `obj`."""
    for pattern in model_admin.get_urls():
        if not getattr(pattern, "name", None) or not hasattr(pattern, "pattern"):
            continue
        converters = list(pattern.pattern.converters)
        if pattern.name.endswith("_simple_history"):
            history = obj.history.first()
            yield pattern.name, reverse(f"admin:{pattern.name}", args=[obj.pk, history.history_id])
        elif converters:
            # The object first; any further part (a design's asset name, say) gets a value of its own kind.
            more = {name: 1 if pattern.pattern.converters[name].regex == "[0-9]+" else "probe" for name in converters[1:]}
            yield pattern.name, reverse(f"admin:{pattern.name}", kwargs={converters[0]: obj.pk, **more})


def list_urls(model_admin):
    for pattern in model_admin.get_urls():
        if getattr(pattern, "name", None) and hasattr(pattern, "pattern") and not pattern.pattern.converters \
                and not pattern.name.endswith("_simple_history"):
            yield pattern.name, reverse(f"admin:{pattern.name}")


def test_every_model_of_ours_in_the_admin_has_a_row_in_each_world_and_a_way_to_its_organisation(worlds):
    for model, _ in laurel_admins():
        has_way = organization_path(model) is not None or getattr(model, "organization_scope", None) is not None
        assert has_way, f"{model._meta.label} has no organization_path: nobody but superusers would see it"
        for world in worlds:
            assert _org_rows(model, world["organization"]).exists(), f"the test world has no {model._meta.label}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_of_b_finds_nothing_of_a_in_any_admin_page(role, worlds):
    a, b = worlds
    client = Client()
    client.force_login(staff_of(b, role))
    before = snapshot(a)
    for model, model_admin in laurel_admins():
        a_obj = _org_rows(model, a["organization"]).first()
        a_obj = model._default_manager.get(pk=a_obj["pk"])
        for name, url in object_urls(model, model_admin, a_obj):
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"post": "yes", "confirm": "yes"} if method == "post" else None)
                SIZE["requests"] += 1
                # A page that only takes POST refuses a GET with 405 whatever the object: that confirms nothing.
                refused = response.status_code == 404 or (method == "get" and response.status_code == 405)
                assert refused, f"{role} {method.upper()} {name} of A: {response.status_code}"
        for name, url in list_urls(model_admin):
            response = client.get(url)
            SIZE["requests"] += 1
            assert response.status_code in (200, 302, 400, 403, 405), f"{role} {name}: {response.status_code}"
            assert not A_MARK.search(_text(response)), f"{role} {name} shows A's data"
            changelist = response.context and response.context.get("cl") if response.status_code == 200 else None
            if changelist is not None:
                a_pks = {row["pk"] for row in _org_rows(model, a["organization"])}
                assert not a_pks & {row.pk for row in changelist.result_list}, f"{role} {name} lists A's rows"
        # Every action of the list, on A's rows, with every confirmation a page asks for.
        changelist_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action_name in model_admin.get_action_choices(_request_for(client, changelist_url), default_choices=[]):
            a_pks = [str(row["pk"]) for row in _org_rows(model, a["organization"])]
            client.post(changelist_url, {"action": action_name[0], ACTION_CHECKBOX_NAME: a_pks, "confirm": "yes",
                                         "confirmed": "yes", "post": "yes", "reason": "probing", "confirm_count": "99"})
            SIZE["requests"] += 1
    # Autocomplete: every autocomplete field of every admin, searched with nothing typed.
    for model, model_admin in laurel_admins():
        for field_name in model_admin.get_autocomplete_fields(None) if hasattr(model_admin, "get_autocomplete_fields") else []:
            response = client.get(reverse("admin:autocomplete"), {"app_label": model._meta.app_label,
                                                                  "model_name": model._meta.model_name,
                                                                  "field_name": field_name, "term": ""})
            SIZE["requests"] += 1
            assert not A_MARK.search(response.content.decode()), f"{role} autocomplete {field_name} shows A"
    assert snapshot(a) == before, f"{role} of B changed something of A"


def _text(response) -> str:
    """The body of a response, streamed (a CSV export) or not."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace")


def _request_for(client, url):
    """A request as the client's user makes it, for asking an admin which actions it offers."""
    response = client.get(url)
    return response.wsgi_request


@pytest.mark.parametrize("role", ROLES)
def test_each_role_of_b_sees_its_own_objects_as_the_role_allows(role, worlds):
    _, b = worlds
    client = Client()
    client.force_login(staff_of(b, role))
    for model, model_admin in laurel_admins():
        b_obj = model._default_manager.get(pk=_org_rows(model, b["organization"]).first()["pk"])
        opts = model._meta
        may_see = any(role_grants(role, f"{opts.app_label}.{action}_{opts.model_name}") for action in ("view", "change"))
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[b_obj.pk]))
        SIZE["requests"] += 1
        if role == "facilitator" and model._meta.label == "courses.Course":
            may_see = True
        assert response.status_code == (200 if may_see else 403), f"{role} change page of B's {opts.label}"
        if model._meta.label == "issuance.Source":  # the secret is write-only, for owners too
            assert b_obj.signing_secret.encode() not in response.content, f"{role} reads B's source secret"
        listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        SIZE["requests"] += 1
        assert listing.status_code == (200 if may_see else 403), f"{role} list of B's {opts.label}"


def api_paths():
    """Every path of the staff API with its methods, from the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        yield path, [method for method in operations if method in ("get", "post", "put", "patch", "delete")]


def api_object(world, path):
    """The world's object the path's {parameter} names, by the resource it is under."""
    resource = path.split("/")[3]
    return {"events": world["event"].pk, "issuances": world["issuance"].pk, "credentials": world["credential"].pk,
            "sources": world["source"].slug, "connections": world["connection"].pk,
            "learners": world["credential"].learner.email}[resource]


PUBLIC_API = {  # signed by the source, not staff (xAPI about names only the versions)
    "/api/v1/sources/{slug}/events", "/api/v1/sources/{slug}/xapi/statements", "/api/v1/sources/{slug}/xapi/about",
    "/api/v1/sources/{slug}/events/{token}",  # a mapped source's secret address
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_of_b_gets_404_for_every_api_endpoint_on_an_object_of_a(role, worlds):
    a, b = worlds
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=staff_of(b, role))[1]}")
    probe_every_api_path_on_a(client, role, a)


@pytest.mark.parametrize("role", KEY_ROLES)
def test_each_api_key_role_of_b_gets_404_for_every_api_endpoint_on_an_object_of_a(role, worlds):
    a, b = worlds
    _, secret = api_key_create(organization=b["organization"], name=f"beaver {role} key", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    probe_every_api_path_on_a(client, f"{role} API key", a)


def probe_every_api_path_on_a(client, role: str, a):
    """Every staff API path and method, on A's objects: a 404; without an object: nothing of A shown or changed."""
    before = snapshot(a)
    asked = 0
    for path, methods in api_paths():
        if path in PUBLIC_API:
            continue
        parameters = re.findall(r"{(\w+)}", path)
        url = re.sub(r"{\w+}", str(api_object(a, path)), path) if parameters else path
        if path.startswith("/api/v1/learners/"):  # a learner is named within an organisation: A's
            url += f"?organisation={a['organization'].slug}"
        for method in methods:
            body = {"reason": "probing", "organization": "aardvark", "slug": "aardvark-taken", "dialect": "generic",
                    "kind": "webhook"} if method != "get" else None
            response = getattr(client, method)(url, body, format="json" if body else None)
            asked += 1
            SIZE["requests"] += 1
            if parameters:
                assert response.status_code == 404, f"{role} {method.upper()} {path} on A: {response.status_code}"
            else:
                assert response.status_code in (200, 201, 400, 403), f"{role} {method.upper()} {path}: {response.status_code}"
                text = response.content.decode()
                # A refusal may quote the slug B sent ("aardvark"), as it would for one that does not exist.
                quoted = response.status_code == 400 and re.search(r"(No organisation|does not exist)", text)
                assert not A_MARK.search(text) or quoted, f"{role} {method.upper()} {path} shows A: {text[:300]}"
    assert asked >= 10
    assert snapshot(a) == before, f"{role} of B changed something of A through the API"


def test_the_probe_of_issue_20_finds_nothing_of_a(worlds, capsys):
    """B's staff user with their API token: list, suspend, revoke; in the admin, A's secret and template."""
    a, b = worlds
    operator = staff_of(b, "operator")
    owner = b["owner"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=operator)[1]}")
    issuances = api.get("/api/v1/issuances").json()["results"]
    events = api.get("/api/v1/events/").json()["results"]
    assert {i["id"] for i in issuances} == {str(b["issuance"].pk)}
    assert {e["id"] for e in events} == {str(b["event"].pk), str(b["parked"].pk)}
    for change in ("suspend", "unsuspend", "revoke"):
        assert api.post(f"/api/v1/credentials/{a['credential'].pk}/{change}", {"reason": "x"}, format="json").status_code == 404
    a["credential"].refresh_from_db()
    assert a["credential"].status == "active"
    browser = Client()
    browser.force_login(owner)  # B's owner, who may see B's secrets
    source_page = browser.get(reverse("admin:issuance_source_change", args=[a["source"].pk]))
    assert source_page.status_code == 404 and a["source"].signing_secret.encode() not in source_page.content
    template_url = reverse("admin:courses_certificatetemplate_change", args=[a["template"].pk])
    assert browser.post(template_url, {"name": "Taken over", "html": "<p>B was here</p>"}).status_code == 404
    a["template"].refresh_from_db()
    assert a["template"].name != "Taken over"
    with capsys.disabled():
        print(f"\ntenancy matrix so far: {SIZE['requests']} requests by B's staff")
