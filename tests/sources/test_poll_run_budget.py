"""A scheduled poll never holds a worker longer than LAUREL_POLL_RUN_SECONDS (#28): it stops, queues its next
run, and that run resumes from the cursor; the course's completions are all stored, each once."""

import pytest

from issuance.intake.tasks import source_poll_scheduled
from issuance.models import CompletionEvent
from stand_ins.lms import CanvasRestServer
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]

TOKEN = "canvas-token-run-budget"


@pytest.fixture
def canvas():
    server = CanvasRestServer(token=TOKEN, page_cap=2).start()
    yield server
    server.stop()


@pytest.fixture
def source(make_source, canvas):
    return make_source("canvas", settings={"canvas_url": canvas.url, "api_token": TOKEN}, mappings={"42": "SAF-101"})


def _enrol(canvas, count: int) -> None:
    for n in range(1, count + 1):
        canvas.enrol("42", 800 + n, email=f"learner{n}@example.org", name=f"Learner {n}",
                     completed_at="2026-01-05T09:00:00Z" if n % 2 else None, final_score=91.0)


def test_a_scheduled_poll_out_of_time_hands_over_and_its_next_runs_finish_the_course(settings, source, canvas,
                                                                                      django_capture_on_commit_callbacks):
    settings.LAUREL_POLL_RUN_SECONDS = 0  # every run: one page, then it hands over
    _enrol(canvas, 9)

    runs = []
    with django_capture_on_commit_callbacks() as queued:
        while len(runs) < 60:
            runs.append(source_poll_scheduled(source.slug))
            if "the next run carries on" not in runs[-1]:
                break

    assert len(runs) > 3, runs
    # One page a run (its enrollments, then two learners' progress at most), however much is left.
    assert all(int(run.split(" requests")[0].rsplit(" ", 1)[1]) <= 3 for run in runs), runs
    assert all("the next run carries on" in run for run in runs[:-1]) and "carries on" not in runs[-1]
    assert CompletionEvent.objects.filter(source=source).count() == 5  # learners 1, 3, 5, 7 and 9, each once
    assert len(queued) >= len(runs) - 1


def test_a_run_makes_the_same_statements_with_ten_times_the_learners(settings, make_source, org):
    """A regression guard, not a timing: a run out of time reads and stores one page, whatever the course."""
    settings.LAUREL_POLL_RUN_SECONDS = 0

    def first_run(count: int) -> int:
        server = CanvasRestServer(token=TOKEN, page_cap=2).start()
        try:
            _enrol(server, count)
            polled = make_source("canvas", slug=f"canvas-{count}", settings={"canvas_url": server.url, "api_token": TOKEN},
                                 mappings={"42": "SAF-101"})
            with CaptureQueriesContext(connection) as queries:
                assert "the next run carries on" in source_poll_scheduled(polled.slug)
            return len([query for query in queries.captured_queries
                        if "laurel_cache" not in query["sql"] and "SAVEPOINT" not in query["sql"]])
        finally:
            server.stop()

    assert first_run(6) == first_run(60)
