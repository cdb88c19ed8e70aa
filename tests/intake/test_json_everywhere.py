"""Every endpoint that takes a body answers deeply nested or unstorable JSON without a 5xx, signed in or not.

The walk covers every URL pattern the site serves (the wallet exchanges, OpenID4VCI, the API, the
source webhooks, the email tracking webhook, the admin), so a new endpoint is covered when it is added.
"""

import base64
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories.courses import OrganizationFactory
from tests.factories.issuance import SourceFactory
from tests.factories.issuance import CredentialFactory

DEEP_LIST = b"[" * 100_000  # under 256 KiB, and far past any parser's recursion
DEEP_OBJECT = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
LONE_SURROGATE = b'{"name": "\\ud800", "verifiablePresentation": {"holder": "\\ud800"}, "proof": {"jwt": "\\ud800"}}'
TRACKING_SECRET = "user:tracking-secret"
ALL_BODIES = (("post", DEEP_LIST), ("post", DEEP_OBJECT), ("post", LONE_SURROGATE), ("put", DEEP_LIST))
ADMIN_BODIES = (("post", DEEP_LIST),)  # the admin reads forms, never JSON: one body shows it is not parsed


def _routes(resolver=None, prefix=""):
    """(route with <converter:name> placeholders, pattern) for every URL the site serves by `path()`."""
    for entry in (resolver or get_resolver()).url_patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # a regular-expression route (the admin's app index) takes no body
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _filled(route: str, slug: str) -> str:
    samples = {"uuid": str(uuid.uuid4()), "int": "1", "slug": slug, "str": "x", "path": "1"}
    while "<" in route:
        start, end = route.index("<"), route.index(">")
        converter = route[start + 1:end].split(":")[0] if ":" in route[start:end] else "str"
        route = route[:start] + samples[converter] + route[end + 1:]
    return "/" + route


@pytest.fixture
def tracking_webhook_served(settings):
    settings.LAUREL_EMAIL_ESP = "postmark"
    settings.ANYMAIL = {**getattr(settings, "ANYMAIL", {}), "WEBHOOK_SECRET": TRACKING_SECRET}


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "staff"])
def test_no_endpoint_answers_a_hostile_json_body_with_a_5xx(client, admin_user, signed_in, tracking_webhook_served):
    organization = OrganizationFactory()
    SourceFactory(organization=organization, slug=organization.slug)
    client.raise_request_exception = False  # collect every 5xx, not only the first
    if signed_in:
        client.force_login(admin_user)
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(TRACKING_SECRET.encode()).decode()}
    routes = list(_routes())
    assert len(routes) > 100
    served = {route for route, _ in routes}
    for expected in ("wallets/lcw/exchanges/<str:code>", "oid4vci/<slug:slug>/credential", "api/v1/sources/<slug:slug>/events",
                     "anymail/<str:esp>/tracking/", "api/v1/credentials/<uuid:pk>/suspend"):
        assert expected in served
    failures = []
    for route, _ in routes:
        url = _filled(route, organization.slug).replace("/anymail/x/", "/anymail/postmark/")
        bodies = ALL_BODIES if not route.startswith("admin/") else ADMIN_BODIES
        for method, body in bodies:
            response = getattr(client, method)(url, data=body, content_type="application/json", **auth)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} {body[:12]!r}… answered {response.status_code}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("body, named", [(DEEP_LIST, "nested more than 32 levels"), (LONE_SURROGATE, "lone UTF-16 surrogate")])
def test_the_staff_api_reads_json_with_the_bounded_parser(admin_client, body, named):
    credential = CredentialFactory()
    response = admin_client.post(f"/api/v1/credentials/{credential.pk}/suspend", data=body, content_type="application/json")
    assert response.status_code == 400
    assert named in response.json()["detail"]


@pytest.mark.django_db
def test_the_wallet_exchange_names_why_a_body_cannot_be_read(client):
    response = client.post("/wallets/lcw/exchanges/anything", data=DEEP_OBJECT, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.json()["error_description"]
