"""Work is taken in turns per organisation (issuance/step_queue.py, ADR 0013), through a real cluster too."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.brokers import get_broker

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.models import Issuance, WaitingTurn
from issuance.step_queue import Kind, turn_push, turn_take
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.factories.issuance import organization_with_templates
from tests.faults.completions import profile_broker
from tests.pipeline.cluster import Cluster, wait_until
from tests.pipeline.conftest import complete


def test_a_second_organisation_is_served_at_the_next_turn_and_each_keeps_its_order(db):
    for n in range(5):
        turn_push(kind=Kind.ISSUANCE, ref=f"a{n}", organization_id=1)
    turn_push(kind=Kind.ISSUANCE, ref="b0", organization_id=2)
    turn_push(kind=Kind.ISSUANCE, ref="b1", organization_id=2)
    turn_push(kind=Kind.EMAIL, ref="a-mail", organization_id=1)  # another kind has its own turns

    taken = [turn_take(kind=Kind.ISSUANCE) for _ in range(8)]

    assert taken == ["a0", "b0", "a1", "b1", "a2", "a3", "a4", None]
    assert turn_take(kind=Kind.EMAIL) == "a-mail"


def test_an_organisation_arriving_mid_burst_takes_the_round_being_served(db):
    for n in range(6):
        turn_push(kind=Kind.EVENT, ref=f"a{n}", organization_id=1)
    assert [turn_take(kind=Kind.EVENT) for _ in range(3)] == ["a0", "a1", "a2"]

    turn_push(kind=Kind.EVENT, ref="c0", organization_id=3)

    assert [turn_take(kind=Kind.EVENT) for _ in range(2)] == ["a3", "c0"]


def test_a_row_queued_twice_keeps_its_first_place(db):
    assert turn_push(kind=Kind.ISSUANCE, ref="a0", organization_id=1)
    turn_push(kind=Kind.ISSUANCE, ref="a1", organization_id=1)
    assert not turn_push(kind=Kind.ISSUANCE, ref="a0", organization_id=1)

    assert [turn_take(kind=Kind.ISSUANCE) for _ in range(3)] == ["a0", "a1", None]


def test_a_retry_is_not_taken_before_it_is_due(db):
    turn_push(kind=Kind.DELIVERY, ref="later", organization_id=1, not_before=timezone.now() + timedelta(seconds=60))
    turn_push(kind=Kind.DELIVERY, ref="now", organization_id=1)

    assert [turn_take(kind=Kind.DELIVERY), turn_take(kind=Kind.DELIVERY)] == ["now", None]
    WaitingTurn.objects.filter(ref="later").update(not_before=timezone.now() - timedelta(seconds=1))
    assert turn_take(kind=Kind.DELIVERY) == "later"


def _course(slug: str):
    org = organization_with_templates(name=slug.title(), slug=slug)
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=org, name="First Aid", validity_amount=12, validity_unit="months")
    return CourseFactory(organization=org, code="FA-1", title="First Aid", achievement=achievement, ruleset=ruleset)


BURST = 120


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_organisations_burst_does_not_hold_back_anothers_completion(smtp, tmp_path, monkeypatch):
    """A's burst is queued ahead of B's one completion; a first-in-first-out queue would email B last."""
    burst_course, single_course = _course("burst"), _course("single")
    cluster = Cluster(broker=profile_broker(), smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch)
    try:
        burst = [complete(burst_course, email=f"a{n}@learners.example", score=92) for n in range(BURST)]
        cluster.start()
        a_done = Issuance.objects.filter(organization=burst_course.organization, finished_at__isnull=False)
        assert wait_until(lambda: a_done.count() >= 3, timeout=120), "the cluster did not start on the burst"

        posted = time.monotonic()
        single = complete(single_course, email="b@learners.example", score=92)
        assert wait_until(lambda: smtp.to("b@learners.example"), timeout=120, every=0.1), "B's credential was never emailed"
        waited = time.monotonic() - posted
        a_left = BURST - a_done.count()

        # First in, first out, B would have waited for every one of A's credentials.
        assert a_left >= BURST // 2, f"B was emailed after {waited:.1f} s, with only {a_left} of A's {BURST} left"
        # The email goes out before the issuance's last step commits.
        assert wait_until(lambda: Issuance.objects.filter(pk=single.pk, state=Issuance.State.SYNCED).exists(), timeout=60)
        assert Issuance.objects.filter(pk__in=[issuance.pk for issuance in burst], finished_at__isnull=True).exists()
    finally:
        cluster.stop()
        if cluster.env.get("REDIS_URL"):
            get_broker().delete_queue()


def test_the_statements_name_the_models_table():
    from issuance import step_queue as turns

    for statement in (turns._PUSH, turns._TAKE, turns._TAKE_SKIPPING_LOCKED):
        assert f" {WaitingTurn._meta.db_table} " in statement


def test_a_turn_whose_task_was_lost_gets_a_task_from_the_sweep(db, settings):
    from django_q.signing import SignedPackage

    from issuance.sweep import turns_sweep

    broker = get_broker()
    broker.purge_queue()
    settings.LAUREL_STALL_SECONDS = 120
    turn_push(kind=Kind.EMAIL, ref="41", organization_id=1)  # its task went with a Redis restarted empty
    turn_push(kind=Kind.EMAIL, ref="42", organization_id=1)  # its task is surely still queued
    WaitingTurn.objects.filter(ref="41").update(created_at=timezone.now() - timedelta(seconds=300))
    try:
        assert turns_sweep() == 1
        package = SignedPackage.loads(broker.dequeue()[0][1])
        assert (package["func"], package["args"]) == ("issuance.delivery.tasks.outbox_send_task", ("41",))
    finally:
        broker.purge_queue()
