"""A connection's calls governed across workers: its request limit holds deliveries back without failing them, and
a Retry-After pauses that connection's calls, not another connection's (issuance/outbound/governor.py)."""

import secrets
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.governor import connection_paused_until
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.outbound.connections import connection_add
from stand_ins.outbound.rest import CredentialsApi
from tests.factories.issuance import CredentialFactory, IssuanceFactory

from .conftest import calls_for

Status = OutboundDelivery.Status
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


@pytest.fixture(autouse=True)
def fresh_counts(db):
    from django.core.cache import cache
    from issuance import shared_counts
    shared_counts._reserves.clear()
    cache.clear()
    yield
    shared_counts._reserves.clear()


def _credentials(course, n):
    return [CredentialFactory(issuance=IssuanceFactory(course=course)) for _ in range(n)]


def _deliveries(credentials, connection):
    for credential in credentials:
        outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    return list(OutboundDelivery.objects.filter(connection=connection).order_by("pk"))


def _planned(credentials, connection):
    for credential in credentials:
        outbound_sync_issue(issuance=credential.issuance, credential=credential)
    return list(OutboundDelivery.objects.filter(connection=connection).order_by("pk"))


def _a_fresh_slice() -> datetime:
    # A moment in a 30 s slice no earlier run counted in (counts outlive a run on Redis), 5 s into it.
    return datetime(2031, 1, 1, tzinfo=dt_timezone.utc) + timedelta(seconds=30 * secrets.randbelow(10**6) + 5)


def test_a_connection_past_its_limit_waits_for_the_next_slice_without_spending_an_attempt(course, rest):
    # 22 calls per 300 s: ten slices of 30 s, 2 calls each (22 // 11), so no 300 s anywhere hold more than 22.
    with CredentialsApi() as api:
        connection = rest(api, rate_limit={"requests": 22, "per_seconds": 300})
        deliveries = _planned(_credentials(course, 3), connection)
        now = _a_fresh_slice()
        done = [delivery_perform(delivery_id=d.pk, now=now) for d in deliveries]
        assert [d.status for d in done] == [Status.DONE, Status.DONE, Status.QUEUED]
        assert len(api.calls("POST")) == 2
        held = done[2]
        assert held.attempts == 0, "a delivery held back made no call: it has spent no attempt"
        assert "limit of 22 calls per 300 s" in held.last_error
        assert held.next_attempt_at == now + timedelta(seconds=25), "due when its slice ends"

        # Its slice over, it goes: the count is per slice, not for ever.
        assert delivery_perform(delivery_id=held.pk, now=held.next_attempt_at).status == Status.DONE
        assert len(api.calls("POST")) == 3


def test_no_stretch_of_the_window_holds_more_than_the_limit_wherever_it_falls(organization):
    # What the slices promise, checked by brute force: every call a connection of 50 per 60 s may make over
    # five minutes at one call a second, then every 60 s stretch of them.
    from issuance.outbound.governor import connection_wait
    from issuance.outbound.connections import connection_add
    connection, _ = connection_add(organization=organization, kind="webhook", secret=SECRET,
                                   settings={"url": "https://hooks.example/laurel", "rate_limit": "50/60"})
    start = _a_fresh_slice()
    admitted = [second for second in range(300) if connection_wait(connection, now=start + timedelta(seconds=second)) is None]
    assert max(sum(1 for t in admitted if begin <= t < begin + 60) for begin in range(300)) <= 50
    assert len(admitted) >= 0.8 * 50 * 5, "most of the limit is used"


def test_a_connection_with_no_limit_is_not_held(course, rest):
    with CredentialsApi() as api:
        connection = rest(api)
        deliveries = _deliveries(_credentials(course, 5), connection)
        assert {d.status for d in deliveries} == {Status.DONE} and len(api.calls("POST")) == 5


def test_a_retry_after_pauses_that_connections_calls_and_no_other_connections(course, organization, rest, admin_client):
    with CredentialsApi() as slow, CredentialsApi() as other:
        paused = rest(slow)
        second, _ = connection_add(organization=organization, kind="rest", secret=None, name="other system",
                                   settings={"auth": {"type": "none"}, "calls": calls_for(other.url), "external_id_path": "data.id"})
        slow.script = [("fail", 429, {"Retry-After": "120"}, {"error": "too_many_requests"})]
        first, then = _credentials(course, 2)
        outbound_sync_issue(issuance=first.issuance, credential=first)
        outbound_sweep()
        told = OutboundDelivery.objects.get(connection=paused, credential=first)
        assert told.status == Status.QUEUED and told.attempts == 1 and "answered 429" in told.last_error
        assert connection_paused_until(paused, now=timezone.now()) is not None
        page = admin_client.get(reverse("admin:issuance_connection_change", args=[paused.pk])).content.decode()
        assert "Paused until" in page and "the system asked Laurel to wait (Retry-After)" in page

        outbound_sync_issue(issuance=then.issuance, credential=then)
        outbound_sweep()
        waiting = OutboundDelivery.objects.get(connection=paused, credential=then)
        assert waiting.status == Status.QUEUED and waiting.attempts == 0
        assert "asked Laurel to wait" in waiting.last_error
        assert len(slow.calls("POST")) == 1, "the paused connection made no further call"
        # The other connection's deliveries went on.
        assert set(OutboundDelivery.objects.filter(connection=second).values_list("status", flat=True)) == {Status.DONE}
        assert len(other.calls("POST")) == 2

        # After the pause both go.
        later = timezone.now() + timedelta(seconds=121)
        assert delivery_perform(delivery_id=waiting.pk, now=later).status == Status.DONE
        assert delivery_perform(delivery_id=told.pk, now=later).status == Status.DONE


def test_accredible_connections_are_held_to_its_documented_limit_unless_set(organization):
    from issuance.outbound.registry import connector_for
    accredible = connector_for("accredible")
    assert accredible.rate_limit({}) == (2000, 300)
    assert accredible.rate_limit({"rate_limit": "100/60"}) == (100, 60)
    assert connector_for("credly").rate_limit({}) is None


def test_the_connections_page_says_what_its_calls_are_held_to(admin_client, connect, course):
    connection = connect("accredible", secret="acc-key", map_to="group-1")
    page = admin_client.get(reverse("admin:issuance_connection_change", args=[connection.pk])).content.decode()
    assert "At most 2,000 calls per 300 s, across every worker." in page


def test_a_rate_limit_setting_that_is_not_calls_per_seconds_is_refused_by_name(organization):
    from issuance.outbound.connections import ConnectionSettingsError
    with pytest.raises(ConnectionSettingsError, match="rate_limit.*calls/seconds"):
        connection_add(organization=organization, kind="webhook", secret=None,
                       settings={"url": "https://hooks.example/laurel", "rate_limit": "fast"})
