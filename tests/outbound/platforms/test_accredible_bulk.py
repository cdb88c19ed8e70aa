"""Accredible in a burst: first attempts go together through v2's bulk create; each credential keeps its own outcome."""

import json

import pytest

from courses.models import Course
from issuance.models import OutboundDelivery
from issuance.outbound.connections import connection_add
from issuance.outbound.connectors.base import ISSUED, PLATFORM
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.plan import deliveries_plan
from tests.factories.courses import CourseFactory
from tests.factories.issuance import CredentialFactory, IssuanceFactory, LearnerFactory

from stand_ins.outbound.platforms import AccredibleServer

Status = OutboundDelivery.Status
BULK = "/v2/credentials/bulk_create"


@pytest.fixture
def accredible():
    with AccredibleServer() as server:
        yield server


@pytest.fixture
def connection(organization, course, accredible):
    # SAFE-101 is awarded in a group Accredible has; SAFE-999 in one it does not, so its credentials are refused.
    CourseFactory(organization=organization, code="SAFE-999", title="Unmapped group")
    made, _ = connection_add(organization=organization, kind="accredible", secret="accredible-key",
                             settings={"base_url": accredible.url}, mappings={"SAFE-101": "1234", "SAFE-999": "999"})
    return made


def _queued(organization, *, count: int, course_code: str = "SAFE-101", first: int = 0) -> list[OutboundDelivery]:
    """Issue deliveries planned and waiting, as a burst leaves them when the connection's limit holds them back."""
    course = Course.objects.get(organization=organization, code=course_code)
    rows = []
    for index in range(first, first + count):
        learner = LearnerFactory(organization=organization, email=f"learner{index}@learners.example", name=f"Learner {index}")
        issuance = IssuanceFactory(course=course, learner=learner, learner_name=f"Learner {index}")
        credential = CredentialFactory(issuance=issuance)
        [row] = deliveries_plan(issuance=issuance, credential=credential, action=ISSUED, stages={PLATFORM})
        rows.append(row)
    return rows


def _sent(accredible) -> list[list[dict]]:
    return [json.loads(call["body"])["credentials"] for call in accredible.calls("POST", BULK)]


def test_a_burst_goes_in_one_bulk_call_and_each_credential_gets_its_own_record(organization, connection, accredible):
    rows = _queued(organization, count=5)

    delivery_perform(delivery_id=rows[0].pk)

    [batch] = _sent(accredible)
    assert [body["id"] for body in batch] == [row.payload["data"]["credential_id"] for row in rows]
    assert accredible.calls("POST", "/v1/credentials") == []
    for row in rows:
        row.refresh_from_db()
        stored = accredible.credentials[row.payload["data"]["credential_id"]]
        assert (row.status, row.remote_id, row.remote_url) == (Status.DONE, str(stored["id"]), stored["url"])
        assert "bulk" in row.response_summary and row.attempts == 1


def test_a_refused_credential_goes_alone_next_and_never_fails_its_neighbours(organization, connection, accredible):
    good = _queued(organization, count=2)
    [bad] = _queued(organization, count=1, course_code="SAFE-999", first=2)

    delivery_perform(delivery_id=bad.pk)  # the refused one leads the batch: its neighbours are still made

    assert len(_sent(accredible)) == 1
    for row in good:
        row.refresh_from_db()
        assert row.status == Status.DONE
    bad.refresh_from_db()
    assert bad.status == Status.QUEUED and bad.attempts == 1
    assert "refused it (credential_invalid" in bad.last_error and "Invalid Group" in bad.last_error

    # Its retry goes alone, through the single call, which fails it for good with Accredible's own reason.
    bad = delivery_perform(delivery_id=bad.pk, now=bad.next_attempt_at)
    assert len(_sent(accredible)) == 1 and len(accredible.calls("POST", "/v1/credentials")) == 1
    assert bad.status == Status.FAILED and "Invalid Group" in bad.last_error


def test_one_an_earlier_attempt_made_is_adopted_on_its_own_retry(organization, connection, accredible):
    rows = _queued(organization, count=2)
    taken = rows[1].payload["data"]["credential_id"]
    accredible.credentials[taken] = {"id": 777, "custom_id": taken, "url": "https://www.credential.example/777",
                                     "recipient": {"email": "learner1@learners.example"}, "approve": True}

    delivery_perform(delivery_id=rows[0].pk)
    duplicate = OutboundDelivery.objects.get(pk=rows[1].pk)
    assert duplicate.status == Status.QUEUED and "has already been taken" in duplicate.last_error

    duplicate = delivery_perform(delivery_id=duplicate.pk, now=duplicate.next_attempt_at)
    assert (duplicate.status, duplicate.remote_id) == (Status.DONE, "777")
    assert len(accredible.credentials) == 2  # adopted, never made twice


def test_a_429_on_the_bulk_call_holds_every_row_without_spending_an_attempt(organization, connection, accredible):
    rows = _queued(organization, count=3)
    accredible.script = [("fail", 429, {"retry-after": "90"}, {"errors": "Rate limit exceeded"})]

    delivery_perform(delivery_id=rows[0].pk)

    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Status.QUEUED, 0)
        assert (row.next_attempt_at - row.sending_started_at).total_seconds() == 90
    # When the wait is over they go together again.
    delivery_perform(delivery_id=rows[2].pk, now=rows[2].next_attempt_at)
    assert len(_sent(accredible)) == 2 and len(_sent(accredible)[1]) == 3
    assert set(OutboundDelivery.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {Status.DONE}


def test_after_a_bulk_call_timed_out_each_row_is_looked_up_alone_and_nothing_is_made_twice(
        organization, connection, accredible, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    rows = _queued(organization, count=3)
    accredible.script = [("stall", 1.5)]  # Accredible makes them, but answers too late

    delivery_perform(delivery_id=rows[0].pk)
    for row in rows:
        row.refresh_from_db()
        assert row.status == Status.QUEUED and row.outcome_unknown

    for row in rows:
        row = delivery_perform(delivery_id=row.pk, now=row.next_attempt_at)
        assert row.status == Status.DONE and "earlier attempt" in row.response_summary
    assert len(accredible.credentials) == 3 and len(_sent(accredible)) == 1
    assert accredible.calls("POST", "/v1/credentials") == []


def test_a_credential_made_without_credits_is_done_and_says_it_was_not_published(organization, connection, accredible):
    accredible.credits = 1
    rows = _queued(organization, count=2)

    delivery_perform(delivery_id=rows[0].pk)

    first, second = (OutboundDelivery.objects.get(pk=row.pk) for row in rows)
    assert first.status == second.status == Status.DONE
    assert "insufficient_credits" not in first.response_summary
    assert "The credential was created but not published (insufficient_credits)." in second.response_summary


def test_bulk_1_sends_each_credential_on_its_own(organization, connection, accredible):
    connection.settings = {**connection.settings, "bulk": "1"}
    connection.save(update_fields=["settings"])
    rows = _queued(organization, count=2)

    delivery_perform(delivery_id=rows[0].pk)

    assert _sent(accredible) == [] and len(accredible.calls("POST", "/v1/credentials")) == 1
    assert OutboundDelivery.objects.get(pk=rows[1].pk).status == Status.QUEUED


@pytest.mark.parametrize("value", ["0", "31", "many"])
def test_the_bulk_setting_is_checked_by_name(organization, accredible, value):
    with pytest.raises(Exception, match="bulk"):
        connection_add(organization=organization, kind="accredible", secret="k",
                       settings={"base_url": accredible.url, "bulk": value}, mappings={"SAFE-101": "1234"})
