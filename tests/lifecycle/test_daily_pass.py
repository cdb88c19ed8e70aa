"""The daily lifecycle task in short runs (#28): a backlog is worked through in runs that each stop at their
time budget and queue the next; the pass as a whole expires, counts, gates and sends as one run did."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issuance.lifecycle import reminders, tasks
from issuance.lifecycle.tasks import RemindersRefused, lifecycle_daily
from issuance.models import Credential, RenewalReminder

FINISHED = ("expired", "total:")


@pytest.fixture
def short_runs(monkeypatch):
    """Runs that stop after their first batch, of two candidates: the most runs a pass can take."""
    monkeypatch.setattr(tasks, "RUN_SECONDS", 0)
    monkeypatch.setattr(reminders, "PLAN_BATCH", 2)


def _due_in_30_days(hold, count: int, first: int = 0, days: int = 30) -> None:
    for n in range(first, first + count):
        hold(email=f"learner{n}@learners.example", name=f"Learner {n}", expires=timezone.now() + timedelta(days=days))


def _until_finished(limit: int = 50) -> list[str]:
    summaries = []
    for _ in range(limit):
        summaries.append(lifecycle_daily())
        if "total:" in summaries[-1]:
            return summaries
    raise AssertionError(f"the pass did not finish in {limit} runs: {summaries[-3:]}")


def test_it_works_a_backlog_through_in_short_runs_and_sends_each_reminder_once(smtp, hold, short_runs,
                                                                              django_capture_on_commit_callbacks):
    _due_in_30_days(hold, 5)
    lapsed = hold(email="gone@learners.example", expires=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks() as queued:
        summaries = _until_finished()

    assert len(summaries) > 3, summaries  # expiry, then planning two by two, then sending one by one
    assert all("the next run carries on" in summary for summary in summaries[:-1])
    assert summaries[-1].startswith("expired 1; reminders: ")
    # Five 30 days before, and the lapsed one's on the day of expiry (yesterday: not stale).
    assert "30 days before expiry: 5 sent, 0 suppressed; on the day of expiry: 1 sent" in summaries[-1]
    assert "total: 6 sent, 0 suppressed" in summaries[-1]
    assert Credential.objects.get(pk=lapsed.pk).status == Credential.Status.EXPIRED
    assert RenewalReminder.objects.exclude(outcome=RenewalReminder.Outcome.SKIPPED).count() == 6
    for address in [f"learner{n}@learners.example" for n in range(5)] + ["gone@learners.example"]:
        assert len(smtp.to(address)) == 1
    # Each unfinished run queued the next one (the emails' own callbacks aside).
    assert len(queued) >= len(summaries) - 1
    # The next day's run is a new pass, with nothing left to send.
    assert "total: 0 sent, 0 suppressed" in _until_finished()[-1]


def test_it_reads_as_one_run_did_when_the_pass_fits_in_one(smtp, hold):
    _due_in_30_days(hold, 3)

    summary = lifecycle_daily()

    assert summary.startswith("expired 0; reminders: ")
    assert "30 days before expiry: 3 sent, 0 suppressed" in summary and "total: 3 sent, 0 suppressed" in summary


def test_it_refuses_the_whole_backlog_above_the_cap_having_counted_it_across_runs(smtp, hold, short_runs, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "4")
    _due_in_30_days(hold, 5)

    with pytest.raises(RemindersRefused, match="would email 5 learners.*--yes-send 5"):
        _until_finished()
    assert smtp.messages == []


def test_a_run_makes_the_same_statements_with_ten_times_the_backlog(smtp, hold, short_runs):
    """A regression guard, not a timing: each run reads one batch, however many reminders are due."""

    def planning_run() -> list[str]:
        lifecycle_daily()  # expiry
        with CaptureQueriesContext(connection) as queries:
            assert "reminders: plan (" in lifecycle_daily()
        return [query["sql"] for query in queries.captured_queries
                if "laurel_cache" not in query["sql"] and "SAVEPOINT" not in query["sql"]]

    _due_in_30_days(hold, 3)
    small = planning_run()
    _until_finished()
    _due_in_30_days(hold, 30, first=3, days=20)  # read first: each planning run's batch has two due
    large = planning_run()
    assert len(small) == len(large), (small, large)
