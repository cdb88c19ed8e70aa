"""A worker killed in the middle of a poll: its lease keeps others out until it lapses, then the
next poll resumes where the dead one stopped and nothing is stored or issued twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential, SourcePoll
from issuance.sweep import completion_events_sweep
from tests.pipeline.cluster import database_url

from stand_ins.lms import CanvasRestServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

TOKEN = "canvas-token-crash"
LEARNERS = 12


@pytest.fixture
def canvas():
    server = CanvasRestServer(token=TOKEN, page_cap=2).start()
    yield server
    server.stop()


def test_a_poll_killed_midway_resumes_after_its_lease_lapses_without_duplicates(make_source, canvas, worker):
    source = make_source("canvas", settings={"canvas_url": canvas.url, "api_token": TOKEN}, mappings={"42": "SAF-101"})
    for n in range(LEARNERS):
        canvas.enrol("42", 800 + n, email=f"learner{n}@example.org", name=f"Learner {n}",
                     completed_at=f"2026-01-05T09:{n:02d}:00Z", final_score=80.0)
    canvas.faults.delay = 0.2  # a slow Canvas, so the kill lands mid-poll
    env = {**os.environ, "DATABASE_URL": database_url(), "LAUREL_ALLOW_PRIVATE_TARGETS": "1", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "manage.py", "poll", "--source", source.slug], cwd=settings.BASE_DIR,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while CompletionEvent.objects.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # as an OOM killer would: no cleanup, the lease stays taken
        process.wait()
    stored = CompletionEvent.objects.count()
    assert 2 <= stored < LEARNERS

    assert source_poll(source=source).outcome == "skipped"  # the dead poll's lease still holds
    SourcePoll.objects.filter(source=source).update(lease_until=timezone.now() - timedelta(seconds=1))  # it lapses
    canvas.faults.delay = 0
    report = source_poll(source=source)
    # The kill can land after a page committed but before its events were queued (on_commit): the
    # sweep re-queues accepted events that no worker took, as it does after LAUREL_EVENT_STALL_SECONDS.
    completion_events_sweep(stalled_after=0)
    worker.run()

    assert report.outcome == "done" and report.new == LEARNERS - stored
    assert CompletionEvent.objects.count() == LEARNERS
    assert Credential.objects.count() == LEARNERS
