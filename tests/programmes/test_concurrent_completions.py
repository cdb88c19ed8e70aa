"""Two constituent completions finishing at the same instant on two workers award the programme once
(PostgreSQL: the partial unique index decides; SQLite: its immediate transactions take turns)."""

import threading
import time

import pytest
from django.db import connections, transaction

from issuance.models import Issuance, ProgrammeAward
from issuance.programmes.awards import programme_awards_claim
from issuance.worker import issuance_advance
from tests.pipeline.conftest import complete, drive

State = Issuance.State


def advance_to(issuance, state):
    for _ in range(10):
        issuance.refresh_from_db()
        if issuance.state == state:
            return issuance
        issuance_advance(issuance_id=issuance.pk)
    raise AssertionError(f"{issuance} stopped in {issuance.state}, not {state}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_awards_the_programme_once_when_two_constituents_finish_together(smtp, courses, make_programme):
    learners = 3
    programme = make_programme()
    pairs = []
    for n in range(learners):
        email = f"learner{n}@learners.example"
        drive(complete(courses["FA-101"], email=email))
        # Fire Safety and Manual Handling both hold their credential and wait for their last step, sync.
        pairs.append([advance_to(complete(courses[code], email=email), State.DELIVERED) for code in ("FS-101", "MH-101")])

    barrier, errors = threading.Barrier(2), []

    def worker(issuances):
        try:
            for issuance in issuances:
                barrier.wait(timeout=30)
                issuance_advance(issuance_id=issuance.pk)
        except Exception as exc:  # noqa: BLE001  (reported below, with the thread's own connection closed)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=([pair[side] for pair in pairs],)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert Issuance.objects.filter(state=State.SYNCED, course__code__in=["FS-101", "MH-101"]).count() == 2 * learners
    assert ProgrammeAward.objects.filter(programme=programme).count() == learners
    programme_issuances = Issuance.objects.filter(course=programme.course)
    assert programme_issuances.count() == learners
    for issuance in programme_issuances:
        assert drive(issuance).state == State.SYNCED
    assert sorted(programme_issuances.values_list("learner__email", flat=True)) == sorted(
        f"learner{n}@learners.example" for n in range(learners))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_simultaneous_claims_win(smtp, courses, make_programme):
    """The award row alone, without the audit chain's ordering around it: both workers find the learner
    satisfies the programme before either has committed, and only the first insert stands."""
    for code in ("FA-101", "FS-101", "MH-101"):
        drive(complete(courses[code]))
    programme = make_programme()  # made afterwards: nothing has claimed it yet
    learner = Issuance.objects.first().learner
    barrier, claimed, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                claimed.append(len(programme_awards_claim(learner=learner, achievement_id=courses["MH-101"].achievement_id)))
                time.sleep(0.5)  # hold the transaction open, so the other worker reads before this one commits
        except Exception as exc:  # noqa: BLE001  (reported below, with the thread's own connection closed)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(claimed) == [0, 1]
    assert ProgrammeAward.objects.filter(programme=programme, learner=learner).count() == 1
