"""An issuance a webhook's intake task opens is written with that task's lease and carried on without a claim."""

from datetime import timedelta

from django.utils import timezone

from issuance.models import Issuance
from issuance.step_queue import issuances_started_here
from issuance.transitions import issuance_claim
from issuance.worker import issuance_started_advance
from tests.pipeline.conftest import complete


def test_no_other_worker_takes_it_before_its_first_step(course):
    with issuances_started_here() as started:
        opened = complete(course, score=92)
    assert started == [opened]
    assert opened.claim_token and opened.claimed_until > timezone.now()
    assert issuance_claim(issuance_id=opened.pk) is None  # another worker, meanwhile


def test_a_task_that_died_before_the_first_step_leaves_it_to_whoever_comes_after_the_lease(course):
    with issuances_started_here():
        opened = complete(course, score=92)
    Issuance.objects.filter(pk=opened.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert issuance_claim(issuance_id=opened.pk) is not None


def test_the_task_carries_it_through_its_steps(smtp, course):
    with issuances_started_here() as started:
        complete(course, score=92)
    [opened] = started
    assert issuance_started_advance(opened) == Issuance.State.SYNCED
    opened.refresh_from_db()
    assert opened.state == Issuance.State.SYNCED and opened.claim_token == ""
    assert len(smtp.to("ann@learners.example")) == 1
