"""The dashboard's card per outbound connection (#30): delivered today, retrying, failed, the oldest waiting and the
last error in plain words with its detail folded; an unhealthy connection says so; another organisation's is not shown;
two queries whatever the number of connections and deliveries."""

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Membership
from issuance.models import OutboundDelivery
from issuance.outbound.connections import connection_add
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.health import connection_cards
from issuance.outbound.services import outbound_platforms_issue, outbound_sync_issue
from stand_ins.outbound.platforms import CredlyServer
from stand_ins.outbound.receivers import WebhookReceiver
from tests.factories.courses import CourseFactory, OrganizationFactory, StaffUserFactory
from tests.factories.issuance import CredentialFactory, IssuanceFactory
from tests.outbound.conftest import connect, course, organization, private_targets_allowed  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
Status = OutboundDelivery.Status


def _webhook_delivery(course, connection, *, now):  # noqa: F811
    credential = CredentialFactory(issuance=IssuanceFactory(course=course))
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    delivery = OutboundDelivery.objects.get(connection=connection, credential=credential)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    return delivery_perform(delivery_id=delivery.pk, now=now)


@pytest.fixture
def world(organization, course, connect):  # noqa: F811
    """Academy: a webhook that delivered one and is retrying one (unhealthy: failing for 31 minutes), a Credly that
    failed one for good; another organisation's connection the academy's staff may not see."""
    now = timezone.now()
    with WebhookReceiver(secret=SECRET) as receiver, CredlyServer() as credly:
        hook = connect("webhook", secret=SECRET, url=f"{receiver.url}/laurel")
        assert _webhook_delivery(course, hook, now=now - timedelta(minutes=40)).status == Status.DONE
        receiver.script = [("fail", 503, {}, {"error": "down for maintenance"})]
        assert _webhook_delivery(course, hook, now=now - timedelta(minutes=31)).status == Status.QUEUED
        badge = connect("credly", secret="wrong-token", map_to="tmpl-1", base_url=f"{credly.url}/v1", organization_id="org-1")
        credential = CredentialFactory(issuance=IssuanceFactory(course=course))
        outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    assert OutboundDelivery.objects.get(connection=badge).status == Status.FAILED
    other = OrganizationFactory(slug="elsewhere", name="Elsewhere")
    connection_add(organization=other, kind="webhook", name="their hook", secret=SECRET, settings={"url": "https://hooks.example.org/x"})
    staff = StaffUserFactory(username="staff@academy.example", email="staff@academy.example", is_superuser=False)
    Membership.objects.create(user=staff, organization=organization, role=Membership.Role.OWNER)
    return {"hook": hook, "badge": badge, "staff": staff, "other": other}


def test_each_connection_has_its_card_with_figures_state_and_last_error(client, world):
    client.force_login(world["staff"])
    page = client.get("/admin/").content.decode()
    assert "Outbound connections" in page and "their hook" not in page, "another organisation's connection is not shown"
    cards = {item["card"].connection.pk: item for item in client.get("/admin/").context["dashboard"].outbound}
    assert set(cards) == {world["hook"].pk, world["badge"].pk}

    hook = cards[world["hook"].pk]["card"]
    assert (hook.delivered_today, hook.retrying, hook.failed, hook.waiting) == (1, 1, 0, 1)
    assert hook.state.startswith("Unhealthy: every call has failed since")
    assert "answered 503" in hook.error and not hook.error.startswith("Attempt")
    assert cards[world["hook"].pk]["oldest"].endswith("ago")

    badge = cards[world["badge"].pk]["card"]
    assert (badge.delivered_today, badge.retrying, badge.failed) == (0, 0, 1)
    assert badge.state.startswith("Failing since") and "401" in badge.error
    section = page[page.index('data-connection="%d"' % world["hook"].pk):]
    assert "laurel-connection-unhealthy" in page and "Unhealthy: every call has failed since" in section
    assert f"/admin/issuance/outboundfailure/?connection__id__exact={world['badge'].pk}" in page
    assert client.get(f"/admin/issuance/outboundfailure/?connection__id__exact={world['badge'].pk}").status_code == 200


def test_a_technical_detail_is_folded_below_the_sentence(client, world, organization):  # noqa: F811
    from issuance.models import Connection
    Connection.objects.filter(pk=world["hook"].pk).update(
        last_error="Attempt 2: Could not reach hooks.example.org (the name does not resolve). Check the address or your network. "
                   "Technical detail: POST https://hooks.example.org/x: NameResolutionError(...)")
    client.force_login(world["staff"])
    page = client.get("/admin/").content.decode()
    assert ("Could not reach hooks.example.org (the name does not resolve). Check the address or your network.\n"
            in page or "Could not reach hooks.example.org (the name does not resolve). Check the address or your network.</p>" in page)
    assert '<details class="laurel-technical"><summary>Technical detail</summary><code>POST https://hooks.example.org/x: NameResolutionError(...)</code>' in page


def test_the_cards_cost_two_queries_whatever_the_connections_and_deliveries(world, organization, course, connect):  # noqa: F811
    scope = [organization.pk, world["other"].pk]
    with CaptureQueriesContext(db) as before:
        assert len(connection_cards(organizations=scope, now=timezone.now(), day_start=timezone.now() - timedelta(hours=1))) == 3
    for n in range(4):
        connection_add(organization=organization, kind="webhook", name=f"hook {n}", secret=SECRET,
                       settings={"url": f"https://hooks.laurel-test.invalid/{n}"})
    more = CourseFactory(organization=organization)
    for _ in range(5):
        credential = CredentialFactory(issuance=IssuanceFactory(course=more))
        outbound_sync_issue(issuance=credential.issuance, credential=credential)
    with CaptureQueriesContext(db) as after:
        assert len(connection_cards(organizations=scope, now=timezone.now(), day_start=timezone.now() - timedelta(hours=1))) == 7
    assert len(before.captured_queries) == len(after.captured_queries) == 2, [q["sql"] for q in after.captured_queries]
